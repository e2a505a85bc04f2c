"""Extract stage on the bundled example (astronaut plate): outputs, resume, and failure safety."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from faceplate.errors import MediaError
from faceplate.faces.faceset import read_faceset
from faceplate.faces.pipeline import FacePipeline
from faceplate.demo import PLATE_RANGE, PLATE_SPACE, build_example
from faceplate.media.frames import compact_frames
from faceplate.stages.extract import extract
from faceplate.workspace import init_workspace


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example")
    plate, sources = build_example(folder)
    return plate, sources


@pytest.fixture()
def workspace(tmp_path, example):
    plate, sources = example
    return init_workspace(tmp_path / "shot", plate, "1001-1012", [sources], colour_space=PLATE_SPACE, fps="24")


def test_destination_faceset_has_one_face_per_plate_frame(workspace):
    result = extract(workspace, ("destination",), show_progress=False)["destination"]
    faceset = read_faceset(workspace.faceset_dir("destination"))
    assert faceset.frames == list(range(1001, 1013))
    assert result.summary()["empty_frames"] == ""
    assert faceset.header["schema"] == "Faceset.1" and faceset.header["crop_size"] == 512
    for record in faceset.records:
        assert faceset.crop_path(record).is_file()
        assert record.id == f"plate_{record.frame}_00"
        assert len(record.landmarks) == 68 and len(record.embedding) == 128
    run = workspace.manifest.last_run("extract")
    assert run.status == "done" and run.parameters["role"] == "destination"
    assert not workspace.faceset_dir("destination").with_name("destination.partial").exists()


def test_source_sequence_is_extracted(workspace):
    extract(workspace, ("source",), show_progress=False)
    faceset = read_faceset(workspace.faceset_dir("source"))
    assert len(faceset.records) >= 14 and {r.source for r in faceset.records} == {"source0"}


def test_second_run_is_a_no_op_until_forced(workspace):
    extract(workspace, ("destination",), show_progress=False)
    decisions = workspace.faceset_dir("destination") / "decisions.json"
    decisions.write_text('{"manual": "kept across runs"}')
    assert extract(workspace, ("destination",), show_progress=False)["destination"] is None
    assert extract(workspace, ("destination",), force=True, show_progress=False)["destination"].faces == 12
    assert decisions.read_text() == '{"manual": "kept across runs"}', "manual curation decisions survive re-extraction"


def test_interrupted_run_keeps_old_faceset_and_resumes(workspace, monkeypatch):
    extract(workspace, ("destination",), show_progress=False)
    before = (workspace.faceset_dir("destination") / "index.jsonl").read_text()
    calls = []
    original = FacePipeline.locate

    def locate_then_crash(self, frame, image):
        calls.append(frame)
        if frame == 1007:
            raise KeyboardInterrupt
        return original(self, frame, image)

    monkeypatch.setattr(FacePipeline, "locate", locate_then_crash)
    with pytest.raises(KeyboardInterrupt):
        extract(workspace, ("destination",), force=True, show_progress=False)
    assert (workspace.faceset_dir("destination") / "index.jsonl").read_text() == before
    assert workspace.manifest.last_run("extract").status == "failed"

    calls.clear()
    monkeypatch.setattr(FacePipeline, "locate", lambda self, frame, image: (calls.append(frame), original(self, frame, image))[1])
    extract(workspace, ("destination",), force=True, show_progress=False)
    assert calls == list(range(1007, 1013)), "resumed after the frames already done"
    assert read_faceset(workspace.faceset_dir("destination")).frames == list(range(1001, 1013))


def test_corrupt_frame_is_named_and_nothing_is_lost(workspace, example, tmp_path):
    extract(workspace, ("destination",), show_progress=False)
    index = workspace.faceset_dir("destination") / "index.jsonl"
    before = index.read_text()
    plate_dir = tmp_path / "damaged"
    plate_dir.mkdir()
    for frame in PLATE_RANGE:
        shutil.copy(Path(example[0].replace("####", f"{frame:04d}")), plate_dir / f"astronaut.{frame:04d}.exr")
    (plate_dir / "astronaut.1005.exr").write_bytes(b"not an exr at all")
    workspace.manifest.plate.path = str(plate_dir / "astronaut.####.exr")
    with pytest.raises(MediaError, match="1005"):
        extract(workspace, ("destination",), force=True, show_progress=False)
    assert index.read_text() == before


def test_compact_frames_writes_ranges_like_an_artist():
    assert compact_frames([1001, 1002, 1003, 1010, 1012, 1013]) == "1001-1003,1010,1012-1013"
    assert compact_frames([]) == ""
