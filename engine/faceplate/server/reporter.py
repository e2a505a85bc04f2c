"""The worker's Reporter: every progress, metric, preview and log line becomes an event in the store.

Progress is throttled (one event per task every ``interval`` seconds, plus every task's first and
last update) so a fast stage does not flood the store; cancel is a flag in the store that a
thread polls, so ``cancelled()`` costs nothing at a stage's safe points.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

from faceplate.reporting import BaseReporter, Progress
from faceplate.server.store import Store


class StoreReporter(BaseReporter):
    def __init__(self, store: Store, job_id: str, stage: str, workspace: Path, interval: float = 0.25):
        super().__init__()
        self.store, self.job_id, self.stage, self.workspace, self.interval = store, job_id, stage, workspace, interval
        self._last: dict[str, float] = {}
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._poll_cancel, name="cancel-poll", daemon=True)

    def __enter__(self) -> "StoreReporter":
        self._watch.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._watch.join(timeout=2)

    def _poll_cancel(self) -> None:
        from faceplate.server.store import Store

        own = Store(self.store.path)  # its own connection: sqlite connections stay in their thread
        try:
            while not self._stop.wait(self.interval):
                if own.cancel_requested(self.job_id):
                    self.cancel()
                    return
        finally:
            own.close()

    def progress(self, update: Progress) -> None:
        now = time.monotonic()
        final = update.total is not None and update.done >= update.total
        first = update.task not in self._last
        if not (first or final or now - self._last[update.task] >= self.interval):
            return
        self._last[update.task] = now
        data = {
            "task": update.task,
            "done": update.done,
            "total": update.total,
            "unit": update.unit,
            "rate": update.rate,
            "eta_s": update.eta_s,
            "fraction": update.fraction,
        }
        self.store.update_stage(self.job_id, self.stage, ("progress", data), progress=data)

    def metrics(self, values: dict[str, float]) -> None:
        data = {k: _finite(v) for k, v in values.items()}
        self.store.update_stage(self.job_id, self.stage, ("metrics", data), metrics=data)

    def preview(self, path: Path, caption: str) -> None:
        path = Path(path)
        shown = str(path.relative_to(self.workspace)) if path.is_relative_to(self.workspace) else str(path)
        data = {"path": shown, "caption": caption}
        self.store.update_stage(self.job_id, self.stage, ("preview", data), preview=data)

    def log(self, level: str, message: str) -> None:
        self.store.add_event(self.job_id, self.stage, "log", {"level": level, "message": message})

    def layer_preview(self, info: dict) -> None:
        """A ``preview_layer`` event: a following host places the preview without polling files."""
        self.store.add_event(self.job_id, self.stage, "preview_layer", dict(info))


def _finite(value):
    """JSON has no NaN/inf: such a loss is sent as null (and the number itself as text)."""
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    return str(value)
