"""Nuke Reads as artists set them up (stand-in written from Foundry's documentation, nuke_standin.py): file
paths built with Tcl (``[file dirname [value root.name]]/...``) are evaluated, the Read's frame knobs
("start at", "offset", ``frame+N``) put the plate's file frames on other script frames and the layer's Read
follows them, and a Read of one still image is refused."""

from __future__ import annotations

import pytest
from nuke_standin import NukeStandIn

from faceplate_host.hosts.nuke.adapter import NukeAdapter
from faceplate_host.shots import FrameSpan, ShotError, place_layer

PLATE = "[file dirname [value root.name]]/plates/[file rootname [file tail [value root.name]]].####.exr"


def test_a_tcl_path_is_evaluated_keeping_the_frame_pattern():
    nuke = NukeStandIn(script="/shots/sh010/comp_v003.nk")
    read = nuke.read("plate", PLATE, 1001, 1010)
    (shot,) = NukeAdapter(nuke).collect()
    assert shot.media == "/shots/sh010/plates/comp_v003.####.exr"
    assert read["file"].evaluate() == "/shots/sh010/plates/comp_v003.0001.exr"  # evaluate() fills the frame in


def test_a_path_that_does_not_evaluate_is_one_line_naming_the_read():
    nuke = NukeStandIn()
    nuke.read("plate", "[python nuke.script_directory()]/p.####.exr", 1, 10)
    with pytest.raises(
        ShotError, match="Read node 'plate': its file .* does not evaluate .*invalid command name"
    ) as caught:
        NukeAdapter(nuke).collect()
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("mode, frame", [("start at", "1"), ("offset", "-1000"), ("expression", "frame+1000")])
def test_the_reads_frame_knobs_give_the_record_frames(mode, frame):
    nuke = NukeStandIn()
    plate = nuke.read("plate", "/plates/sh010.####.exr", 1001, 1100, frame_mode=mode, frame=frame)
    (shot,) = NukeAdapter(nuke).collect()
    assert (str(shot.source), str(shot.record)) == ("1001-1100", "1-100")
    assert [plate.metadata("input/frame", r) for r in shot.record.frames()] == list(shot.source.frames())


@pytest.mark.parametrize("mode, frame", [("start at", "1"), ("offset", "24"), ("expression", "")])
def test_the_layers_read_shows_the_plates_frame_on_every_script_frame(mode, frame):
    nuke = NukeStandIn()
    plate = nuke.read("plate", "/plates/sh010.####.exr", 1001, 1020, frame_mode=mode, frame=frame)
    (shot,) = NukeAdapter(nuke).collect()
    NukeAdapter(nuke).place(place_layer(shot, "/shots/sh010/render/layer/faceplate.####.exr", FrameSpan(995, 1026)))
    layer = nuke.toNode("Read1")
    assert (
        [layer.metadata("input/frame", r) for r in shot.record.frames()]
        == [plate.metadata("input/frame", r) for r in shot.record.frames()]
        == list(shot.source.frames())
    )


@pytest.mark.parametrize("mode, frame", [("expression", "frame*2"), ("start at", "[value root.first_frame]x")])
def test_a_frame_that_is_no_constant_offset_is_refused(mode, frame):
    nuke = NukeStandIn()
    nuke.read("plate", "/plates/sh010.####.exr", 1001, 1100, frame_mode=mode, frame=frame)
    with pytest.raises(ShotError, match="Read node 'plate': its frame .* is not a constant offset"):
        NukeAdapter(nuke).collect()


def test_a_read_of_one_still_is_refused():
    nuke = NukeStandIn()
    nuke.read("bars", "ColorBars.png", 3, 7)  # as in Deadline's frame.nk sample
    with pytest.raises(ShotError, match="Read node 'bars' reads the still image ColorBars.png"):
        NukeAdapter(nuke).collect()
