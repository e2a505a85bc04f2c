"""A really trained swap, judged twice (slow: about 3 minutes of one CPU core, one training shared).

Two talking_heads/ speakers: the plate's frames from 1061 on are held back (never trained on), and the
CPU preview profile trains a fixed number of iterations.
- Training quality: the swap of the held-back frames is nearer the source identity than the plate's,
  by dlib embedding distance.
- QC: the swap rendered on 1001-1008 while 1009-1016 keep the plate. What a supervisor reads in qc.json
  must tell the two halves apart: the swapped frames recognised as the source, the plate's own frames as
  the destination, and the identity flag on exactly the unswapped frames. The report page shows the
  shot's training (loss curve, previews).

The synthetic-swap tests (test_qc.py) pin each measure down exactly; this one checks that a real network's
output, blurred and colour-shifted as it is after a short CPU training, still reads as the source."""

from __future__ import annotations

import json

import pytest
from qc_helpers import load_test_module, write_unswapped

from faceplate.faces.faceset import read_faceset, write_faceset
from faceplate.reporting import BaseReporter
from faceplate.stages import train as train_stage
from faceplate.stages.runner import run_stage
from faceplate.training import evaluate as ev
from faceplate.training.restore import load_generator
from faceplate.training.settings import train_stage_settings
from faceplate.workspace.consent import set_consent_ref

pytestmark = [pytest.mark.slow, pytest.mark.heavy(minutes=4)]

SHOT_RANGE = "1001-1075"
HELD_BACK_FROM = 1061  # destination frames from here on are never trained on
SWAPPED, UNSWAPPED = list(range(1001, 1009)), list(range(1009, 1017))
# Measured (fresh runs, seed 1, fp32): after 300 iterations the swapped frames are 0.575-0.579 from the source
# (0.69-0.70 from the plate's face), the plate's own frames 0.835-0.840; the 15 held-back frames' swaps 0.584
# from the source against 0.668 from the destination, every one nearer the source (450 iterations: 0.571-0.574
# and 0.579; on a 16-frame shot, 150 iterations left 2 of 8 swapped frames past dlib's 0.6). A count, not
# minutes, so a slow machine trains as far as a fast one.
ITERATIONS = 300
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
    """bbaf2n's 75 frames as the plate, lbax4n as the source (the training tests' pair, 0.86 apart by dlib),
    1061 on held back, trained with the preview profile, swapped on 1001-1008; 1009-1016 show the plate."""
    training = load_test_module("training_helpers", "training")
    bench = training.load_bench("quality")  # the preview profile's settings, as bench/quality.py trains
    ws = training.build_shot(test_data, tmp_path_factory.mktemp("trained") / "shot", frames=SHOT_RANGE)
    set_consent_ref(ws, "tests: GRID corpus speakers (CC BY 4.0), internal use only")
    folder = ws.faceset_dir("destination")
    faceset = read_faceset(folder)
    for record in faceset.records:
        if record.frame >= HELD_BACK_FROM:
            record.status = "rejected"  # held back: not trained on
    write_faceset(folder, faceset.header, faceset.records)
    # fp32: the figures below were measured in fp32; bf16 (the default where a CPU has it) would make them
    # depend on which CPU runs the test
    settings = bench.cpu_quality_settings(
        None, iterations=ITERATIONS, checkpoint_every=ITERATIONS, preview_every=ITERATIONS // 2, precision="fp32"
    )
    train_stage.run(ws, train_stage_settings(settings, bench.CPU_QUALITY_CONFIG), BaseReporter())
    run_stage(ws, "export")
    run_stage(ws, "render", {"frames": f"{SWAPPED[0]}-{SWAPPED[-1]}", "merge": MERGE, "preview": False})
    write_unswapped(ws, UNSWAPPED)
    run_stage(ws, "qc", {"frames": f"{SWAPPED[0]}-{UNSWAPPED[-1]}"})
    return ws


def test_swap_of_held_back_frames_is_nearer_the_source_than_the_destination(trained_shot):
    generator, _, info = load_generator(trained_shot.root)
    destination = read_faceset(trained_shot.faceset_dir("destination"))
    held = [r for r in destination.records if r.frame >= HELD_BACK_FROM]
    quality = ev.judge_swap(generator, destination, read_faceset(trained_shot.faceset_dir("source")), held)
    swap = quality.swap  # the source is the wanted identity, the destination the other
    print(
        f"iterations {info['iterations']}, {swap.frames} held-back frames: swap distance to source "
        f"{swap.to_wanted:.3f}, to destination {swap.to_other:.3f} (plates to source {quality.plate_to_src:.3f}); "
        f"id_fraction {swap.id_fraction:.2f}; expression ratio {swap.expression_ratio:.3f}"
    )
    assert swap.to_wanted < swap.to_other
    assert swap.id_fraction >= 0.75, f"only {swap.id_fraction:.0%} of held-back swaps are nearer the source"


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
    assert images["loss"] == "training/loss.png" and len(images["previews"]) == 2, images  # iterations 150 and 300
    assert all(f'src="{path}"' in page and (folder / path).stat().st_size > 1000 for path in shown), shown
