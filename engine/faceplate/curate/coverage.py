"""Pose coverage: yaw x pitch histograms of source and destination, and the destination poses the
source does not cover (the swap will be weak there: find more source footage at those angles).

Written by curate to ``facesets/coverage.json`` (schema ``PoseCoverage.1``).
"""

from __future__ import annotations

import html

import numpy as np

from faceplate.media.frames import compact_frames

SCHEMA = "PoseCoverage.1"
COVERAGE_NAME = "coverage.json"  # in SHOT/facesets
YAW_EDGES = list(range(-90, 91, 15))
PITCH_EDGES = list(range(-60, 61, 15))


def pose_bins(poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pitch bin, yaw bin) of each of ``poses`` ``[N, >=2]`` (yaw, pitch); outliers go to the edge bins."""
    poses = np.asarray(poses, np.float64).reshape(-1, 3)[:, :2] if len(poses) else np.zeros((0, 2))
    yaw = np.clip(poses[:, 0], YAW_EDGES[0], YAW_EDGES[-1] - 1e-6)
    pitch = np.clip(poses[:, 1], PITCH_EDGES[0], PITCH_EDGES[-1] - 1e-6)
    return np.searchsorted(PITCH_EDGES, pitch, side="right") - 1, np.searchsorted(YAW_EDGES, yaw, side="right") - 1


def pose_histogram(poses: np.ndarray) -> np.ndarray:
    """Counts ``[pitch bins, yaw bins]`` of ``poses`` (see ``pose_bins``)."""
    counts = np.zeros((len(PITCH_EDGES) - 1, len(YAW_EDGES) - 1), int)
    np.add.at(counts, pose_bins(poses), 1)
    return counts


def coverage_report(
    source_poses: np.ndarray, destination_poses: np.ndarray, destination_frames: list[int], min_source: int = 3
) -> dict:
    """Histograms of both, every destination bin with fewer than ``min_source`` source faces, and the plate
    frames (``destination_frames``, one per destination pose) whose pose lies in such a bin."""
    src, dst = pose_histogram(source_poses), pose_histogram(destination_poses)
    uncovered = []
    for p, y in zip(*np.nonzero((dst > 0) & (src < min_source))):
        uncovered.append(
            {
                "yaw": YAW_EDGES[y : y + 2],
                "pitch": PITCH_EDGES[p : p + 2],
                "destination_faces": int(dst[p, y]),
                "source_faces": int(src[p, y]),
            }
        )
    covered = int(dst[src >= min_source].sum())
    frames = [f for f, p, y in zip(destination_frames, *pose_bins(destination_poses)) if src[p, y] < min_source]
    return {
        "schema": SCHEMA,
        "yaw_edges": YAW_EDGES,
        "pitch_edges": PITCH_EDGES,
        "min_source": min_source,
        "source": src.tolist(),
        "destination": dst.tolist(),
        "uncovered": uncovered,
        "covered_fraction": round(covered / max(int(dst.sum()), 1), 4),
        "uncovered_frames": compact_frames(sorted(set(frames))),
        "uncovered_frame_count": len(set(frames)),
    }


def uncovered_pose_line(report: dict) -> list[str]:
    """The line saying which plate frames no source face covers in pose (none when all are covered): what
    the artist reads before training, beside the expression check's lines."""
    if not report.get("uncovered_frame_count"):
        return []
    return [
        f"pose: plate frames {report['uncovered_frames']} ({report['uncovered_frame_count']} frames, "
        f"{1 - report['covered_fraction']:.0%} of the plate's faces) have fewer than {report['min_source']} source "
        "faces at their angle; the swap will turn or blur there: add source footage at those angles"
    ]


def format_coverage(report: dict) -> str:
    """Text table: one row per pitch bin (top = looking up), 'dst/src' per yaw bin, '!' = uncovered."""
    src, dst = np.asarray(report["source"]), np.asarray(report["destination"])
    yaw = report["yaw_edges"]
    lines = ["pitch\\yaw " + " ".join(f"{yaw[i]:>+4d}.." for i in range(len(yaw) - 1))]
    for p in reversed(range(dst.shape[0])):
        cells = []
        for y in range(dst.shape[1]):
            flag = "!" if dst[p, y] and src[p, y] < report["min_source"] else " "
            cells.append(f"{dst[p, y]:>3d}/{src[p, y]:<2d}{flag}"[:7].rjust(7) if dst[p, y] or src[p, y] else "      .")
        lines.append(f"{report['pitch_edges'][p]:>+4d}..    " + "".join(cells))
    lines.append(
        f"cells: destination/source faces; ! = destination pose without {report['min_source']} source faces; "
        f"covered {report['covered_fraction']:.0%} of destination faces"
    )
    return "\n".join(lines)


def coverage_html(report: dict) -> str:
    """HTML table of the report: 'destination/source' per cell, uncovered cells marked."""
    src, dst = np.asarray(report["source"]), np.asarray(report["destination"])
    yaw, pitch = report["yaw_edges"], report["pitch_edges"]
    head = "".join(f"<td>{yaw[i]}..{yaw[i + 1]}</td>" for i in range(len(yaw) - 1))
    rows = [f"<tr><td>pitch \\ yaw</td>{head}</tr>"]
    for p in reversed(range(dst.shape[0])):
        cells = "".join(
            f'<td class="{"uncovered" if dst[p, y] and src[p, y] < report["min_source"] else ""}">'
            f"{f'{dst[p, y]}/{src[p, y]}' if dst[p, y] or src[p, y] else ''}</td>"
            for y in range(dst.shape[1])
        )
        rows.append(f"<tr><td>{pitch[p]}..{pitch[p + 1]}</td>{cells}</tr>")
    return (
        f"<h2>Pose coverage: {report['covered_fraction']:.0%} of destination faces have source faces at their pose</h2>"
        f"<p>cells: destination/source faces; red = destination pose the source does not cover</p>"
        + "".join(f'<p class="uncovered">{html.escape(line)}</p>' for line in uncovered_pose_line(report))
        + f"<table>{''.join(rows)}</table>"
    )
