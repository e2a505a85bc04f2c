"""The CLI's reporter: rich progress bars (count, rate, ETA) and log lines on one stderr console,
and Ctrl-C / SIGTERM turned into a cancel the stage honours at its next safe point."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as Bars

from faceplate.reporting import BaseReporter, Progress


class ConsoleReporter(BaseReporter):
    def __init__(self, console: Console, show_progress: bool = True):
        super().__init__()
        self.console, self.show_progress = console, show_progress
        self._bars: Bars | None = None
        self._tasks: dict[str, int] = {}
        self._current: int | None = None  # the task metrics belong to: the one that last moved

    def progress(self, update: Progress) -> None:
        if not self.show_progress:
            return
        if self._bars is None:
            self._bars = Bars(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[extra]}"),
                console=self.console,
                transient=False,
            )
            self._bars.start()
        if update.task not in self._tasks:
            self._tasks[update.task] = self._bars.add_task(update.task, total=update.total, rate="", extra="")
        self._current = self._tasks[update.task]
        rate = f"{update.rate:.2f} {update.unit}/s" if update.rate else f"-- {update.unit}/s"
        self._bars.update(self._current, completed=update.done, total=update.total, rate=rate)

    def metrics(self, values: dict[str, float]) -> None:
        if self._bars is not None and self._current is not None:
            text = " ".join(f"{k} {v:.4g}" for k, v in values.items() if isinstance(v, (int, float)))
            self._bars.update(self._current, extra=text)

    def preview(self, path: Path, caption: str) -> None:
        pass  # previews are files the artist opens; the log line names them

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars, self._tasks = None, {}


class OpenJDReporter(ConsoleReporter):
    """Under Open Job Description (the farm job sets FACEPLATE_OPENJD=1): no bars, but the lines the
    OpenJD runtime reads from a task's output: ``openjd_status: <task> (<total> <unit>)`` when a task
    starts and ``openjd_progress: <percent>`` at each whole percent of it (a log stays readable)."""

    def __init__(self, console: Console):
        super().__init__(console, show_progress=False)
        self._last: tuple[str, int] | None = None

    def progress(self, update: Progress) -> None:
        if update.fraction is None:
            return
        percent = 100.0 * update.fraction
        if self._last == (update.task, int(percent)):
            return
        if self._last is None or self._last[0] != update.task:
            print(f"openjd_status: {update.task} ({update.total} {update.unit})", file=sys.stdout)
        self._last = (update.task, int(percent))
        print(f"openjd_progress: {percent:.1f}", file=sys.stdout, flush=True)

    @staticmethod
    def fail(line: str) -> None:
        """The runtime records this as the task's failure reason: the same line the CLI prints."""
        print(f"openjd_fail: {line}", file=sys.stdout, flush=True)


class ConsoleLogHandler(logging.Handler):
    """``faceplate: message`` lines printed through the bars' console, so they do not tear the bars."""

    def __init__(self, console: Console, level: int):
        super().__init__(level)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        self.console.print(f"faceplate: {record.getMessage()}", markup=False, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def cancel_on_signals(reporter: BaseReporter) -> Iterator[None]:
    """First Ctrl-C or SIGTERM: ask the stage to stop at a safe point. A second Ctrl-C: stop now."""
    log = logging.getLogger("faceplate")

    def on_signal(signum, frame):
        if reporter.cancelled() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        reporter.cancel()
        log.warning("stopping at the next safe point; finished work is kept (Ctrl-C again to stop at once)")

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
