"""Face detection behind a small interface, so a studio can plug in its own detector.

Detectors run on a copy of the frame scaled so its longer side is ``detect_size`` pixels
(detection cost grows with area; landmarks are fitted on the full-resolution frame later).
Boxes come back in full-resolution frame coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import dlib
import numpy as np

from faceplate.faces.weights import CNN_DETECTOR, weights_path


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in frame pixels
    score: float

    @property
    def size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])


class FaceDetector(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 image ``[H, W, 3]``, best first."""


def _downscale(image: np.ndarray, detect_size: int) -> tuple[np.ndarray, float]:
    longest = max(image.shape[:2])
    if detect_size <= 0 or longest <= detect_size:
        return image, 1.0
    factor = detect_size / longest
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return small, factor


def _shrink_fast(region: np.ndarray, factor: float) -> np.ndarray:
    """Resize for the detector: exact 2x box-filter halvings (OpenCV's fast path), then bilinear.
    Half the cost of one INTER_AREA resize by an arbitrary factor, with the same anti-aliasing."""
    while factor < 0.5 and min(region.shape[:2]) >= 4:
        region = cv2.resize(region, (region.shape[1] // 2, region.shape[0] // 2), interpolation=cv2.INTER_AREA)
        factor *= 2
    return np.ascontiguousarray(cv2.resize(region, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR))


def _to_detections(rects, scores, factor: float) -> list[Detection]:
    found = [
        Detection((r.left() / factor, r.top() / factor, r.right() / factor, r.bottom() / factor), float(s))
        for r, s in zip(rects, scores)
    ]
    return sorted(found, key=lambda d: -d.score)


class DlibHogDetector:
    """dlib's frontal HOG + linear SVM detector: fast on CPU, frontal to ~45 degrees of yaw."""

    name = "dlib-hog"

    def __init__(self, detect_size: int = 640, upsample: int = 0, threshold: float = 0.0, model=None):
        self._detector = model or dlib.get_frontal_face_detector()  # ~0.5 s to load: share one where you can
        self.detect_size, self.upsample, self.threshold = detect_size, upsample, threshold

    def sharing(self, detect_size: int, upsample: int, threshold: float) -> DlibHogDetector:
        """Another set of settings on the same loaded model (one thread at a time)."""
        return DlibHogDetector(detect_size, upsample, threshold, self._detector)

    def detect(self, image: np.ndarray) -> list[Detection]:
        small, factor = _downscale(image, self.detect_size)
        rects, scores, _ = self._detector.run(small, self.upsample, self.threshold)
        return _to_detections(rects, scores, factor)

    def detect_near(self, image: np.ndarray, box: tuple[float, float, float, float]) -> list[Detection]:
        """Detect inside a region around ``box`` only, scaled so the face is ~84 px.

        Used to follow a known face cheaply between full-frame detections.
        """
        x0, y0, x1, y1 = box
        side = max(x1 - x0, y1 - y0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        h, w = image.shape[:2]
        reach = side * 0.75  # the face moves far less than its own size between frames
        rx0, ry0 = int(max(0, cx - reach)), int(max(0, cy - reach))
        rx1, ry1 = int(min(w, cx + reach)), int(min(h, cy + reach))
        if rx1 - rx0 < 16 or ry1 - ry0 < 16:
            return []
        region = image[ry0:ry1, rx0:rx1]
        factor = min(3.0, 84.0 / max(side, 1.0))  # dlib's HOG window is 80 px: shrink big faces, grow small ones
        small = _shrink_fast(region, factor)
        rects, scores, _ = self._detector.run(small, 0, self.threshold)
        found = _to_detections(rects, scores, factor)
        return [Detection((b.box[0] + rx0, b.box[1] + ry0, b.box[2] + rx0, b.box[3] + ry0), b.score) for b in found]


class DlibCnnDetector:
    """dlib's MMOD CNN detector: handles more pose and blur, much slower on CPU."""

    name = "dlib-cnn"

    def __init__(self, detect_size: int = 640, upsample: int = 0, weights: str = CNN_DETECTOR):
        self._detector = dlib.cnn_face_detection_model_v1(str(weights_path(weights)))
        self.detect_size, self.upsample = detect_size, upsample

    def detect(self, image: np.ndarray) -> list[Detection]:
        small, factor = _downscale(image, self.detect_size)
        found = self._detector(small, self.upsample)
        return _to_detections([d.rect for d in found], [d.confidence for d in found], factor)


def make_detector(name: str, detect_size: int = 640, upsample: int = 0) -> FaceDetector:
    if name in ("hog", "dlib-hog"):
        return DlibHogDetector(detect_size, upsample)
    if name in ("cnn", "dlib-cnn"):
        return DlibCnnDetector(detect_size, upsample)
    from faceplate.errors import ExtractError

    raise ExtractError(f"unknown detector {name!r}; use 'hog' (default, fast) or 'cnn' (more pose, slower)")
