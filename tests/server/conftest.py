"""Fixtures: a real engine per test (stopped afterwards) and the example media inside a roots folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import Engine, start_engine


@pytest.fixture
def engine_factory(tmp_path):
    started: list[Engine] = []

    def make(roots: Path, data: Path | None = None, port: int | None = None) -> Engine:
        engine = start_engine(roots, data or tmp_path / "data", port)
        started.append(engine)
        return engine

    yield make
    for engine in started:
        engine.stop()


@pytest.fixture(scope="session")
def example(tmp_path_factory) -> tuple[Path, str, str]:
    """(roots folder, plate pattern, source pattern): the demo's example media inside a roots folder."""
    from faceplate.demo import build_example

    roots = tmp_path_factory.mktemp("roots")
    plate, source = build_example(roots / "example")
    return roots, plate, source


@pytest.fixture(scope="session")
def extracted_shot(example, tmp_path_factory) -> Path:
    """A workspace of the example (frames 1001-1004) with its faces extracted, curated and masked (in this
    process, through run_stage): tests copy it and hand it to the engine for training."""
    from server_helpers import QUICK_SETTINGS, init_example_shot

    from faceplate.stages.runner import run_stage
    from faceplate.workspace import open_workspace

    roots, plate, source = example
    shot = init_example_shot(tmp_path_factory.mktemp("prepared") / "shot", plate, source)
    workspace = open_workspace(shot)
    for stage in ("extract", "curate", "mask"):
        run_stage(workspace, stage, QUICK_SETTINGS[stage])
    return shot
