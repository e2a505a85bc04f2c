"""Face confidence: is the aligned crop of a followed face still a face?

A tracker that follows a face between detections can slide onto clothing, a wall or sky, and the
landmark predictor always returns 68 plausible-looking points, wherever it is started. Three
opinions decide, cheapest first:
- the frontal detector run on a small aligned crop (the crop removes roll and fixes the scale, so a
  real face up to ~45 degrees of yaw scores well above its threshold; clothing and ground find nothing);
- where it finds nothing (a turned head, motion blur), the landmarks re-fitted on the crop from the
  same box must agree with the plate's fit, and
- the face's identity (a fresh embedding) must be within the same-person distance of the identity
  the track is following.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceplate.faces.align import crop_matrix, transform_points, warp_face
from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.embedding import SAME_PERSON_DISTANCE, FaceEmbedder, embedding_distance
from faceplate.faces.geometry import box_in_crop, expected_eye_distance, refit_error
from faceplate.faces.landmarks import LandmarkModel
from faceplate.faces.track import FaceObservation

CHECK_SIZE = 192  # whole-face crop side: the face is ~100 px, just above the HOG detector's 80 px window
CHECK_FACE_TYPE = "whole_face"
CROP_DETECT_THRESHOLD = -0.5  # dlib HOG score; real aligned faces score > 0.5, non-faces find nothing
REFIT_LIMIT = 0.25  # frontal eye distances: real faces re-fit within ~0.05, see faces/geometry.py


@dataclass(frozen=True)
class FaceCheck:
    crop_score: float | None  # best detector score near the crop's centre; None = no face found
    refit: float | None  # landmark re-fit disagreement (eye distances); None = not needed
    identity: float | None  # embedding distance to the track's identity; None = not needed or unknown

    @property
    def ok(self) -> bool:
        if self.crop_score is not None:
            return True
        return (
            self.refit is not None
            and self.refit <= REFIT_LIMIT
            and self.identity is not None
            and self.identity <= SAME_PERSON_DISTANCE
        )

    def reason(self) -> str:
        parts = ["no face found on the aligned crop"]
        if self.refit is not None and self.refit > REFIT_LIMIT:
            parts.append(f"landmark re-fit {self.refit:.2f} > {REFIT_LIMIT}")
        if self.identity is None:
            parts.append("no identity to compare")
        elif self.identity > SAME_PERSON_DISTANCE:
            parts.append(f"identity {self.identity:.2f} > {SAME_PERSON_DISTANCE}")
        return ", ".join(parts)


class FaceChecker:
    """Its own detector settings (on the pipeline's HOG model where it has one); the landmark and embedding
    models are the pipeline's (one thread)."""

    def __init__(self, landmarks: LandmarkModel, embedder: FaceEmbedder, hog: DlibHogDetector | None = None):
        """``hog``: the pipeline's own HOG detector, whose loaded model the check shares."""
        self.landmarks, self.embedder = landmarks, embedder
        self.detector = (hog or DlibHogDetector()).sharing(detect_size=0, upsample=0, threshold=CROP_DETECT_THRESHOLD)

    def check(self, image: np.ndarray, face: FaceObservation, identity: np.ndarray | None) -> FaceCheck:
        matrix = crop_matrix(face.landmarks, CHECK_FACE_TYPE, CHECK_SIZE)
        crop = warp_face(image, matrix, CHECK_SIZE)
        score = self.crop_score(crop)
        if score is not None:
            return FaceCheck(score, None, None)
        points = transform_points(face.landmarks, matrix)
        refit = refit_error(
            crop,
            points,
            self.landmarks,
            box_in_crop(face.box, matrix),
            expected_eye_distance(CHECK_FACE_TYPE, CHECK_SIZE),
        )
        distance = None
        if identity is not None:
            distance = embedding_distance(self.embedder.embed(image, face.landmarks), identity)
        return FaceCheck(None, round(refit, 4), None if distance is None else round(distance, 4))

    def crop_score(self, crop: np.ndarray) -> float | None:
        """Best detection whose centre is near the crop's (where alignment put the face)."""
        c, reach = CHECK_SIZE / 2, CHECK_SIZE * 0.25
        near = [
            d.score
            for d in self.detector.detect(crop)
            if abs((d.box[0] + d.box[2]) / 2 - c) < reach and abs((d.box[1] + d.box[3]) / 2 - c) < reach
        ]
        return max(near) if near else None
