"""Per-frame face pipeline: working-space frame -> tracked faces -> aligned crops + records.

Stage-agnostic: the extract stage drives it over a plate or source, the render stage will
drive it over frames that were never extracted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from faceplate.faces.align import TEMPLATE_NAME, FaceType, crop_matrix, warp_face
from faceplate.faces.check import FaceChecker
from faceplate.faces.detect import DlibHogDetector, make_detector
from faceplate.faces.embedding import DlibFaceEmbedder, FaceEmbedder
from faceplate.faces.faceset import FaceRecord, face_id
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.faces.roles import BOTH, ROLES_HELP, Roles
from faceplate.faces.select import FaceSelector
from faceplate.faces.track import FaceObservation, FaceTracker
from faceplate.settings import RootedPath, remembered, setting, stage_settings

BLUR_SIZE = 256  # blur is measured at a fixed crop size so scores compare across facesets


@stage_settings
class ExtractSettings:
    roles: Roles = setting(BOTH, ROLES_HELP, flag="--role", remember=False)
    face_type: Literal["half", "full", "whole_face", "head"] = setting(
        FaceType.WHOLE_FACE.value, "how much of the head a crop covers"
    )
    crop_size: int = setting(512, "stored crop size in pixels", ge=64, le=2048)
    detector: Literal["hog", "cnn"] = setting("hog", "face detector: hog (fast) or cnn (turned heads, slower)")
    detect_size: int = setting(640, "longer side of the frame copy the detector sees, pixels", ge=160, le=8192)
    upsample: int = setting(0, "detector upsampling passes: finds smaller faces, ~4x slower each", ge=0, le=3)
    redetect_every: int = setting(
        10, "full-frame detection period (new faces; in one-person mode the other people), frames", ge=1
    )
    confirm_every: int = setting(
        1, "the detector re-finds a followed face every N frames (>1: faster, for slow motion)", ge=1
    )
    embed_every: int = setting(32, "identity re-check period, frames (dlib's embedding is slow)", ge=1)
    all_faces: bool = setting(False, "keep every face, each with a track id")
    reference: RootedPath | None = setting(None, "still of the person to keep when a frame has several faces")
    crop_format: Literal["jpg", "png"] = setting("jpg", "crop file format")
    source_step: int = setting(1, "use every Nth frame of source clips", ge=1)
    force: bool = setting(False, "extract again even if the faceset is up to date", remember=False)

    def __post_init__(self) -> None:
        if self.reference:  # absolute, so every caller finds it; not resolved: a symlink stays the artist's link
            self.reference = os.path.abspath(self.reference)

    def as_dict(self) -> dict:
        """What made a faceset (the per-run fields left out), recorded in its index header."""
        return remembered(self) | {"template": TEMPLATE_NAME}


@dataclass(frozen=True)
class Refused:
    """A crop the face check refused: not kept, reported."""

    frame: int
    track: int
    size: float  # face box side, plate pixels
    reason: str


def blur_score(crop: np.ndarray) -> float:
    """Variance of the Laplacian: low = blurred. Centre of the crop, where the face is."""
    grey = cv2.cvtColor(cv2.resize(crop, (BLUR_SIZE, BLUR_SIZE), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    q = BLUR_SIZE // 4
    return float(cv2.Laplacian(grey[q:-q, q:-q], cv2.CV_64F).var())


class FacePipeline:
    """Holds the models once; ``reset()`` between unrelated images (stills)."""

    def __init__(
        self, settings: ExtractSettings, embedder: FaceEmbedder | None = None, reference: np.ndarray | None = None
    ):
        self.settings = settings
        self.landmarks = DlibLandmarks68()
        self.embedder = embedder or DlibFaceEmbedder()
        detector = make_detector(settings.detector, settings.detect_size, settings.upsample)
        self.tracker = FaceTracker(detector, self.landmarks, settings.redetect_every, settings.confirm_every)
        self.selector = FaceSelector(self.embedder, reference, settings.all_faces, settings.embed_every)
        hog = detector if isinstance(detector, DlibHogDetector) else None
        self.checker = FaceChecker(self.landmarks, self.embedder, hog)
        self.refused: list[Refused] = []  # crops the face check refused; the caller reads and clears it

    def reset(self) -> None:
        self.tracker.reset()
        self.selector.reset()

    def resume_after(self, records: list[FaceRecord]) -> None:
        """Continue following the faces of one frame a previous run kept, so a resumed run finds what an
        uninterrupted one would (the detector alone can miss a face the tracker was following)."""
        for record in records:
            self.tracker.seed(record.track, record.box, np.asarray(record.landmarks, np.float64))
            self.selector.seed(record.track, np.asarray(record.embedding, np.float32), record.embedding_frame)

    def locate(self, frame: int, image: np.ndarray) -> list[FaceObservation]:
        """The faces to keep in one working-space RGB uint8 frame (detect, follow, choose)."""
        # one person: new faces are looked for while following too (they are the other people to tell the
        # person from), and on every frame while the person is not followed (they may come back at once)
        faces = self.tracker.step(image, search=self.selector.searching)
        while True:
            chosen = self.selector.choose(frame, image, faces)
            kept = [face for face in chosen if self._is_face(frame, image, face)]
            if kept or not chosen or self.settings.all_faces:
                return kept
            # the one chosen was refused (its track slid off the face): choose again among the others,
            # with whoever the periodic detection has not found yet
            faces = [face for face in faces if face not in chosen] + self.tracker.detect_new(image)

    def _is_face(self, frame: int, image: np.ndarray, face: FaceObservation) -> bool:
        """The face check, where the track has not already proved it: on its first crop, where it was
        followed blind or found again, and at each identity check. A crop the detector confirmed on a
        track that passed is a face (the detector said so); a refused track is no longer followed."""
        if not (face.fresh or face.detector_score is None or face.embedding_frame == frame):
            return True
        check = self.checker.check(image, face, self.selector.identity_of(face.track_id))
        if check.ok:
            return True
        self.refused.append(Refused(frame, face.track_id, face.size, check.reason()))
        self.tracker.drop(face.track_id)
        self.selector.drop(face.track_id)
        return False

    def crop_face(
        self, source: str, frame: int, index: int, face: FaceObservation, image: np.ndarray
    ) -> tuple[FaceRecord, np.ndarray]:
        """Aligned crop and its record. Pure OpenCV/numpy, so it can run on a worker thread."""
        matrix = crop_matrix(face.landmarks, self.settings.face_type, self.settings.crop_size)
        crop = warp_face(image, matrix, self.settings.crop_size)
        rid = face_id(source, frame, index)
        record = FaceRecord(
            id=rid,
            source=source,
            frame=frame,
            face=index,
            track=face.track_id,
            image=f"faces/{rid}.{self.settings.crop_format}",
            box=[round(float(v), 2) for v in face.box],
            landmarks=np.round(face.landmarks, 3).tolist(),
            matrix=matrix.tolist(),
            detector_score=None if face.detector_score is None else round(face.detector_score, 4),
            blur=round(blur_score(crop), 3),
            embedding=np.round(face.embedding, 6).tolist(),
            embedding_frame=int(face.embedding_frame),
        )
        return record, crop

    def process(self, source: str, frame: int, image: np.ndarray) -> list[tuple[FaceRecord, np.ndarray]]:
        """Records and RGB crops for the faces kept in one frame (locate + crop, in this thread)."""
        return [self.crop_face(source, frame, i, face, image) for i, face in enumerate(self.locate(frame, image))]


def reference_embedding(image: np.ndarray, pipeline: FacePipeline) -> np.ndarray | None:
    """Embedding of the largest face in a reference still (RGB uint8), or None if it has none."""
    detections = pipeline.tracker.detector.detect(image)
    if not detections:
        return None
    best = max(detections, key=lambda d: d.size)
    return pipeline.embedder.embed(image, pipeline.landmarks.fit(image, best.box))
