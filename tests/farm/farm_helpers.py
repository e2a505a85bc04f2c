"""Helpers for the farm tests: the bundled example as tiny shot workspaces, exported as OpenJD jobs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from faceplate.demo import PLATE_SPACE, build_example
from faceplate.farm.export import export_job, shot_from_workspace
from faceplate.farm.local import beside_python, remember_settings
from faceplate.farm.template import Identity, JobOptions
from faceplate.workspace import init_workspace

REPO = Path(__file__).resolve().parents[2]
# a tiny model, three iterations: every stage runs in seconds on a CPU (as tests/stages/test_run_all.py)
TINY = {"extract": {"face_type": "full", "crop_size": 128},
        "curate": {"rules": ["identity", "blur"]},
        "mask": {"landmark_only": True},
        "train": {"model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
                  "train": {"iterations": 3, "batch_size": 2, "min_faces": 2}}}


def example(folder: Path) -> tuple[str, str]:
    """The bundled example's plate (1001-1024, 960x540 EXR) and source sequence."""
    return build_example(folder)


def tiny_shot(folder: Path, media: tuple[str, str], frames: str = "1001-1006") -> Path:
    """A shot workspace of the example remembering the tiny settings (what every farm step then uses)."""
    plate, source = media
    workspace = init_workspace(folder, plate, frames, [source], colour_space=PLATE_SPACE, fps="24")
    remember_settings(workspace, TINY)
    return workspace.root


def export(shots: list[Path], out: Path, chunk_size: int = 2, identity: Identity | None = None,
           frames: str | None = None) -> tuple[Path, Path]:
    options = JobOptions(name="test job", chunk_size=chunk_size, train_gpus=0, faceplate=beside_python("faceplate"),
                         identity=identity)
    return export_job([shot_from_workspace(s, frames) for s in shots], out, options)


def engine_env() -> dict[str, str]:
    """This checkout's engine for every process the runtime starts (as tests/server/server_helpers.py does)."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin"),
                                                       os.environ.get("PYTHONPATH", "")]))


def openjd(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real `openjd` CLI; stdout holds the session log (every action's output)."""
    return subprocess.run([beside_python("openjd"), *map(str, args)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, env=engine_env(), timeout=timeout)


def run_job(template: Path, parameters: Path, *extra: str) -> subprocess.CompletedProcess:
    return openjd("run", template, "--job-param", f"file://{parameters}", *extra)
