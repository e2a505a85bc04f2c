"""Shared by the QC tests: a real talking-heads shot (extracted) and synthetic swaps made on it."""

from __future__ import annotations

import shutil

import pytest

PLATE, SOURCE = "grid_lrwp9a.mpg", "grid_lwbsza.mpg"  # two GRID speakers, different people
RANGE = "1001-1016"


def extract_shot(test_data, folder, frames: str):
    """``frames`` of one speaker, every 2nd frame of another as the source, extracted at 64 px."""
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import init_workspace

    heads = test_data / "talking_heads"
    ws = init_workspace(
        folder / "shot",
        heads / PLATE,
        frames,
        sources=[heads / SOURCE],
        consent_ref="tests: GRID corpus speakers (CC BY 4.0), internal use only",
    )
    run_stage(ws, "extract", {"crop_size": 64, "source_step": 2})
    return ws.root


@pytest.fixture(scope="session")
def extracted_shot(test_data, tmp_path_factory):
    """16 plate frames (no blink in them)."""
    return extract_shot(test_data, tmp_path_factory.mktemp("qc"), RANGE)


@pytest.fixture
def shot(extracted_shot, tmp_path):
    """A copy of the extracted shot this test may change."""
    from faceplate.workspace import open_workspace

    copy = tmp_path / "shot"
    shutil.copytree(extracted_shot, copy, symlinks=True)
    return open_workspace(copy)
