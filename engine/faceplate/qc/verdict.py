"""From measures to a verdict: each frame's reasons, the flagged frame ranges, the shot's checks.

A flagged range is ``{"first", "last", "reason"}`` in plate numbering, one per run of consecutive
frames flagged for the same reason; the reason's text is the same for every frame of a shot (it
names the measure and its limit, not the frame's value), so runs merge and an editor marker reads
the same on every range. The host side turns each into ``faceplate_host.shots.Flag(FrameSpan(first,
last), reason)``.
"""

from __future__ import annotations

import numpy as np

from faceplate.media.frames import compact_frames
from faceplate.qc.measure import FrameRow
from faceplate.qc.settings import QcSettings
from faceplate.quality.judge import Judgement
from faceplate.quality import measures

MEASURES = ("identity", "expression", "pose", "flicker", "seam", "colour", "sharpness")


def reason_texts(settings: QcSettings) -> dict[str, str]:
    """The reason each measure gives when a frame fails it (with the shot's limit)."""
    return {
        "identity": f"identity: not recognised as the source (distance limit {settings.identity_distance:g})",
        "expression": f"expression: error above {settings.max_expression:g} (1 = a frozen face)",
        "pose": f"pose: head turned over {settings.max_pose_deg:g} degrees from the plate's",
        "flicker": f"flicker: above {settings.max_flicker:g}x the plate's",
        "seam": f"seam: edge gradient above {settings.max_seam:g}x the plate's",
        "colour": f"colour: skin differs by over {settings.max_delta_e:g} CIEDE2000",
        "sharpness": f"sharpness: under {settings.min_sharpness:g}x the plate's detail",
    }


def recognised(row: FrameRow, settings: QcSettings) -> bool | None:
    if row.to_source is None:
        return None
    return row.to_source < settings.identity_distance and row.to_source < row.to_plate


def failed_measures(row: FrameRow, settings: QcSettings) -> list[str]:
    """The measures ``row`` fails, in ``MEASURES`` order."""
    fails = {
        "identity": row.recognised is False,
        "expression": row.expression is not None and row.expression > settings.max_expression,
        "pose": row.pose_diff is not None and max(abs(d) for d in row.pose_diff) > settings.max_pose_deg,
        "flicker": row.flicker is not None and row.flicker > settings.max_flicker,
        "seam": row.seam is not None and row.seam > settings.max_seam,
        "colour": row.delta_e is not None and row.delta_e > settings.max_delta_e,
        "sharpness": row.sharpness is not None and row.sharpness < settings.min_sharpness,
    }
    return [name for name in MEASURES if fails[name]]


def judge_rows(rows: list[FrameRow], settings: QcSettings) -> None:
    """Fill each row's ``recognised`` and ``reasons``."""
    texts = reason_texts(settings)
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


def _mean(values) -> float | None:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(values)) if values else None


def _median(values) -> float | None:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.median(values)) if values else None


def shot_judgement(rows: list[FrameRow], face_points: dict, plate_points: dict) -> Judgement:
    """The shot on the judge's measures (the same figures training's evaluation and bench/quality give)."""
    measured = [r for r in rows if r.face]
    embedded = [r for r in measured if r.recognised is not None]
    frames = [r.frame for r in measured]
    mouth = (measures.mouth_correlation([face_points[f] for f in frames], [plate_points[f] for f in frames])
             if len(frames) > 1 else 0.0)
    return Judgement(frames=len(measured),
                     id_fraction=float(np.mean([r.recognised for r in embedded])) if embedded else 0.0,
                     to_wanted=_mean(r.to_source for r in embedded) or 0.0,
                     to_other=_mean(r.to_plate for r in embedded) or 0.0,
                     expression_ratio=_mean(r.expression for r in measured) or 0.0,
                     mouth_corr=mouth, sharpness_ratio=_mean(r.sharpness for r in measured) or 0.0)


def shot_summary(rows: list[FrameRow], judgement: Judgement, settings: QcSettings,
                 expression_motion: float | None = None) -> dict:
    """The shot's figures, each check with its value, limit and whether it passes, and the frame counts."""
    measured = [r for r in rows if r.face]
    checks = {
        "identity_share": (judgement.id_fraction, settings.min_identity_share, "min"),
        "expression_ratio": (_mean(r.expression for r in measured), settings.max_expression_ratio, "max"),
        "pose_diff_deg": (_mean(max(abs(d) for d in r.pose_diff) for r in measured), settings.max_pose_deg, "max"),
        # the median: a single popping frame is flagged on its own and should not fail a steady shot
        "flicker": (_median(r.flicker for r in measured), settings.max_flicker, "max"),
        "seam": (_mean(r.seam for r in measured), settings.max_seam, "max"),
        "delta_e": (_mean(r.delta_e for r in measured), settings.max_delta_e, "max"),
        "sharpness": (_mean(r.sharpness for r in measured), settings.min_sharpness, "min"),
    }
    table = {name: {"value": None if value is None else round(value, 4), "limit": limit, "kind": kind,
                    "pass": value is None or (value >= limit if kind == "min" else value <= limit)}
             for name, (value, limit, kind) in checks.items()}
    flagged = [r.frame for r in rows if r.reasons]
    return {"frames": len(rows), "frames_measured": len(measured),
            "frames_without_face": compact_frames([r.frame for r in rows if not r.face]),
            "frames_flagged": len(flagged), "flagged": compact_frames(flagged),
            "to_source": round(judgement.to_wanted, 4), "to_plate": round(judgement.to_other, 4),
            "mouth_correlation": round(judgement.mouth_corr, 4),
            "expression_motion": None if expression_motion is None else round(expression_motion, 4),
            "checks": table, "passed": all(c["pass"] for c in table.values())}
