"""The .nk reader on real scripts, and the layer snippet read back as Nuke would wire it."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from host_helpers import shared_data

from faceplate_host.hosts.nuke.nk import NkError, layer_snippet, parse_nk, read_nk
from faceplate_host.shots import Flag, FrameSpan, Shot, place_layer


def real_scripts() -> list[Path]:
    scripts = sorted((shared_data() / "editorial").glob("*.nk"))
    assert scripts, "no .nk scripts in the test data's editorial folder"
    return scripts


def test_every_real_script_reads_with_its_nodes_wired():
    for script in real_scripts():
        nodes = read_nk(script).nodes
        assert nodes[0].cls == "Root" and len(nodes) > 2, script
    multi = read_nk(shared_data() / "editorial" / "deadline_multi-load-save.nk")
    merge = multi.named("Merge1")
    # written as Read2, Read1, Merge2 {inputs 2}: Read1 (just above) is input 0 = B, Read2 is A
    assert [merge.input(0).name, merge.input(1).name] == ["Read1", "Read2"]
    assert multi.named("Write2").input(0).name == "Constant1"  # push $N55fd2000 brought the Constant back
    assert multi.named("Read2").knobs["file"] == "some_exrs_####.exr" and multi.named("Read2").knobs["first"] == "50"
    assert multi.named("Noise1").knobs["zoffset"] == "{{curve x2 1.74 x7 0.42 x16 1.16 x87 0.36}}"


def snippet_shot() -> tuple[Shot, str]:
    shot = Shot(
        name="sh010 plate",
        media="/jobs/show/plates/sh010 v2/plate.####.exr",
        source=FrameSpan(1001, 1100),
        record=FrameSpan(86400, 86499),
        rate=Fraction(24),
        colour_space="ACES - ACEScg",
    )
    placement = place_layer(
        shot,
        "/jobs/show/shots/sh010/render/layer/faceplate.####.exr",
        FrameSpan(995, 1106),
        flags=(Flag(FrameSpan(1050, 1052), 'eyes "closed" [blink]'),),
    )
    return shot, layer_snippet(shot, placement)


def test_the_snippet_reads_back_as_a_layer_merged_over_the_plate():
    shot, text = snippet_shot()
    script = parse_nk(text)
    [merge] = script.of_class("Merge2")
    plate, layer = merge.input(0), merge.input(1)  # B, A
    assert merge.knobs["operation"] == "over"
    assert (plate.cls, plate.knobs["file"], plate.knobs["first"], plate.knobs["last"]) == (
        "Read",
        "/jobs/show/plates/sh010 v2/plate.####.exr",
        "1001",
        "1100",
    )
    assert (layer.cls, layer.knobs["file"], layer.knobs["first"], layer.knobs["last"]) == (
        "Read",
        "/jobs/show/shots/sh010/render/layer/faceplate.####.exr",
        "995",
        "1106",
    )
    assert layer.knobs["colorspace"] == plate.knobs["colorspace"] == "ACES - ACEScg"
    assert plate.name == "sh010_plate" and layer.inputs == [] and plate.inputs == []
    assert merge.knobs["label"] == 'faceplate QC:\n86449-86451: eyes "closed" [blink]'


def test_the_snippet_pasted_under_a_real_script_keeps_both_graphs():
    _, text = snippet_shot()
    original = (shared_data() / "editorial" / "deadline_frame.nk").read_text()
    script = parse_nk(original + text)
    assert script.named("Viewer1").input(0).name == "Write1"
    assert script.of_class("Merge2")[0].input(1).name.startswith("FaceplateLayer_")


@pytest.mark.parametrize(
    "text, message",
    [
        ("Read {\n file a.exr\n", r"<nk>:1: '\{' is never closed"),
        ('Read {\n file "a.exr\n}\n', r"<nk>:2: a quoted value is never closed"),
        ("push $N123\nBlur {\n}\n", r"<nk>:1: push \$N123 before any 'set N123'"),
        ("Group {\n inputs 0\n}\nBlur {\n}\n", r"Group '' \(line 1\) has no end_group"),
        ("Merge2 {\n inputs two\n}\n", r"<nk>:1: 'inputs two' is not a number of inputs"),
    ],
)
def test_a_damaged_script_is_one_line_naming_where(text, message):
    with pytest.raises(NkError, match=message) as caught:
        parse_nk(text)
    assert "\n" not in str(caught.value)


def test_groups_and_masks_wire_inside_and_out():
    text = (
        "Constant {\n inputs 0\n name C1\n}\nset Nc [stack 0]\nGroup {\n name G1\n}\n Input {\n inputs 0\n"
        " name In1\n}\n Blur {\n name B1\n}\nend_group\npush $Nc\npush 0\nMerge2 {\n inputs 2+1\n name M1\n}\n"
    )
    script = parse_nk(text)
    assert script.named("G1").input(0).name == "C1" and script.named("B1").input(0).name == "In1"
    merge = script.named("M1")
    assert len(merge.inputs) == 3 and merge.input(0) is None and merge.input(1).name == "C1"
    assert merge.input(2).name == "G1"
