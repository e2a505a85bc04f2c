"""`make demo` with its own settings: every frame rendered, and what comes back looks like a face (the
frontal detector finds it on the composite and its landmarks sit where the plate's are; QC's sharpness
of the skin against the plate's well above a blur's)."""

from __future__ import annotations

import json

import pytest

from faceplate.demo import PLATE_RANGE, run_demo
from faceplate.faces.check import REFIT_LIMIT
from faceplate.media import read_image
from faceplate.workspace import open_workspace

from demo_faces import redetect_faces

pytestmark = pytest.mark.slow
# QC's sharpness of the demo's face: 0.05 for the old 300-iteration blur, 0.18 now (QC's delivery limit is 0.5:
# the demo's 128 px preview model is softer than the plate's 170 px face, and QC says so)
MIN_SHARPNESS = 0.12


@pytest.fixture(scope="module")
def demo_shot(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo") / "demo")


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
