"""Stage 4, mask: a face mask (8-bit PNG, crop size) next to every face, referenced from the index.

Landmark masks always: the face hull (with the forehead for whole-face/head crops) and an
eyes+mouth mask for the trainer's priority loss. The learned model (XSeg-like U-Net) then
replaces the hull where it exists: trained on imported polygon labels (``--labels``), or, with
no labels at all, bootstrapped from the landmark hulls so the pipeline still runs. It is saved
in ``SHOT/masks/xseg/`` and exported to ``SHOT/masks/xseg.onnx``, which is also what applies it
here (onnxruntime, as at render time). Labelled crops keep their labels as their mask. Inputs
are all checked before anything is written. The model trains at 128 px on a CPU and 256 px with
CUDA unless ``--resolution`` says otherwise.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import cv2
import numpy as np

from faceplate.atomic import write_bytes_atomic
from faceplate.budget import parse_budget
from faceplate.curate.decisions import load_facesets
from faceplate.errors import MaskError
from faceplate.faces.faceset import FaceRecord, Faceset
from faceplate.masks.landmark_mask import face_hull_mask, parts_mask
from faceplate.masks.polygons import Label, load_labels
from faceplate.masks.settings import CPU_RESOLUTION, GPU_RESOLUTION, MaskSettings
from faceplate.reporting import Meter, Reporter, StageResult, check_cancelled
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace
from faceplate.workspace.workspace import path_inside

log = logging.getLogger(__name__)
MASKS_DIR, CHECKPOINT_DIR, ONNX_NAME = "masks", "xseg", "xseg.onnx"
SETTINGS = MaskSettings


def model_paths(workspace: Workspace):
    root = workspace.root / MASKS_DIR
    return root / CHECKPOINT_DIR, root / ONNX_NAME


def run(workspace: Workspace, settings: MaskSettings, reporter: Reporter) -> StageResult:
    """Mask every face of each role's faceset (training the mask model first when asked or when
    there is none yet). Labels and settings are checked (record paths when the index is read) before the run is recorded."""
    facesets = _load_facesets(workspace, settings.roles)
    labels = load_labels(settings.labels, facesets) if settings.labels else []
    checkpoint, onnx_path = model_paths(workspace)
    learned = not settings.landmark_only
    train, iterations, why = _training_plan(settings, labels, onnx_path)
    if train and labels and len(labels) < settings.min_labels:
        raise MaskError(
            f"only {len(labels)} labelled crop(s) in {settings.labels}; the mask model needs at least "
            f"{settings.min_labels}: label more faces (occluded ones first), or use --no-train"
        )
    inputs = {
        "facesets": [str(fs.folder.relative_to(workspace.root)) for fs in facesets.values()],
        "labels": settings.labels,
    }
    with workspace.stage_run("mask", inputs, as_plain_dict(settings), remembered(settings)) as run:
        summary: dict = {"labels": len(labels), "trained": bool(train), "decided_by": why}
        if train:
            summary["training"] = _train(
                facesets, labels, replace(settings, iterations=iterations), checkpoint, onnx_path, reporter
            )
        session = _open_session(onnx_path, facesets) if learned else None
        summary["learned"] = session is not None
        started = time.perf_counter()
        faces = sum(_write_masks(fs, role, session, labels, settings, reporter) for role, fs in facesets.items())
        seconds = time.perf_counter() - started
        summary.update(faces=faces, faces_per_second=round(faces / seconds, 1) if seconds else 0.0)
        run.outputs = {role: str((fs.folder / MASKS_DIR).relative_to(workspace.root)) for role, fs in facesets.items()}
        if session is not None:
            run.outputs["onnx"] = str(onnx_path.relative_to(workspace.root))
        run.summary = summary
    training = summary.get("training")
    line = (
        f"{faces} faces masked ({'learned' if session is not None else 'landmark'} masks, "
        f"{summary['faces_per_second']:.0f} faces/s)"
        + (f"; model trained on {training['source']} at {training['resolution']} px" if training else "")
        + (f"; mask model not trained ({why})" if why.startswith("budget") and not train else "")
    )
    return StageResult("mask", summary=summary, outputs=run.outputs, lines=[line], detail=summary)


def _training_plan(settings: MaskSettings, labels: list[Label], onnx_path) -> tuple[bool, int, str]:
    """(train the mask model?, its iterations, why): what the artist asked for (--train, labels, --iterations
    for a shot without a model), else the budget's row on this machine; a model the shot has is applied as it is.
    The budget's decision is said in one line before anything runs."""
    if settings.landmark_only or settings.train is False:
        return False, 0, "not asked"
    asked = bool(settings.train or labels or (settings.iterations and not onnx_path.is_file()))
    if not asked and onnx_path.is_file():
        return False, 0, "the shot's model"
    from faceplate.masks.xseg_train import pick_device

    budget, device = parse_budget(settings.budget), pick_device(settings.device).type
    plan = budget.plan(device)
    iterations = settings.iterations or plan.mask_iterations
    if asked:
        return True, iterations, "as set"
    if not plan.mask_model:
        log.info(
            "budget %s on %s: landmark masks, the mask model is not trained (its %d iterations do not fit the "
            "budget here); --train or --iterations N trains it",
            budget,
            device,
            iterations,
        )
    return plan.mask_model, iterations, f"budget {budget} on {device}"


def _mask_names(record: FaceRecord) -> tuple[str, str]:
    return f"{MASKS_DIR}/{record.id}.png", f"{MASKS_DIR}/{record.id}.eyes_mouth.png"


def _load_facesets(workspace: Workspace, roles: tuple[str, ...]) -> dict[str, Faceset]:
    found = load_facesets(workspace, roles, MaskError)
    for role, fs in found.items():
        if not fs.records:
            raise MaskError(f"the {role} faceset {fs.folder} is empty; nothing to mask")
        if not fs.kept:
            raise MaskError(f"every {role} face is rejected; restore some (`faceplate review --restore`) or re-curate")
    return found


def _train(
    facesets: dict[str, Faceset], labels: list[Label], settings: MaskSettings, checkpoint, onnx_path, reporter: Reporter
) -> dict:
    """Train, then save and export; a cancel between iterations writes nothing (the next run trains again)."""
    from faceplate.masks.xseg_export import export_onnx
    from faceplate.masks.xseg_model import XSegConfig, save_checkpoint
    from faceplate.masks.xseg_train import XSegTrainSettings, pick_device, train_xseg

    device = pick_device(settings.device)
    resolution = settings.resolution or (GPU_RESOLUTION if device.type == "cuda" else CPU_RESOLUTION)
    chosen = "as set" if settings.resolution else f"auto for {device.type}; --resolution to choose"
    log.info("mask model: %d px (%s), %d iterations on %s", resolution, chosen, settings.iterations, device)
    face_type = next(iter(facesets.values())).header["face_type"]
    config = XSegConfig(resolution=resolution, face_type=face_type, base=settings.base)
    images, masks = _training_samples(facesets, labels, settings, resolution)
    train_settings = XSegTrainSettings(
        iterations=settings.iterations,
        batch=settings.batch,
        seed=settings.seed,
        device=str(device),
        threads=settings.threads,
    )
    model, summary = train_xseg(images, masks, config, train_settings, progress=_training_progress(settings, reporter))
    summary["source"] = "labels" if labels else "landmark bootstrap"
    summary["resolution"] = resolution
    check_cancelled(reporter, "before the mask model was saved (nothing was written; the next run trains again)")
    save_checkpoint(checkpoint, model, {"training": summary, "train_settings": train_settings.as_dict()})
    export_onnx(model, onnx_path, {"iterations": settings.iterations, "trained_on": summary["source"]})
    return summary


def _training_progress(settings: MaskSettings, reporter: Reporter):
    meter = Meter(reporter, "train mask model", settings.iterations, unit="it")

    def after_step(step: int, total: int, loss: float) -> None:
        meter.advance()
        if step % 50 == 0 or step == total:
            reporter.metrics({"mask_loss": loss})
        check_cancelled(reporter, "during mask model training (nothing was written; the next run trains again)")

    return after_step


def _training_samples(facesets: dict[str, Faceset], labels: list[Label], settings: MaskSettings, r: int):
    if labels:
        pairs = [(facesets[lb.role], lb.record, lb.mask) for lb in labels]
    else:
        log.info("no mask labels: bootstrapping the mask model from landmark hulls")
        kept = [(fs, rec) for fs in facesets.values() for rec in fs.kept]
        pick = np.random.default_rng(settings.seed).permutation(len(kept))[: settings.bootstrap_faces]
        pairs = [(kept[i][0], kept[i][1], None) for i in sorted(pick)]
    images, masks = [], []
    for fs, record, label in pairs:
        crop = fs.read_crop(record, MaskError)
        m = label if label is not None else landmark_masks(fs, record)[0]
        images.append(cv2.resize(crop, (r, r), interpolation=cv2.INTER_AREA))
        masks.append(cv2.resize(m, (r, r), interpolation=cv2.INTER_AREA))
    return np.stack(images), np.stack(masks)


def _open_session(onnx_path, facesets: dict[str, Faceset]):
    if not onnx_path.is_file():
        return None
    from faceplate.masks.xseg import load_mask_session

    session = load_mask_session(onnx_path)
    wrong = [role for role, fs in facesets.items() if session.face_type and fs.header["face_type"] != session.face_type]
    if wrong:
        raise MaskError(
            f"mask model {onnx_path} was trained on {session.face_type} crops but the {', '.join(wrong)} "
            "faceset is another face type; retrain with `faceplate mask --train`"
        )
    return session


def _write_masks(
    fs: Faceset, role: str, session, labels: list[Label], settings: MaskSettings, reporter: Reporter
) -> int:
    """Write each face's masks (progress per face). A cancel stops between faces; the index is saved
    with what was written, so it always names masks that exist."""
    from faceplate.masks.xseg import predict_masks

    labelled = {lb.record.id: lb.mask for lb in labels if lb.role == role}
    records, written = fs.records, 0
    meter = Meter(reporter, f"mask {role}", len(records), unit="faces")
    try:
        for start in range(0, len(records), settings.apply_batch):
            chunk = records[start : start + settings.apply_batch]
            crops = [fs.read_crop(r, MaskError) for r in chunk] if session is not None else []
            learned = predict_masks(session, crops) if crops else [None] * len(chunk)
            for record, prob in zip(chunk, learned):
                check_cancelled(reporter, f"while writing the {role} masks ({written} of {len(records)} written)")
                hull, eyes_mouth = landmark_masks(fs, record)
                face = labelled.get(record.id)
                if face is None:
                    face = hull if prob is None else np.round(prob * 255.0).astype(np.uint8)
                face_name, eyes_mouth_name = _mask_names(record)
                record.mask = _write_png(fs, face_name, face)
                record.eyes_mouth_mask = _write_png(fs, eyes_mouth_name, eyes_mouth)
                written += 1
                meter.advance()
    finally:
        if written:
            fs.save()
    return len(records)


def landmark_masks(fs: Faceset, record: FaceRecord) -> tuple[np.ndarray, np.ndarray]:
    """(face hull, eyes+mouth) uint8 masks at crop size from the record's landmarks."""
    points = record.crop_landmarks
    return face_hull_mask(points, fs.crop_size, fs.header["face_type"]), parts_mask(points, fs.crop_size)


def _write_png(fs: Faceset, relative: str, mask: np.ndarray) -> str:
    ok, data = cv2.imencode(".png", mask, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise MaskError(f"could not encode mask {fs.folder / relative}")
    write_bytes_atomic(path_inside(fs.folder, relative, fs.folder), data.tobytes(), durable=False)
    return relative
