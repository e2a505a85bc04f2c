"""Shared by the stage tests: a small extracted shot of two real talking heads."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def talking_heads_extracted(test_data, tmp_path_factory):
    """Two talking_heads speakers (20 plate frames, every 3rd source frame), extracted at 64 px; copy it
    before changing it."""
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import init_workspace

    heads = test_data / "talking_heads"
    ws = init_workspace(
        tmp_path_factory.mktemp("shot") / "shot",
        heads / "grid_lrwp9a.mpg",
        "1001-1020",
        sources=[heads / "grid_lwbsza.mpg"],
    )
    run_stage(ws, "extract", {"crop_size": 64, "source_step": 3})
    return ws.root
