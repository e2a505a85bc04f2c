"""`make demo` as a user runs it (`faceplate demo OUT`, its own settings), once, under umask 027, with the farm
export of its shot after it: it prints the loop, one line a step (the job's budget and what it meant on this
machine, QC's verdict with the failing checks, v001 placed, the review note, v002 placed, v001 kept with its files
unchanged) and those lines are true of the files; the cut comes back with the layer on a new top track and v001
kept below it; every frame rendered, and what comes back looks like a face (the frontal detector finds it on the
composite and its landmarks sit where the plate's are; QC's sharpness of the skin against the plate's well above a
blur's); and every file it writes takes the user's umask (0640, folders 0750: on shared storage a supervisor,
another artist or the farm's job user opens the layer just placed)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest
from demo_faces import redetect_faces

from faceplate.demo import DEMO_BUDGET, PLATE_RANGE, REVIEW_NOTE
from faceplate.demo.editorial import SLATE_FRAMES, TIMELINE_START
from faceplate.faces.check import REFIT_LIMIT
from faceplate.media import read_image
from faceplate.qc.outcome import failed_checks, qc_file
from faceplate.workspace import open_workspace
from faceplate_host.timeline import read_timeline, record_span
from test_file_modes import modes_under

pytestmark = [pytest.mark.slow, pytest.mark.heavy(minutes=10)]
# QC's sharpness of the demo's face: 0.05 for the old 300-iteration blur, 0.18 now (QC's delivery limit is 0.5:
# the demo's 128 px preview model is softer than the plate's 170 px face, and QC says so)
MIN_SHARPNESS = 0.12
# group may read, others nothing: a mode neither a fixed 0644 nor a private 0600 would give
UMASK, FILE_MODE, FOLDER_MODE = 0o027, 0o640, 0o750


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """``faceplate demo OUT`` in its own process under umask 027, then ``faceplate farm export`` of its shot
    (OUT/farm_job): (OUT, the lines the demo printed)."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin")]))

    def faceplate(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "faceplate.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=3600,
            preexec_fn=lambda: os.umask(UMASK),
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    done = faceplate("demo", str(out))
    faceplate("farm", "export", str(out / "shot"), "--out", str(out / "farm_job"))
    return out, (done.stdout + done.stderr).splitlines()


@pytest.fixture(scope="module")
def demo_shot(demo_run):
    return demo_run[0] / "shot"


LOOP_HEADS = (
    "budget in:",
    "verdict out:",
    "v001 placed:",
    "review note:",
    "v002 render:",
    "v002 placed:",
    "v001 kept:",
)


def printed(lines: list[str], head: str) -> str:
    found = [line.split(head, 1)[1].strip() for line in lines if f" {head}" in line]
    assert len(found) == 1, f"one {head!r} line: {found}"
    return found[0]


def test_the_demo_prints_the_loop_and_its_lines_are_true(demo_run):
    out, lines = demo_run
    shot = out / "shot"
    budget = printed(lines, "budget in:")
    assert re.match(
        rf"{DEMO_BUDGET} \(tier preview\) on (cpu|cuda): profile preview, trains until 1,100 it "
        rf"\(budget {DEMO_BUDGET} on (cpu|cuda): 1,100 it\); landmark masks, the mask model not trained",
        budget,
    ), budget
    qc = json.loads((shot / qc_file("v001")).read_text())
    verdict = printed(lines, "verdict out:")
    assert verdict.startswith(f"QC {'PASS' if qc['summary']['passed'] else 'FAIL'} v001: "), verdict
    failed = failed_checks(qc["summary"])
    assert all(name in verdict for name in failed) and ("fails" in verdict) == bool(failed), (verdict, failed)

    for head in LOOP_HEADS:  # each step reached the terminal (what the placements say: the next test)
        printed(lines, head)
    assert printed(lines, "v001 kept:").endswith("files unchanged")


def test_the_demo_renders_every_frame_of_the_example(demo_shot):
    for frame in PLATE_RANGE:
        layer = read_image(demo_shot / "render" / "v001" / "layer" / f"faceplate.{frame:04d}.exr", alpha=True)
        assert layer.shape == (540, 960, 4) and layer[..., 3].max() > 0.9, f"frame {frame} has a face matte"
    assert (demo_shot / "render" / "v001" / "faceplate_preview.mp4").stat().st_size > 10_000
    assert all(r.status == "done" for r in open_workspace(demo_shot).manifest.stages)


def test_the_demo_face_is_found_again_on_the_composite_and_is_sharp(demo_shot):
    plate = redetect_faces(demo_shot, "plate")
    assert all(f.found and f.refit < REFIT_LIMIT for f in plate), "the check finds every plate face"
    faces = redetect_faces(demo_shot)
    good = [f.frame for f in faces if f.found and f.refit < REFIT_LIMIT]
    missed = sorted(set(PLATE_RANGE) - set(good))
    assert len(good) >= 0.9 * len(PLATE_RANGE), f"no face (or landmarks astray) on the composite of frames {missed}"
    sharpness = json.loads((demo_shot / "qc" / "v001" / "qc.json").read_text())["summary"]["checks"]["sharpness"][
        "value"
    ]
    assert sharpness >= MIN_SHARPNESS, f"the face is blurred: {sharpness:.2f} of the plate's detail"


def test_the_cut_comes_back_with_the_layer_track_over_v001_kept(demo_run):
    """The cut written back: the plate's track as it was, v002 on the top track at the clip's record frames, v001
    on its own track below, disabled; only the noted frames rendered again, v001's files older than v002."""
    out, lines = demo_run
    shot = out / "shot"
    cut, placed = read_timeline(out / "cut.otio"), read_timeline(out / "cut_with_layers.otio")
    assert [(t.name, t.enabled) for t in placed.tracks] == [
        ("V1", True),
        ("faceplate v001", False),
        ("faceplate", True),
    ]
    assert otio.adapters.write_to_string(placed.tracks[0]) == otio.adapters.write_to_string(cut.tracks[0])
    (earlier,), (layer,) = placed.tracks[1].find_clips(), placed.tracks[2].find_clips()
    first = TIMELINE_START + SLATE_FRAMES
    span = f"{first}-{first + len(PLATE_RANGE) - 1}"
    assert str(record_span(layer, placed)) == str(record_span(earlier, placed)) == span
    for clip, version in ((earlier, "v001"), (layer, "v002")):
        frames = [Path(clip.media_reference.target_url_for_image_number(i)) for i in range(len(PLATE_RANGE))]
        assert frames == [shot / "render" / version / "layer" / f"faceplate.{f:04d}.exr" for f in PLATE_RANGE]
    assert layer.metadata["faceplate"]["workspace"] == str(shot) and layer.metadata["faceplate"]["version"] == "v002"
    assert json.loads((shot / "render" / "v002" / "version.json").read_text())["changed"] == REVIEW_NOTE["frames"]
    same = {
        f
        for f in PLATE_RANGE
        if (shot / "render" / "v001" / "layer" / f"faceplate.{f:04d}.exr").read_bytes()
        == (shot / "render" / "v002" / "layer" / f"faceplate.{f:04d}.exr").read_bytes()
    }
    assert same == set(PLATE_RANGE) - set(range(1010, 1015)), "the other frames are carried from v001 as they were"
    assert printed(lines, "v001 placed:").startswith(f"astronaut_sh010: layer v001 placed at {span} on track ")
    assert printed(lines, "v002 placed:").startswith(
        f"astronaut_sh010: layer v002 placed at {span} on track 'faceplate' (v001 kept, disabled); QC "
    )
    files = [p for p in (shot / "render" / "v001").rglob("*") if p.is_file()]
    assert printed(lines, "v001 kept:") == (
        f"track 'faceplate v001' (disabled) -> {shot / 'render' / 'v001' / 'layer'}; its {len(files)} files unchanged"
    )
    made = (shot / "render" / "v002" / "version.json").stat().st_mtime
    assert max(p.stat().st_mtime for p in files) <= made, "no v001 file was written after v002 was published"


def test_every_file_the_demo_and_its_farm_export_write_takes_the_umask(demo_run):
    out, _ = demo_run
    modes = modes_under(out)
    for name in (
        "shot/faceplate.json",
        "shot/render/v001/layer/faceplate.1001.exr",
        "shot/render/v001/matte/faceplate_matte.1001.exr",
        "shot/render/v001/faceplate_preview.mp4",
        "shot/report/v001/index.html",
        "shot/export/generator.onnx",
        "cut_with_layers.otio",
        "farm_job/template.yaml",
        "farm_job/parameters.json",
    ):
        assert name in modes, f"{name} was written"
    wrong = {
        name: oct(mode) for name, mode in modes.items() if mode != (FOLDER_MODE if name.endswith("/") else FILE_MODE)
    }
    assert not wrong, f"under umask {UMASK:03o}: {len(wrong)} of {len(modes)} paths have another mode: {wrong}"
