"""Helpers for the host tests: real test media copied into an engine's roots folder (never into the repository),
and the `faceplate` command run with a chosen HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def shared_data() -> Path:
    if not os.environ.get("FACEPLATE_TEST_DATA"):
        pytest.skip("FACEPLATE_TEST_DATA is not set: the host end-to-end tests need ../shared/data")
    return Path(os.environ["FACEPLATE_TEST_DATA"])


def copy_media(roots: Path, plate: str) -> tuple[Path, Path]:
    """(plate, source) inside ``roots/media``: a head_turns clip and one person's stills."""
    data = shared_data()
    plate_path = Path(shutil.copy(data / "head_turns" / plate, roots / "media"))
    source = Path(shutil.copytree(data / "identities" / "John_Salley", roots / "media" / "john_salley"))
    return plate_path, source


def faceplate(*args, home: Path, **env) -> subprocess.CompletedProcess:
    """`faceplate ARGS` in a fresh process with HOME=home and no FACEPLATE_/XDG_ settings but ``env``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FACEPLATE_", "XDG_"))}
    environment.update(HOME=str(home), PYTHONPATH=f"{REPO / 'engine'}{os.pathsep}{REPO / 'plugin'}", **env)
    return subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
