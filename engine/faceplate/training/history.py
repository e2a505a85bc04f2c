"""The loss log (``loss.jsonl``, one line per logged step) and the plateau test."""

from __future__ import annotations

import errno
import json
import logging
from pathlib import Path

from faceplate.atomic import disk_full, write_text_atomic

log = logging.getLogger(__name__)
_NEEDED = ("iteration", "src", "dst", "total")  # what the plot and the plateau test read


class LossLog:
    """Appends logged steps to ``loss.jsonl``; ``truncate`` drops lines past a checkpoint on resume."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.records: list[dict] = []
        if self.path.is_file():
            self.records = read_loss_lines(self.path)

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


def read_loss_lines(path: Path) -> list[dict]:
    """The logged steps of ``path``. A line cut short by a crash, or damaged, is skipped with one warning (the
    curve misses those steps; training resumes from its checkpoint, which holds everything it needs)."""
    records, damaged = [], []
    for number, line in enumerate(path.read_bytes().decode("utf-8", errors="replace").splitlines(), start=1):
        record = _loss_record(line)
        if record is None:
            damaged.append(number)
        else:
            records.append(record)
    if damaged:
        log.warning(
            "%s: %d damaged line(s) skipped (first: line %d); the loss curve misses those steps",
            path,
            len(damaged),
            damaged[0],
        )
    return records


def _loss_record(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("iteration"), int):
        return None
    numbers = all(isinstance(record.get(k), (int, float)) and not isinstance(record[k], bool) for k in _NEEDED)
    return record if numbers else None


def reached_plateau(totals: list[float], window: int, tolerance: float, patience: int = 2) -> bool:
    """True when the mean loss improved by less than ``tolerance`` (relative) over each of the last
    ``patience`` windows of ``window`` values."""
    if len(totals) < window * (patience + 1):
        return False
    means = [sum(totals[-(i + 1) * window : len(totals) - i * window]) / window for i in range(patience + 1)]
    return all(means[i + 1] - means[i] < tolerance * means[i + 1] for i in range(patience))
