"""From measures to a verdict: each frame's reasons, the flagged frame ranges, the shot's checks.

A flagged range is ``{"first", "last", "reason"}`` in plate numbering, one per run of consecutive
frames flagged for the same reason; the reason's text is the same for every frame of a shot (it
names the measure and its limit, not the frame's value), so runs merge and an editor marker reads
the same on every range. The host side turns each into ``faceplate_host.shots.Flag(FrameSpan(first,
last), reason)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from faceplate.media.frames import compact_frames
from faceplate.qc.checks import MEASURES, mean_of
from faceplate.qc.measure import FrameRow
from faceplate.qc.settings import QcSettings
from faceplate.quality import measures
from faceplate.quality.judge import Judgement


def reason_texts(limits: Mapping[str, float]) -> dict[str, str]:
    """The reason each measure gives when a frame fails it (with the shot's limit), from the settings' limits."""
    return {m.name: m.reason_text(limits) for m in MEASURES}


def recognised(row: FrameRow, settings: QcSettings) -> bool | None:
    if row.to_source is None:
        return None
    return row.to_source < settings.identity_distance and row.to_source < row.to_plate


def failed_measures(row: FrameRow, settings: QcSettings) -> list[str]:
    """The measures ``row`` fails, in ``MEASURES`` order."""
    fields = vars(row)
    return [m.name for m in MEASURES if m.frame_fails(fields, getattr(settings, m.limit.field))]


def judge_rows(rows: list[FrameRow], settings: QcSettings) -> None:
    """Fill each row's ``recognised`` and ``reasons``."""
    texts = reason_texts(dataclasses.asdict(settings))
    for row in rows:
        row.recognised = recognised(row, settings)
        row.reasons = [texts[name] for name in failed_measures(row, settings)]


def flag_ranges(rows: list[FrameRow]) -> list[dict]:
    """``[{first, last, reason}]``: consecutive frames flagged for the same reason, by first frame."""
    open_runs: dict[str, dict] = {}
    flags: list[dict] = []
    for row in sorted(rows, key=lambda r: r.frame):
        for reason in row.reasons:
            run = open_runs.get(reason)
            if run is not None and run["last"] == row.frame - 1:
                run["last"] = row.frame
            else:
                open_runs[reason] = {"first": row.frame, "last": row.frame, "reason": reason}
                flags.append(open_runs[reason])
    return sorted(flags, key=lambda f: (f["first"], f["reason"]))


def shot_judgement(rows: list[FrameRow], face_points: dict, plate_points: dict) -> Judgement:
    """The shot on the judge's measures (the same figures training's evaluation and bench/quality give)."""
    measured = [r for r in rows if r.face]
    embedded = [r for r in measured if r.recognised is not None]
    frames = [r.frame for r in measured]
    mouth = (
        measures.mouth_correlation([face_points[f] for f in frames], [plate_points[f] for f in frames])
        if len(frames) > 1
        else 0.0
    )
    return Judgement(
        frames=len(measured),
        id_fraction=float(np.mean([r.recognised for r in embedded])) if embedded else 0.0,
        to_wanted=mean_of(r.to_source for r in embedded) or 0.0,
        to_other=mean_of(r.to_plate for r in embedded) or 0.0,
        expression_ratio=mean_of(r.expression for r in measured) or 0.0,
        mouth_corr=mouth,
        sharpness_ratio=mean_of(r.sharpness for r in measured) or 0.0,
    )


def shot_summary(
    rows: list[FrameRow], judgement: Judgement, settings: QcSettings, expression_motion: float | None = None
) -> dict:
    """The shot's figures, each check with its value, limit and whether it passes, and the frame counts."""
    measured = [vars(r) for r in rows if r.face]
    table = {}
    for m in MEASURES:
        value, limit = m.shot_figure(measured), getattr(settings, (m.shot_limit or m.limit).field)
        table[m.check] = {
            "value": None if value is None else round(value, 4),
            "limit": limit,
            "kind": m.shot_direction or m.direction,
            "pass": m.shot_passes(value, limit),
        }
    flagged = [r.frame for r in rows if r.reasons]
    return {
        "frames": len(rows),
        "frames_measured": len(measured),
        "frames_without_face": compact_frames([r.frame for r in rows if not r.face]),
        "frames_flagged": len(flagged),
        "flagged": compact_frames(flagged),
        "to_source": round(judgement.to_wanted, 4),
        "to_plate": round(judgement.to_other, 4),
        "mouth_correlation": round(judgement.mouth_corr, 4),
        "expression_motion": None if expression_motion is None else round(expression_motion, 4),
        "checks": table,
        "passed": all(c["pass"] for c in table.values()),
    }
