"""Fixtures for the training tests: a small real shot extracted once per session, copied into each
test's own folder. Helpers live in training_helpers.py, ``test_data`` in tests/conftest.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from training_helpers import build_shot

from faceplate.workspace import open_workspace


@pytest.fixture(scope="session")
def extracted_shot(test_data, tmp_path_factory) -> Path:
    return build_shot(test_data, tmp_path_factory.mktemp("talking") / "shot").root


@pytest.fixture
def shot(extracted_shot, tmp_path):
    """A fresh copy of the extracted workspace (facesets only, no model yet)."""
    root = tmp_path / "shot"
    shutil.copytree(extracted_shot, root)
    return open_workspace(root)
