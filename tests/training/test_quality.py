"""Quality on real footage (slow): after a fixed CPU budget at res 64, the dst->src swap of
held-back destination frames is nearer the source identity (dlib embedding) than the plate."""

from __future__ import annotations

import numpy as np
import pytest

from faceplate.faces.faceset import read_faceset, write_faceset
from faceplate.models import ModelConfig, load_generator
from faceplate.stages.train import train
from faceplate.training import TrainSettings
from faceplate.training import evaluate as ev

from conftest import build_shot

QUALITY_MODEL = ModelConfig(arch="df", resolution=64, ae_dims=128, e_dims=32, d_dims=32, d_mask_dims=16)
HELD_BACK_FROM = 1061  # destination frames from here on are never trained on
MINUTES = 3.0


@pytest.fixture(scope="session")
def quality_model(test_data, tmp_path_factory):
    """One trained model shared by every slow quality test: (workspace, held-back records)."""
    ws = build_shot(test_data, tmp_path_factory.mktemp("quality") / "shot", frames="1001-1075")
    folder = ws.faceset_dir("destination")
    faceset = read_faceset(folder)
    held = [r for r in faceset.records if r.frame >= HELD_BACK_FROM]
    for r in held:
        r.status = "rejected"  # held back: not trained on
    write_faceset(folder, faceset.header, faceset.records)
    settings = TrainSettings(iterations=None, minutes=MINUTES, batch_size=8, lr=3e-4, lr_warmup=20,
                             checkpoint_every=200, preview_every=200, seed=1)
    train(ws, settings, QUALITY_MODEL, show_progress=False)
    return ws, held


@pytest.mark.slow
def test_swap_moves_held_back_frames_toward_the_source_identity(quality_model):
    from faceplate.faces.embedding import DlibFaceEmbedder, embedding_distance

    ws, held = quality_model
    generator, config, info = load_generator(ws.root)
    dst = read_faceset(ws.faceset_dir("destination"))
    src = read_faceset(ws.faceset_dir("source"))
    res = config.resolution
    crops = ev.read_crops(dst, held, res)
    faces, masks = ev.swap_crops(generator, crops)
    landmarks = [ev.crop_landmarks(dst, r, res) for r in held]
    embedder = DlibFaceEmbedder()
    src_mean = np.mean([r.embedding for r in src.records if r.status == "kept"], axis=0)
    plate = [embedding_distance(e, src_mean) for e in ev.embed_crops(embedder, crops, landmarks)]
    pasted = np.stack([ev.paste_face(c, f, m) for c, f, m in zip(crops, faces, masks)])
    swapped = [embedding_distance(e, src_mean) for e in ev.embed_crops(embedder, pasted, landmarks)]
    print(f"iterations {info['iterations']}: distance to source, plate {np.mean(plate):.3f} swap {np.mean(swapped):.3f}")
    assert np.mean(swapped) < np.mean(plate) - 0.05
