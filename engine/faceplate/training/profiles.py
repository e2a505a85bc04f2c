"""Training profiles: what an artist gets for the settings they did not set.

``preview`` is the small df model at 64 px that gives a recognisable face in minutes on a CPU
(measured with ``bench/quality.py``: 11x the default model's it/s, the swap nearer the source than
the plate on every held-back frame after 15 CPU minutes). ``final`` is the full-size model for
delivery on a GPU. ``auto`` takes the budget's profile on this machine (``faceplate.budget.PLANS``), which
also gives the run its targets when none is set.

A profile only fills what is unset: a model field or train field the artist set wins, and a
continued model (resume, ``--init-from``) keeps its own shape whatever the profile says.
No torch here: the CLI and the server resolve profiles without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from faceplate.budget import Budget, parse_budget
from faceplate.models.config import ModelConfig
from faceplate.training.settings import PROFILE_FIELDS, TrainSettings, TrainStageSettings

PROFILE_NAMES = ("preview", "final")


@dataclass(frozen=True)
class Profile:
    name: str
    model: dict  # ModelConfig fields
    train: dict  # values for TrainSettings' PROFILE_FIELDS
    promise: str  # what it buys, for the announcement line
    other: str = ""  # the way to the other profile
    notes: dict = field(default_factory=dict)
    from_library: dict = field(
        default_factory=dict
    )  # train values replaced when starting from another model (--init-from)


PROFILES: dict[str, Profile] = {
    # The measured CPU config (was bench/quality.py's CPU_QUALITY_CONFIG): separate decoders push the
    # swap to the source identity within a few hundred iterations; narrow enough for a few it/s on
    # 2 cores; a high lr with a short warm-up. The warp ramps in over the first iterations: the
    # network first learns to reproduce faces, then to undo the warp (the swap's regulariser). The
    # adversarial term from 2,000 iterations sharpens the swap and makes it follow the plate's expression
    # (bench/quality.py, 7,200 it from scratch: expression 0.64 against 0.74 without it); a library start
    # has a face from its first step and takes it from 500 (every CPU target in two of four 15-minute
    # runs). Averaged weights steady a library start but lag a model still learning from scratch (15
    # minutes from scratch: expression 0.81 averaged against 0.70 with the last step's), so only a
    # library start averages.
    "preview": Profile(
        "preview",
        dict(arch="df", resolution=64, ae_dims=64, e_dims=16, d_dims=16, d_mask_dims=8),
        dict(lr=5e-4, lr_warmup=50, batch_size=8, warp_ramp=500, gan_start=2000, average_window=0),
        "a recognisable face in about 15 CPU minutes",
        "--profile final for delivery on a GPU",
        from_library=dict(gan_start=500, average_window=2000),
    ),
    # DeepFaceLab SAEHD's spirit (ModelConfig's defaults): liae, 128 px, wide; the settings the
    # GPU figures in docs/training.md were measured with.
    "final": Profile(
        "final",
        dict(arch="liae", resolution=128, ae_dims=256, e_dims=64, d_dims=64, d_mask_dims=22),
        dict(lr=5e-5, lr_warmup=100, batch_size=8, warp_ramp=0, gan_start=None, average_window=2000),
        "delivery quality; slow on a CPU (about 0.4 it/s on 2 cores)",
        "--profile preview for a quick look",
    ),
}


def choose_profile(name: str, budget: Budget, device: str) -> tuple[Profile, str]:
    """(profile, why): ``auto`` is the budget's on ``device`` (cpu/cuda)."""
    if name == "auto":
        return PROFILES[budget.plan(device).profile], f"budget {budget} on {device}"
    return PROFILES[name], "asked for"


def fill_targets(train: TrainSettings, budget: Budget, device: str) -> tuple[TrainSettings, str]:
    """(train with targets, where they came from): a target the artist set wins, else the budget's on ``device``."""
    if train.has_target():
        return train, "as set"
    plan = budget.plan(device)
    return replace(train, iterations=plan.train_iterations, minutes=plan.train_minutes), budget.describe(device)


def fill_train(
    train: TrainSettings, profile: Profile, from_library: bool = False, resumed: dict | None = None
) -> TrainSettings:
    """``train`` with every unset (None) profile field set to the profile's value (its ``from_library``
    value for a run that starts from another model's weights). ``resumed``: the continued checkpoint's
    train settings, whose values of the ``from_library`` fields stay (they belong to how the model started)."""
    kept = {k: resumed[k] for k in profile.from_library if k in (resumed or {})}
    values = profile.train | (profile.from_library if from_library else {}) | kept
    return replace(train, **{k: values[k] for k in PROFILE_FIELDS if getattr(train, k) is None})


def new_model_config(settings: TrainStageSettings, profile: Profile, face_type: str) -> ModelConfig:
    """A new model's shape: the artist's model fields, the profile's for the rest."""
    return ModelConfig(**(profile.model | settings.model.given()), face_type=face_type)


@dataclass(frozen=True)
class Resolved:
    """What a train run uses: the profile, concrete train settings and the model's shape."""

    profile: Profile
    why: str
    train: TrainSettings
    config: ModelConfig
    continued: str | None  # "continuing the shot's" / "starting from X's": the model's shape came from there
    budget: Budget
    device: str  # cpu | cuda: the budget's table row
    targets_from: str  # "as set", or the budget that gave them

    def record(self) -> dict:
        """For the run record: the profile, the budget's row and every resolved value."""
        return {
            "profile": self.profile.name,
            "why": self.why,
            "budget": self.budget.record(self.device),
            "targets_from": self.targets_from,
            "train": self.train.to_dict(),
            "model": self.config.to_dict(),
        }

    def line(self) -> str:
        """The one line announcing the profile and what it means."""
        c, t = self.config, self.train
        shape = f"{c.arch} {c.resolution} px (ae {c.ae_dims}, e {c.e_dims}, d {c.d_dims})"
        model = f"{self.continued} {shape} model (its shape is kept)" if self.continued else f"new {shape} model"
        return (
            f"profile {self.profile.name} ({self.why}): {model}, lr {t.lr:g}, batch {t.batch_size}"
            f"{f', warp ramp {t.warp_ramp} it' if t.warp_ramp else ''}"
            f"{f', GAN from {t.gan_start} it' if t.gan_start is not None and t.weights.gan > 0 else ''}"
            f"{f', weights averaged over {t.average_window} it' if t.average_window else ''}"
            f" - {self.profile.promise}"
            f"{'; ' + self.profile.other if self.profile.other else ''}"
            f"; trains until {_targets(t)} ({self.targets_from})"
        )


def _targets(train: TrainSettings) -> str:
    """'15 min', '5000 it or 30 min', 'the loss plateaus': whichever comes first stops the run."""
    parts = (
        ([f"{train.iterations} it"] if train.iterations else [])
        + ([f"{train.minutes:g} min"] if train.minutes else [])
        + (["the loss plateaus"] if train.until_plateau else [])
    )
    return " or ".join(parts)


def resolve(
    settings: TrainStageSettings,
    cuda: bool,
    face_type: str,
    continued: ModelConfig | None = None,
    continued_from: str | None = None,
    resumed: dict | None = None,
) -> Resolved:
    """Profile + the artist's settings -> concrete TrainSettings and ModelConfig, in one place.
    ``continued``: the config of the model being continued (resume or --init-from), whose shape wins;
    ``resumed``: the resumed checkpoint's train settings (see ``fill_train``)."""
    budget, device = parse_budget(settings.budget), "cuda" if cuda else "cpu"
    profile, why = choose_profile(settings.profile, budget, device)
    config = continued or new_model_config(settings, profile, face_type)
    train = fill_train(settings.train, profile, from_library=bool(settings.init_from), resumed=resumed)
    train, targets_from = fill_targets(train, budget, device)
    return Resolved(
        profile, why, train, config, continued_from if continued is not None else None, budget, device, targets_from
    )
