"""Training settings: one dataclass, saved in every checkpoint next to the model config."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from faceplate.errors import TrainError

SCHEMA = "TrainSettings.1"


@dataclass
class LossWeights:
    dssim: float = 10.0  # multi-scale DSSIM on the masked face (split over the scales)
    pixel: float = 10.0  # MSE on the masked face
    l1: float = 0.0  # optional L1 on the masked face
    eyes_mouth: float = 30.0  # extra L1 on eyes and mouth (priority)
    mask: float = 10.0  # MSE of the predicted mask against the target mask
    background: float = 0.5  # weak MSE outside the face, keeps the crop's surroundings stable
    gan: float = 0.1  # adversarial term, once gan_start is reached (0: off)


@dataclass
class TrainSettings:
    # targets: training stops at whichever comes first
    iterations: int | None = 100_000  # total iterations (counted across resumes)
    minutes: float | None = None  # wall time of this run
    until_plateau: bool = False  # stop when the loss stops improving
    plateau_window: int = 500  # iterations per window compared for the plateau test
    plateau_tolerance: float = 0.01  # relative improvement between windows below this = plateau
    # data and optimisation
    batch_size: int = 8
    lr: float = 5e-5
    lr_warmup: int = 100  # linear warm-up iterations
    lr_min_fraction: float = 0.1  # cosine decay to this fraction of lr at `iterations` (when set)
    clip_grad: float = 1.0
    weights: LossWeights = field(default_factory=LossWeights)
    gan_start: int | None = None  # iteration where the adversarial term switches on (None: never)
    # augmentation
    random_warp: bool = True
    random_flip: bool = True
    colour_augment: bool = True
    colour_transfer: bool = True  # source batch takes destination colour statistics
    # housekeeping
    checkpoint_every: int = 500
    preview_every: int = 250
    log_every: int = 10
    keep_last: int = 3
    spike_factor: float = 4.0  # loss > this x recent median = spike: roll back
    max_rollbacks: int = 8
    rollback_lr_factor: float = 0.5
    min_faces: int = 8
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto | fp32 | bf16 | fp16 (reduced precision on CUDA only)
    workers: int = 0  # background batch-building threads (0: auto, 1 on the CPU, up to 4 for a GPU)
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.weights, dict):
            self.weights = LossWeights(**self.weights)
        validate_settings(self)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "TrainSettings":
        data = {k: v for k, v in data.items() if k != "schema"}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def validate_settings(s: TrainSettings) -> None:
    checks = [
        (s.iterations is None or s.iterations >= 1, "iterations", "must be at least 1"),
        (s.minutes is None or s.minutes > 0, "minutes", "must be positive"),
        (s.iterations or s.minutes or s.until_plateau, "target", "give --iterations, --minutes or --until-plateau"),
        (s.batch_size >= 1, "batch_size", "must be at least 1"),
        (s.lr > 0, "lr", "must be positive"),
        (s.device in ("auto", "cpu", "cuda"), "device", "must be auto, cpu or cuda"),
        (s.precision in ("auto", "fp32", "bf16", "fp16"), "precision", "must be auto, fp32, bf16 or fp16"),
        (s.checkpoint_every >= 1 and s.preview_every >= 1 and s.log_every >= 1, "checkpoint/preview/log_every",
         "must be at least 1"),
        (s.keep_last >= 1, "keep_last", "must be at least 1"),
        (s.workers >= 0, "workers", "must be 0 (auto) or more"),
    ]
    for ok, name, what in checks:
        if not ok:
            raise TrainError(f"bad train setting {name}: {what}")
