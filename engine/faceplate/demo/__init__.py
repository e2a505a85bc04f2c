"""`faceplate demo`: build the bundled example shot and run every stage on it.

The example is made from scikit-image's astronaut photo (public domain, NASA), shipped inside
the scikit-image package: a 24-frame linear-light EXR plate (1001-1024) with a slow push-in
and drift, and a 16-frame source sequence of the same photo regraded, mirrored and rotated.
Nothing is downloaded. Training is cut to a narrow 128 px model and 1,100 iterations so the
whole job runs in a few minutes on a laptop CPU: the face comes back with its eyes, mouth and smile
(found again by the face detector on every composite frame), softer than the plate (QC's sharpness
flags it: a delivery swap trains longer, with ``--profile final`` on a GPU).
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from faceplate.budget import parse_budget
from faceplate.errors import FaceplateError
from faceplate.faces.faceset import read_faceset
from faceplate.media import FrameRange, write_image
from faceplate.media.colour import ColourTransform
from faceplate.workspace import open_workspace

log = logging.getLogger(__name__)
PLATE_RANGE = FrameRange(1001, 1024)
PLATE_SIZE = (960, 540)
PLATE_SPACE = "Linear Rec.709 (sRGB)"
SOURCE_FRAMES = 16
# the budget the demo's job carries: the preview tier's row with 1,100 iterations for its train target (what
# demo_changes' own target gives the farm demo)
DEMO_BUDGET = "1100it"
# a supervisor's note on the first cut, as a render override: the second version re-renders these frames only
REVIEW_NOTE = {"frames": "1010-1014", "changes": {"feather_px": 16.0}}
# the example's consent/rights reference (render refuses a shot without one); tests of the example use it too
CONSENT_REF = "example shot: public-domain NASA photo (scikit-image data.astronaut); no release needed"


def _astronaut() -> np.ndarray:
    try:
        from skimage import data
    except ImportError as exc:
        raise FaceplateError("the demo needs scikit-image for its example photo: pip install scikit-image") from exc
    return data.astronaut()  # 512x512 RGB uint8, sRGB-encoded


def _camera_move(photo: np.ndarray, t: float) -> np.ndarray:
    """The photo on a wider canvas, pushed in 10% and drifting right over the shot (t in 0..1)."""
    w, h = PLATE_SIZE
    scale = 1.0 + 0.1 * t
    centre = (photo.shape[1] / 2, photo.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, 2.0 * t, scale)
    matrix[:, 2] += (w / 2 - centre[0] + 40 * t, h / 2 - centre[1])
    return cv2.warpAffine(photo, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def build_example(folder: Path) -> tuple[str, str]:
    """Write the plate and source sequences; returns their patterns."""
    photo = _astronaut()
    to_linear = ColourTransform(PLATE_SPACE)  # plate space <-> sRGB working space
    plate_dir, source_dir = folder / "plate", folder / "source"
    for frame in PLATE_RANGE:
        t = (frame - PLATE_RANGE.first) / (len(PLATE_RANGE) - 1)
        encoded = _camera_move(photo, t).astype(np.float32) / 255.0
        write_image(plate_dir / f"astronaut.{frame:04d}.exr", to_linear.to_plate(encoded), pixel_type="half")
    for i, frame in enumerate(range(1001, 1001 + SOURCE_FRAMES)):
        write_image(source_dir / f"astronaut_src.{frame:04d}.png", _source_variant(photo, i))
    return str(plate_dir / "astronaut.####.exr"), str(source_dir / "astronaut_src.####.png")


def _source_variant(photo: np.ndarray, i: int) -> np.ndarray:
    """Frame i of a slow source 'clip': the photo turning through 30 degrees, pushing in, regraded."""
    t = i / (SOURCE_FRAMES - 1)
    grade = np.array([1.0 + 0.08 * t, 1.0, 1.0 - 0.08 * t])
    matrix = cv2.getRotationMatrix2D((256, 200), -15.0 + 30.0 * t, 0.8 + 0.3 * t)
    moved = cv2.warpAffine(photo, matrix, (512, 512), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return np.clip(moved * grade, 0, 255).astype(np.uint8)


def demo_changes(targets: bool = True) -> dict[str, dict]:
    """A tiny model and a short run: enough to exercise every stage in minutes on a CPU. ``targets=False``
    leaves the train target to the job's budget (``DEMO_BUDGET``), as the demo's job does.

    The example's source is one photo, so its aligned crops are near-duplicates by design:
    the duplicate rule is left out here (it stays on by default)."""
    from faceplate.curate.rules import RULES

    # measured on 2 CPU cores (tests/stages/test_demo.py): 300 iterations at 64 px gave a blur the detector
    # could not find (QC sharpness 0.05), 1,500 at 64 px a face it finds on every frame but soft (0.11),
    # 1,100 at 128 px the same with more detail (0.18)
    train = {"batch_size": 4, "checkpoint_every": 250, "preview_every": 250, "log_every": 10}
    if targets:
        train |= {"iterations": parse_budget(DEMO_BUDGET).iterations, "minutes": None, "until_plateau": False}
    model = {"resolution": 128, "ae_dims": 64, "e_dims": 16, "d_dims": 16, "d_mask_dims": 8}
    return {
        "train": {"train": train, "model": model},
        "mask": {"landmark_only": True},
        "curate": {"rules": [r for r in RULES if r != "duplicate"]},
    }


def run_demo(out: Path, reporter=None, changes: dict | None = None) -> Path:
    """The main job as an editor sees it: the example starts as an OTIO cut with a clip marked FACE, goes
    through the engine process (started here on a loopback port with a temporary data folder, stopped at
    the end), and ends as the cut written back with the comp layer on a new top track. The loop an artist
    goes round, one line each: the job's budget (``DEMO_BUDGET``) and what it meant here, QC's verdict, v001
    placed; a review note (``REVIEW_NOTE``) as an override renders v002, placed over v001 (kept, disabled,
    its files unchanged). Returns the shot."""
    from faceplate.demo.editorial import run_through_engine, write_example_cut

    out = Path(out).absolute()
    plate, sources = build_example(out / "example")
    cut = write_example_cut(out / "cut.otio", plate)
    log.info("example cut %s: clip marked FACE showing %s frames %s", cut, plate, PLATE_RANGE)
    shot, placed = run_through_engine(
        cut,
        out,
        out / "shot",
        sources,
        demo_changes(targets=False) if changes is None else changes,
        CONSENT_REF,
        reporter,
        note=REVIEW_NOTE,
        budget=DEMO_BUDGET,
    )
    ws = open_workspace(shot)
    for role in ("destination", "source"):
        faceset = read_faceset(ws.faceset_dir(role))
        log.info("%s faceset: %d faces -> %s", role, len(faceset.records), faceset.folder)
    log.info("timeline in:  %s", cut)
    log.info("layer:        %s", placed.layer_pattern)
    log.info(
        "timeline out: %s (track %r, record frames %s)", out / "cut_with_layers.otio", placed.track_name, placed.record
    )
    _log_qc_headline(ws)
    return shot


def _log_qc_headline(ws) -> None:
    """Where the review report is and the QC numbers a supervisor reads first (from SHOT/qc/VERSION/qc.json)."""
    import json

    from faceplate.qc.outcome import qc_file, rendered_layer, verdict_line
    from faceplate.stages.report import report_dir

    version, _ = rendered_layer(ws)
    qc = json.loads((ws.root / qc_file(version)).read_text())
    summary, checks = qc["summary"], qc["summary"]["checks"]
    log.info("%s", verdict_line(qc))
    log.info(
        "QC report:    %s (identity share %s, expression ratio %s, flicker %s, %s frame(s) flagged)",
        ws.root / report_dir(version) / "index.html",
        checks["identity_share"]["value"],
        checks["expression_ratio"]["value"],
        checks["flicker"]["value"],
        summary["frames_flagged"],
    )
