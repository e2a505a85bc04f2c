"""QC of a really trained swap (slow: about 2-3 minutes on 2 CPU cores): two talking_heads/ speakers, the
CPU preview profile trained for a few hundred iterations, the swap rendered on half the shot's frames while
the other half keep the plate. What a supervisor reads in qc.json must tell the two halves apart: the
swapped frames recognised as the source, the plate's own frames as the destination, and the identity flag
on exactly the unswapped frames. The report page shows the shot's training (loss curve, previews).

The synthetic-swap tests (test_qc.py) pin each measure down exactly; this one checks that a real network's
output, blurred and colour-shifted as it is after a short CPU training, still reads as the source."""

from __future__ import annotations

import json

import pytest
from qc_helpers import load_test_module, write_unswapped

from faceplate.reporting import BaseReporter
from faceplate.stages import train as train_stage
from faceplate.stages.runner import run_stage
from faceplate.training.settings import train_stage_settings
from faceplate.workspace.consent import set_consent_ref

pytestmark = [pytest.mark.slow, pytest.mark.heavy(minutes=4)]

SHOT_RANGE = "1001-1016"
SWAPPED, UNSWAPPED = list(range(1001, 1009)), list(range(1009, 1017))
# Measured (fresh runs, seed 1): the swapped frames' distance to the source is 0.594-0.603 after 150
# iterations (2 of 8 frames past dlib's 0.6), 0.587-0.594 after 200, 0.575-0.580 after 250 (the plate's
# own frames: 0.835-0.841). 250 keeps a margin under 0.6; the two groups are apart from 100 on. A count,
# not minutes, so a slow machine trains as far as a fast one.
ITERATIONS = 250
# A matte grown past the jaw and brows (the landmark hull, not the young model's own mask) and the
# source's own skin tone: after a few CPU minutes the 64 px face is soft, and its outline and
# colour carry much of what makes it read as the source (with the defaults it sits halfway: 0.62-0.65
# from the source, as near the plate's face). A supervisor sets these per shot (--mask, --erode,
# --feather, --colour-transfer). The forehead too: the default fade above the brows (which keeps a
# source's fringe off the plate) leaves this young face at 0.64 from the source (0.60 with 0.5); a fade
# over the whole brow-to-chin height keeps 0.7 of the old hull's top.
MERGE = {"mask": "landmark", "erode_px": -8, "feather_px": 4, "colour_transfer": "none", "forehead": 1.0}


@pytest.fixture(scope="module")
def trained_shot(test_data, tmp_path_factory):
    """bbaf2n's 16 frames as the plate, lbax4n as the source (the training tests' pair, 0.86 apart by
    dlib), trained with the preview profile, swapped on 1001-1008; 1009-1016 show the plate."""
    training = load_test_module("training_helpers", "training")
    bench = training.load_bench("quality")  # the preview profile's settings, as bench/quality.py trains
    ws = training.build_shot(test_data, tmp_path_factory.mktemp("trained") / "shot", frames=SHOT_RANGE)
    set_consent_ref(ws, "tests: GRID corpus speakers (CC BY 4.0), internal use only")
    # fp32: the figures below were measured in fp32; bf16 (the default where a CPU has it) would make them
    # depend on which CPU runs the test
    settings = bench.cpu_quality_settings(
        None, iterations=ITERATIONS, checkpoint_every=ITERATIONS, preview_every=ITERATIONS // 2, precision="fp32"
    )
    train_stage.run(ws, train_stage_settings(settings, bench.CPU_QUALITY_CONFIG), BaseReporter())
    run_stage(ws, "export")
    run_stage(ws, "render", {"frames": f"{SWAPPED[0]}-{SWAPPED[-1]}", "merge": MERGE, "preview": False})
    write_unswapped(ws, UNSWAPPED)
    run_stage(ws, "qc")
    return ws


def test_identity_tells_trained_swap_frames_from_the_plates_own(trained_shot):
    qc = json.loads((trained_shot.root / "qc" / "v001" / "qc.json").read_text())
    rows = {row["frame"]: row for row in qc["frames"]}
    swapped, plate = [rows[f] for f in SWAPPED], [rows[f] for f in UNSWAPPED]
    print(
        "\nswapped to source",
        [r["to_source"] for r in swapped],
        "to plate",
        [r["to_plate"] for r in swapped],
        "\nplate   to source",
        [r["to_source"] for r in plate],
        "to plate",
        [r["to_plate"] for r in plate],
    )
    limit = qc["limits"]["identity_distance"]
    assert all(r["recognised"] and r["to_source"] <= limit for r in swapped), "every swapped frame reads as the source"
    assert all(r["to_plate"] < r["to_source"] for r in plate), "the plate's own frames score as the destination"
    assert not any(r["recognised"] for r in plate)
    assert max(r["to_source"] for r in swapped) < min(r["to_source"] for r in plate)
    assert max(r["to_plate"] for r in plate) < min(r["to_plate"] for r in swapped)
    assert qc["summary"]["checks"]["identity_share"]["value"] == pytest.approx(0.5)
    identity = [(f["first"], f["last"]) for f in qc["flags"] if f["reason"].startswith("identity")]
    assert identity == [(UNSWAPPED[0], UNSWAPPED[-1])], "the flag names exactly the frames nobody swapped"


def test_report_shows_the_shots_training(trained_shot):
    run_stage(trained_shot, "report")
    folder = trained_shot.root / "report" / "v001"
    images = json.loads((folder / "report.json").read_text())["images"]
    page = (folder / "index.html").read_text()
    shown = [images["loss"], *images["previews"]]
    assert images["loss"] == "training/loss.png" and len(images["previews"]) == 2, images  # iterations 125 and 250
    assert all(f'src="{path}"' in page and (folder / path).stat().st_size > 1000 for path in shown), shown
