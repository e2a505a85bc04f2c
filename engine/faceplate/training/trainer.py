"""The trainer's state and one optimisation step: model, optimisers, scaler, schedule, checkpoints.

The loop that drives it (targets, logging, previews, rollback) is in ``loop.py``.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import torch

from faceplate.errors import TrainError
from faceplate.models import PatchDiscriminator, build_model
from faceplate.models.config import ModelConfig
from faceplate.training import checkpoint as ckpt
from faceplate.training.average import WeightAverage
from faceplate.training.data import Batch
from faceplate.training.losses import face_losses, gan_discriminator_loss, gan_generator_loss
from faceplate.training.settings import TrainSettings

log = logging.getLogger(__name__)


def select_device(name: str) -> torch.device:
    available = torch.cuda.is_available()
    if name == "cuda" and not available:
        raise TrainError("--device cuda was asked for but no CUDA GPU is visible; use --device auto or cpu")
    return torch.device("cuda" if name == "cuda" or (name == "auto" and available) else "cpu")


def select_precision(device: torch.device, precision: str) -> torch.dtype | None:
    """Autocast dtype (None = float32). On a CPU only bf16, and by default only where the CPU computes
    it natively (AVX-512 BF16 or AMX: 1.5-2x a step there; emulated bf16 is slower than fp32)."""
    if precision == "fp32":
        return None
    if device.type != "cuda":
        return torch.bfloat16 if precision == "bf16" or (precision == "auto" and native_cpu_bf16()) else None
    if precision == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def native_cpu_bf16() -> bool:
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def describe_device(device: torch.device, dtype: torch.dtype | None) -> str:
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return f"training on cuda ({name}, {str(dtype).replace('torch.', '') if dtype else 'fp32'}, channels-last)"
    precision = "bf16 autocast" if dtype else "fp32"
    return f"training on cpu ({torch.get_num_threads()} threads, {precision}, channels-last); no CUDA GPU found"


def adam(params, lr: float) -> torch.optim.Adam:
    """The generator's optimiser, with the fused kernel: one pass per parameter instead of a chain of
    small ops each (on a CPU that chain was most of the optimiser's time: 1.18x step)."""
    return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999), fused=True)


def fuse(opt: torch.optim.Adam) -> None:
    """Back to the fused kernel after ``load_state_dict`` (which takes every group setting from the file)."""
    for group in opt.param_groups:
        group.update(fused=True, foreach=None)


class Trainer:
    def __init__(self, config: ModelConfig, settings: TrainSettings, device: torch.device | None = None):
        self.device = device or select_device(settings.device)
        if not settings.is_resolved():  # a library caller left profile fields unset: the default budget's profile
            from faceplate.budget import parse_budget
            from faceplate.training.profiles import choose_profile, fill_train

            profile = choose_profile("auto", parse_budget(None), self.device.type)[0]
            settings = fill_train(settings, profile)
        self.config, self.settings = config, settings
        self.dtype = select_precision(self.device, settings.precision)
        self.memory_format = torch.channels_last  # CPU too: oneDNN's convolutions skip their reorders (1.2x step)
        torch.manual_seed(settings.seed)
        self.model = build_model(config).to(self.device, memory_format=self.memory_format)
        self.opt = adam(self.model.parameters(), settings.lr)
        self.average = WeightAverage(self.model, settings.average_window) if settings.average_window else None
        self.disc = self.disc_opt = None
        if settings.gan_start is not None and settings.weights.gan > 0:
            self.disc = PatchDiscriminator().to(self.device, memory_format=self.memory_format)
            self.disc_opt = adam(self.disc.parameters(), settings.lr)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.dtype == torch.float16)
        self.iteration, self.lr_scale, self.rollbacks, self.best_loss = 0, 1.0, 0, math.inf
        # where the cosine decay ends when there is no --iterations target: the iterations a --minutes
        # run is expected to reach, set by the loop once it has measured its speed (None: no decay)
        self.lr_horizon: int | None = None
        self.run_id = ""  # the train run writing the checkpoints (the stage sets it): two runs never look alike
        self.media = ""  # the shot's footage it learns from (workspace.freshness.media_digest; the stage sets it)
        # the CPU thread count chosen for each round of the loop's thread schedule (threads.CpuThreads): kept
        # with the checkpoint, so a resumed run sums in the same order at every iteration
        self.thread_counts: dict[int, int] = {}
        self._fake: torch.Tensor | None = None  # last masked src reconstruction, for the discriminator

    # schedule ---------------------------------------------------------------------------------
    def lr_at(self, iteration: int) -> float:
        s = self.settings
        warm = min(1.0, (iteration + 1) / max(1, s.lr_warmup))
        decay, horizon = 1.0, s.iterations or self.lr_horizon
        if horizon:
            t = min(1.0, iteration / horizon)
            decay = s.lr_min_fraction + (1 - s.lr_min_fraction) * 0.5 * (1 + math.cos(math.pi * t))
        return s.lr * self.lr_scale * warm * decay

    def delivered_model(self) -> torch.nn.Module:
        """The weights previews, export and render use: the average when there is one (``average.py``)."""
        return self.average.module if self.average else self.model

    def gan_active(self) -> bool:
        return self.disc is not None and self.iteration >= self.settings.gan_start

    # step -------------------------------------------------------------------------------------
    def autocast(self):
        """The forward passes' precision context: the chosen reduced precision, else a no-op."""
        return torch.autocast(self.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None)

    def compute_losses(self, batch: Batch) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        w = self.settings.weights
        with self.autocast():
            (src_rgb, src_mask), (dst_rgb, dst_mask) = self.model.forward_pair(batch.src_in, batch.dst_in)
        src = face_losses(src_rgb, src_mask, batch.src_target, batch.src_face, batch.src_em, w)
        dst = face_losses(dst_rgb, dst_mask, batch.dst_target, batch.dst_face, batch.dst_em, w)
        terms = {"src": sum(src.values()), "dst": sum(dst.values()), "mask": src["mask"] + dst["mask"]}
        if self.gan_active():
            with self.autocast():
                terms["gan"] = w.gan * gan_generator_loss(self.disc(src_rgb * batch.src_face).float())
            self._fake = (src_rgb * batch.src_face).detach()
        total = terms["src"] + terms["dst"] + terms.get("gan", 0.0)
        return total, terms

    def train_step(self, batch: Batch, limit: float = math.inf) -> dict[str, float] | None:
        """One update; None (and no update) when the loss is NaN/Inf or above ``limit`` (a spike)."""
        for group in self.opt.param_groups:
            group["lr"] = self.lr_at(self.iteration)
        total, terms = self.compute_losses(batch)
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.scaler.unscale_(self.opt)
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.settings.clip_grad)
        # One device->host read per step (loss, terms, gradient norm together): on a GPU every read
        # is a stall, so the checks come after backward and a bad step just drops its gradients.
        value, norm_value, *term_values = torch.stack(
            [total.detach().float(), norm.detach().float(), *(v.detach().float() for v in terms.values())]
        ).tolist()
        if (
            not math.isfinite(value)
            or value > limit
            or (not math.isfinite(norm_value) and not self.scaler.is_enabled())
        ):
            self.opt.zero_grad(set_to_none=True)
            self.scaler.update()  # closes the unscale_ above (fp16 loss scaling); a no-op otherwise
            return None
        self.scaler.step(self.opt)
        self.scaler.update()
        if self.average:
            self.average.update(self.model)
        if "gan" in terms:
            self._step_discriminator(batch)
        self.iteration += 1
        return {"total": value, **dict(zip(terms, term_values)), "lr": self.lr_at(self.iteration - 1)}

    def _step_discriminator(self, batch: Batch) -> None:
        for group in self.disc_opt.param_groups:
            group["lr"] = self.lr_at(self.iteration)
        with self.autocast():
            real, fake = self.disc(batch.src_target * batch.src_face), self.disc(self._fake)
        loss = gan_discriminator_loss(real.float(), fake.float())
        self.disc_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.disc_opt.step()

    # checkpoints ------------------------------------------------------------------------------
    def save(self, model_dir: Path, loss: float | None) -> Path:
        is_best = loss is not None and loss < self.best_loss
        if is_best:
            self.best_loss = loss
        weights = {"model": self.model.state_dict()}
        state = {
            "iteration": self.iteration,
            "optimizer": self.opt.state_dict(),
            "scaler": self.scaler.state_dict(),
            "lr_scale": self.lr_scale,
            "rollbacks": self.rollbacks,
            "best_loss": self.best_loss,
            "rng": {"torch": torch.get_rng_state()},
            "thread_counts": dict(self.thread_counts),
        }
        if self.average:
            weights["average"], state["average_count"] = self.average.module.state_dict(), self.average.count
        if self.disc is not None:
            weights["disc"] = self.disc.state_dict()
            state["disc_optimizer"] = self.disc_opt.state_dict()
        if self.device.type == "cuda":
            state["rng"]["cuda"] = torch.cuda.get_rng_state(self.device)
        meta = {
            "model": self.config.to_dict(),
            "train": self.settings.to_dict(),
            "loss": loss,
            "config_hash": self.config.config_hash(),
            "face_type": self.config.face_type,
            "resolution": self.config.resolution,
            "working_space": self.config.working_space,
            "run_id": self.run_id,
            "media": self.media,
        }
        folder = ckpt.save_checkpoint(model_dir, self.iteration, weights, state, meta)
        ckpt.write_pointer(model_dir, "latest", folder, self.iteration, loss)
        if is_best:
            ckpt.write_pointer(model_dir, "best", folder, self.iteration, loss)
        ckpt.prune_checkpoints(model_dir, self.settings.keep_last)
        return folder

    def restore(self, folder: Path, with_state: bool = True) -> None:
        """Load weights (and, with ``with_state``, optimisers, scaler, RNG, counters and the weight average;
        without, the average starts again from the loaded weights)."""
        weights, config, _ = ckpt.load_weights(folder)
        check_compatible(config, self.config, folder)
        self.model.load_state_dict(weights["model"])
        if self.disc is not None and "disc" in weights:
            self.disc.load_state_dict(weights["disc"])
        if not with_state:
            if self.average:
                self.average.reset(self.model)
            return
        state = ckpt.load_state(folder)
        if self.average and "average" in weights:
            self.average.module.load_state_dict(weights["average"])
            self.average.count = state.get("average_count", 0)
        elif self.average:  # a checkpoint from before the average
            self.average.reset(self.model)
        self.opt.load_state_dict(state["optimizer"])
        fuse(self.opt)  # a checkpoint from before the fused kernel would bring back the slow loop
        self.scaler.load_state_dict(state["scaler"])
        if self.disc is not None and "disc_optimizer" in state:
            self.disc_opt.load_state_dict(state["disc_optimizer"])
            fuse(self.disc_opt)
        self.iteration, self.lr_scale = state["iteration"], state["lr_scale"]
        self.rollbacks, self.best_loss = state["rollbacks"], state["best_loss"]
        self.thread_counts.clear()  # in place: the loop's thread schedule holds this dict
        self.thread_counts.update(state.get("thread_counts", {}))
        torch.set_rng_state(state["rng"]["torch"])
        if self.device.type == "cuda" and "cuda" in state["rng"]:
            torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)


def check_compatible(found: ModelConfig, wanted: ModelConfig, folder: Path) -> None:
    shape = ("arch", "resolution", "ae_dims", "e_dims", "d_dims", "d_mask_dims")
    diff = [
        f"{k}={getattr(found, k)} (wanted {getattr(wanted, k)})"
        for k in shape
        if getattr(found, k) != getattr(wanted, k)
    ]
    if diff:
        raise TrainError(
            f"checkpoint {folder} was trained with {', '.join(diff)}; train with the same model "
            "settings or start a new model (--no-resume)"
        )
