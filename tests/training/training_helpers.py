"""Helpers for the training tests: a small real shot (two talking_heads/ speakers, 128 px crops)
and tiny training settings for 2 CPU cores.

(A uniquely named module, not conftest, so ``from training_helpers import ...`` cannot pick up
another test folder's conftest.)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from faceplate.models import ModelConfig
from faceplate.training import TrainSettings

PLATE, SOURCE = "grid_bbaf2n", "grid_lbax4n"
TINY_MODEL = ModelConfig(resolution=64, ae_dims=64, e_dims=16, d_dims=16, d_mask_dims=8)
REPO = Path(__file__).resolve().parents[2]


def random_faces(n: int = 6, res: int = 32, seed: int = 0):
    """``n`` random ``res`` px faces with a face mask (8 px in from the edges) and an eyes+mouth band:
    enough for batches, losses and schedules without footage."""
    import torch

    from faceplate.training.data import FaceData

    g = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 3, res, res, generator=g) * 255).to(torch.uint8)
    masks = torch.zeros(n, 2, res, res, dtype=torch.uint8)
    masks[:, 0, 8 : res - 8, 8 : res - 8] = 255
    masks[:, 1, 3 * res // 8 : res // 2, res // 4 : 3 * res // 4] = 255
    return FaceData(images, masks, [f"f{i}" for i in range(n)])


def tiny_settings(**overrides) -> TrainSettings:
    values = dict(
        iterations=20, batch_size=4, lr=5e-4, lr_warmup=5, log_every=1, checkpoint_every=5, preview_every=10, seed=3
    )
    return TrainSettings(**(values | overrides))


def build_shot(test_data: Path, root: Path, plate: str = PLATE, source: str = SOURCE, frames: str = "1001-1040"):
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import init_workspace

    heads = test_data / "talking_heads"
    ws = init_workspace(root, heads / f"{plate}.mpg", frames, sources=[heads / f"{source}.mpg"])
    run_stage(ws, "extract", {"crop_size": 128})
    return ws


def load_bench(name: str) -> ModuleType:
    """``bench/<name>.py`` as a module (bench/ is scripts, not a package), for sharing its configs."""
    path = REPO / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"faceplate_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
