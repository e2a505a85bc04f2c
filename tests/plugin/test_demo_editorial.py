"""`make demo`'s main job on a tiny model: the example cut (OTIO, clip marked FACE) goes through an engine
process the demo starts and stops, and comes back as a cut with the layer on a new top track."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from faceplate.demo import PLATE_RANGE, run_demo
from faceplate.demo_editorial import SLATE_FRAMES, TIMELINE_START
from faceplate_host.timeline import read_timeline, record_span

pytestmark = pytest.mark.slow
TINY = {"train": {"model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
                  "train": {"iterations": 3, "batch_size": 2, "min_faces": 2}},
        "mask": {"landmark_only": True}, "extract": {"face_type": "full", "crop_size": 128},
        "curate": {"rules": ["identity", "blur"]}}


def test_the_demo_goes_from_a_marked_cut_to_a_layer_track(tmp_path):
    out = tmp_path / "demo"
    shot = run_demo(out, changes=TINY)
    cut, placed = read_timeline(out / "cut.otio"), read_timeline(out / "cut_with_layers.otio")
    assert [t.name for t in placed.tracks] == ["V1", "faceplate"]
    assert otio.adapters.write_to_string(placed.tracks[0]) == otio.adapters.write_to_string(cut.tracks[0])
    (layer,) = placed.tracks[1].find_clips()
    first = TIMELINE_START + SLATE_FRAMES
    assert str(record_span(layer, placed)) == f"{first}-{first + len(PLATE_RANGE) - 1}"
    reference = layer.media_reference
    files = [Path(reference.target_url_for_image_number(i)) for i in range(len(PLATE_RANGE))]
    assert files == [shot / "render" / "v001" / "layer" / f"faceplate.{f:04d}.exr" for f in PLATE_RANGE]
    assert all(f.is_file() for f in files)
    assert layer.metadata["faceplate"]["workspace"] == str(shot)
