"""A small real shot (two talking_heads/ speakers, 40 frames, 128 px crops) extracted once per
session, copied into each test's own folder; and tiny training settings for 2 CPU cores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from faceplate.models import ModelConfig
from faceplate.training import TrainSettings
from faceplate.workspace import open_workspace

PLATE, SOURCE = "grid_bbaf2n", "grid_lbax4n"
TINY_MODEL = ModelConfig(resolution=64, ae_dims=64, e_dims=16, d_dims=16, d_mask_dims=8)


def tiny_settings(**overrides) -> TrainSettings:
    values = dict(iterations=20, batch_size=4, lr=5e-4, lr_warmup=5, log_every=1, checkpoint_every=5,
                  preview_every=10, seed=3)
    return TrainSettings(**(values | overrides))


def build_shot(test_data: Path, root: Path, plate: str = PLATE, source: str = SOURCE, frames: str = "1001-1040"):
    from faceplate.faces.pipeline import ExtractSettings
    from faceplate.stages.extract import extract
    from faceplate.workspace import init_workspace

    heads = test_data / "talking_heads"
    ws = init_workspace(root, heads / f"{plate}.mpg", frames, sources=[heads / f"{source}.mpg"])
    extract(ws, settings=ExtractSettings(crop_size=128), show_progress=False)
    return ws


@pytest.fixture(scope="session")
def extracted_shot(test_data, tmp_path_factory) -> Path:
    return build_shot(test_data, tmp_path_factory.mktemp("talking") / "shot").root


@pytest.fixture
def shot(extracted_shot, tmp_path):
    """A fresh copy of the extracted workspace (facesets only, no model yet)."""
    root = tmp_path / "shot"
    shutil.copytree(extracted_shot, root)
    return open_workspace(root)
