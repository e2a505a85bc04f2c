"""The engine's data folder is the user's alone: the folder 0700, the token, job store and logs 0600.

Made so at first start and tightened at every start (a folder made by hand, restored from a backup or
left by an older engine may be 0755 with a world-readable job store). Only the engine's own files are
touched: ``--data`` may name a folder that holds other things.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

STORE_SUFFIXES = ("", "-wal", "-shm", "-journal")  # SQLite makes its side files with the store's own mode


def make_private_dir(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def prepare_data_dir(data_dir: Path, db_path: Path, log_dir: Path) -> None:
    make_private_dir(data_dir)
    os.close(os.open(db_path, os.O_RDWR | os.O_CREAT, 0o600))  # before SQLite makes it 0644
    for suffix in STORE_SUFFIXES:
        _narrow(db_path.with_name(db_path.name + suffix), 0o600)
    make_private_dir(log_dir)
    for folder, subfolders, names in os.walk(log_dir):
        for name in subfolders:
            _narrow(Path(folder) / name, 0o700)
        for name in names:
            _narrow(Path(folder) / name, 0o600)


def open_private_log(path: Path) -> IO[bytes]:
    """``path`` opened for appending, made 0600 in a 0700 folder when new (a stage run's log)."""
    make_private_dir(path.parent)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")


def _narrow(path: Path, mode: int) -> None:
    if path.exists() and not path.is_symlink():
        os.chmod(path, mode)
