"""The review contact sheet: one HTML page and PNG grids, faces grouped by status and reason.

``SHOT/review/index.html`` shows every face (the crop itself, by relative path, so nothing is
copied) with its id and reasons, grouped per role into kept, restored-by-hand and one group per
rejection rule; the pose coverage table sits at the top, and under a one-person faceset's heading
which person extract kept and how many frames each other person had. ``SHOT/review/<role>_<group>_<page>.png``
are the same groups as image grids (mask outline in green where a mask exists), for viewers
that do not open HTML.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from faceplate.atomic import atomic_path, write_text_atomic
from faceplate.curate.rules import reason_kind
from faceplate.faces.faceset import FaceRecord, Faceset, read_image_file
from faceplate.faces.people import people_html, read_people

THUMB, COLUMNS, PER_PAGE = 96, 10, 100


def face_group(record: FaceRecord) -> str:
    """'kept', 'restored', or the rejecting rule ('blur', 'identity', ..., 'manual')."""
    first = reason_kind(record.reasons[0]) if record.reasons else ""
    if record.kept:
        return "restored" if first == "manual" else "kept"
    return first or "rejected"


def group_records(records: list[FaceRecord]) -> dict[str, list[FaceRecord]]:
    groups: dict[str, list[FaceRecord]] = {}
    for record in records:
        groups.setdefault(face_group(record), []).append(record)
    order = ["kept", "restored"]
    return {k: groups[k] for k in order + sorted(set(groups) - set(order)) if k in groups}


def write_review(
    out: Path, facesets: dict[str, Faceset], coverage_html: str = "", after_face: Callable[[], None] | None = None
) -> Path:
    """Write the HTML page and PNG grids into ``out``; returns the HTML path. ``after_face`` is called
    after each face is drawn (progress; the page is written last, so a cancel there keeps the old one)."""
    out.mkdir(parents=True, exist_ok=True)
    sections = []
    for role, fs in facesets.items():
        groups = group_records(fs.records)
        grids = {name: write_grids(out, fs, f"{role}_{name}", records, after_face) for name, records in groups.items()}
        sections.append(_role_html(out, role, fs, groups, grids))
    page = _PAGE.format(body=coverage_html + "\n".join(sections))
    path = out / "index.html"
    write_text_atomic(path, page)
    return path


def write_grids(
    out: Path, fs: Faceset, stem: str, records: list[FaceRecord], after_face: Callable[[], None] | None = None
) -> list[str]:
    names = []
    for page, start in enumerate(range(0, len(records), PER_PAGE)):
        grid = grid_image(fs, records[start : start + PER_PAGE], after_face)
        name = f"{stem}_{page:02d}.png"
        with atomic_path(out / name) as tmp:
            cv2.imwrite(str(tmp), grid[..., ::-1])
        names.append(name)
    return names


def grid_image(fs: Faceset, records: list[FaceRecord], after_face: Callable[[], None] | None = None) -> np.ndarray:
    """RGB grid, COLUMNS wide, each cell a THUMB crop (mask outline in green) over its id."""
    cell_h = THUMB + 14
    rows = (len(records) + COLUMNS - 1) // COLUMNS
    grid = np.full((rows * cell_h, COLUMNS * THUMB, 3), 32, np.uint8)
    for n, record in enumerate(records):
        y, x = (n // COLUMNS) * cell_h, (n % COLUMNS) * THUMB
        grid[y : y + THUMB, x : x + THUMB] = _thumbnail(fs, record)
        cv2.putText(grid, record.id[-14:], (x + 2, y + THUMB + 11), cv2.FONT_HERSHEY_PLAIN, 0.75, (230, 230, 230), 1)
        if after_face is not None:
            after_face()
    return grid


def _thumbnail(fs: Faceset, record: FaceRecord) -> np.ndarray:
    image = read_image_file(fs.crop_path(record), cv2.IMREAD_COLOR)
    if image is None:
        return np.full((THUMB, THUMB, 3), (128, 0, 0), np.uint8)
    thumb = cv2.resize(image[..., ::-1], (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    mask_path = fs.mask_path(record)
    mask = read_image_file(mask_path, cv2.IMREAD_GRAYSCALE) if mask_path else None
    if mask is not None:
        small = cv2.resize(mask, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
        contours, _ = cv2.findContours((small > 127).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        thumb = np.ascontiguousarray(thumb)
        cv2.drawContours(thumb, contours, -1, (0, 255, 0), 1)
    return thumb


def _role_html(
    out: Path, role: str, fs: Faceset, groups: dict[str, list[FaceRecord]], grids: dict[str, list[str]]
) -> str:
    kept = sum(r.kept for r in fs.records)
    parts = [f"<h2>{html.escape(role)}: {kept} kept of {len(fs.records)}</h2>", _people(fs)]
    for name, records in groups.items():
        links = " ".join(f'<a href="{html.escape(g)}">grid {i + 1}</a>' for i, g in enumerate(grids[name]))
        parts.append(f'<h3 class="{_css(name)}">{html.escape(name)} ({len(records)}) {links}</h3><div class="faces">')
        parts += [_figure(out, fs, r) for r in records]
        parts.append("</div>")
    return "\n".join(parts)


def _people(fs: Faceset) -> str:
    """Which person extract kept and who else the clips showed (one-person facesets only)."""
    people = read_people(fs.folder)
    return people_html(people) if people else ""


def _figure(out: Path, fs: Faceset, record: FaceRecord) -> str:
    src = Path(os.path.relpath(fs.crop_path(record), out)).as_posix()
    reasons = "<br>".join(html.escape(r) for r in record.reasons)
    pose = " ".join(f"{v:+.0f}" for v in record.pose[:2]) if record.pose else ""
    return (
        f'<figure id="{html.escape(record.id)}" class="{record.status}"><img src="{html.escape(src)}" width="{THUMB}" '
        f'height="{THUMB}" loading="lazy"><figcaption><b>{html.escape(record.id)}</b> <i>{pose}</i>'
        f"<br>{reasons}</figcaption></figure>"
    )


def _css(name: str) -> str:
    return "kept" if name in ("kept", "restored") else "rejected"


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Faceplate review</title><style>
body{{font-family:sans-serif;background:#222;color:#ddd}} .faces{{display:flex;flex-wrap:wrap;gap:6px}}
figure{{margin:0;width:150px;font-size:11px}} figure.rejected img{{outline:2px solid #c44}}
h3.rejected{{color:#e88}} h3.kept{{color:#8e8}} table{{border-collapse:collapse}} td{{border:1px solid #555;padding:2px 4px;text-align:center}}
td.uncovered{{background:#733}}
</style></head><body><h1>Faceplate review</h1>
<p>Reject or restore by id: <code>faceplate review SHOT --reject ID --restore ID</code> or <code>--decisions FILE</code>;
the next <code>faceplate curate</code> keeps these decisions.</p>
{body}
</body></html>
"""
