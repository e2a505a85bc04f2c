"""Run one stage on a shot the same way for every caller: lock, settings, logs, result."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, Callable, Iterator

from faceplate.reporting import BaseReporter, Reporter, StageResult
from faceplate.stages import get_stage
from faceplate.workspace import Workspace


def run_stage(
    workspace: Workspace,
    name: str,
    changes: dict | None = None,
    reporter: Reporter | None = None,
    guard: Callable[[Workspace, Any], Any] | None = None,
) -> StageResult:
    """Hold the shot, build the stage's settings (what the shot remembers, ``changes`` on top,
    validated before anything is written) and run it; its log lines go to ``reporter`` too.
    ``guard(workspace, settings)``, called once the lock is held, may refuse (raise) or return the
    settings the stage gets (the server's worker checks paths against its roots there)."""
    stage = get_stage(name)
    reporter = reporter or BaseReporter()
    with workspace.locked(lock_label(name, changes), shared=stage.shares_lock), logs_to(reporter):
        settings = workspace.settings_for(name, stage.settings_class, changes)
        if guard is not None:
            settings = guard(workspace, settings)
        return stage.load().run(workspace, settings, reporter)


def lock_label(name: str, changes: dict | None) -> str:
    """What a refused program reads about this holder: 'render of 1001-1024' for a chunk, else the stage."""
    frames = (changes or {}).get("frames")
    return f"{name} of {frames}" if frames else name


class _ReporterHandler(logging.Handler):
    def __init__(self, reporter: Reporter, thread: int):
        super().__init__(logging.INFO)
        self.reporter, self.thread = reporter, thread

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:  # a server runs other shots' stages on other threads
            self.reporter.log(record.levelname.lower(), record.getMessage())


@contextlib.contextmanager
def logs_to(reporter: Reporter) -> Iterator[None]:
    """Forward the engine's log lines (logger ``faceplate``) from this thread to ``reporter``."""
    logger = logging.getLogger("faceplate")
    handler = _ReporterHandler(reporter, threading.get_ident())
    previous = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
