"""Shot workspace: manifest contents, stage records and the errors an artist can hit."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.errors import ColourError, FrameRangeError, MediaError, WorkspaceError
from faceplate.media import write_image
from faceplate.workspace import init_workspace, open_workspace


@pytest.fixture()
def png_sequence(tmp_path):
    folder = tmp_path / "plate"
    for frame in range(1001, 1011):
        write_image(folder / f"shot.{frame:04d}.png", np.full((8, 12, 3), frame - 1000, np.uint8))
    return str(folder / "shot.####.png")


def test_init_writes_a_manifest_with_plate_range_and_sources(tmp_path, png_sequence):
    ws = init_workspace(tmp_path / "shot", png_sequence, "1002-1008", sources=[png_sequence], fps="24")
    data = json.loads((tmp_path / "shot" / "faceplate.json").read_text())
    assert data["schema"] == "Workspace.1"
    assert data["range"] == "1002-1008"
    assert data["plate"]["frame_range"] == "1001-1010"
    assert data["plate"]["width"] == 12 and data["plate"]["height"] == 8
    assert data["plate"]["fps"] == "24"
    assert data["plate"]["colour_space"] == "sRGB Encoded Rec.709 (sRGB)"
    assert len(data["sources"]) == 1
    assert open_workspace(ws.root).manifest.range == "1002-1008"


def test_range_outside_the_plate_names_both_ranges(tmp_path, png_sequence):
    with pytest.raises(FrameRangeError, match=r"1005-1020 lies outside .* 1001-1010"):
        init_workspace(tmp_path / "shot", png_sequence, "1005-1020")
    assert not (tmp_path / "shot" / "faceplate.json").exists()


def test_missing_plate_names_the_file(tmp_path):
    with pytest.raises(MediaError, match="nothing.mov"):
        init_workspace(tmp_path / "shot", tmp_path / "nothing.mov")


def test_unknown_colour_space_is_refused_at_init(tmp_path, png_sequence):
    with pytest.raises(ColourError, match=r"unknown colour space 'Not A Space' in OCIO config"):
        init_workspace(tmp_path / "shot", png_sequence, colour_space="Not A Space")


def test_existing_workspace_needs_force(tmp_path, png_sequence):
    init_workspace(tmp_path / "shot", png_sequence)
    with pytest.raises(WorkspaceError, match="--force"):
        init_workspace(tmp_path / "shot", png_sequence)
    init_workspace(tmp_path / "shot", png_sequence, "1001-1002", force=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; permissions cannot be tested as root")
def test_unwritable_workspace_is_reported(tmp_path, png_sequence):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    with pytest.raises(WorkspaceError, match="cannot write"):
        init_workspace(locked / "shot", png_sequence)


def test_workspace_on_a_file_path_is_reported(tmp_path, png_sequence):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(WorkspaceError, match="cannot write to workspace"):
        init_workspace(blocker / "shot", png_sequence)


def test_damaged_manifest_is_reported_not_traced(tmp_path, png_sequence):
    ws = init_workspace(tmp_path / "shot", png_sequence)
    ws.manifest_path.write_text("{ not json")
    with pytest.raises(WorkspaceError, match="damaged"):
        open_workspace(ws.root)


def test_stage_runs_are_recorded_done_or_failed(tmp_path, png_sequence):
    ws = init_workspace(tmp_path / "shot", png_sequence)
    with ws.stage_run("extract", {"clip": "x"}, {"face_type": "full"}) as run:
        run.outputs = {"faceset": "facesets/destination"}
    with pytest.raises(MediaError):
        with ws.stage_run("extract", {}, {}):
            raise MediaError("frame 1004 of x.mov is corrupt")
    runs = open_workspace(ws.root).manifest.stages
    assert [(r.stage, r.status) for r in runs] == [("init", "done"), ("extract", "done"), ("extract", "failed")]
    assert runs[1].outputs["faceset"] == "facesets/destination"
    assert runs[2].error == "frame 1004 of x.mov is corrupt"
    assert runs[1].versions["faceplate"] and runs[1].versions["dlib-bin"]


def test_fps_mismatch_with_a_video_plate_is_refused(tmp_path):
    import av

    video = tmp_path / "plate.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 40, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    with pytest.raises(MediaError, match=r"fps mismatch: .*plate.mp4 runs at 25 fps but --fps 24 was given"):
        init_workspace(tmp_path / "shot", video, fps="24")
    assert init_workspace(tmp_path / "shot", video, fps="25").manifest.plate.fps == "25"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fps", "abc"], "--fps 'abc' is not a frame rate; give e.g. 24, 25, 23.976 or 24000/1001"),
        (["--fps", "1/0"], "--fps '1/0' is not a frame rate"),
        (["--fps", "0"], "--fps '0' must be a positive frame rate"),
        (["--fps", "-24"], "--fps '-24' must be a positive frame rate"),
        (["--range", ""], "--range is empty; give the frames to replace"),
    ],
)
def test_bad_init_flags_give_one_line_and_exit_1(tmp_path, png_sequence, capsys, args, message):
    assert main(["init", str(tmp_path / "shot"), "--plate", png_sequence, *args]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"faceplate: error: {err[0].removeprefix('faceplate: error: ')}"] and message in err[0], err
    assert not (tmp_path / "shot").exists()


def test_a_plate_replaced_after_init_is_refused_saying_what_changed(tmp_path, png_sequence, capsys):
    ws = init_workspace(tmp_path / "shot", png_sequence)
    before = ws.manifest_path.read_bytes()
    write_image(tmp_path / "plate" / "shot.1004.png", np.random.default_rng(0).integers(0, 255, (8, 12, 3), np.uint8))
    assert main(["extract", str(ws.root)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not the media this shot was made from (size_bytes " in err[0], err
    assert ws.manifest_path.read_bytes() == before
    assert not (ws.root / "facesets").exists()


def test_a_symlinked_plate_is_stored_as_the_link(tmp_path, png_sequence):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "plate", target_is_directory=True)
    ws = init_workspace(tmp_path / "shot", str(link / "shot.####.png"))
    assert ws.manifest.plate.path == str(link / "shot.####.png")


def test_a_relative_sequence_pattern_is_stored_absolute(tmp_path, png_sequence, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ws = init_workspace(tmp_path / "shot", "plate/shot.####.png")
    assert ws.manifest.plate.path == str(tmp_path / "plate" / "shot.####.png")
