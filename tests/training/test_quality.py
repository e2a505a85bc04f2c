"""Quality on real footage (slow): after a fixed number of iterations (a few CPU minutes) at res 64 with the bench's fast CPU config
(``CPU_QUALITY_CONFIG`` in bench/quality.py), the dst->src swap of held-back destination frames is
nearer the source identity than the destination's, by dlib embedding distance."""

from __future__ import annotations

import pytest
from training_helpers import build_shot, load_bench

from faceplate.faces.faceset import read_faceset, write_faceset
from faceplate.reporting import BaseReporter
from faceplate.stages import train as train_stage
from faceplate.training import evaluate as ev
from faceplate.training.restore import load_generator
from faceplate.training.settings import train_stage_settings

HELD_BACK_FROM = 1061  # destination frames from here on are never trained on
ITERATIONS = 450  # about 3 minutes on 2 CPU cores; a count, so a slow machine trains as far as a fast one


@pytest.fixture(scope="session")
def quality_model(test_data, tmp_path_factory):
    """One trained model shared by every slow quality test: (workspace, held-back records)."""
    bench = load_bench("quality")
    ws = build_shot(test_data, tmp_path_factory.mktemp("quality") / "shot", frames="1001-1075")
    folder = ws.faceset_dir("destination")
    faceset = read_faceset(folder)
    held = [r for r in faceset.records if r.frame >= HELD_BACK_FROM]
    for r in held:
        r.status = "rejected"  # held back: not trained on
    write_faceset(folder, faceset.header, faceset.records)
    settings = bench.cpu_quality_settings(None, iterations=ITERATIONS, checkpoint_every=200, preview_every=200)
    train_stage.run(ws, train_stage_settings(settings, bench.CPU_QUALITY_CONFIG), BaseReporter())
    return ws, held


@pytest.fixture(scope="session")
def quality(quality_model) -> ev.SwapQuality:
    ws, held = quality_model
    generator, _, info = load_generator(ws.root)
    q = ev.judge_swap(
        generator, read_faceset(ws.faceset_dir("destination")), read_faceset(ws.faceset_dir("source")), held
    )
    print(
        f"iterations {info['iterations']}, {q.swap.frames} held-back frames: swap distance to source "
        f"{q.swap.to_wanted:.3f}, to destination {q.swap.to_other:.3f} (plates to source {q.plate_to_src:.3f}); "
        f"id_fraction {q.swap.id_fraction:.2f}; expression ratio {q.swap.expression_ratio:.3f}"
    )
    return q


@pytest.mark.slow
@pytest.mark.heavy(minutes=4)
def test_swap_of_held_back_frames_is_nearer_the_source_than_the_destination(quality):
    swap = quality.swap  # the source is the wanted identity, the destination the other
    assert swap.to_wanted < swap.to_other
    assert swap.id_fraction >= 0.75, f"only {swap.id_fraction:.0%} of held-back swaps are nearer the source"
