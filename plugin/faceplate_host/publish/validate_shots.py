"""Validate each shot: its media is there, whole, at the timeline's rate, and covers the range."""

import os
from fractions import Fraction

import pyblish.api

from faceplate_host.publishing import FAMILY, HOSTS, SelectClip
from faceplate_host.shots import FrameSpan, frame_path, is_sequence

MISSING_SHOWN = 5


class ValidateClipsSwappable(pyblish.api.ContextPlugin):
    """Every chosen clip became a shot: none retimed, reversed or without media."""

    label = "Clips can be swapped"
    order = pyblish.api.ValidatorOrder
    hosts = HOSTS

    def process(self, context):
        refused = context.data.get("faceplate_refused") or []
        if refused:
            raise ValueError("; ".join(refused))
        if not context:
            raise ValueError("no clip is marked; mark the clips to swap (e.g. a marker named FACE) and publish again")


class ValidateMediaReadable(pyblish.api.InstancePlugin):
    label = "Media exists and is readable"
    order = pyblish.api.ValidatorOrder
    families = [FAMILY]
    hosts = HOSTS
    actions = [SelectClip]

    def process(self, instance):
        shot = instance.data["shot"]
        if is_sequence(shot.media):
            folder = os.path.dirname(shot.media) or "."
            if not os.path.isdir(folder):
                raise ValueError(
                    f"clip {shot.name!r}: the media folder {folder} does not exist; relink the clip to its frames"
                )
            return
        if not os.path.isfile(shot.media):
            raise ValueError(f"clip {shot.name!r}: media {shot.media} does not exist; relink the clip to its file")
        if not os.access(shot.media, os.R_OK):
            raise ValueError(f"clip {shot.name!r}: media {shot.media} cannot be read; fix its permissions")


class ValidateNoMissingFrames(pyblish.api.InstancePlugin):
    label = "No missing frames"
    order = pyblish.api.ValidatorOrder + 0.01
    families = [FAMILY]
    hosts = HOSTS
    actions = [SelectClip]

    def process(self, instance):
        shot = instance.data["shot"]
        if not is_sequence(shot.media) or not os.path.isdir(os.path.dirname(shot.media) or "."):
            return
        missing = [f for f in shot.render_span.frames() if not os.access(frame_path(shot.media, f), os.R_OK)]
        if missing:
            shown = ", ".join(str(f) for f in missing[:MISSING_SHOWN]) + (
                " ..." if len(missing) > MISSING_SHOWN else ""
            )
            raise ValueError(
                f"clip {shot.name!r}: {len(missing)} of frames {shot.render_span} missing or unreadable "
                f"in {shot.media} ({shown}); render or copy the missing frames, or lower the handles"
            )


class ValidateFrameRate(pyblish.api.InstancePlugin):
    label = "Media rate matches the timeline"
    order = pyblish.api.ValidatorOrder
    families = [FAMILY]
    hosts = HOSTS
    actions = [SelectClip]

    def process(self, instance):
        shot = instance.data["shot"]
        timeline_rate = shot.metadata.get("timeline_rate")
        if not timeline_rate:
            return  # the host timeline's rate is the shot's own rate
        if Fraction(timeline_rate) != shot.rate:
            raise ValueError(
                f"clip {shot.name!r}: media at {float(shot.rate):.3f} fps on a "
                f"{float(Fraction(timeline_rate)):.3f} fps timeline; conform the media (or the timeline) "
                f"so they match frame for frame"
            )


class ValidateRangeInMedia(pyblish.api.InstancePlugin):
    label = "Range inside the media"
    order = pyblish.api.ValidatorOrder
    families = [FAMILY]
    hosts = HOSTS
    actions = [SelectClip]

    def process(self, instance):
        shot = instance.data["shot"]
        if not shot.metadata.get("media_frames"):
            return  # the host did not say how long the media is: the engine checks when it reads it
        media = FrameSpan.parse(shot.metadata["media_frames"])
        if not media.contains(shot.source):
            raise ValueError(
                f"clip {shot.name!r}: uses frames {shot.source} but the media holds {media}; "
                f"trim the clip inside its media"
            )
        if not media.contains(shot.render_span):
            room = min(shot.source.first - media.first, media.last - shot.source.last)
            raise ValueError(
                f"clip {shot.name!r}: with {shot.handles} handles it needs frames {shot.render_span} "
                f"but the media holds {media}; lower the handles to {max(room, 0)}"
            )
