"""`make demo`'s main job on a tiny model: the example cut (OTIO, clip marked FACE) goes through an engine
process the demo starts and stops, and comes back as a cut with the layer on a new top track; a review note
renders v002, placed over v001, which stays on its own track, disabled, its files untouched. The loop's lines
(budget in, verdict out, v001 placed, the note, v002 render and placed, v001 kept) say what the files show."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import opentimelineio as otio
import pytest

from faceplate.demo import DEMO_BUDGET, PLATE_RANGE, REVIEW_NOTE, run_demo
from faceplate.demo.editorial import SLATE_FRAMES, TIMELINE_START
from faceplate.qc.outcome import failed_checks, qc_file
from faceplate_host.timeline import read_timeline, record_span

pytestmark = pytest.mark.slow
TINY = {
    "train": {
        "model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
        "train": {"iterations": 3, "batch_size": 2, "min_faces": 2},
    },
    "mask": {"landmark_only": True},
    "extract": {"face_type": "full", "crop_size": 128},
    "curate": {"rules": ["identity", "blur"]},
}


def said(caplog, head: str) -> str:
    found = [r.getMessage().split(head, 1)[1].strip() for r in caplog.records if r.getMessage().startswith(head)]
    assert len(found) == 1, f"one {head!r} line: {found}"
    return found[0]


def test_the_demo_goes_from_a_marked_cut_to_a_layer_track(tmp_path, caplog):
    out = tmp_path / "demo"
    with caplog.at_level(logging.INFO, logger="faceplate"):
        shot = run_demo(out, changes=TINY)
    cut, placed = read_timeline(out / "cut.otio"), read_timeline(out / "cut_with_layers.otio")
    assert [(t.name, t.enabled) for t in placed.tracks] == [
        ("V1", True),
        ("faceplate v001", False),
        ("faceplate", True),
    ]
    assert otio.adapters.write_to_string(placed.tracks[0]) == otio.adapters.write_to_string(cut.tracks[0])
    (earlier,), (layer,) = placed.tracks[1].find_clips(), placed.tracks[2].find_clips()
    first = TIMELINE_START + SLATE_FRAMES
    assert (
        str(record_span(layer, placed))
        == str(record_span(earlier, placed))
        == f"{first}-{first + len(PLATE_RANGE) - 1}"
    )
    for clip, version in ((earlier, "v001"), (layer, "v002")):
        reference = clip.media_reference
        files = [Path(reference.target_url_for_image_number(i)) for i in range(len(PLATE_RANGE))]
        assert files == [shot / "render" / version / "layer" / f"faceplate.{f:04d}.exr" for f in PLATE_RANGE]
        assert all(f.is_file() for f in files)
    assert layer.metadata["faceplate"]["workspace"] == str(shot) and layer.metadata["faceplate"]["version"] == "v002"
    v002 = json.loads((shot / "render" / "v002" / "version.json").read_text())
    assert v002["changed"] == REVIEW_NOTE["frames"], "only the noted frames were rendered again"
    same = {
        f
        for f in PLATE_RANGE
        if (shot / "render" / "v001" / "layer" / f"faceplate.{f:04d}.exr").read_bytes()
        == (shot / "render" / "v002" / "layer" / f"faceplate.{f:04d}.exr").read_bytes()
    }
    assert same == set(PLATE_RANGE) - set(range(1010, 1015)), "the other frames are carried from v001 as they were"

    # the loop as the demo says it
    assert said(caplog, "budget in:").startswith(f"{DEMO_BUDGET} (tier preview) on ")
    assert "trains until 3 it (as set); landmark masks, the mask model not trained" in said(caplog, "budget in:")
    qc = json.loads((shot / qc_file("v001")).read_text())
    verdict = said(caplog, "verdict out:")
    assert verdict.startswith(f"QC {'PASS' if qc['summary']['passed'] else 'FAIL'} v001: "), verdict
    assert all(name in verdict for name in failed_checks(qc["summary"])), verdict
    span = str(record_span(layer, placed))
    assert said(caplog, "v001 placed:").startswith(
        f"astronaut_sh010: layer v001 placed at {span} on track 'faceplate'; QC "
    )
    assert said(caplog, "review note:").startswith(f"frames {REVIEW_NOTE['frames']}: ")
    assert said(caplog, "v002 render:").startswith(f"rendered {REVIEW_NOTE['frames']} into v002")
    assert said(caplog, "v002 placed:").startswith(
        f"astronaut_sh010: layer v002 placed at {span} on track 'faceplate' (v001 kept, disabled); QC "
    )
    files = [p for p in (shot / "render" / "v001").rglob("*") if p.is_file()]
    assert said(caplog, "v001 kept:") == (
        f"track 'faceplate v001' (disabled) -> {shot / 'render' / 'v001' / 'layer'}; its {len(files)} files unchanged"
    )
    made = (shot / "render" / "v002" / "version.json").stat().st_mtime
    assert max(p.stat().st_mtime for p in files) <= made, "no v001 file was written after v002 was published"
