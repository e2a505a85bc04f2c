"""Fixtures for the media tests; helpers live in media_helpers.py, ``test_data`` in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import encode_video


@pytest.fixture
def make_video(tmp_path):
    def make(name: str = "clip.mp4", **kwargs) -> Path:
        return encode_video(tmp_path / name, **kwargs)

    return make
