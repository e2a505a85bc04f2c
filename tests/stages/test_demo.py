"""`make demo` as a user runs it (`faceplate demo OUT`, its own settings): it prints the loop, one line a step
(the job's budget and what it meant on this machine, QC's verdict with the failing checks, v001 placed, the
review note, v002 placed, v001 kept with its files unchanged) and those lines are true of the files; every
frame rendered, and what comes back looks like a face (the frontal detector finds it on the composite and its
landmarks sit where the plate's are; QC's sharpness of the skin against the plate's well above a blur's)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from faceplate.demo import DEMO_BUDGET, PLATE_RANGE, REVIEW_NOTE
from faceplate.demo_editorial import SLATE_FRAMES, TIMELINE_START
from faceplate.qc.outcome import failed_checks, qc_file
from faceplate.faces.check import REFIT_LIMIT
from faceplate.media import read_image
from faceplate.workspace import open_workspace

from demo_faces import redetect_faces

pytestmark = pytest.mark.slow
# QC's sharpness of the demo's face: 0.05 for the old 300-iteration blur, 0.18 now (QC's delivery limit is 0.5:
# the demo's 128 px preview model is softer than the plate's 170 px face, and QC says so)
MIN_SHARPNESS = 0.12


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """``faceplate demo OUT`` in its own process: (OUT, the lines it printed)."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin")]))
    done = subprocess.run([sys.executable, "-m", "faceplate.cli.main", "demo", str(out)], capture_output=True,
                          text=True, env=env, timeout=3600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, (done.stdout + done.stderr).splitlines()


@pytest.fixture(scope="module")
def demo_shot(demo_run):
    return demo_run[0] / "shot"


def printed(lines: list[str], head: str) -> str:
    found = [line.split(head, 1)[1].strip() for line in lines if f" {head}" in line]
    assert len(found) == 1, f"one {head!r} line: {found}"
    return found[0]


def test_the_demo_prints_the_loop_and_its_lines_are_true(demo_run):
    out, lines = demo_run
    shot = out / "shot"
    budget = printed(lines, "budget in:")
    assert re.match(rf"{DEMO_BUDGET} \(tier preview\) on (cpu|cuda): profile preview, trains until 1,100 it "
                    rf"\(budget {DEMO_BUDGET} on (cpu|cuda): 1,100 it\); landmark masks, the mask model not trained",
                    budget), budget
    qc = json.loads((shot / qc_file("v001")).read_text())
    verdict = printed(lines, "verdict out:")
    assert verdict.startswith(f"QC {'PASS' if qc['summary']['passed'] else 'FAIL'} v001: "), verdict
    failed = failed_checks(qc["summary"])
    assert all(name in verdict for name in failed) and ("fails" in verdict) == bool(failed), (verdict, failed)

    cut = out / "cut_with_layers.otio"
    record = f"{TIMELINE_START + SLATE_FRAMES}-{TIMELINE_START + SLATE_FRAMES + len(PLATE_RANGE) - 1}"
    v001, v002 = printed(lines, "v001 placed:"), printed(lines, "v002 placed:")
    assert f"layer v001 placed at {record} on track 'faceplate'; QC " in v001 and v001.endswith(str(cut)), v001
    assert f"layer v002 placed at {record} on track 'faceplate' (v001 kept, disabled); QC " in v002, v002
    assert printed(lines, "review note:").startswith(f"frames {REVIEW_NOTE['frames']}: ")
    assert printed(lines, "v002 render:").startswith(f"rendered {REVIEW_NOTE['frames']} into v002")
    kept = printed(lines, "v001 kept:")
    files = sorted(p for p in (shot / "render" / "v001").rglob("*") if p.is_file())
    assert kept == (f"track 'faceplate v001' (disabled) -> {shot / 'render' / 'v001' / 'layer'}; its {len(files)} "
                    "files unchanged"), kept

    tracks = otio.adapters.read_from_file(str(cut)).tracks
    assert [(t.name, t.enabled) for t in tracks] == [("V1", True), ("faceplate v001", False), ("faceplate", True)]
    (earlier,) = tracks[1].find_clips()
    assert Path(earlier.media_reference.target_url_for_image_number(0)) == \
        shot / "render" / "v001" / "layer" / f"faceplate.{PLATE_RANGE.first:04d}.exr"
    made = (shot / "render" / "v002" / "version.json").stat().st_mtime
    assert max(p.stat().st_mtime for p in files) <= made, "no v001 file was written after v002 was published"


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
    sharpness = json.loads((demo_shot / "qc" / "v001" / "qc.json").read_text())["summary"]["checks"]["sharpness"]["value"]
    assert sharpness >= MIN_SHARPNESS, f"the face is blurred: {sharpness:.2f} of the plate's detail"
