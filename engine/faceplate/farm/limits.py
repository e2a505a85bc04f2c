"""How long each step may run and what host it needs: a hung task must not hold a GPU node forever.

Timeouts are fixed at export (OpenJD takes a number there, not a parameter): train from the budget's
wall time on the train node's device plus a margin; a render task from its chunk's frames at a
slow node's frame rate; every other step a generous ceiling. Host requirements name the OS family,
CPU cores and memory of every step, and the GPU count and memory of a step that needs a GPU.
"""

from __future__ import annotations

import math

from faceplate.budget import parse_budget

# conservative rates (docs/budget.md, docs/farm.md): a slow node must not be killed as hung
IT_PER_S = {"cpu": 1.0, "cuda": 20.0}
RENDER_FPS = 0.25  # frames/s of a 1080p render on a loaded 2-core CPU node (measured ~1-5.5)
TASK_START_S = 300  # process start, imports, models opened, the shot waiting for its lock aside
TRAIN_MARGIN = 1.25  # train's own minutes stop it; the rest is loading, checkpoints, the preview
STEP_CEILING_S = 4 * 3600  # extract, curate, mask (its model trains ~1h40 on a CPU), export, qc, report
MEMORY_MIB = {True: 16384, False: 8192}  # a GPU step (training) holds its faceset and model in memory
CPU_CORES = 2


def train_timeout_s(budget: str | None, gpus: int) -> int:
    """Seconds a train task may run for ``budget`` (None: the default tier) on the train node's device."""
    device = "cuda" if gpus else "cpu"
    plan = parse_budget(budget).plan(device)
    seconds = plan.train_minutes * 60 if plan.train_minutes else plan.train_iterations / IT_PER_S[device]
    return int(seconds * TRAIN_MARGIN) + TASK_START_S


def render_timeout_s(chunk_size: int) -> int:
    """Seconds a render task of ``chunk_size`` frames may run."""
    return TASK_START_S + math.ceil(chunk_size / RENDER_FPS)


def host_requirements(needs_gpu: bool, os_family: str) -> dict:
    """OS family, CPU cores and memory for every step; the GPU count and memory parameters where a GPU is needed."""
    amounts = [
        {"name": "amount.worker.vcpu", "min": CPU_CORES},
        {"name": "amount.worker.memory", "min": MEMORY_MIB[needs_gpu]},
    ]
    if needs_gpu:
        amounts += [
            {"name": "amount.worker.gpu", "min": "{{Param.TrainGpus}}"},
            {"name": "amount.worker.gpu.memory", "min": "{{Param.TrainGpuMemory}}"},
        ]
    return {"attributes": [{"name": "attr.worker.os.family", "anyOf": [os_family]}], "amounts": amounts}


def remembered_budget(stage_settings: dict) -> str | None:
    """The budget a shot's remembered train stage settings amount to (a target it remembers wins, as in train)."""
    targets = stage_settings.get("train", {})
    if targets.get("iterations"):
        return f"{targets['iterations']}it"
    if targets.get("minutes"):
        return f"{targets['minutes']:g}m"
    return stage_settings.get("budget")
