"""Training settings: validated on construction (bounds, NaN/inf refused), saved in every checkpoint
next to the model config, and remembered by the shot for its next ``faceplate train``.

No torch here: the CLI and the server build and validate these without it.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, ClassVar, Literal

from faceplate.budget import BUDGET_HELP, BudgetText, IntervalText
from faceplate.models.config import ARCHITECTURES, ARCHS, ModelConfig
from faceplate.settings import RootedPath, setting, stage_settings

SCHEMA = "TrainSettings.1"
TARGETS = ("iterations", "minutes", "until_plateau")
# what a job's budget clears in the train and pretrain settings, so the budget's own target applies (faceplate.budget)
BUDGET_TARGETS = {"train.iterations": None, "train.minutes": None, "train.until_plateau": False}
# unset (None): the profile's value
PROFILE_FIELDS = ("lr", "lr_warmup", "batch_size", "warp_ramp", "gan_start", "average_window")


def profile_setting(help: str, values: str = "", **constraints) -> Any:
    """A field the training profile fills where the artist left it unset (None); ``values``: the profiles'."""
    return setting(None, f"{help} (unset: the profile's{', ' + values if values else ''})", **constraints)


@stage_settings
class LossWeights:
    dssim: float = setting(
        10.0, "weight of the multi-scale DSSIM on the masked face", ge=0, le=1000, flag="--dssim-weight"
    )
    pixel: float = setting(10.0, "weight of the MSE on the masked face", ge=0, le=1000, flag="--pixel-weight")
    l1: float = setting(0.0, "weight of an optional L1 on the masked face", ge=0, le=1000, flag="--l1-weight")
    eyes_mouth: float = setting(
        30.0, "weight of the extra L1 on eyes and mouth (priority)", ge=0, le=1000, flag="--eyes-mouth-weight"
    )
    mask: float = setting(10.0, "weight of the predicted mask's MSE", ge=0, le=1000, flag="--mask-weight")
    background: float = setting(
        0.5, "weight of the weak MSE outside the face", ge=0, le=1000, flag="--background-weight"
    )
    gan: float = setting(
        0.1, "weight of the adversarial term once --gan-start is reached (0: off)", ge=0, le=1000, flag="--gan-weight"
    )


@stage_settings
class TrainSettings:
    # targets: training stops at whichever comes first; none set: the budget's (faceplate.budget)
    iterations: int | None = setting(
        None, "stop at this total iteration count (counted across resumes; unset: the budget's)", ge=1, le=10**9
    )
    minutes: float | None = setting(
        None, "stop after this much wall time of one run (unset: the budget's)", gt=0, le=10**6
    )
    until_plateau: bool = setting(False, "stop when the loss stops improving")
    plateau_window: int = setting(500, "iterations per window compared by the plateau test", ge=10, le=10**6)
    plateau_tolerance: float = setting(
        0.01, "relative improvement between windows below which the loss has plateaued", gt=0, lt=1
    )
    # data and optimisation
    # None = the profile's value (see faceplate.training.profiles); checkpoints store the resolved values
    batch_size: int | None = profile_setting("batch size", "8", ge=1, le=1024, flag="--batch")
    lr: float | None = profile_setting("learning rate", "5e-4 preview, 5e-5 final", gt=0, le=1)
    lr_warmup: int | None = profile_setting(
        "linear learning-rate warm-up, in iterations", "50 preview, 100 final", ge=0, le=10**7
    )
    lr_min_fraction: float = setting(
        0.1,
        "cosine decay to this fraction of --lr at --iterations (with only "
        "--minutes: at the iterations the run is expected to reach)",
        ge=0,
        le=1,
    )
    clip_grad: float = setting(1.0, "gradient-norm clipping", gt=0, le=1000)
    average_window: int | None = profile_setting(
        "previews, export and render use the training weights averaged over about this many iterations (at most "
        "a third of the run so far): steadier than the last step's; 0: the last step's",
        "2000; 0 for a preview from scratch",
        ge=0,
        le=10**7,
    )
    weights: LossWeights = setting(default_factory=LossWeights, help="loss weights")
    gan_start: int | None = profile_setting(
        "iteration where the adversarial term switches on",
        "2000 preview (500 from a library), never final; --gan-weight 0 keeps it off",
        ge=0,
        le=10**9,
    )
    # augmentation
    random_warp: bool = setting(True, "random warp of the network's input")
    warp_ramp: int | None = profile_setting(
        "the random warp grows from none to full over this many iterations; 0: full from the start",
        "500 preview, 0 final",
        ge=0,
        le=10**9,
    )
    random_flip: bool = setting(True, "random horizontal flips")
    colour_augment: bool = setting(True, "random colour jitter")
    colour_transfer: bool = setting(True, "source batches take the destination's colour statistics")
    # housekeeping
    checkpoint_every: int = setting(500, "iterations between checkpoints", ge=1, le=10**9)
    preview_every: int = setting(250, "iterations between previews", ge=1, le=10**9)
    log_every: int = setting(10, "iterations between loss-log lines", ge=1, le=10**9)
    keep_last: int = setting(3, "checkpoints kept besides the best", ge=1, le=10**6)
    spike_factor: float = setting(4.0, "a loss above this times the recent median is a spike: roll back", gt=1, le=1000)
    max_rollbacks: int = setting(8, "rollbacks (NaN/Inf or spikes) before training gives up", ge=0, le=1000)
    rollback_lr_factor: float = setting(0.5, "learning-rate factor applied at each rollback", gt=0, le=1)
    min_faces: int = setting(8, "fewest kept faces per faceset", ge=1, le=10**7)
    device: Literal["auto", "cpu", "cuda"] = setting("auto", "auto: CUDA where there is a GPU")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = setting(
        "auto",
        "autocast precision (auto: bf16 or "
        "fp16 on CUDA; bf16 on a CPU with native bf16 "
        "(AVX-512 BF16, AMX), else fp32; fp16 is CUDA only)",
    )
    workers: int = setting(0, "background batch-building threads (0: 1 on the CPU, up to 4 for a GPU)", ge=0, le=64)
    seed: int = setting(0, "random seed", ge=0, le=2**31 - 1)

    def has_target(self) -> bool:
        return bool(self.iterations or self.minutes or self.until_plateau)

    def is_resolved(self) -> bool:
        return all(getattr(self, k) is not None for k in PROFILE_FIELDS if k != "gan_start")  # gan_start None: never

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "TrainSettings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


_MODEL_FIELDS = ("arch", "resolution", "ae_dims", "e_dims", "d_dims", "d_mask_dims")


@stage_settings
class ModelSettings:
    """The model's shape. Unset (None) fields are the resumed (or --init-from) model's, else the profile's;
    a set field that differs from the model being continued is refused (start anew with --no-resume)."""

    arch: Literal[ARCHS] | None = setting(
        None, "architecture (unset: the profile's): " + "; ".join(f"{a.name}: {a.summary}" for a in ARCHITECTURES)
    )
    resolution: int | None = profile_setting("model resolution, a multiple of 16", ge=64, le=512, multiple_of=16)
    ae_dims: int | None = profile_setting("bottleneck width", ge=4, le=4096)
    e_dims: int | None = profile_setting("encoder width", ge=4, le=4096)
    d_dims: int | None = profile_setting("decoder width", ge=4, le=4096)
    d_mask_dims: int | None = profile_setting("mask head width", ge=4, le=4096)

    def given(self) -> dict:
        return {k: getattr(self, k) for k in _MODEL_FIELDS if getattr(self, k) is not None}

    @classmethod
    def of(cls, config: ModelConfig) -> "ModelSettings":
        return cls(**{k: getattr(config, k) for k in _MODEL_FIELDS})


@stage_settings
class ModelTrainingSettings:
    """What `faceplate train` and `faceplate pretrain` share: the training, the model's shape, the budget."""

    BUDGET_TARGETS: ClassVar[dict] = BUDGET_TARGETS

    train: TrainSettings = setting(default_factory=TrainSettings, help="training")
    model: ModelSettings = setting(default_factory=ModelSettings, help="model shape")
    budget: BudgetText = setting(None, BUDGET_HELP + "; unset: preview")


@stage_settings
class TrainStageSettings(ModelTrainingSettings):
    """What `faceplate train` takes; the shot remembers all but ``init_from`` and ``resume``."""

    profile: Literal["auto", "preview", "final"] = setting(
        "auto",
        "defaults for what is not set: preview (small df 64 px model, high lr: a recognisable face in "
        "minutes on a CPU), final (liae 128 px, for delivery on a GPU); auto: the budget's on this machine "
        "(docs/budget.md)",
    )
    init_from: RootedPath | None = setting(
        None,
        "start a new model from another model's weights: a checkpoint, model folder or trained shot",
        remember=False,
    )
    resume: bool = setting(
        True,
        "continue the shot's model (default); --no-resume moves it aside to model.previous/ and starts again",
        remember=False,
    )
    preview_layer_every: IntervalText = setting(
        None,
        "while it trains, render the shot through the latest checkpoint this often (10m, 500it) into "
        "render/preview/ for a host to place until the final layer replaces it; the time counts against the "
        "budget (unset: off)",
        remember=False,
    )


def train_stage_settings(
    train: TrainSettings | None = None, config: ModelConfig | None = None, **options
) -> TrainStageSettings:
    """Library callers' shorthand: stage settings from TrainSettings and a ModelConfig."""
    return TrainStageSettings(
        train=train or TrainSettings(), model=ModelSettings.of(config) if config else ModelSettings(), **options
    )


@stage_settings
class PretrainSettings(ModelTrainingSettings):
    """What `faceplate pretrain` takes: a generic face model trained on a library's faces (the same faceset
    on both sides), which each shot then starts from with ``faceplate train SHOT --init-from LIBRARY``."""

    profile: Literal["auto", "preview", "final"] = setting(
        "auto",
        "defaults for what is not set (as for `faceplate train`): the budget's on this machine; "
        "pretrain with the profile the shots will train with, since they take over the library's shape",
    )
    face_type: Literal["half", "full", "whole_face", "head"] = setting(
        "whole_face", "how much of the head the library's crops cover: shots must extract the same to start from it"
    )
    crop_size: int = setting(
        256, "stored crop size of the library's faces, pixels (at least the model resolution)", ge=64, le=2048
    )
    resume: bool = setting(
        True,
        "continue the library's model (default); --no-resume moves it aside to model.previous/ and starts again",
        remember=False,
    )

    def train_settings(self) -> TrainStageSettings:
        return TrainStageSettings(
            train=self.train, model=self.model, budget=self.budget, profile=self.profile, resume=self.resume
        )
