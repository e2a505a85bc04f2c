"""Expression coverage: can the source act what the plate does? Mouth opening, eye openness and smile
from the 68 landmarks of both facesets, and the plate frames whose expression no source face shows.

A swap can only draw the expressions its source faces taught it: a source that never opens its mouth
gives a closed mouth over a talking plate. Said before training, the artist can add source footage
first. Written by curate to ``facesets/expression.json`` (schema ``ExpressionCoverage.1``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from faceplate.media.frames import compact_frames
from faceplate.quality.measures import interocular, mouth_opening

SCHEMA = "ExpressionCoverage.1"
EXPRESSION_NAME = "expression.json"  # in SHOT/facesets
RIGHT_EYE, LEFT_EYE = list(range(36, 42)), list(range(42, 48))


@dataclass(frozen=True)
class Feature:
    label: str
    tolerance: float  # how far a source face may be from a plate face and still teach it ...
    share: float = 0.0  # ... or this share of the plate's value, if more (a wide-open mouth varies more)
    # compared against the person's own median: eye shape and mouth width differ between people, a shut
    # mouth does not
    relative: bool = False

    def near(self, source: np.ndarray, plate: np.ndarray) -> np.ndarray:
        """[plate faces, source faces]: which source faces teach each plate face's value."""
        allowed = np.maximum(self.tolerance, self.share * np.abs(plate))[:, None]
        return np.abs(source[None, :] - plate[:, None]) <= allowed


FEATURES = {
    "mouth": Feature("mouth opening (inner-lip gap / eye distance)", 0.06, share=0.35),
    "eyes": Feature("eye openness (eyelid gap / eye width, against the person's median)", 0.15, relative=True),
    "smile": Feature("mouth width (against the person's median)", 0.06, relative=True),
}


def eye_openness(points: np.ndarray) -> float:
    """Mean eye aspect ratio of both eyes (about 0.3 open, under 0.15 closed)."""
    ratios = []
    for eye in (RIGHT_EYE, LEFT_EYE):
        p = points[eye]
        gap = (np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])) / 2
        ratios.append(gap / max(float(np.linalg.norm(p[0] - p[3])), 1e-9))
    return float(np.mean(ratios))


def smile_width(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[54] - points[48]) / max(interocular(points), 1e-9))


def expression_features(points: np.ndarray) -> dict[str, float]:
    """One face's ``FEATURES`` from its ``[68, 2]`` landmarks (any frame: every value is a ratio)."""
    return {"mouth": mouth_opening(points), "eyes": eye_openness(points), "smile": smile_width(points)}


def expression_report(
    source_points: list[np.ndarray], destination: list[tuple[int, np.ndarray]], min_source: int = 3
) -> dict:
    """Per feature: the source's and the plate's ranges and the plate frames where fewer than
    ``min_source`` source faces lie within the feature's tolerance of the plate's value."""
    src = _feature_table([expression_features(p) for p in source_points])
    frames = [frame for frame, _ in destination]
    dst = _feature_table([expression_features(p) for _, p in destination])
    features, uncovered_all = {}, set()
    for name, feature in FEATURES.items():
        near = feature.near(src[name], dst[name]).sum(1)
        uncovered = sorted({frame for frame, count in zip(frames, near) if count < min_source})
        uncovered_all.update(uncovered)
        plate = dst[name]
        features[name] = {
            "label": feature.label,
            "tolerance": feature.tolerance,
            "share": feature.share,
            "uncovered_frames": compact_frames(uncovered),
            "uncovered": len(uncovered),
            "source_range": _range(src[name]),
            "plate_range": _range(plate),
        }
    return {
        "schema": SCHEMA,
        "min_source": min_source,
        "features": features,
        "destination_faces": len(dst),
        "uncovered_frames": compact_frames(sorted(uncovered_all)),
        "covered_fraction": round(1 - len(uncovered_all) / max(len(set(frames)), 1), 4),
    }


def _feature_table(faces: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Each feature over all faces of one person, the relative ones divided by their median."""
    table = {name: np.array([face[name] for face in faces], np.float64) for name in FEATURES}
    for name, feature in FEATURES.items():
        if feature.relative and len(table[name]):
            table[name] = table[name] / max(float(np.median(table[name])), 1e-9)
    return table


def _range(values) -> list[float]:
    values = np.asarray(values, np.float64)
    return [round(float(values.min()), 3), round(float(values.max()), 3)] if len(values) else []


def uncovered_lines(report: dict) -> list[str]:
    """One line per feature the source does not cover, naming the plate's frames; none when covered."""
    lines = []
    for feature in report["features"].values():
        if feature["uncovered"]:
            lines.append(
                f"expression: {feature['label']} in plate frames {feature['uncovered_frames']} "
                f"({feature['uncovered']} frames) is not in the source (source {_span(feature['source_range'])}, "
                f"plate {_span(feature['plate_range'])}); add source footage that shows it"
            )
    return lines


def _span(values: list[float]) -> str:
    return f"{values[0]:.2f}-{values[1]:.2f}" if values else "none"


def expression_html(report: dict) -> str:
    rows = "".join(
        f'<tr class="{"uncovered" if f["uncovered"] else ""}"><td>{html.escape(f["label"])}</td>'
        f"<td>{_span(f['source_range'])}</td><td>{_span(f['plate_range'])}</td>"
        f"<td>{html.escape(f['uncovered_frames']) or '-'}</td></tr>"
        for f in report["features"].values()
    )
    return (
        f"<h2>Expression coverage: {report['covered_fraction']:.0%} of plate frames have source faces "
        f"with their expression</h2><table><tr><td>measure</td><td>source</td><td>plate</td>"
        f"<td>plate frames the source does not show</td></tr>{rows}</table>"
    )
