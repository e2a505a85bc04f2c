"""The CPU trainer's intra-op thread count, chosen by timing: on a CPU shared with other work, torch's
default (one OpenMP thread per core) can be 5-10x slower than one thread, because its threads
busy-wait for each other at every op and one of them is always descheduled; on a quiet CPU the
default is faster. Which holds changes while a run trains, so the loop keeps measuring.

The thread count changes the order of the float reductions, so it changes the loss curve in its last
digits. For a resumed run to continue the killed run's curve exactly, the count at each iteration is
a function of the iteration alone plus the counts chosen so far (``chosen``, which the trainer keeps
with its checkpoint): never of when this process started or how loaded the machine is now.
"""

from __future__ import annotations

import logging

import torch

log = logging.getLogger(__name__)


class CpuThreads:
    """Rounds of iterations: each round tries every candidate for ``trial`` timed iterations (after one
    untimed one to settle), then trains ``every`` iterations at the fastest, recorded in ``chosen``
    (round -> count). ``use(iteration)`` before each training step, ``timed(iteration, seconds)``
    after it with its wall time (batch wait included: that is the throughput); ``restore()`` at the end."""

    def __init__(
        self, candidates: tuple[int, ...], trial: int = 8, every: int = 400, chosen: dict[int, int] | None = None
    ):
        self.candidates, self.trial, self.every = candidates, trial, every
        self.chosen = {} if chosen is None else chosen  # the caller's dict: kept with the checkpoint
        self.round_length = len(candidates) * (trial + 1) + every
        self.saved = torch.get_num_threads()
        self.timings: dict[int, list[float]] = {}  # this round's timed steps per thread count

    @classmethod
    def for_device(cls, device: torch.device, chosen: dict[int, int] | None = None) -> "CpuThreads | None":
        """None where there is nothing to choose: CUDA, or one thread. The candidates are torch's
        thread count (one per core, or what OMP_NUM_THREADS / a farm set) and one."""
        threads = torch.get_num_threads()
        return cls((threads, 1), chosen=chosen) if device.type == "cpu" and threads > 1 else None

    def _place(self, iteration: int) -> tuple[int, int, int]:
        """(round, candidate index or len(candidates) once the trials are over, step within the candidate)."""
        round_, position = divmod(iteration - 1, self.round_length)
        index, step = divmod(position, self.trial + 1)
        return round_, min(index, len(self.candidates)), step

    def count_for(self, iteration: int) -> int:
        round_, index, _ = self._place(iteration)
        if index < len(self.candidates):
            return self.candidates[index]
        if round_ not in self.chosen:
            self.chosen[round_] = self._fastest()
        return self.chosen[round_]

    def use(self, iteration: int) -> None:
        torch.set_num_threads(self.count_for(iteration))

    def timed(self, iteration: int, seconds: float) -> None:
        _, index, step = self._place(iteration)
        if index < len(self.candidates) and step > 0:
            self.timings.setdefault(self.candidates[index], []).append(seconds)

    def _fastest(self) -> int:
        """The count with the shortest mean step this round (the first candidate where a resume skipped the trials)."""
        means = {n: sum(t) / len(t) for n, t in self.timings.items()}
        self.timings = {}
        if not means:
            return self.candidates[0]
        log.debug("intra-op threads: %s", ", ".join(f"{n}: {s * 1000:.0f} ms/step" for n, s in means.items()))
        return min(means, key=means.get)

    def restore(self) -> None:
        torch.set_num_threads(self.saved)
