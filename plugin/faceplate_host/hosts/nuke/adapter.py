"""NukeAdapter: the selected Read nodes become shots; a layer becomes a Read merged ``over`` the plate.

Nuke calls used, from Foundry's Python reference (learn.foundry.com/nuke/developers/, "nuke" module):
``nuke.selectedNodes(filter)``, ``nuke.toNode(name)``, ``nuke.root()``, ``nuke.nodes.<Class>()``,
``Node.knob``/``node[name]`` with ``Knob.value()``/``setValue()``, ``Node.setInput(i, node)``,
``Node.format()``, ``Node.xpos()/ypos()/setXYpos()``, ``Node.setSelected()``, ``nuke.show(node)``,
``nuke.filename(node)`` (the file knob with its Tcl expanded, ``%04d`` kept). A Read's ``frame_mode``
("expression" / "start at" / "offset") and ``frame`` knobs shift its file frames on the script's
frames (Reference Guide > Read); the layer's Read gets the same shift.
The script's rate is ``nuke.root()['fps'].value()`` (a float, 23.976...), not ``Root.fps()`` which
rounds to an int.

Merge inputs (Foundry, Reference Guide > Merge: "A: the image sequence to merge with input B";
"over - layers image A over B according to the alpha of A"): input 0 is B (the background, the pipe
that passes through when the node is disabled), input 1 is A. So the plate goes to input 0 and the
layer to input 1. A newer version of the layer gets its own Read on the same Merge's A input; the earlier
Read stays beside it, disabled (``nuke.allNodes``, the ``disable`` knob every node has), so it is one
reconnection away.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from faceplate_host.shots import FrameSpan, LayerPlacement, Shot, ShotError, exact_rate, is_still

MOVIE_EXTENSIONS = (".mov", ".mp4", ".mxf", ".avi", ".mkv", ".m4v", ".mpg", ".mpeg", ".webm")
MERGE_B, MERGE_A = 0, 1  # Merge2 input numbers (see the module docstring)
LAYER_GAP_X = 110  # the layer's Read sits this far right of the plate; the Merge below the plate
# Nuke's built-in colour management ("nuke-default") names and the same spaces in the engine's OCIO
# config (ocio://default). Only exact equivalents: anything else (an OCIO name, or e.g. nuke-default's
# "rec709" camera curve, which that config lacks) goes to the engine as written, which names it if unknown.
NUKE_DEFAULT_SPACES = {
    "linear": "Linear Rec.709 (sRGB)",
    "srgb": "sRGB Encoded Rec.709 (sRGB)",
    "gamma1.8": "Gamma 1.8 Encoded Rec.709",
    "gamma2.2": "Gamma 2.2 Encoded Rec.709",
    "raw": "Raw",
}


def _nuke():
    import nuke  # only inside Nuke

    return nuke


class NukeAdapter:
    host = "nuke"

    def __init__(self, nuke_module: Any = None):
        self.nuke = nuke_module or _nuke()

    # --- collect ---------------------------------------------------------------------------
    def collect(self) -> list[Shot]:
        reads = self.nuke.selectedNodes("Read")
        if not reads:
            raise ShotError("select the plate's Read node(s) in the Node Graph first")
        rate = exact_rate(self.nuke.root()["fps"].value())
        return sorted((self.read_shot(read, rate) for read in reads), key=lambda s: (s.source.first, s.name))

    def read_shot(self, read: Any, rate) -> Shot:
        """One Read node as a shot: its file frames ``first``-``last`` are the plate frames; the script frames
        they play at (the record frames) are those shifted by the Read's frame offset (``frame_offset``)."""
        name = read.name()
        media = read_path(self.nuke, read)
        if is_still(media):
            raise ShotError(
                f"Read node {name!r} reads the still image {media}, not moving footage; swap the face in "
                f"the still itself, or give it as an identity source"
            )
        span = FrameSpan(int(read["first"].value()), int(read["last"].value()))
        is_movie = os.path.splitext(media)[1].lower() in MOVIE_EXTENSIONS
        fmt = read.format()
        return Shot(
            name=name,
            media=media,
            source=span,
            record=span.shifted(frame_offset(read)),
            rate=rate,
            track=name,
            first_frame=1 if is_movie else None,  # Nuke numbers a movie's frames from 1
            resolution=(int(fmt.width()), int(fmt.height())),
            clip_id=read.fullName(),
            colour_space=engine_colour_space(_knob_text(read, "colorspace")),
            timeline=_script_name(self.nuke),
        )

    # --- place -----------------------------------------------------------------------------
    def place(self, placement: LayerPlacement) -> None:
        plate = self.nuke.toNode(placement.shot)
        if plate is None:
            raise ShotError(f"no node {placement.shot!r} in this script: was the plate's Read renamed or deleted?")
        layer = self.nuke.nodes.Read()
        layer["file"].setValue(placement.layer_pattern)
        for knob in ("first", "origfirst"):
            layer[knob].setValue(placement.layer_frames.first)
        for knob in ("last", "origlast"):
            layer[knob].setValue(placement.layer_frames.last)
        offset = placement.record.first - placement.layer_in  # the plate Read's offset: layer frames line up
        if offset:
            layer["frame_mode"].setValue("offset")
            layer["frame"].setValue(str(offset))
        plate_space = _knob_text(plate, "colorspace")
        if plate_space:  # the layer is written in the plate's colour space
            layer["colorspace"].setValue(plate_space)
        version = placement.metadata.get("version") or ""
        layer["label"].setValue(f"faceplate layer {version}".rstrip() + f"\n{placement.layer_frames}")
        merge = self._layer_merge(plate)
        if merge is None:
            merge = self.nuke.nodes.Merge2()
            merge["operation"].setValue("over")
            merge.setInput(MERGE_B, plate)
            merge.setXYpos(plate.xpos(), plate.ypos() + LAYER_GAP_X)
            layer.setXYpos(plate.xpos() + LAYER_GAP_X, plate.ypos())
        elif is_preview(merge.input(MERGE_A)):  # a layer preview made while training: replaced, in its place
            preview = merge.input(MERGE_A)
            layer.setXYpos(preview.xpos(), preview.ypos())
            self.nuke.delete(preview)
        else:  # an earlier version: its Read kept, disabled, one step to the left of the new one
            earlier = merge.input(MERGE_A)
            earlier["disable"].setValue(True)
            layer.setXYpos(earlier.xpos() + LAYER_GAP_X, earlier.ypos())
        merge.setInput(MERGE_A, layer)
        merge["label"].setValue(flag_label(placement))
        self._check_wired(merge, plate, layer)

    def place_preview(self, placement: LayerPlacement) -> None:
        """A layer preview (version ``preview itN``) goes in as a layer does: the next preview or the final
        version replaces its Read."""
        self.place(placement)

    def _layer_merge(self, plate: Any) -> Optional[Any]:
        """The Merge an earlier placement put over ``plate`` (its A input a faceplate layer Read), if any."""
        for merge in self.nuke.allNodes("Merge2"):
            layer = merge.input(MERGE_A)
            if (
                merge.input(MERGE_B) is plate
                and layer is not None
                and str(layer["label"].value()).startswith("faceplate layer")
            ):
                return merge
        return None

    def _check_wired(self, merge: Any, plate: Any, layer: Any) -> None:
        if merge.input(MERGE_B) is not plate or merge.input(MERGE_A) is not layer:
            raise ShotError(f"Nuke did not wire {merge.name()}: B should be {plate.name()}, A {layer.name()}")

    # --- select ----------------------------------------------------------------------------
    def select(self, shot: Shot) -> None:
        node = self.nuke.toNode(shot.clip_id or shot.name)
        if node is None:
            raise ShotError(f"no node {shot.clip_id or shot.name!r} in this script")
        for other in self.nuke.selectedNodes():
            other.setSelected(False)
        node.setSelected(True)
        self.nuke.show(node)


def flag_label(placement: LayerPlacement) -> str:
    """Nuke has no timeline markers: QC's flagged frames go on the Merge's label, where the artist looks."""
    flags = placement.flags_on_record()
    if not flags:
        return "faceplate"
    return "faceplate QC:\n" + "\n".join(f"{span}: {reason}" for span, reason in flags)


def engine_colour_space(nuke_value: str) -> str:
    """The engine's name for a Read's ``colorspace``: "default (sRGB)" means sRGB; nuke-default names mapped."""
    name = nuke_value.strip()
    if name.startswith("default (") and name.endswith(")"):
        name = name[len("default (") : -1]
    return NUKE_DEFAULT_SPACES.get(name.lower(), name)


def read_path(nuke: Any, read: Any) -> str:
    """The Read's file with its Tcl evaluated (``[file dirname [value root.name]]/...``): ``nuke.filename(read)``,
    which expands commands and variables but keeps the ``%04d``/``####`` sequence (Foundry: nuke.filename)."""
    text = str(read["file"].value()).strip()
    if not text:
        raise ShotError(f"Read node {read.name()!r} has no file; point it at the plate")
    if "[" not in text and "$" not in text:
        return text
    try:
        path = nuke.filename(read)
    except (RuntimeError, ValueError, NameError) as exc:
        raise ShotError(
            f"Read node {read.name()!r}: its file {text} does not evaluate "
            f"({' '.join(str(exc).split())}); fix the expression or give the plain path"
        ) from None
    if not path:
        raise ShotError(f"Read node {read.name()!r}: its file {text} evaluates to nothing; give the plate's path")
    return str(path)


def frame_offset(read: Any) -> int:
    """Script frame minus file frame, from the Read's ``frame_mode``/``frame`` knobs (Reference Guide > Read):
    "start at" N plays the first file frame at N, "offset" N plays file frame F at F + N, an expression
    ``frame+N``/``frame-N`` reads file frame F ± N at F (so plays it N frames earlier or later)."""
    mode, text = _knob_text(read, "frame_mode") or "expression", _knob_text(read, "frame").strip()
    number = re.fullmatch(r"-?\d+(\.0*)?", text)
    if mode == "start at" and number:
        return int(float(text)) - int(read["first"].value())
    if mode == "offset" and number:
        return int(float(text))
    relative = re.fullmatch(r"frame\s*(?:([+-])\s*(\d+))?", text)
    if mode == "expression" and (not text or relative):
        step = int(relative.group(2) or 0) if relative else 0
        return -step if relative and relative.group(1) == "+" else step
    raise ShotError(
        f"Read node {read.name()!r}: its frame ({mode} {text!r}) is not a constant offset, so its "
        f"frames cannot be swapped one for one; set frame to 'start at' or 'offset' a number"
    )


def _knob_text(node: Any, name: str) -> str:
    knob = node.knob(name)
    return str(knob.value()) if knob is not None else ""


def _script_name(nuke: Any) -> str:
    name: Optional[Any] = nuke.root().knob("name")
    return str(name.value()) if name is not None else ""


def is_preview(read: Any) -> bool:
    """A layer preview's Read (label ``faceplate layer preview itN``): never kept when a newer layer comes."""
    return read is not None and str(read["label"].value()).startswith("faceplate layer preview")
