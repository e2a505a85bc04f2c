"""The shot's review page: one offline HTML file with its images beside it, and the same data as JSON.

SHOT/report/index.html     the page (no scripts, no fonts or styles from elsewhere)
SHOT/report/report.json    ShotReport.1: the QC summary and flags, worst frames, images, settings, provenance
SHOT/report/metrics.png    every QC measure over the frames, limits drawn, flagged frames shaded
SHOT/report/frames/*.png   the worst frames: plate | swap | matte
SHOT/report/training/*.png the loss curve and the latest training previews (copied from model/)
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import cv2
import numpy as np

from faceplate.atomic import write_bytes_atomic, write_text_atomic
from faceplate.media import ColourTransform, open_plate
from faceplate.media.image_input import read_image_window
from faceplate.qc.checks import MEASURES
from faceplate.qc.frames import side_by_side
from faceplate.qc.measure import ShotFaces, layer_path
from faceplate.qc.verdict import reason_texts

SCHEMA = "ShotReport.1"


def badness(row: dict, limits: dict) -> float:
    """How far past its limits a frame is (1 = at a limit): the largest of its measures over their limits."""
    values = [m.badness(row, m.limit_in(limits)) for m in MEASURES]
    return max((v for v in values if v is not None), default=0.0)


def worst_rows(qc: dict, count: int) -> list[dict]:
    measured = [r for r in qc["frames"] if r["face"]]
    return sorted(measured, key=lambda r: (-len(r["reasons"]), -badness(r, qc["limits"]), r["frame"]))[:count]


def write_worst_frames(workspace, layer: str, rows: list[dict], faces: ShotFaces, out: Path) -> list[dict]:
    """plate | swap | matte PNGs of ``rows``' frames (layer files ``layer``); [{frame, image (relative), reasons}]."""
    clip = workspace.manifest.plate
    colour, shown = ColourTransform(clip.colour_space), []
    with open_plate(clip.path, first_frame=clip.first_frame) as plate:
        for row in sorted(rows, key=lambda r: r["frame"]):
            pixels, corner = read_image_window(layer_path(layer, row["frame"]))
            panel = side_by_side(plate.read(row["frame"]), pixels, corner, faces.landmarks[row["frame"]], colour)
            name = f"frames/frame.{row['frame']:04d}.png"
            write_bytes_atomic(out / name, _png(panel))
            shown.append({"frame": row["frame"], "image": name, "reasons": row["reasons"]})
    order = {r["frame"]: i for i, r in enumerate(rows)}
    return sorted(shown, key=lambda s: order[s["frame"]])


def copy_training_images(root: Path, out: Path, previews: int) -> dict:
    """The loss plot and the latest ``previews`` training previews, copied next to the page."""
    found = {"loss": None, "previews": []}
    loss = root / "model" / "loss.png"
    if loss.is_file():
        write_bytes_atomic(out / "training" / "loss.png", loss.read_bytes())
        found["loss"] = "training/loss.png"
    latest = sorted((root / "model" / "previews").glob("*.png"))[-previews:] if previews else []
    for path in latest:
        write_bytes_atomic(out / "training" / path.name, path.read_bytes())
        found["previews"].append(f"training/{path.name}")
    return found


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
    return data.tobytes()


def clear_images(out: Path) -> None:
    """Images of an earlier report (other worst frames, older previews) go before the new ones are written."""
    for folder in ("frames", "training"):
        shutil.rmtree(out / folder, ignore_errors=True)


def report_data(workspace, qc: dict, worst: list[dict], training: dict, provenance: dict) -> dict:
    manifest = workspace.manifest
    return {
        "schema": SCHEMA,
        "shot": manifest.shot,
        "frame_range": qc["frame_range"],
        "version": qc.get("version"),
        "qc_file": f"../../qc/{qc.get('version')}/qc.json",
        "passed": qc["summary"]["passed"],
        "summary": qc["summary"],
        "flags": qc["flags"],
        "limits": qc["limits"],
        "worst_frames": worst,
        "images": {"metrics": "metrics.png", **training},
        "settings": manifest.settings,
        "provenance": provenance,
        "stages": [
            {
                "stage": r.stage,
                "status": r.status,
                "started": r.started,
                "finished": r.finished,
                "faceplate": r.versions.get("faceplate"),
            }
            for r in manifest.stages
        ],
    }


def reasons_by_measure(limits: dict) -> dict[str, str]:
    return reason_texts(limits)


# --- the page ----------------------------------------------------------------------------------
STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d1d1f;padding:0 16px}
h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}img{max-width:100%;border:1px solid #ddd}
figure{margin:12px 0}figcaption{font-size:13px;color:#444}
pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}
.previews img{max-width:48%;margin-right:1%}"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _value(value) -> str:
    return "not measured" if value is None else _e(value)


def _verdict(ok: bool) -> str:
    return '<span class="pass">pass</span>' if ok else '<span class="fail">fail</span>'


def _checks_table(summary: dict) -> str:
    rows = "".join(
        f"<tr><td>{_e(name)}</td><td>{_value(c['value'])}</td>"
        f"<td>{'≥' if c['kind'] == 'min' else '≤'} "
        f"{_e(c['limit'])}</td><td>{_verdict(c['pass'])}</td></tr>"
        for name, c in summary["checks"].items()
    )
    return f"<table><tr><th>check</th><th>shot</th><th>limit</th><th></th></tr>{rows}</table>"


def _flags_table(flags: list[dict]) -> str:
    if not flags:
        return "<p>No frame is flagged.</p>"
    rows = "".join(f"<tr><td>{f['first']}</td><td>{f['last']}</td><td>{_e(f['reason'])}</td></tr>" for f in flags)
    return f"<table><tr><th>first</th><th>last</th><th>reason</th></tr>{rows}</table>"


def _worst(worst: list[dict]) -> str:
    if not worst:
        return "<p>No frame with a face was measured.</p>"
    return "".join(
        f'<figure><img src="{_e(w["image"])}" alt="frame {w["frame"]}"><figcaption>frame {w["frame"]} '
        f"(plate | swap | matte): {_e('; '.join(w['reasons']) or 'within every limit')}"
        "</figcaption></figure>"
        for w in worst
    )


def _training(images: dict) -> str:
    parts = [
        f'<img src="{_e(images["loss"])}" alt="training loss">'
        if images.get("loss")
        else "<p>No loss plot (model/loss.png) in this shot.</p>"
    ]
    if images.get("previews"):
        parts.append(
            '<div class="previews">'
            + "".join(f'<img src="{_e(p)}" alt="training preview {_e(Path(p).stem)}">' for p in images["previews"])
            + "</div>"
        )
    return "".join(parts)


def _provenance(provenance: dict) -> str:
    rows = []
    for key, value in provenance.items():
        shown = value if isinstance(value, (str, int, float)) or value is None else json.dumps(value, indent=1)
        rows.append(
            f"<tr><th>{_e(key)}</th><td><pre>{_e(shown)}</pre></td></tr>"
            if not isinstance(value, str)
            else f"<tr><th>{_e(key)}</th><td>{_e(value)}</td></tr>"
        )
    return f"<table>{''.join(rows)}</table>"


def _stages(stages: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{_e(s['stage'])}</td><td>{_e(s['status'])}</td><td>{_e(s['started'])}</td>"
        f"<td>{_e(s['finished'])}</td><td>{_e(s['faceplate'])}</td></tr>"
        for s in stages
    )
    head = "".join(f"<th>{name}</th>" for name in ("stage", "status", "started", "finished", "faceplate"))
    return f"<table><tr>{head}</tr>{rows}</table>"


def page_html(data: dict) -> str:
    summary = data["summary"]
    verdict = (
        "passes every check" if data["passed"] else "fails a check"
    ) + f"; {summary['frames_flagged']} of {summary['frames']} frames flagged"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Faceplate QC: {_e(data["shot"])}</title>
<style>{STYLE}</style></head><body>
<h1>{_e(data["shot"])}</h1>
<p>Frames {_e(data["frame_range"])}: the shot <span class="{"pass" if data["passed"] else "fail"}">{_e(verdict)}</span>.
Identity share {_value(summary["checks"]["identity_share"]["value"])}, expression ratio
{_value(summary["checks"]["expression_ratio"]["value"])}, mouth correlation {_e(summary["mouth_correlation"])}.</p>
<h2>Checks</h2>{_checks_table(summary)}
<h2>Flagged frames</h2>{_flags_table(data["flags"])}
<h2>Measures over frames</h2><img src="{_e(data["images"]["metrics"])}" alt="QC measures over frames">
<h2>Worst frames</h2>{_worst(data["worst_frames"])}
<h2>Training</h2>{_training(data["images"])}
<h2>Provenance</h2>{_provenance(data["provenance"])}
<h2>Stage history</h2>{_stages(data["stages"])}
<h2>Settings</h2><pre>{_e(json.dumps(data["settings"], indent=1, sort_keys=True))}</pre>
</body></html>
"""


def write_page(out: Path, data: dict) -> Path:
    write_text_atomic(out / "report.json", json.dumps(data, indent=1, default=str) + "\n")
    write_text_atomic(out / "index.html", page_html(data))
    return out / "index.html"
