"""Budgets: how long or how good a job may be, as one plain value every front end carries.

A budget is text: a tier (``preview``, ``review``, ``final``) or an explicit figure (``30m``, ``2h``,
``5000it``). Hosts, ``faceplate-otio submit``, ``faceplate farm export``, the API (``JobSubmit.budget``)
and the CLI (``--budget``) all send the same text; the mask and train stages each read what it means
on the machine they run on from ``PLANS``, the one table (docs/budget.md prints it). A figure keeps the
default tier's other values (profile, mask model) and replaces its training target. A train target
(``--iterations``, ``--minutes``, ``--until-plateau``) given with the budget wins over both.

No torch here: the CLI, the server and the farm exporter read it without it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Annotated, Mapping

from pydantic import AfterValidator

TIERS = ("preview", "review", "final")
DEFAULT_TIER = "preview"  # a job that names no budget: never the 100,000 iterations of a delivery model
_FIGURE = re.compile(r"^(?:(?P<value>\d{1,6}(?:\.\d{1,3})?)(?P<unit>m|h)|(?P<count>\d{1,9})it)$")  # 30m 1.5h 5000it
BUDGET_HELP = (
    "how long or how good: preview (a recognisable face in about 15 CPU minutes, minutes on a GPU), "
    "review, final (delivery, overnight), or a figure: 30m, 2h, 5000it (see docs/budget.md)"
)


@dataclass(frozen=True)
class Plan:
    """What one tier gives the stages on one kind of device. Train stops at whichever target comes first."""

    profile: str  # the training profile (faceplate.training.profiles)
    train_minutes: float | None
    train_iterations: int | None
    mask_model: bool  # train the learned mask model (otherwise landmark masks, unless asked)
    mask_iterations: int  # its training steps when it trains

    def targets(self) -> str:
        parts = ([f"{self.train_iterations:,} it"] if self.train_iterations else []) + (
            [_minutes_text(self.train_minutes)] if self.train_minutes else []
        )
        return " or ".join(parts)


# The train minutes are the wall time of the train stage (the other stages add a few minutes for a shot of
# ~100 frames). CPU: the preview profile reaches every quality target in about 15 minutes on 2 cores
# (docs/training.md); the mask model takes about 1 h 40 for its 2,000 iterations there, so only the
# overnight tier trains it. CUDA: the preview model runs at ~100 it/s, the final one at ~40 it/s (H100).
PLANS: dict[tuple[str, str], Plan] = {
    ("preview", "cpu"): Plan("preview", 15, None, False, 2000),
    ("review", "cpu"): Plan("preview", 60, None, False, 2000),
    ("final", "cpu"): Plan("final", 720, None, True, 2000),
    ("preview", "cuda"): Plan("preview", 5, None, True, 1000),
    ("review", "cuda"): Plan("final", 30, None, True, 2000),
    ("final", "cuda"): Plan("final", None, 100_000, True, 2000),
}


@dataclass(frozen=True)
class Budget:
    """A parsed budget: the tier whose table row applies, and an explicit figure that replaces its target."""

    tier: str
    minutes: float | None = None
    iterations: int | None = None

    def __str__(self) -> str:
        if self.iterations:
            return f"{self.iterations}it"
        if self.minutes:
            return f"{self.minutes / 60:g}h" if self.minutes >= 60 and self.minutes % 60 == 0 else f"{self.minutes:g}m"
        return self.tier

    def plan(self, device: str) -> Plan:
        """The table's row for this budget on ``device`` (cpu/cuda), its figure in place of the tier's target."""
        row = PLANS[(self.tier, "cuda" if device == "cuda" else "cpu")]
        if self.minutes or self.iterations:
            return Plan(row.profile, self.minutes, self.iterations, row.mask_model, row.mask_iterations)
        return row

    def describe(self, device: str) -> str:
        """'budget preview on cpu: 15 min' - how the stages read it here, for the lines they print."""
        return f"budget {self} on {'cuda' if device == 'cuda' else 'cpu'}: {self.plan(device).targets()}"

    def record(self, device: str) -> dict:
        return {"budget": str(self), "device": device} | asdict(self.plan(device))


def parse_budget(text: str | None) -> Budget:
    """``preview`` / ``30m`` / ``2h`` / ``5000it`` -> Budget; None: the default tier. ValueError names what is
    allowed (the settings classes and the API turn it into their one-line refusal)."""
    value = (text or DEFAULT_TIER).strip().lower()
    if value in TIERS:
        return Budget(value)
    match = _FIGURE.match(value)
    if not match:
        raise ValueError(
            f"budget {text!r} is not one this engine reads; give preview, review, final, or a figure "
            "such as 30m, 2h or 5000it"
        )
    number = int(match["count"]) if match["count"] else float(match["value"]) * (60 if match["unit"] == "h" else 1)
    if number <= 0:
        raise ValueError(f"budget {text!r}: give a positive figure (30m, 2h, 5000it)")
    return Budget(DEFAULT_TIER, iterations=number) if match["count"] else Budget(DEFAULT_TIER, minutes=number)


def check_budget(text: str | None) -> str | None:
    """The budget as the engine stores it (``preview``, ``30m``, ``5000it``); None stays None. ValueError if unread."""
    return None if text is None else str(parse_budget(text))


def check_budget_flag(text: str | None, flag: str = "--budget") -> str | None:
    """``check_budget`` for a command-line flag read before any stage runs: one line naming the flag."""
    from faceplate.errors import FaceplateError

    try:
        return check_budget(text)
    except ValueError as exc:
        raise FaceplateError(f"{flag}: {exc}") from None


# a settings field holding a budget (None: the default tier), checked like any other setting
BudgetText = Annotated[str | None, AfterValidator(check_budget)]


def check_interval(text: str | None) -> str | None:
    """A time or iteration figure (``10m``, ``1.5h``, ``500it``) as stored; None stays None. ValueError if unread."""
    if text is None:
        return None
    try:
        figure = parse_budget(text)
    except ValueError:
        figure = None
    if figure is None or not (figure.minutes or figure.iterations):
        raise ValueError(
            f"{text!r} is not an interval this engine reads; give minutes, hours or iterations: 10m, 1h, 500it"
        )
    return str(figure)


# a settings field holding an interval: wall time or iterations (train's preview_layer_every)
IntervalText = Annotated[str | None, AfterValidator(check_interval)]


def budget_changes(budget: str, settings_classes: Mapping[str, type]) -> dict[str, dict]:
    """The settings changes that give each stage (name -> its settings class) this budget: for a stage whose
    settings hold one (``BUDGET_TARGETS``: the targets it clears), the budget and those targets cleared, so
    the budget's own apply (a target given with it goes on top). The value is checked where it lands (the
    stages' settings classes, ``JobSubmit``)."""
    return {
        name: {"budget": budget} | cls.BUDGET_TARGETS
        for name, cls in settings_classes.items()
        if hasattr(cls, "BUDGET_TARGETS")
    }


def _minutes_text(minutes: float) -> str:
    return f"{minutes / 60:g} h" if minutes >= 120 else f"{minutes:g} min"
