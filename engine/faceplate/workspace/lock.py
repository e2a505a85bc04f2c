"""The shot lock: an OS file lock on ``SHOT/.faceplate.lock``, exclusive or shared.

Every stage holds it EXCLUSIVE for its whole run (one writer per shot), except render, which
holds it SHARED for its frame work: render chunks of one shot (a farm's tasks, `--frames A-B`)
run at once, each writing only its own frames' files, while any exclusive holder excludes them
all. A render that finds the shot free takes it exclusive first, so it can do the recovery only
an exclusive holder may do (see ``Workspace.locked``), then shares it.

Files that every holder patches (the manifest, the holder list in the lock file, the review
movie) change under a second, short exclusive lock, ``SHOT/.faceplate.manifest.lock``
(:func:`shot_files_locked`), taken only while holding the shot lock and never while waiting for
it, so the two locks cannot deadlock.

The kernel releases both when the holding process dies (kill -9 included), so a stale lock never
blocks a shot. Holders write who they are into the lock file (stage, pid, host, since; shared
holders as a list), which a refused program reads to say who is busy. A program started with
FACEPLATE_LOCK_WAIT (seconds) waits that long for a busy shot instead of giving up at once: farm
jobs set it, so a chunk whose shot is being trained waits rather than fails.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import socket
import sys
import time
from pathlib import Path
from typing import Iterator

from faceplate.atomic import disk_full
from faceplate.errors import WorkspaceBusy, WorkspaceError
from faceplate.workspace.manifest import now_iso

LOCK_NAME = ".faceplate.lock"
FILES_LOCK_NAME = ".faceplate.manifest.lock"
WAIT_ENV = "FACEPLATE_LOCK_WAIT"
EXCLUSIVE, SHARED = "exclusive", "shared"
# a render that took the free shot exclusive to recover it shares it within seconds: a second
# render arriving meanwhile waits this long for that even without FACEPLATE_LOCK_WAIT
SHARE_GRACE_S = 30.0
POLL_S = 0.2
log = logging.getLogger(__name__)

# msvcrt.locking has no shared mode: on Windows every holder is exclusive (a shared request is made
# exclusive in WorkspaceLock.acquire), so render chunks of one shot take turns there (correct, not parallel)
SHARED_LOCKS = sys.platform != "win32"

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _convert_to_shared(fd: int) -> bool:
        raise NotImplementedError("no shared locks on Windows (SHARED_LOCKS)")
else:
    import fcntl

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _convert_to_shared(fd: int) -> bool:
        """flock converts exclusive -> shared on the same descriptor, but not atomically: a program waiting
        for the exclusive lock may slip in between, and then the descriptor holds nothing (False)."""
        return _try_lock(fd, shared=True)


def _read_info(root: Path) -> dict:
    try:
        info = json.loads((root / LOCK_NAME).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _describe(info: dict) -> str:
    return f"`{info.get('stage', '?')}` since {info.get('since', '?')} (pid {info.get('pid', '?')} on {info.get('host', '?')})"


def holder_text(root: Path) -> str:
    """'`train` since 2026-11-30T07:40:01+00:00 (pid 4242 on render07)'; shared holders: the first one
    and how many others ('`render of 1001-1024` since ... (pid ..) and 1 other'); or what is known."""
    info = _read_info(root)
    if info.get("mode") == SHARED:
        holders = info.get("holders") or []
        if not holders:
            return "another program"
        others = len(holders) - 1
        return _describe(holders[0]) + (f" and {others} other{'s' if others > 1 else ''}" if others else "")
    return _describe(info) if info else "another program"


def _wait_s(root: Path, shared: bool) -> float:
    """How long to wait for a busy shot: FACEPLATE_LOCK_WAIT (unset or not a number: do not wait), and
    for a shared request at least SHARE_GRACE_S while a render holds it exclusive only to recover it."""
    try:
        wait_s = max(0.0, float(os.environ.get(WAIT_ENV) or 0))
    except ValueError:
        wait_s = 0.0
    if shared and _read_info(root).get("then") == SHARED:
        wait_s = max(wait_s, SHARE_GRACE_S)
    return wait_s


def _wait_for_lock(fd: int, root: Path, shared: bool) -> bool:
    """Take the lock now, or within the wait (see _wait_s)."""
    if _try_lock(fd, shared):
        return True
    wait_s = _wait_s(root, shared)
    deadline = time.monotonic() + wait_s
    if wait_s:
        log.info("shot %s is busy: %s; waiting up to %.0f s (%s)", root, holder_text(root), wait_s, WAIT_ENV)
    while time.monotonic() < deadline:
        time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
        if _try_lock(fd, shared):
            return True
    return False


@contextlib.contextmanager
def shot_files_locked(root: Path) -> Iterator[None]:
    """Hold the short exclusive lock for a read-patch-write of a file every shot-lock holder may change
    (manifest, holder list, review movie). Blocks: holders keep it for a moment, and only while they
    hold the shot lock (so it is never held by a program waiting for the shot lock)."""
    path = Path(root) / FILES_LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WorkspaceError(
            f"cannot open the shot's manifest lock {path}: {exc.strerror}; check the folder's permissions"
        ) from exc
    try:
        while not _try_lock(fd):
            time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing drops the lock


def _alive(holder: dict) -> bool:
    """False for a holder on this host whose process is gone (a killed shared holder leaves its entry)."""
    if holder.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(holder.get("pid", 0)), 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError):
        return True
    return True


def lock_file_error(path: Path, exc: OSError) -> WorkspaceError:
    """One line for a lock file that cannot be made or written: a full disk says so."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):  # EFBIG: a file size limit (ulimit -f)
        return disk_full(path, exc)
    return WorkspaceError(
        f"cannot write the shot lock {path}: {exc.strerror}; check the folder's permissions and that it is a plain file"
    )


class WorkspaceLock:
    """Non-blocking (unless FACEPLATE_LOCK_WAIT); re-entrant within one holder (``faceplate run``
    holds it across stages), in the mode the outermost acquisition chose."""

    def __init__(self, root: Path):
        self.root, self._fd, self._depth, self._info, self.mode = Path(root), None, 0, {}, EXCLUSIVE

    @property
    def held(self) -> bool:
        return self._fd is not None

    @property
    def outermost(self) -> bool:
        """Held once (not re-entered): the moment to check the shot over."""
        return self._depth == 1

    @property
    def exclusive(self) -> bool:
        """Nobody else holds the shot (always true on Windows, where shared requests lock exclusively)."""
        return self.held and self.mode == EXCLUSIVE

    def acquire(self, stage: str, shared: bool = False) -> None:
        """``shared``: take it exclusive if the shot is free (call :meth:`share` once recovered), else join
        the other shared holders; refused (WorkspaceBusy naming the holder) while an exclusive holder has it."""
        if self._fd is not None:  # re-entered: keeps the outer mode (``stage_run`` inside a stage's hold)
            self._depth += 1
            return
        shared = shared and SHARED_LOCKS
        path = self.root / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise lock_file_error(path, exc) from None
        # token: two holders of one process (server worker threads) may share stage, pid, host and second
        self._info = {
            "stage": stage,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": now_iso(),
            "token": secrets.token_hex(4),
        }
        if shared and _try_lock(fd):
            self._fd, self._depth, self.mode = fd, 1, EXCLUSIVE
            self._record_holder(lambda: self._write_exclusive({**self._info, "then": SHARED}))
            return
        if not _wait_for_lock(fd, self.root, shared):
            os.close(fd)
            raise WorkspaceBusy(
                f"shot {self.root} is busy: {holder_text(self.root)}; "
                "wait for it to finish or cancel it, then try again"
            )
        self._fd, self._depth = fd, 1
        self.mode = SHARED if shared else EXCLUSIVE
        self._record_holder(self._register if shared else lambda: self._write_exclusive(self._info))

    def _record_holder(self, write) -> None:
        """Write who holds the shot; when the lock file cannot be written (a full disk), let go of the shot
        and say so in one line."""
        try:
            write()
        except OSError as exc:
            fd, self._fd, self._depth = self._fd, None, 0
            os.close(fd)
            raise lock_file_error(self.root / LOCK_NAME, exc) from None

    def share(self) -> None:
        """Let other shared holders in (after the exclusive-only recovery). If a program waiting for the
        shot exclusively slips in during the switch, wait for it like any shared request."""
        if self._fd is None or self.mode == SHARED or not SHARED_LOCKS:
            return
        with shot_files_locked(self.root):
            switched = _convert_to_shared(self._fd)
            if switched:
                self.mode = SHARED
                self._register(files_locked=True)
        if not switched:
            if not _wait_for_lock(self._fd, self.root, shared=True):
                fd, self._fd, self._depth = self._fd, None, 0
                os.close(fd)  # holds nothing now: the lock file is the new holder's, left as it is
                raise WorkspaceBusy(
                    f"shot {self.root} is busy: {holder_text(self.root)}; "
                    "wait for it to finish or cancel it, then try again"
                )
            self.mode = SHARED
            self._register()

    def release(self) -> None:
        if self._fd is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        try:
            if self.mode == SHARED:
                self._unregister()
            else:
                os.ftruncate(self._fd, 0)  # an empty file says nobody holds it
        except OSError as exc:  # the record is only advice to a refused program: the lock itself still goes
            log.warning("could not clear the holder record in %s (%s)", self.root / LOCK_NAME, exc.strerror)
        fd, self._fd = self._fd, None
        os.close(fd)  # closing the file drops the lock

    # --- who holds it: one record (exclusive) or a list (shared) in the lock file ---------------
    def _write_exclusive(self, info: dict) -> None:
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps({**info, "mode": EXCLUSIVE}).encode(), 0)

    def _patch_holders(self, change, files_locked: bool = False) -> None:
        """Read the holder list, apply ``change`` (list -> list), write it back, under the short lock."""
        with contextlib.nullcontext() if files_locked else shot_files_locked(self.root):
            info = _read_info(self.root)
            holders = info.get("holders", []) if info.get("mode") == SHARED else []  # else: a dead exclusive holder's
            holders = change([h for h in holders if _alive(h)])
            text = json.dumps({"mode": SHARED, "holders": holders}) if holders else ""
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode(), 0)

    def _register(self, files_locked: bool = False) -> None:
        self._patch_holders(lambda holders: [h for h in holders if h != self._info] + [self._info], files_locked)

    def _unregister(self) -> None:
        self._patch_holders(lambda holders: [h for h in holders if h != self._info])
