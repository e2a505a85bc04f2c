"""The loss log (``loss.jsonl``, one line per logged step) and the plateau test."""

from __future__ import annotations

import errno
import json
from pathlib import Path

from faceplate.atomic import disk_full, write_text_atomic


class LossLog:
    """Appends logged steps to ``loss.jsonl``; ``truncate`` drops lines past a checkpoint on resume."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.records: list[dict] = []
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    self.records.append(json.loads(line))
                except ValueError:
                    break  # a line cut short by a crash

    def truncate(self, iteration: int) -> None:
        self.records = [r for r in self.records if r["iteration"] <= iteration]
        write_text_atomic(self.path, "".join(json.dumps(r) + "\n" for r in self.records))

    def append(self, record: dict) -> None:
        self.records.append(record)
        try:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")
        except OSError as exc:  # a line cut short is dropped on the next read
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise disk_full(self.path, exc) from exc
            raise


def reached_plateau(totals: list[float], window: int, tolerance: float, patience: int = 2) -> bool:
    """True when the mean loss improved by less than ``tolerance`` (relative) over each of the last
    ``patience`` windows of ``window`` values."""
    if len(totals) < window * (patience + 1):
        return False
    means = [sum(totals[-(i + 1) * window:len(totals) - i * window]) / window for i in range(patience + 1)]
    return all(means[i + 1] - means[i] < tolerance * means[i + 1] for i in range(patience))
