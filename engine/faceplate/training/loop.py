"""The training loop: run a Trainer until its target, logging, previewing, checkpointing, and
rolling back to the last good checkpoint on NaN/Inf or a loss spike instead of dying.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from faceplate.errors import StageCancelled, TrainError
from faceplate.reporting import BaseReporter, Meter, Reporter
from faceplate.training import checkpoint as ckpt
from faceplate.training.data import Batch, BatchStream, FaceData
from faceplate.training.history import LossLog, reached_plateau
from faceplate.training.preview import COLUMNS, preview_grid, write_loss_plot, write_png
from faceplate.training.threads import CpuThreads
from faceplate.training.trainer import Trainer

log = logging.getLogger(__name__)
PREVIEW_ROWS = 4


@dataclass
class TrainResult:
    iterations: int  # iteration count reached (across resumes)
    start_iteration: int
    seconds: float
    iterations_per_second: float  # steady state: excludes the first step (allocation, warm-up)
    loss: dict  # the last step's losses
    checkpoint_loss: float | None  # what the final checkpoint records: mean reconstruction loss since the one before
    checkpoint_loss_steps: int  # how many steps that mean covers
    best_loss: float | None
    rollbacks: int
    stopped_by: str  # iterations | minutes | plateau
    checkpoint: str
    device: str

    def summary(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


class TrainLoop:
    """Progress (iterations, it/s, ETA) goes to ``reporter`` through a Meter, the losses through its
    ``metrics``, each preview PNG through its ``preview``; a cancel is honoured between steps, after
    saving a checkpoint at the iteration reached."""

    def __init__(
        self, trainer: Trainer, src: FaceData, dst: FaceData, model_dir: Path, reporter: Reporter | None = None
    ):
        self.trainer, self.src, self.dst, self.model_dir = trainer, src, dst, Path(model_dir)
        self.reporter = reporter or BaseReporter()
        self.log = LossLog(self.model_dir / "loss.jsonl")
        self.recent: deque = deque(maxlen=50)
        self.reconstruction: list[float] = []  # src + dst per step: the adversarial term left out
        self.since_save: list[float] = []
        self.last_losses: dict = {}
        self.saved_loss, self.saved_steps = None, 0
        self.meter: Meter | None = None
        self.previews = None  # LayerPreviews (training/layer_previews.py): the shot's render at a checkpoint

    def run(self) -> TrainResult:
        t, s = self.trainer, self.trainer.settings
        if not s.has_target():  # the stage always resolves one (the budget's); a library caller may forget
            raise TrainError("training needs a target: give iterations, minutes or until_plateau")
        self.model_dir.mkdir(parents=True, exist_ok=True)
        self.log.truncate(t.iteration)
        if ckpt.read_pointer(self.model_dir, "latest") is None or not self._saved_at(t.iteration):
            t.save(self.model_dir, None)  # a good state to roll back to, from the first step on
        start_iteration, started = t.iteration, time.perf_counter()
        steady_from, steady_start = None, None
        stream = self._stream()
        self.meter = Meter(
            self.reporter,
            "train",
            (s.iterations - t.iteration) if s.iterations else None,
            unit="it",
            seconds=s.minutes * 60 if s.minutes else None,
        )  # the ETA respects the time cap
        threads = CpuThreads.for_device(t.device, t.thread_counts)
        try:
            while (reason := self._stop_reason(started)) is None:
                if self.reporter.cancelled():
                    self._cancel()
                iteration, step_start = t.iteration + 1, time.perf_counter()
                if threads:
                    threads.use(iteration)
                batch = stream.next().to(t.device, t.memory_format)
                losses = t.train_step(batch, self._spike_limit())
                if threads:
                    threads.timed(iteration, time.perf_counter() - step_start)
                if losses is None:
                    stream.close()
                    self._roll_back()
                    stream = self._stream()
                    continue
                if steady_start is None:
                    steady_from, steady_start = t.iteration, time.perf_counter()
                elif t.lr_horizon is None and s.minutes and not s.iterations:
                    self._set_lr_horizon(started, t.iteration - steady_from, time.perf_counter() - steady_start)
                self._after_step(batch, losses)
                self._preview_layer(started)
        finally:
            stream.close()
            if threads:
                threads.restore()
        loop_end = time.perf_counter()
        self.meter.finish()  # stopped by its target: 100 %, whichever target it was
        folder = self._save()
        if t.iteration > start_iteration:
            write_loss_plot(self.model_dir / "loss.png", self.log.records)
        elapsed = time.perf_counter() - started
        steady = (
            (t.iteration - steady_from) / (loop_end - steady_start)
            if steady_start and t.iteration > steady_from
            else 0.0
        )
        return TrainResult(
            t.iteration,
            start_iteration,
            elapsed,
            steady,
            self.last_losses,
            self.saved_loss,
            self.saved_steps,
            None if math.isinf(t.best_loss) else t.best_loss,
            t.rollbacks,
            reason,
            str(folder),
            str(t.device),
        )

    def _preview_layer(self, started: float) -> None:
        """A layer preview when one is due and the run goes on (the final render follows the last step)."""
        s, it = self.trainer.settings, self.trainer.iteration
        left = s.minutes * 60 - (time.perf_counter() - started) if s.minutes else None
        if self.previews is not None and self.previews.due(it, left) and self._stop_reason(started) is None:
            self.previews.make(self._save(), it)

    def _cancel(self) -> None:
        """Stop between steps: weights, optimiser and iteration counter agree, so the checkpoint resumes exactly."""
        folder = self._save()
        raise StageCancelled(
            f"training cancelled at iteration {self.trainer.iteration}; checkpoint {folder} saved "
            "and the next `faceplate train` resumes from it"
        )

    def _set_lr_horizon(self, started: float, steps: int, seconds: float) -> None:
        """A --minutes run has no iteration target for the cosine decay: once the speed is known
        (20 steps and a few seconds), decay over the iterations the run is expected to reach."""
        t, budget = self.trainer, self.trainer.settings.minutes * 60
        if steps < 20 or seconds < min(20.0, 0.05 * budget):
            return
        left = budget - (time.perf_counter() - started)
        t.lr_horizon = t.iteration + max(1, round(steps / seconds * left))
        log.info(
            "no --iterations target: the learning rate decays over the %d iterations expected in %g minutes",
            t.lr_horizon,
            t.settings.minutes,
        )

    def _stream(self) -> BatchStream:
        t = self.trainer
        return BatchStream(self.src, self.dst, t.settings, t.iteration, salt=t.rollbacks, pin=t.device.type == "cuda")

    def _stop_reason(self, started: float) -> str | None:
        s, it = self.trainer.settings, self.trainer.iteration
        if s.iterations and it >= s.iterations:
            return "iterations"
        if s.minutes and time.perf_counter() - started >= s.minutes * 60:
            return "minutes"
        if s.until_plateau and reached_plateau(self.reconstruction, s.plateau_window, s.plateau_tolerance):
            return "plateau"
        return None

    def _spike_limit(self) -> float:
        if len(self.recent) < 20:
            return math.inf
        return self.trainer.settings.spike_factor * statistics.median(self.recent)

    def _after_step(self, batch: Batch, losses: dict) -> None:
        t, s = self.trainer, self.trainer.settings
        self.recent.append(losses["total"])
        # "best" and the plateau compare the reconstruction: the adversarial term switching on mid-run
        # would otherwise make every checkpoint before it the best (and render with it)
        reconstruction = losses["src"] + losses["dst"]
        self.reconstruction.append(reconstruction)
        self.since_save.append(reconstruction)
        self.last_losses = losses
        if t.iteration % s.log_every == 0:
            self.log.append({"iteration": t.iteration, "time": round(time.time(), 3), **losses})
            rate = self.meter.done / (time.monotonic() - self.meter.started) if self.meter.done else 0.0
            self.reporter.metrics({"iteration": t.iteration, **losses, "it_per_s": rate})
        if t.iteration % s.preview_every == 0:
            path = self.write_preview(batch)
            write_loss_plot(self.model_dir / "loss.png", self.log.records)
            self.reporter.preview(path, f"iteration {t.iteration}: rows of {', '.join(COLUMNS)}")
        if t.iteration % s.checkpoint_every == 0:
            self._save()
        self.meter.advance()

    def _saved_at(self, iteration: int) -> bool:
        return (self.model_dir / "checkpoints" / ckpt.checkpoint_name(iteration) / ckpt.WEIGHTS).is_file()

    def _save(self) -> Path:
        t = self.trainer
        if self._saved_at(t.iteration) and not self.since_save:
            return self.model_dir / "checkpoints" / ckpt.checkpoint_name(t.iteration)
        loss = sum(self.since_save) / len(self.since_save) if self.since_save else None
        self.saved_loss, self.saved_steps, self.since_save = loss, len(self.since_save), []
        return t.save(self.model_dir, loss)

    def _roll_back(self) -> None:
        t, s = self.trainer, self.trainer.settings
        if t.rollbacks >= s.max_rollbacks:
            raise TrainError(
                f"training diverged {t.rollbacks + 1} times (NaN/Inf or loss spikes) at iteration "
                f"{t.iteration}; lower --lr or check the facesets for broken crops"
            )
        pointer = ckpt.read_pointer(self.model_dir, "latest")
        rollbacks, lr_scale, failed_at = t.rollbacks + 1, t.lr_scale * s.rollback_lr_factor, t.iteration
        t.restore(pointer["folder"])
        t.rollbacks, t.lr_scale = rollbacks, lr_scale
        self.log.truncate(t.iteration)
        self.recent.clear()
        self.since_save = []
        log.warning(
            "loss was NaN/Inf or spiked at iteration %d: rolled back to iteration %d, learning rate x%.3g",
            failed_at + 1,
            t.iteration,
            lr_scale,
        )

    @torch.no_grad()
    def write_preview(self, batch: Batch) -> Path:
        model, n = self.trainer.delivered_model(), PREVIEW_ROWS
        was_training = model.training
        model.eval()
        src, dst = batch.src_target[:n], batch.dst_target[:n]
        src_src, _ = model.reconstruct_src(src)
        dst_dst, _ = model.reconstruct_dst(dst)
        swap, swap_mask = model.swap(dst)
        model.train(was_training)
        path = self.model_dir / "previews" / f"preview_{self.trainer.iteration:08d}.png"
        write_png(path, preview_grid([src, src_src, dst, dst_dst, swap, swap_mask]))
        return path
