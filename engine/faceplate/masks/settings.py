"""The mask stage's settings (no torch here: the CLI and the server build them without it)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import field_validator

from faceplate.budget import BUDGET_HELP, BudgetText
from faceplate.faces.roles import BOTH, ROLES_HELP, Roles
from faceplate.settings import RootedPath, setting, stage_settings

# Auto resolution (``--resolution`` not set): the model trains at this size on a CPU, and at
# GPU_RESOLUTION with CUDA, where the extra detail costs little.
CPU_RESOLUTION, GPU_RESOLUTION = 128, 256


@stage_settings
class MaskSettings:
    BUDGET_TARGETS: ClassVar[dict] = {"iterations": None}  # what a job's budget clears (faceplate.budget)

    roles: Roles = setting(BOTH, ROLES_HELP, flag="--role", remember=False, min_length=1)
    labels: RootedPath | None = setting(
        None,
        "polygon file (FacePolygons.1): include/exclude polygons per crop; given, the mask model trains on them",
        remember=False,
    )
    train: bool | None = setting(
        None,
        "train the mask model (default: when labels or --iterations are given, or "
        "when no model exists yet and the budget trains one on this machine)",
        remember=False,
    )
    landmark_only: bool = setting(False, "landmark masks only, no learned model")
    budget: BudgetText = setting(
        None,
        BUDGET_HELP + "; whether the mask model trains, and how long (unset: preview, which trains it on a GPU only)",
    )
    iterations: int | None = setting(
        None, "mask model training steps (unset: the budget's, 2000 on a CPU)", ge=1, le=1_000_000
    )
    resolution: int | None = setting(
        None,
        f"mask model input size, a multiple of 16 from 64 to 512 (default: "
        f"{CPU_RESOLUTION} on a CPU, {GPU_RESOLUTION} with CUDA)",
        ge=64,
        le=512,
    )
    base: int = setting(16, "mask model width (channels of its first level)", ge=4, le=64)
    batch: int = setting(8, "training batch size", ge=1, le=256)
    min_labels: int = setting(8, "fewest labelled crops to train on", ge=1, le=100_000)
    bootstrap_faces: int = setting(
        300, "faces sampled for their landmark hulls when training without labels", ge=1, le=100_000
    )
    apply_batch: int = setting(32, "crops per batch when applying the model", ge=1, le=1024)
    seed: int = setting(0, "random seed of training", ge=0, le=2**31 - 1)
    # where training runs belongs to the machine, not the shot: a farm node may have no GPU
    device: str | None = setting(None, "torch device for training (default: cuda when available)", remember=False)
    threads: int | None = setting(None, "CPU threads for training (default: torch's)", ge=1, le=1024, remember=False)

    @field_validator("resolution")
    @classmethod
    def _multiple_of_16(cls, value: int | None) -> int | None:
        if value is not None and value % 16:  # the U-Net halves it four times
            raise ValueError(f"{value} is not a multiple of 16 (e.g. 128 or 256)")
        return value
