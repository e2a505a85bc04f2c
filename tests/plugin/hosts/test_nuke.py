"""NukeAdapter against the documented Nuke calls (nuke_standin.py): selected Reads become shots; a layer
becomes a Read wired into Merge2 input 1 (A) over the plate on input 0 (B); the job runs on a thread."""

from __future__ import annotations

from fractions import Fraction

import pytest
from nuke_standin import NukeStandIn

from faceplate_host.hosts.nuke.adapter import NukeAdapter, engine_colour_space
from faceplate_host.shots import Flag, FrameSpan, ShotError, place_layer


def test_selected_reads_become_shots_with_the_scripts_exact_rate():
    nuke = NukeStandIn(fps=23.976023976)  # root()['fps'].value() is a float; Root.fps() would say 24
    nuke.read("plate_a", "/plates/sh010/plate.####.exr", 1001, 1100, size=(2048, 858))
    nuke.read("plate_b", "/plates/sh020/plate.%04d.dpx", 1009, 1040, colorspace="ARRI LogC3 (EI800)")
    nuke.read("not_selected", "/plates/other.####.exr", 1, 10, selected=False)
    shots = NukeAdapter(nuke).collect()
    assert [(s.name, s.media, str(s.source), str(s.record)) for s in shots] == [
        ("plate_a", "/plates/sh010/plate.####.exr", "1001-1100", "1001-1100"),
        ("plate_b", "/plates/sh020/plate.%04d.dpx", "1009-1040", "1009-1040"),
    ]
    assert shots[0].rate == Fraction(24000, 1001) and shots[0].resolution == (2048, 858)
    assert shots[1].colour_space == "ARRI LogC3 (EI800)" and shots[1].first_frame is None
    assert shots[0].engine_shot(["/src/actor"]) == {
        "plate": "/plates/sh010/plate.####.exr",
        "range": "1001-1100",
        "sources": ["/src/actor"],
        "first_frame": None,
        "colour_space": "ACES - ACEScg",
        "fps": "24000/1001",
        "consent_ref": None,
    }


def test_a_movie_read_is_numbered_from_one_as_nuke_numbers_it():
    nuke = NukeStandIn(fps=25.0)
    nuke.read("interview", "/plates/interview.mov", 12, 40)
    shot = NukeAdapter(nuke).collect()[0]
    assert shot.first_frame == 1 and str(shot.source) == "12-40"
    assert shot.engine_shot([])["first_frame"] == 1


def test_nothing_selected_or_no_file_says_what_to_do():
    nuke = NukeStandIn()
    with pytest.raises(ShotError, match="select the plate's Read node"):
        NukeAdapter(nuke).collect()
    nuke.read("empty", "", 1, 10)
    with pytest.raises(ShotError, match="Read node 'empty' has no file"):
        NukeAdapter(nuke).collect()


def placed_graph(flags=()):
    nuke = NukeStandIn()
    plate = nuke.read("plate", "/plates/sh010/plate.####.exr", 1001, 1100, colorspace="ACES - ACEScg")
    plate.setXYpos(200, -300)
    shot = NukeAdapter(nuke).collect()[0]
    placement = place_layer(shot, "/shots/sh010/render/layer/faceplate.####.exr", FrameSpan(995, 1106), flags=flags)
    NukeAdapter(nuke).place(placement)
    return nuke, plate


def test_the_layer_is_a_read_merged_over_the_plate_on_a_and_b():
    nuke, plate = placed_graph(flags=(Flag(FrameSpan(1010, 1012), "identity drifts"),))
    layer = nuke.toNode("Read1")
    merge = nuke.toNode("Merge1")
    assert layer.Class() == "Read" and merge.Class() == "Merge2"
    assert layer["file"].value() == "/shots/sh010/render/layer/faceplate.####.exr"
    assert (layer["first"].value(), layer["last"].value()) == (995, 1106)  # every frame on disk, handles too
    assert layer["colorspace"].value() == "ACES - ACEScg"
    assert merge["operation"].value() == "over"
    assert merge.input(0) is plate and merge.input(1) is layer  # B = plate, A = layer
    assert ("setInput", "Merge1", 0, "plate") in nuke.calls and ("setInput", "Merge1", 1, "Read1") in nuke.calls
    assert merge["label"].value() == "faceplate QC:\n1010-1012: identity drifts"
    assert (layer.xpos(), layer.ypos()) == (310, -300) and (merge.xpos(), merge.ypos()) == (200, -190)


def test_a_newer_version_takes_the_merge_and_the_earlier_read_stays_disabled_beside_it():
    nuke, plate = placed_graph(flags=(Flag(FrameSpan(1010, 1012), "identity drifts"),))
    shot = NukeAdapter(nuke).collect()[0]
    v002 = place_layer(
        shot, "/shots/sh010/render/v002/layer/faceplate.####.exr", FrameSpan(995, 1106), metadata={"version": "v002"}
    )
    NukeAdapter(nuke).place(v002)
    v001, layer, merge = nuke.toNode("Read1"), nuke.toNode("Read2"), nuke.toNode("Merge1")
    assert nuke.toNode("Merge2") is None, "one Merge: what is downstream of it sees the new version"
    assert merge.input(0) is plate and merge.input(1) is layer
    assert layer["file"].value() == "/shots/sh010/render/v002/layer/faceplate.####.exr"
    assert layer["label"].value() == "faceplate layer v002\n995-1106" and not layer["disable"].value()
    assert v001["disable"].value() is True and v001["file"].value() == "/shots/sh010/render/layer/faceplate.####.exr"
    assert merge["label"].value() == "faceplate", "the earlier version's QC flags go with it"
    assert (layer.xpos(), layer.ypos()) == (420, -300)


def test_placing_for_a_plate_that_is_gone_names_it():
    nuke = NukeStandIn()
    nuke.read("plate", "/p/plate.####.exr", 1, 10)
    shot = NukeAdapter(nuke).collect()[0]
    placement = place_layer(shot.with_(name="renamed"), "/l/f.####.exr", FrameSpan(1, 10))
    with pytest.raises(ShotError, match="no node 'renamed' in this script"):
        NukeAdapter(nuke).place(placement)
    assert nuke.toNode("Merge1") is None


def test_select_shows_only_the_shots_read():
    nuke = NukeStandIn()
    plate = nuke.read("plate", "/p/plate.####.exr", 1, 10)
    other = nuke.read("other", "/p/other.####.exr", 1, 10)
    shot = next(s for s in NukeAdapter(nuke).collect() if s.name == "plate")
    NukeAdapter(nuke).select(shot)
    assert plate.isSelected() and not other.isSelected() and nuke.shown == [shot.name]


def test_menu_py_adds_the_faceplate_menu_and_init_py_touches_no_ui(tmp_path, monkeypatch):
    import sys

    from faceplate_host.install import install

    done = install("nuke", tmp_path / "nuke_path")
    nuke = NukeStandIn()
    monkeypatch.setitem(sys.modules, "nuke", nuke)
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile((done.dest / "init.py").read_text(), str(done.dest / "init.py"), "exec"), {})
    assert nuke.menus == {}  # init.py runs in terminal sessions too
    exec(compile((done.dest / "menu.py").read_text(), str(done.dest / "menu.py"), "exec"), {})
    assert sorted(nuke.menu("Nuke").items["Faceplate"].items) == [
        "Faceplate doctor",
        "Follow unfinished jobs",
        "Send selected Read to Faceplate...",
    ]
    assert sys.path[0] == str(done.package_dir)


@pytest.mark.parametrize(
    "knob, engine_name",
    [
        ("default (sRGB)", "sRGB Encoded Rec.709 (sRGB)"),
        ("linear", "Linear Rec.709 (sRGB)"),
        ("Gamma2.2", "Gamma 2.2 Encoded Rec.709"),
        ("ACES - ACEScg", "ACES - ACEScg"),
    ],
)
def test_nuke_default_colour_spaces_reach_the_engine_by_its_names(knob, engine_name):
    assert engine_colour_space(knob) == engine_name
