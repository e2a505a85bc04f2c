"""The QC measures as records: one ``Measure`` per figure a frame and the shot are held to, in one list.

Everything that shows or judges a measure reads ``MEASURES``: the settings (each limit's field, default,
help and range), the verdict (a frame's reasons, the shot's checks), the plots (a panel per measure) and
the report (how far past its limits a frame is). A new measure is a record here plus where its figure is
measured (``qc.measure``). Rows are read as mappings (a ``FrameRow``'s fields, or its qc.json object), so
the same record judges a fresh measurement and draws a stored one. Imports no numpy: the CLI builds its
flags from the settings.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One limit as a settings field: its name, default, help text and allowed range."""

    field: str
    default: float
    help: str
    low: float
    high: float


Row = Mapping[str, object]


@dataclass(frozen=True)
class Measure:
    name: str  # the measure, as reasons and plots name it
    keys: tuple[str, ...]  # the row fields it fills; the plot draws the first solid, the second dashed
    limit: Limit  # a frame's limit
    direction: str  # "max": a frame fails above the limit; "min": below it
    reason: str  # why a frame fails, with ``{limit:g}`` (the same text on every frame, so flagged runs merge)
    title: str  # the plot panel's title
    check: str  # the shot's check in the summary
    value: Callable[[Row], float | None] | None = None  # a frame's figure (default: the first key)
    fails: Callable[[Row, float], bool] | None = None  # a frame fails (default: its figure past the limit)
    shot_value: Callable[[list[Row]], float | None] | None = None  # the shot's figure (default: the mean)
    shot_limit: Limit | None = None  # the shot check's own limit (default: the frame's)
    shot_direction: str | None = None  # the shot check's direction (default: the frame's)
    normalise: Callable[[Row, float], float | None] | None = None  # badness (default: the figure over the limit)

    def frame_value(self, row: Row) -> float | None:
        return self.value(row) if self.value else row.get(self.keys[0])

    def frame_fails(self, row: Row, limit: float) -> bool:
        if self.fails:
            return self.fails(row, limit)
        value = self.frame_value(row)
        return value is not None and (value > limit if self.direction == "max" else value < limit)

    def badness(self, row: Row, limit: float) -> float | None:
        """How far past its limit a frame is (1 = at the limit)."""
        if self.normalise:
            return self.normalise(row, limit)
        value = self.frame_value(row)
        if value is None or (self.direction == "min" and not value):
            return None
        return value / max(limit, 1e-9) if self.direction == "max" else limit / value

    def shot_figure(self, rows: list[Row]) -> float | None:
        if self.shot_value:
            return self.shot_value(rows)
        return mean_of(self.frame_value(r) for r in rows)

    def shot_passes(self, value: float | None, limit: float) -> bool:
        if value is None:
            return True
        return value >= limit if (self.shot_direction or self.direction) == "min" else value <= limit

    def reason_text(self, limits: Mapping[str, float]) -> str:
        return self.reason.format(limit=self.limit_in(limits))

    def limit_in(self, limits: Mapping[str, float]) -> float:
        """This measure's frame limit in ``limits`` (a qc.json written before the measure existed: its default)."""
        return limits.get(self.limit.field, self.limit.default)

    def series(self, row: Row, key: str) -> float | None:
        """What the plot draws for ``key`` of ``row``."""
        return self.frame_value(row) if key == self.keys[0] else row.get(key)


def finite(values) -> list[float]:
    return [v for v in values if v is not None and v == v and abs(v) != float("inf")]


def mean_of(values) -> float | None:
    values = finite(values)
    return statistics.fmean(values) if values else None


def median_of(values) -> float | None:
    values = finite(values)
    return float(statistics.median(values)) if values else None


def _second_largest(values) -> float | None:
    values = sorted(finite(values))
    return values[-2] if len(values) > 1 else (values[0] if values else None)


def largest_pose(row: Row) -> float | None:
    return max(abs(d) for d in row["pose_diff"]) if row.get("pose_diff") else None


def _not_recognised(row: Row, limit: float) -> bool:
    return row.get("recognised") is False


def _identity_badness(row: Row, limit: float) -> float | None:
    """The distance over its limit, one more when the face is not the source's."""
    if row.get("to_source") is None:
        return None
    return row["to_source"] / max(limit, 1e-9) + (0 if row.get("recognised") else 1)


def _identity_share(rows: list[Row]) -> float:
    embedded = [r["recognised"] for r in rows if r.get("recognised") is not None]
    return sum(embedded) / len(embedded) if embedded else 0.0


MEASURES = (
    Measure(
        "identity",
        ("to_source", "to_plate"),
        Limit(
            "identity_distance",
            0.6,
            "a frame shows the source when its face is within this embedding "
            "distance of the source's mean face and nearer it than the plate's own face (dlib: 0.6 = same "
            "person)",
            0.0,
            2.0,
        ),
        "max",
        "identity: not recognised as the source (distance limit {limit:g})",
        "identity: distance to the source (solid) and to the plate's face (dashed)",
        "identity_share",
        fails=_not_recognised,
        normalise=_identity_badness,
        shot_value=_identity_share,
        shot_direction="min",
        shot_limit=Limit(
            "min_identity_share", 0.9, "share of frames recognised as the source for the shot to pass", 0.0, 1.0
        ),
    ),
    Measure(
        "expression",
        ("expression",),
        Limit(
            "max_expression",
            1.0,
            "per-frame expression error (0 = follows the plate, 1 = no better than a frozen face)",
            0.0,
            100.0,
        ),
        "max",
        "expression: error above {limit:g} (1 = a frozen face)",
        "expression error (0 follows the plate, 1 frozen)",
        "expression_ratio",
        shot_limit=Limit("max_expression_ratio", 0.6, "the shot's mean expression error for it to pass", 0.0, 100.0),
    ),
    Measure(
        "pose",
        ("pose_diff",),
        Limit("max_pose_deg", 15.0, "largest yaw, pitch or roll difference from the plate's head, degrees", 0.0, 180.0),
        "max",
        "pose: head turned over {limit:g} degrees from the plate's",
        "largest yaw/pitch/roll difference, degrees",
        "pose_diff_deg",
        value=largest_pose,
    ),
    # the median: a single popping frame is flagged on its own and should not fail a steady shot
    Measure(
        "flicker",
        ("flicker",),
        Limit(
            "max_flicker",
            2.0,
            "frame-to-frame change inside the matte over the plate's, face motion taken out",
            1.0,
            100.0,
        ),
        "max",
        "flicker: above {limit:g}x the plate's",
        "flicker, composite over plate",
        "flicker",
        shot_value=lambda rows: median_of(r.get("flicker") for r in rows),
    ),
    Measure(
        "seam",
        ("seam",),
        Limit("max_seam", 2.0, "gradient energy along the matte's edge over the plate's", 1.0, 100.0),
        "max",
        "seam: edge gradient above {limit:g}x the plate's",
        "seam gradient energy, composite over plate",
        "seam",
    ),
    Measure(
        "colour",
        ("delta_e",),
        Limit("max_delta_e", 5.0, "CIEDE2000 between the skin's mean colour and the plate's", 0.0, 100.0),
        "max",
        "colour: skin differs by over {limit:g} CIEDE2000",
        "skin colour difference, CIEDE2000",
        "delta_e",
    ),
    Measure(
        "sharpness",
        ("sharpness",),
        Limit(
            "min_sharpness",
            0.5,
            "the face's fine detail (Laplacian energy of the skin) over the plate's; the judge's training target",
            0.0,
            10.0,
        ),
        "min",
        "sharpness: under {limit:g}x the plate's detail",
        "sharpness, composite over plate",
        "sharpness",
    ),
    # the second largest: a blink lasts two frames or more; one frame of landmark noise is flagged, not failed
    Measure(
        "eyes",
        ("eyes",),
        Limit(
            "max_eyes",
            0.3,
            "eye openness of the swap against the plate's, over the plate's open eye: a blink the swap loses is ~0.4",
            0.0,
            10.0,
        ),
        "max",
        "eyes: openness differs from the plate's by over {limit:g} of an open eye",
        "eye openness difference, over the plate's open eye",
        "eyes",
        shot_value=lambda rows: _second_largest(r.get("eyes") for r in rows),
    ),
)


def all_limits() -> list[Limit]:
    """Every limit the measures declare, each once, in ``MEASURES`` order."""
    limits: list[Limit] = []
    for measure in MEASURES:
        limits += [measure.limit] + ([measure.shot_limit] if measure.shot_limit else [])
    return limits
