"""Shared fixtures: real test media (FACEPLATE_TEST_DATA) and images shipped in packages."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest


def pytest_configure(config):
    """`make test` runs two pytest-xdist workers on two cores: each (and every engine, host and farm process it
    starts) gets one intra-op thread, rather than two workers of torch's one-thread-per-core spinning against
    each other."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_collection_modifyitems(items):
    """The `heavy` tests (minutes each) first, longest first: the workers take files in this order (`make test`
    passes --no-loadscope-reorder), so a parallel run never ends waiting on one."""

    def minutes(item) -> float:
        heavy = item.get_closest_marker("heavy")
        return heavy.kwargs.get("minutes", 1) if heavy else 0

    items.sort(key=minutes, reverse=True)


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Folder of real footage (../shared/data); tests that need it skip loudly where unset."""
    root = os.environ.get("FACEPLATE_TEST_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip(
            "FACEPLATE_TEST_DATA is not set to the shared test media folder: real-footage test skipped "
            "(.ci/run sets it to ../shared/data)"
        )
    return Path(root)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """scikit-image's astronaut photo: RGB uint8 512x512, one frontal face."""
    from skimage import data

    return data.astronaut()
