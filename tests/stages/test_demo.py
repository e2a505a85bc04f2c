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

import pytest
from demo_faces import redetect_faces

from faceplate.demo import DEMO_BUDGET, PLATE_RANGE
from faceplate.faces.check import REFIT_LIMIT
from faceplate.media import read_image
from faceplate.qc.outcome import failed_checks, qc_file
from faceplate.workspace import open_workspace

pytestmark = [pytest.mark.slow, pytest.mark.heavy(minutes=10)]
# QC's sharpness of the demo's face: 0.05 for the old 300-iteration blur, 0.18 now (QC's delivery limit is 0.5:
# the demo's 128 px preview model is softer than the plate's 170 px face, and QC says so)
MIN_SHARPNESS = 0.12


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """``faceplate demo OUT`` in its own process: (OUT, the lines it printed)."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin")]))
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "demo", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
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

    for head in LOOP_HEADS:  # each step reached the terminal (what each says: tests/plugin/test_demo_editorial.py)
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
