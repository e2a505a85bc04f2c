"""One writer per shot: an OS file lock on ``SHOT/.faceplate.lock``.

The kernel releases the lock when the holding process dies (kill -9 included), so a stale lock
never blocks a shot. The holder writes who it is (stage, pid, host, since) into the file, which a
refused program reads to say who is busy with the shot. A program started with FACEPLATE_LOCK_WAIT
(seconds) waits that long for a busy shot instead of giving up at once: farm jobs set it, so two
render chunks of one shot given to two nodes run one after the other rather than one failing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

from faceplate.errors import WorkspaceBusy, WorkspaceError
from faceplate.workspace.manifest import now_iso

LOCK_NAME = ".faceplate.lock"
WAIT_ENV = "FACEPLATE_LOCK_WAIT"
log = logging.getLogger(__name__)

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False


def holder_text(root: Path) -> str:
    """'train since 2026-11-30T07:40:01+00:00 (pid 4242 on render07)', or what is known."""
    try:
        info = json.loads((root / LOCK_NAME).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another program"
    return f"`{info.get('stage', '?')}` since {info.get('since', '?')} (pid {info.get('pid', '?')} on {info.get('host', '?')})"


def _wait_for_lock(fd: int, root: Path) -> bool:
    """Take the lock now, or within FACEPLATE_LOCK_WAIT seconds (unset or not a number: do not wait)."""
    try:
        wait_s = max(0.0, float(os.environ.get(WAIT_ENV) or 0))
    except ValueError:
        wait_s = 0.0
    deadline = time.monotonic() + wait_s
    if _try_lock(fd):
        return True
    if wait_s:
        log.info("shot %s is busy: %s holds it; waiting up to %.0f s (%s)", root, holder_text(root), wait_s, WAIT_ENV)
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        if _try_lock(fd):
            return True
    return False


class WorkspaceLock:
    """Exclusive, non-blocking; re-entrant within one holder (``faceplate run`` holds it across stages)."""

    def __init__(self, root: Path):
        self.root, self._fd, self._depth = Path(root), None, 0

    @property
    def held(self) -> bool:
        return self._fd is not None

    @property
    def outermost(self) -> bool:
        """Held once (not re-entered): the moment to check the shot over."""
        return self._depth == 1

    def acquire(self, stage: str) -> None:
        if self._fd is not None:
            self._depth += 1
            return
        path = self.root / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise WorkspaceError(f"cannot open the shot lock {path}: {exc.strerror}; check the folder's permissions") from exc
        if not _wait_for_lock(fd, self.root):
            os.close(fd)
            raise WorkspaceBusy(f"shot {self.root} is busy: {holder_text(self.root)} holds it; "
                                "wait for it to finish or cancel it, then try again")
        info = {"stage": stage, "pid": os.getpid(), "host": socket.gethostname(), "since": now_iso()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd, self._depth = fd, 1

    def release(self) -> None:
        if self._fd is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)  # closing the file drops the lock; an empty file says nobody holds it
        os.close(fd)
