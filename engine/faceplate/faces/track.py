"""Follow faces across consecutive frames: full detection every N frames, cheap in between.

Between full-frame detections each known face is followed by moving its last detector box with
its landmarks; every ``confirm_every`` frames the detector confirms it in a small region around
the prediction (``detect_near``). Where the detector misses (a turned head), the face is
followed for a bounded number of frames. This keeps extraction several times faster
than detecting on every frame and bridges poses the frontal detector cannot see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from faceplate.faces.detect import Detection, FaceDetector
from faceplate.faces.landmarks import LandmarkModel

Box = tuple[float, float, float, float]


@dataclass
class FaceObservation:
    """One face in one frame."""

    track_id: int
    box: Box
    landmarks: np.ndarray  # [68, 2] frame pixels
    detector_score: float | None  # None when followed from the previous frame without a detection
    embedding: np.ndarray | None = None
    embedding_frame: int | None = None
    # a new track, or one the detector found again after following it blind: who it is must be checked
    # now (the blind follow may have slid onto someone else), not at the next periodic identity check
    fresh: bool = False

    @property
    def size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])


@dataclass
class _Track:
    track_id: int
    box: Box  # last detector box
    landmarks: np.ndarray  # latest landmarks
    anchor: np.ndarray  # landmarks fitted from ``box``: lets us move that box with the face
    missed: int = 0  # consecutive frames followed without a detection
    age: int = 0

    def propagated_box(self) -> Box:
        """The last detector box, moved with the face's landmarks since then.

        Only moved, never rescaled or extrapolated: the landmark fit's scale and position follow
        the box it starts from, so feeding them back grows errors. A detector-framed box on every
        frame also keeps the landmarks free of frame-to-frame jitter."""
        dx, dy = self.landmarks.mean(0) - self.anchor.mean(0)
        x0, y0, x1, y1 = self.box
        return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


def box_iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _plausible(landmarks: np.ndarray, image_shape: tuple[int, ...], min_size: float = 12.0) -> bool:
    """Reject fits that collapsed or left the frame (the follow step's failure modes)."""
    x0, y0 = landmarks.min(0)
    x1, y1 = landmarks.max(0)
    h, w = image_shape[:2]
    inside = x1 > 0 and y1 > 0 and x0 < w and y0 < h
    eye_gap = math.hypot(*(landmarks[36:42].mean(0) - landmarks[42:48].mean(0)))  # not BLAS: cheap under load
    return inside and min(x1 - x0, y1 - y0) >= min_size and eye_gap > 0.15 * (x1 - x0)


class FaceTracker:
    """Detect + follow faces frame by frame; ``reset()`` between unrelated images (stills)."""

    def __init__(
        self,
        detector: FaceDetector,
        landmarks: LandmarkModel,
        redetect_every: int = 10,
        confirm_every: int = 1,
        max_follow: int = 30,
        match_iou: float = 0.3,
        min_new_score: float = 0.25,
        still_iou: float = 0.75,
    ):
        self.detector, self.landmarks = detector, landmarks
        self.redetect_every, self.confirm_every = redetect_every, confirm_every
        self.max_follow, self.match_iou, self.min_new_score = max_follow, match_iou, min_new_score
        self.still_iou = still_iou
        self.reset()

    def reset(self) -> None:
        self._tracks: list[_Track] = []
        self._next_id = 0
        self._since_detect = 0

    def seed(self, track_id: int, box: Box, landmarks: np.ndarray) -> None:
        """Follow a face from where a previous run left it (resume): as if this tracker had seen that frame."""
        self._tracks.append(_Track(track_id, tuple(box), landmarks, landmarks))
        self._next_id = max(self._next_id, track_id + 1)

    def step(self, image: np.ndarray, look_for_new: bool = True, search: bool = False) -> list[FaceObservation]:
        """Faces in this frame. ``look_for_new=False`` skips the periodic full-frame detection
        (the caller already follows every face it wants); it still runs when nothing is followed.
        ``search=True`` runs it on this frame (the caller is looking for someone it does not follow)."""
        observations = [obs for track in list(self._tracks) if (obs := self._follow(image, track))]
        self._since_detect += 1
        if not self._tracks or search or (look_for_new and self._since_detect >= self.redetect_every):
            observations += self.detect_new(image)
            self._since_detect = 0
        return observations

    def _follow(self, image: np.ndarray, track: _Track) -> FaceObservation | None:
        track.age += 1
        predicted = track.propagated_box()
        det = self._confirm(image, track, predicted) if track.age % self.confirm_every == 0 else None
        # hysteresis: a detection that barely differs from the prediction is detector noise on a
        # still face; keeping the prediction keeps a still head's landmarks exactly still
        box = predicted if det is None or box_iou(det.box, predicted) > self.still_iou else det.box
        points = self.landmarks.fit(image, box)
        reacquired = det is not None and track.missed > 0
        track.missed = 0 if det else track.missed + 1
        if track.missed > self.max_follow or not _plausible(points, image.shape):
            self._tracks.remove(track)
            return None
        if det:
            track.box, track.anchor = box, points
        track.landmarks = points
        return FaceObservation(track.track_id, box, points, det.score if det else None, fresh=reacquired)

    def _confirm(self, image: np.ndarray, track: _Track, predicted: Box) -> Detection | None:
        """A detection near the predicted box, or None (turned head, blur, occlusion)."""
        near = getattr(self.detector, "detect_near", None)
        found = [d for d in (near(image, predicted) if near else []) if box_iou(d.box, predicted) >= self.match_iou]
        return max(found, key=lambda d: box_iou(d.box, predicted)) if found else None

    def detect_new(self, image: np.ndarray) -> list[FaceObservation]:
        """Full-frame detection: the faces not followed yet, each a new track."""
        new = []
        for det in self.detector.detect(image):
            if det.score < self.min_new_score:
                continue  # weak detections may confirm a followed face, not start a new one
            if any(box_iou(det.box, t.propagated_box()) >= self.match_iou for t in self._tracks):
                continue  # a face we already follow
            points = self.landmarks.fit(image, det.box)
            if not _plausible(points, image.shape):
                continue
            track = _Track(self._next_id, det.box, points, points)
            self._next_id += 1
            self._tracks.append(track)
            new.append(FaceObservation(track.track_id, det.box, points, det.score, fresh=True))
        return new

    def drop(self, track_id: int) -> None:
        """Stop following a track (its crop was not a face): a later detection may start a new one."""
        self._tracks = [t for t in self._tracks if t.track_id != track_id]
