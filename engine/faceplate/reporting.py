"""The stage contract every front end shares: ``run(workspace, settings, reporter) -> StageResult``.

A stage reads its validated settings, reports through a :class:`Reporter` (progress with rate and
ETA, metrics, previews, log lines) and checks :func:`check_cancelled` at points where stopping
leaves the shot resumable. The CLI (rich bars), the server's workers, farm tasks and tests each
supply a reporter; nothing is done only in one of them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, runtime_checkable

from faceplate.errors import StageCancelled


@dataclass(frozen=True)
class Progress:
    """One progress update of one task of a stage (a stage may run several: one per clip)."""

    task: str  # "extract plate", "train"
    done: int
    total: int | None
    unit: str  # frames, faces, it
    rate: float | None  # units per second since the task started
    eta_s: float | None  # seconds left at that rate

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


@runtime_checkable
class Reporter(Protocol):
    def progress(self, update: Progress) -> None: ...
    def metrics(self, values: dict[str, float]) -> None: ...
    def preview(self, path: Path, caption: str) -> None: ...
    def log(self, level: str, message: str) -> None: ...
    def layer_preview(self, info: dict) -> None: ...
    def cancelled(self) -> bool: ...


class BaseReporter:
    """A reporter that shows nothing; cancel through ``cancel()`` (thread-safe). Subclass and override."""

    def __init__(self) -> None:
        self._cancel = threading.Event()

    def progress(self, update: Progress) -> None:
        pass

    def metrics(self, values: dict[str, float]) -> None:
        pass

    def preview(self, path: Path, caption: str) -> None:
        pass

    def log(self, level: str, message: str) -> None:
        pass

    def layer_preview(self, info: dict) -> None:
        """A layer preview is complete (``iteration``, ``pattern``, ``frame_range``): what a host may place."""

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()


class RecordingReporter(BaseReporter):
    """Keeps everything reported (tests, and the server's event log); ``cancel_after`` progress
    updates it asks the stage to stop, and records when."""

    def __init__(self, cancel_after: int | None = None, on_event: Callable[[str, Any], None] | None = None):
        super().__init__()
        self.events: list[tuple[str, Any]] = []
        self.cancel_after, self.cancel_time, self.on_event = cancel_after, None, on_event

    def _record(self, kind: str, value: Any) -> None:
        self.events.append((kind, value))
        if self.on_event is not None:
            self.on_event(kind, value)

    def progress(self, update: Progress) -> None:
        self._record("progress", update)
        if self.cancel_after is not None and len(self.of("progress")) >= self.cancel_after and not self.cancelled():
            self.cancel()

    def metrics(self, values: dict[str, float]) -> None:
        self._record("metrics", dict(values))

    def preview(self, path: Path, caption: str) -> None:
        self._record("preview", (Path(path), caption))

    def log(self, level: str, message: str) -> None:
        self._record("log", (level, message))

    def layer_preview(self, info: dict) -> None:
        self._record("layer_preview", dict(info))

    def cancel(self) -> None:
        self.cancel_time = self.cancel_time or time.monotonic()
        super().cancel()

    def of(self, kind: str) -> list:
        return [value for k, value in self.events if k == kind]


class Meter:
    """Counts one task's units and reports :class:`Progress` with rate and ETA. ``seconds``: a time cap
    (train's ``--minutes``): the ETA is never past it, and the total is the units the rate will reach by then
    where that comes before ``total``. ``finish()`` reports the task complete wherever it stopped."""

    def __init__(
        self, reporter: Reporter, task: str, total: int | None, unit: str = "frames", seconds: float | None = None
    ):
        self.reporter, self.task, self.total, self.unit, self.seconds = reporter, task, total, unit, seconds
        self.done, self.started = 0, time.monotonic()
        self._report()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._report()

    def finish(self) -> None:
        """The task stopped here (a time cap, a plateau): its last update says done, 100 %."""
        self.total, self.seconds = self.done, None
        self._report()

    def _report(self) -> None:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if self.done and elapsed > 0 else None
        total, eta = self.total, (self.total - self.done) / rate if rate and self.total is not None else None
        if self.seconds is not None:
            left = max(0.0, self.seconds - elapsed)
            eta = left if eta is None else min(eta, left)
            reachable = self.done + round(rate * left) if rate else None
            if reachable is not None and (total is None or reachable < total):
                total = reachable
        self.reporter.progress(Progress(self.task, self.done, total, self.unit, rate, eta))


def check_cancelled(reporter: Reporter, what: str = "") -> None:
    """Raise StageCancelled when the caller asked to stop; call where stopping loses nothing."""
    if reporter.cancelled():
        raise StageCancelled(f"cancelled{' ' + what if what else ''}; finished work is kept and the next run resumes")


@dataclass
class StageResult:
    """What a stage hands back to every front end: the run's record and the lines an artist reads."""

    stage: str
    status: str = "done"  # done | skipped (nothing to do)
    summary: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)  # one-line messages for the artist, in order
    detail: Any = None  # the stage's own result object, for library callers
