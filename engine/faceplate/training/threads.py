"""The CPU trainer's intra-op thread count, chosen by timing: on a CPU shared with other work, torch's
default (one OpenMP thread per core) can be 5-10x slower than one thread, because its threads
busy-wait for each other at every op and one of them is always descheduled; on a quiet CPU the
default is faster. Which holds changes while a run trains, so the loop keeps measuring.
"""

from __future__ import annotations

import logging

import torch

log = logging.getLogger(__name__)


class CpuThreads:
    """Every ``every`` steps, ``trial`` timed steps at each candidate thread count (after one untimed
    step to settle), then the fastest until the next round. ``step(seconds)`` after each training
    step with its wall time (batch wait included: that is the throughput); ``restore()`` at the end."""

    def __init__(self, candidates: tuple[int, ...], trial: int = 8, every: int = 400):
        self.candidates, self.trial, self.every = candidates, trial, every
        self.saved = torch.get_num_threads()
        self.timings: dict[int, float] = {}
        self.queue = list(candidates)
        self.current, self.left, self.trying = candidates[0], 0, True
        self._next()

    @classmethod
    def for_device(cls, device: torch.device) -> "CpuThreads | None":
        """None where there is nothing to choose: CUDA, or one thread. The candidates are torch's
        thread count (one per core, or what OMP_NUM_THREADS / a farm set) and one."""
        threads = torch.get_num_threads()
        return cls((threads, 1)) if device.type == "cpu" and threads > 1 else None

    def _next(self) -> None:
        if self.queue:
            self.current, self.left, self.trying = self.queue.pop(0), self.trial + 1, True
        else:
            best = min(self.timings, key=self.timings.get)
            if best != self.current or len(self.timings) == len(self.candidates):
                log.debug("intra-op threads: %s", ", ".join(f"{n}: {s / self.trial * 1000:.0f} ms/step"
                                                             for n, s in self.timings.items()))
            self.current, self.left, self.trying = best, self.every, False
            self.queue, self.timings = list(self.candidates), {}
        torch.set_num_threads(self.current)

    def step(self, seconds: float) -> None:
        if self.trying and self.left <= self.trial:
            self.timings[self.current] = self.timings.get(self.current, 0.0) + seconds
        self.left -= 1
        if self.left <= 0:
            self._next()

    def restore(self) -> None:
        torch.set_num_threads(self.saved)
