"""Files the host side writes (the sidecar of sent jobs, a project's remembered jobs, a host's start-up file):
written beside their target and renamed into place, so a crash never leaves half a file for a host to load."""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(path, text: str) -> Path:
    """``text`` written beside ``path`` and renamed into place."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path
