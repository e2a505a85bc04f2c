"""Real test media for the host tests, copied into an engine's roots folder (never into the repository)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


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
