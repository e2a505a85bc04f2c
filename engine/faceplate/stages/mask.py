"""Stage 4, mask: a face mask (8-bit PNG, crop size) next to every face, referenced from the index.

Landmark masks always: the face hull (with the forehead for whole-face/head crops) and an
eyes+mouth mask for the trainer's priority loss. The learned model (XSeg-like U-Net) then
replaces the hull where it exists: trained on imported polygon labels (``--labels``), or, with
no labels at all, bootstrapped from the landmark hulls so the pipeline still runs. It is saved
in ``SHOT/masks/xseg/`` and exported to ``SHOT/masks/xseg.onnx``, which is also what applies it
here (onnxruntime, as at render time). Labelled crops keep their labels as their mask. Inputs
are all checked before anything is written.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from faceplate.atomic import write_bytes_atomic
from faceplate.errors import MaskError
from faceplate.faces.faceset import Faceset, FaceRecord
from faceplate.masks.landmark_mask import eyes_mouth_mask, face_hull_mask
from faceplate.masks.polygons import Label, load_labels
from faceplate.stages.curate import load_facesets
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)
MASKS_DIR, CHECKPOINT_DIR, ONNX_NAME = "masks", "xseg", "xseg.onnx"


@dataclass
class MaskSettings:
    roles: tuple[str, ...] = ("destination", "source")
    labels: str | None = None  # polygon file (FacePolygons.1)
    train: bool | None = None  # None: train when labels are given or no model exists yet
    learned: bool = True  # False: landmark masks only
    iterations: int = 2000
    resolution: int = 256
    base: int = 16  # U-Net width
    batch: int = 8
    min_labels: int = 8  # fewer labelled crops than this cannot train a useful model
    bootstrap_faces: int = 300  # landmark-hull samples when training without labels
    apply_batch: int = 32
    device: str | None = None
    threads: int | None = None  # CPU threads for training (None: torch's default)
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def model_paths(workspace: Workspace):
    root = workspace.root / MASKS_DIR
    return root / CHECKPOINT_DIR, root / ONNX_NAME


def mask(workspace: Workspace, settings: MaskSettings | None = None) -> dict:
    """Mask every face of each role's faceset; returns the stage summary."""
    settings = settings or MaskSettings()
    facesets = _load_facesets(workspace, settings.roles)
    inputs = {"facesets": [str(fs.folder.relative_to(workspace.root)) for fs in facesets.values()], "labels": settings.labels}
    with workspace.stage_run("mask", inputs, settings.as_dict()) as run:
        labels = load_labels(settings.labels, facesets) if settings.labels else []
        checkpoint, onnx_path = model_paths(workspace)
        train = settings.learned and (settings.train if settings.train is not None else bool(labels) or not onnx_path.is_file())
        summary: dict = {"labels": len(labels), "trained": bool(train)}
        if train:
            summary["training"] = _train(facesets, labels, settings, checkpoint, onnx_path)
        session = _open_session(onnx_path, facesets) if settings.learned else None
        summary["learned"] = session is not None
        started = time.perf_counter()
        faces = sum(_write_masks(fs, role, session, labels, settings) for role, fs in facesets.items())
        seconds = time.perf_counter() - started
        summary.update(faces=faces, faces_per_second=round(faces / seconds, 1) if seconds else 0.0)
        run.outputs = {role: str((fs.folder / MASKS_DIR).relative_to(workspace.root)) for role, fs in facesets.items()}
        if session is not None:
            run.outputs["onnx"] = str(onnx_path.relative_to(workspace.root))
        run.summary = summary
    return summary


def _load_facesets(workspace: Workspace, roles: tuple[str, ...]) -> dict[str, Faceset]:
    found = load_facesets(workspace, roles, MaskError)
    for role, fs in found.items():
        if not fs.records:
            raise MaskError(f"the {role} faceset {fs.folder} is empty; nothing to mask")
        if not fs.kept:
            raise MaskError(f"every {role} face is rejected; restore some (`faceplate review --restore`) or re-curate")
    return found


def _train(facesets: dict[str, Faceset], labels: list[Label], settings: MaskSettings, checkpoint, onnx_path) -> dict:
    from faceplate.masks.xseg_export import export_onnx
    from faceplate.masks.xseg_model import XSegConfig, save_checkpoint
    from faceplate.masks.xseg_train import XSegTrainSettings, train_xseg

    if labels and len(labels) < settings.min_labels:
        raise MaskError(f"only {len(labels)} labelled crop(s) in {settings.labels}; the mask model needs at least "
                        f"{settings.min_labels}: label more faces (occluded ones first), or use --no-train")
    face_type = next(iter(facesets.values())).header["face_type"]
    try:
        config = XSegConfig(resolution=settings.resolution, face_type=face_type, base=settings.base)
    except ValueError as exc:
        raise MaskError(f"bad mask model setting: {exc}") from exc
    images, masks = _training_samples(facesets, labels, settings)
    train_settings = XSegTrainSettings(iterations=settings.iterations, batch=settings.batch, seed=settings.seed,
                                       device=settings.device, threads=settings.threads)
    model, summary = train_xseg(images, masks, config, train_settings)
    summary["source"] = "labels" if labels else "landmark bootstrap"
    save_checkpoint(checkpoint, model, {"training": summary, "train_settings": train_settings.as_dict()})
    export_onnx(model, onnx_path, {"iterations": settings.iterations, "trained_on": summary["source"]})
    return summary


def _training_samples(facesets: dict[str, Faceset], labels: list[Label], settings: MaskSettings):
    r = settings.resolution
    if labels:
        pairs = [(facesets[lb.role], lb.record, lb.mask) for lb in labels]
    else:
        log.info("no mask labels: bootstrapping the mask model from landmark hulls")
        kept = [(fs, rec) for fs in facesets.values() for rec in fs.kept]
        pick = np.random.default_rng(settings.seed).permutation(len(kept))[:settings.bootstrap_faces]
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
        raise MaskError(f"mask model {onnx_path} was trained on {session.face_type} crops but the {', '.join(wrong)} "
                        "faceset is another face type; retrain with `faceplate mask --train`")
    return session


def _write_masks(fs: Faceset, role: str, session, labels: list[Label], settings: MaskSettings) -> int:
    from faceplate.masks.xseg import predict_masks

    labelled = {lb.record.id: lb.mask for lb in labels if lb.role == role}
    records = fs.records
    for start in range(0, len(records), settings.apply_batch):
        chunk = records[start:start + settings.apply_batch]
        crops = [fs.read_crop(r, MaskError) for r in chunk] if session is not None else []
        learned = predict_masks(session, crops) if crops else [None] * len(chunk)
        for record, prob in zip(chunk, learned):
            hull, eyes_mouth = landmark_masks(fs, record)
            face = labelled.get(record.id)
            if face is None:
                face = hull if prob is None else np.round(prob * 255.0).astype(np.uint8)
            record.mask = _write_png(fs, f"{MASKS_DIR}/{record.id}.png", face)
            record.eyes_mouth_mask = _write_png(fs, f"{MASKS_DIR}/{record.id}.eyes_mouth.png", eyes_mouth)
    fs.save()
    return len(records)


def landmark_masks(fs: Faceset, record: FaceRecord) -> tuple[np.ndarray, np.ndarray]:
    """(face hull, eyes+mouth) uint8 masks at crop size from the record's landmarks."""
    points = record.crop_landmarks
    return face_hull_mask(points, fs.crop_size, fs.header["face_type"]), eyes_mouth_mask(points, fs.crop_size)


def _write_png(fs: Faceset, relative: str, mask: np.ndarray) -> str:
    ok, data = cv2.imencode(".png", mask, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise MaskError(f"could not encode mask {fs.folder / relative}")
    write_bytes_atomic(fs.folder / relative, data.tobytes(), durable=False)
    return relative
