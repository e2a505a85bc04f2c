"""Fixtures for the host adapter tests: the Nuke and Resolve stand-ins, and a real engine on loopback
(the server tests' helpers: a `faceplate serve` subprocess with the real client)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))  # server_helpers: start_engine, QUICK_SETTINGS


@pytest.fixture
def engine(tmp_path):
    """A real engine whose roots folder is ``tmp_path / "roots"`` (with ``media`` and ``shots`` in it)."""
    from server_helpers import start_engine

    roots = tmp_path / "roots"
    (roots / "media").mkdir(parents=True)
    (roots / "shots").mkdir()
    started = start_engine(roots, tmp_path / "data")
    yield started
    started.stop()
