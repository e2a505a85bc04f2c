"""BlenderAdapter: selected movie/image strips become shots; a layer becomes an image strip over the plate.

bpy 4.2 (Python API reference, bpy.types.Sequence / MovieSequence / ImageSequence):
``frame_start`` is where the strip's content starts, its content being the media after
``animation_offset_start`` frames ("Hold Offset" in the Time panel; media frame ``animation_offset_start``
sits at ``frame_start``), ``frame_offset_start`` how many content frames are trimmed off its start
(negative: the first frame held before the footage), ``frame_final_start``/``frame_final_end`` the
first shown frame and the frame after the last; the scene rate is ``render.fps / render.fps_base``.
``SequencesCollection.new_image(name, filepath, channel, frame_start)`` makes an image strip;
``elements.append(filename)`` adds frames from the same folder; ``blend_type = 'ALPHA_OVER'`` composites it over the channels below;
``transform.offset_x/offset_y`` (keyframed per frame) put each EXR's data window where its file says.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from faceplate_host.hosts.blender.exr_window import centre_offset, exr_windows
from faceplate_host.shots import DEFAULT_FIRST_FRAME, FrameSpan, LayerPlacement, Shot, ShotError, exact_rate

MAX_CHANNEL = 128
_LAST_DIGITS = re.compile(r"(\d+)(?=\D*$)")


def _bpy():
    import bpy  # only inside Blender (or bpy from PyPI)

    return bpy


class BlenderAdapter:
    host = "blender"

    def __init__(self, bpy_module: Any = None, scene: Any = None):
        self.bpy = bpy_module or _bpy()
        self._scene = scene

    @property
    def scene(self) -> Any:
        return self._scene or self.bpy.context.scene

    def editor(self) -> Any:
        if self.scene.sequence_editor is None:
            raise ShotError(f"scene {self.scene.name!r} has no sequencer strips: add the plate in the Video Sequencer")
        return self.scene.sequence_editor

    # --- collect ---------------------------------------------------------------------------
    def collect(self) -> list[Shot]:
        strips = [s for s in self.editor().sequences_all if s.select and s.type in ("MOVIE", "IMAGE")]
        if not strips:
            raise ShotError("select the plate's movie or image strip in the Video Sequencer first")
        render = self.scene.render
        rate = exact_rate(render.fps / render.fps_base)
        return [self.strip_shot(s, rate) for s in sorted(strips, key=lambda s: (s.frame_final_start, s.channel))]

    def strip_shot(self, strip: Any, rate) -> Shot:
        record = FrameSpan(int(strip.frame_final_start), int(strip.frame_final_end) - 1)
        refuse_held_ends(strip)
        index = media_index(strip)
        if strip.type == "MOVIE":
            if exact_rate(strip.fps) != rate:
                raise ShotError(
                    f"strip {strip.name!r} is {strip.fps:g} fps in a {float(rate):g} fps scene: set the "
                    "scene's frame rate to the plate's (Output Properties > Format)"
                )
            media, first_number = self.bpy.path.abspath(strip.filepath), DEFAULT_FIRST_FRAME
            first_frame = DEFAULT_FIRST_FRAME
        else:
            media, first_number = self.image_pattern(strip)
            first_frame = None
        element = strip.elements[0] if len(strip.elements) else None
        size = (int(element.orig_width), int(element.orig_height)) if element and element.orig_width else None
        source_first = first_number + index
        return Shot(
            name=strip.name,
            media=os.path.normpath(media),
            record=record,
            rate=rate,
            source=FrameSpan(source_first, source_first + record.count - 1),
            first_frame=first_frame,
            resolution=size,
            track=f"channel {strip.channel}",
            timeline=self.scene.name,
            clip_id=strip.name,
            metadata={"blender_colorspace": strip.colorspace_settings.name},
        )

    def image_pattern(self, strip: Any) -> tuple[str, int]:
        """``folder/plate.####.exr`` and its first frame number, from the strip's first file name."""
        first = strip.elements[0].filename
        match = _LAST_DIGITS.search(first)
        if not match:
            raise ShotError(f"strip {strip.name!r}: {first} has no frame number; a still cannot be a plate")
        pattern = first[: match.start()] + "#" * len(match.group(1)) + first[match.end() :]
        return os.path.join(self.bpy.path.abspath(strip.directory), pattern), int(match.group(1))

    # --- place -----------------------------------------------------------------------------
    def place(self, placement: LayerPlacement) -> None:
        """A version of the layer: the shot's layer preview goes, earlier versions are muted (kept)."""
        self.remove_previews(placement.shot)
        name = f"{placement.shot} faceplate"
        earlier = [s for s in self.editor().sequences_all if s.name.startswith(name)]
        self.add_strip(placement)
        for other in earlier:
            other.mute = True
        self.mark_flags(placement)

    def place_preview(self, placement: LayerPlacement) -> None:
        """A layer preview made while the shot trains (``<plate> faceplate preview it500``), replacing the last one;
        the versions placed stay as they are (the preview, on a channel above them, is what shows)."""
        self.remove_previews(placement.shot)
        self.add_strip(placement)

    def remove_previews(self, shot: str) -> None:
        """The shot's preview strips, with their data-window keyframes."""
        editor = self.editor()
        for strip in [s for s in editor.sequences_all if s.name.startswith(f"{shot} faceplate preview")]:
            prefix = strip.transform.path_from_id()
            action = self.scene.animation_data.action if self.scene.animation_data else None
            for curve in [c for c in action.fcurves if c.data_path.startswith(prefix)] if action else []:
                action.fcurves.remove(curve)
            editor.sequences.remove(strip)

    def add_strip(self, placement: LayerPlacement) -> Any:
        """The layer as an image strip on a new channel above every strip, at exactly the clip's frames."""
        editor = self.editor()
        plate = editor.sequences_all.get(placement.shot)
        if plate is None:
            raise ShotError(f"no strip {placement.shot!r} in scene {self.scene.name!r}: was the plate renamed?")
        channel = max(s.channel for s in editor.sequences_all) + 1  # a new channel, above every strip
        if channel > MAX_CHANNEL:
            raise ShotError(f"no free channel above {plate.name!r}: the sequencer has {MAX_CHANNEL}")
        files = placement.files()
        missing = [f for f in files if not os.path.isfile(f)]
        if missing:
            raise ShotError(f"layer frame {missing[0]} is missing ({len(missing)} of {len(files)}): render them again")
        version = placement.metadata.get("version") or ""
        strip = editor.sequences.new_image(
            name=f"{placement.shot} faceplate {version}".rstrip(),
            filepath=files[0],
            channel=channel,
            frame_start=placement.record.first,
        )
        for path in files[1:]:
            strip.elements.append(os.path.basename(path))
        strip.blend_type = "ALPHA_OVER"
        strip.select = False  # the plate stays the selection: the next send (a review note) sends the plate again
        strip.alpha_mode = "PREMUL"  # the layer is premultiplied RGBA
        strip.colorspace_settings.name = plate.colorspace_settings.name  # written in the plate's colour space
        self.align_data_windows(strip, placement, files)
        self.check_placed(strip, placement, channel)
        return strip

    def mark_flags(self, placement: LayerPlacement) -> None:
        """QC flags as timeline markers (Blender's have no length: a flag of several frames gets a marker at its
        first frame naming the range and one at its last); an earlier version's markers on these frames go."""
        markers = self.scene.timeline_markers
        for marker in list(markers):
            if (
                marker.name.startswith("faceplate QC")
                and placement.record.first <= marker.frame <= placement.record.last
            ):
                markers.remove(marker)
        for span, reason in placement.flags_on_record():
            if span.count == 1:
                markers.new(name=f"faceplate QC: {reason}", frame=span.first)
            else:
                markers.new(name=f"faceplate QC: {reason} ({span})", frame=span.first)
                markers.new(name=f"faceplate QC end: {reason}", frame=span.last)

    def align_data_windows(self, strip: Any, placement: LayerPlacement, files: list) -> None:
        """Blender shows only an EXR's data window, centred; move each frame back to where its file puts it
        (one offset keyframe per frame, held until the next)."""
        offsets = [centre_offset(*exr_windows(f)) if f.lower().endswith(".exr") else (0.0, 0.0) for f in files]
        if not any(x or y for x, y in offsets):
            return
        for frame, (x, y) in zip(placement.record.frames(), offsets):
            strip.transform.offset_x, strip.transform.offset_y = x, y
            strip.transform.keyframe_insert("offset_x", frame=frame)
            strip.transform.keyframe_insert("offset_y", frame=frame)
        prefix = strip.transform.path_from_id()
        for curve in self.scene.animation_data.action.fcurves:
            if curve.data_path.startswith(prefix):
                for point in curve.keyframe_points:
                    point.interpolation = "CONSTANT"

    def check_placed(self, strip: Any, placement: LayerPlacement, channel: int) -> None:
        placed = (int(strip.frame_final_start), int(strip.frame_final_end) - 1, int(strip.channel))
        wanted = (placement.record.first, placement.record.last, channel)
        if placed != wanted:
            raise ShotError(
                f"Blender put the layer at frames {placed[0]}-{placed[1]} on channel {placed[2]}, not "
                f"{wanted[0]}-{wanted[1]} on channel {wanted[2]}"
            )

    # --- select ----------------------------------------------------------------------------
    def select(self, shot: Shot) -> None:
        editor = self.editor()
        strip: Optional[Any] = editor.sequences_all.get(shot.clip_id or shot.name)
        if strip is None:
            raise ShotError(f"no strip {shot.clip_id or shot.name!r} in scene {self.scene.name!r}")
        for other in editor.sequences_all:
            other.select = False
        strip.select = True
        editor.active_strip = strip
        self.scene.frame_current = shot.record.first


def media_index(strip: Any) -> int:
    """The media frame (0 = the file's first) shown on the strip's first frame: the hold offset
    (``animation_offset_start``, media frames skipped before ``frame_start``) plus the trim
    (``frame_offset_start``, strip frames cut off after it)."""
    return int(round(strip.animation_offset_start)) + int(round(strip.frame_offset_start))


def refuse_held_ends(strip: Any) -> None:
    """A strip dragged past its footage (a negative ``frame_offset_start``/``frame_offset_end``) holds the
    first or last frame still over those frames: no motion to swap frame for frame."""
    held = [
        (end, -int(round(value)))
        for end, value in (("first", strip.frame_offset_start), ("last", strip.frame_offset_end))
        if value < 0
    ]
    if held:
        end, count = held[0]
        raise ShotError(
            f"strip {strip.name!r} holds its {end} frame still for {count} frames past its footage; "
            f"trim the strip to the footage (or render the hold) before sending it"
        )
