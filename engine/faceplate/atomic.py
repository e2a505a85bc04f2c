"""Atomic file writes: write next to the target, flush, fsync, check, then rename over it.

A crash, Ctrl-C or a full disk mid-write leaves either the old file or the new one, never half of
either. Every output the engine writes (frames, crops, indexes, manifests, models) goes through
here. Temporary files are named ``.<stem>.<random>.tmp<suffix>``; :func:`remove_stale_temp_files`
clears the ones a killed process left behind.

Outputs take the user's umask (and a folder's default ACL) like any other tool's: the temporary file
is created with mode 0666 and the kernel narrows it, so a shared shot's layer is 0644 under umask 022
and 0600 under 077. Secrets (the server's token, job store, logs) are written elsewhere, user-only.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Iterator

from faceplate.errors import DiskFullError, WorkspaceError

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
TEMP_NAME = re.compile(r"^\..+\.[^.]+\.tmp(\.[A-Za-z0-9]+)?$")
TEMP_FOLDER = re.compile(r"^\..+\.partial$")  # a folder built aside and renamed into place (checkpoints)


def disk_full(target: Path, exc: OSError) -> DiskFullError:
    return DiskFullError(
        f"no space left to write {target} ({exc.strerror}); the previous file is kept: "
        "free some disk space and run the same command again"
    )


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, min_size: int = 1) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success check it holds at least ``min_size``
    bytes and rename it onto ``target``.

    The temporary name keeps the target's extension so writers that pick a format by
    extension (OpenImageIO, OpenCV) still work.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _create_temp_file(target)
    except OSError as exc:
        raise (
            disk_full(target, exc)
            if exc.errno in _NO_SPACE
            else WorkspaceError(f"cannot write {target}: {exc.strerror}; check the folder's permissions")
        ) from exc
    try:
        yield tmp
        size = tmp.stat().st_size
        if size < min_size:
            raise DiskFullError(
                f"writing {target} produced {size} bytes; the previous file is kept: "
                "check free disk space and run the same command again"
            )
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in _NO_SPACE:
            raise disk_full(target, exc) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create_temp_file(target: Path) -> Path:
    """A new, empty ``.<stem>.<random>.tmp<suffix>`` beside ``target``, created with mode 0666 so the umask
    decides (tempfile.mkstemp's 0600 would make every output private); O_EXCL: never someone else's file."""
    for _ in range(100):
        tmp = target.with_name(f".{target.stem}.{secrets.token_hex(6)}.tmp{target.suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))


def write_bytes_atomic(target: str | os.PathLike, data: bytes, durable: bool = True) -> None:
    """``durable=False`` skips the fsync: still never half-written after a crash of this
    process, but may be lost on power failure (fine for files an index re-checks, like crops)."""
    with atomic_path(target, min_size=min(1, len(data))) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def read_json(path: str | os.PathLike) -> dict | None:
    """A JSON object written here, read back; None when it is missing, damaged or not an object (a reader
    treats all three as absent)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove_stale_temp_files(root: str | os.PathLike) -> list[Path]:
    """Delete temporary files a killed writer left under ``root``; returns what was removed.
    Only call while holding the folder's lock exclusively (a live writer's temp file looks the same;
    render chunks sharing a shot's lock write theirs while others run)."""
    removed = []
    for folder, subfolders, names in os.walk(root):
        for name in [d for d in subfolders if TEMP_FOLDER.match(d)]:
            subfolders.remove(name)
            shutil.rmtree(Path(folder) / name, ignore_errors=True)
            removed.append(Path(folder) / name)
        for name in names:
            if TEMP_NAME.match(name):
                path = Path(folder) / name
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed
