"""QC and report settings: the limits a frame or a shot is held to, remembered by the shot.

The defaults are what a supervisor would sign off without looking: the source's identity in at
least 9 frames of 10 (dlib's same-person distance), expression followed at least as well as the
judge's training target (0.6), the head within 15 degrees of the plate's (the pose estimate from 7
landmarks is noisy on small faces), no frame flickering more than twice the plate, no seam with
twice the plate's edge energy, skin colour within 5 CIEDE2000 units (a difference a viewer sees side
by side, not across a cut), at least half the plate's fine detail (the judge's target). Imports no
torch or dlib (the CLI builds its flags from here).
"""

from __future__ import annotations

from pydantic import field_validator

from faceplate.media.frames import check_frame_list
from faceplate.qc.checks import all_limits
from faceplate.settings import setting, stage_settings


def _limit_fields() -> dict:
    """Each measure's limits as settings fields (``qc.checks``: a new measure brings its own)."""
    return {limit.field: setting(limit.default, limit.help, ge=limit.low, le=limit.high) for limit in all_limits()}


@stage_settings
class _QcRunSettings:
    min_expression_motion: float = setting(
        0.012,
        "below this much change of the plate face's shape (mean landmark "
        "movement over the face's size) the expression is not checked: a still "
        "face has nothing to follow, only landmark noise (~0.01)",
        ge=0.0,
        le=1.0,
    )
    identity_every: int = setting(
        1, "embed the swapped face every N frames (the costliest measure: 60-90 ms a face on a CPU)", ge=1, le=1000
    )
    frames: str | None = setting(None, "subset to check, plate numbers, e.g. 1001-1010,1050", remember=False)
    force: bool = setting(False, "check again even when nothing changed since the last check", remember=False)
    gate: bool = setting(
        False, "fail (exit non-zero with the verdict line) when the shot fails QC: a farm job's QC gate", remember=False
    )


def _qc_settings_class():
    """QcSettings: the measures' limits, then what a run of the check takes."""
    limits = _limit_fields()
    namespace = {
        "__annotations__": {name: float for name in limits},
        **limits,
        "__module__": __name__,
        "__qualname__": "QcSettings",
        "__doc__": "The limits a frame or a shot is held to, and what one run of the check takes.",
        "_frames_listed": field_validator("frames")(check_frame_list),
    }
    return stage_settings(type("QcSettings", (_QcRunSettings,), namespace))


QcSettings = _qc_settings_class()


@stage_settings
class ReportSettings:
    worst_frames: int = setting(6, "frames shown side by side (plate | swap | matte), worst first", ge=0, le=100)
    previews: int = setting(4, "latest training previews shown", ge=0, le=50)
