"""`faceplate train`: the targets given on one command replace the remembered ones.

Training stops at the first target reached, so ``--minutes 600`` after an earlier ``--iterations
2000`` means "train ten hours", not "stop at 2000": a target flag given turns off the targets not
given. A plain ``faceplate train`` keeps every remembered target; ``--budget`` alone clears them, so the
budget's target applies (see faceplate.budget).
"""

from __future__ import annotations

from faceplate.training.settings import TARGETS

OFF = {"iterations": None, "minutes": None, "until_plateau": False}


def add_flags(parser) -> None:
    """No flags of its own: it only reads the generated target flags."""


def changes(args, workspace) -> dict:
    given = {t for t in TARGETS if getattr(args, f"setting__train__{t}", None) not in (None, False)}
    budget = getattr(args, "setting__budget", None) is not None
    return {f"train.{t}": OFF[t] for t in TARGETS if (given or budget) and t not in given}
