"""Curate rules: each looks at a faceset's measurements and says which faces to reject, and why.

Every reason starts with the rule's name, so the review sheet can group by it:
``blur 12.3 < 45.0 (faceset median 140)``, ``identity 0.91 > 0.55 ...``, ``landmarks: ...``,
``pose yaw 62 outside ...``, ``duplicate of plate_1002_00 ...``. Thresholds are relative to the
faceset's own distribution where a fixed number would not travel between shots (blur).
Duplicates are looked for last, among faces no other rule rejected, sharpest first, so a
blurred or wrong face never stands in for a good one.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from faceplate.curate.decisions import DecisionSettings
from faceplate.curate.measure import FacesetMeasures
from faceplate.curate.order import SORT_KEYS
from faceplate.faces.geometry import refit_allowance
from faceplate.faces.roles import Role
from faceplate.settings import setting, stage_settings

RULES = ("identity", "landmarks", "blur", "pose", "duplicate")


def reason_kind(reason: str) -> str:
    """'blur 12.3 < 45' -> 'blur'; 'landmarks: ...' -> 'landmarks'; 'manual reject' -> 'manual'."""
    return reason.split(maxsplit=1)[0].rstrip(":") if reason else ""


@stage_settings
class CurateSettings(DecisionSettings):
    """Curate's thresholds (remembered by the shot) and this run's manual decisions (not remembered)."""

    rules: tuple[Literal[RULES], ...] = setting(RULES, "rules to apply (default: all)")
    blur_fraction: float = setting(
        0.3, "reject faces below this fraction of the faceset's median blur score", ge=0.0, le=100.0
    )
    identity_distance: float = setting(0.55, "max embedding distance to the faceset's main identity", ge=0.0, le=4.0)
    refit_max: float = setting(
        0.15,
        "max landmark re-fit disagreement of a frontal face, in eye distances (grows as 1/cos(yaw), up to 2x)",
        ge=0.0,
        le=10.0,
    )
    duplicate_similarity: float = setting(
        0.995, "thumbnail correlation at or above which two faces are duplicates", ge=0.0, le=1.0
    )
    # ...and no landmark moved more than this: the largest single move, not an average (a mouth
    # that opened is a new expression to learn)
    duplicate_shape: float = setting(
        0.01, "largest landmark move (fraction of the crop) of a duplicate", ge=0.0, le=1.0
    )
    pose_margin: float = setting(
        15.0, "degrees beyond the other faceset's yaw/pitch range (1st-99th percentile)", ge=0.0, le=180.0
    )
    # destination faces must all render, so by default the pose rule rejects only source faces
    pose_roles: tuple[Role, ...] = setting(("source",), "facesets the pose rule rejects in")
    # the index keeps the order it was given, so a sort need not be remembered
    sort: Literal[SORT_KEYS] | None = setting(None, "reorder the faceset index (and the review sheet)", remember=False)


def blur_reasons(m: FacesetMeasures, s: CurateSettings) -> dict[int, str]:
    median = float(np.median(m.blur))
    limit = s.blur_fraction * median
    return {i: f"blur {b:.1f} < {limit:.1f} (faceset median {median:.0f})" for i, b in enumerate(m.blur) if b < limit}


def identity_reasons(m: FacesetMeasures, s: CurateSettings) -> dict[int, str]:
    limit = s.identity_distance
    return {
        i: f"identity {d:.2f} > {limit:.2f} from the faceset's main identity ({m.identity_faces} faces)"
        for i, d in enumerate(m.identity)
        if d > limit
    }


def landmark_reasons(m: FacesetMeasures, s: CurateSettings) -> dict[int, str]:
    found = {i: f"landmarks: {problem}" for i, problem in enumerate(m.geometry) if problem}
    for i, err in enumerate(m.refit):
        limit = refit_allowance(s.refit_max, m.pose[i, 0])
        if i not in found and err > limit:  # NaN (not measured) compares False
            found[i] = (
                f"landmarks: re-fit disagrees by {err:.2f} eye distances (> {limit:.2f} at yaw {m.pose[i, 0]:.0f})"
            )
    return found


def pose_reasons(m: FacesetMeasures, other: np.ndarray | None, other_role: str, s: CurateSettings) -> dict[int, str]:
    """Faces posed beyond what ``other`` (the other faceset's ``[M, 3]`` poses) covers, plus a margin."""
    if other is None or len(other) == 0:
        return {}
    found = {}
    for axis, name in ((0, "yaw"), (1, "pitch")):
        lo, hi = np.percentile(other[:, axis], [1, 99])
        for i, value in enumerate(m.pose[:, axis]):
            if i not in found and not lo - s.pose_margin <= value <= hi + s.pose_margin:
                found[i] = (
                    f"pose {name} {value:.0f} outside the {other_role}'s {lo:.0f}..{hi:.0f} "
                    f"(+{s.pose_margin:.0f} margin)"
                )
    return found


def duplicate_reasons(m: FacesetMeasures, ids: list[str], candidates: list[int], s: CurateSettings) -> dict[int, str]:
    """Greedy, sharpest first: a face too close to an already kept one is a duplicate of it."""
    order = sorted(candidates, key=lambda i: -m.blur[i])
    kept = np.zeros(len(order), np.int64)
    found, count = {}, 0
    for i in order:
        if count:
            others = kept[:count]
            similar = m.thumbs[others] @ m.thumbs[i]
            moves = (m.shape[others] - m.shape[i]).reshape(len(others), -1, 2)
            shape = np.sqrt((moves**2).sum(2)).max(1)
            hits = np.flatnonzero((similar >= s.duplicate_similarity) & (shape <= s.duplicate_shape))
            if hits.size:
                j = int(hits[np.argmax(similar[hits])])
                found[i] = f"duplicate of {ids[others[j]]} (similarity {similar[j]:.3f})"
                continue
        kept[count], count = i, count + 1
    return found


def rule_reasons(
    m: FacesetMeasures,
    ids: list[str],
    s: CurateSettings,
    role: str,
    other_pose: np.ndarray | None = None,
    other_role: str = "",
) -> list[list[str]]:
    """Reasons per face (empty list = kept by the rules)."""
    reasons: list[list[str]] = [[] for _ in ids]
    found = []
    if "identity" in s.rules:  # first: a wrong person is reviewed as that, whatever else is wrong
        found.append(identity_reasons(m, s))
    if "landmarks" in s.rules:
        found.append(landmark_reasons(m, s))
    if "blur" in s.rules:
        found.append(blur_reasons(m, s))
    if "pose" in s.rules and role in s.pose_roles:
        found.append(pose_reasons(m, other_pose, other_role, s))
    for rule in found:
        for i, reason in rule.items():
            reasons[i].append(reason)
    if "duplicate" in s.rules:
        candidates = [i for i, r in enumerate(reasons) if not r]
        for i, reason in duplicate_reasons(m, ids, candidates, s).items():
            reasons[i].append(reason)
    return reasons
