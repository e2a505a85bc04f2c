"""Judge a run of swapped face crops against their plates on every measure (``measures``).

Both sides get the same treatment: landmarks re-detected by one dlib model on each crop (enlarged
to ``EMBED_SIZE`` first, so a 64 px swap and its 64 px plate carry the same detector error), one
face mask for both (the landmark hull of the plate), identities embedded by dlib's recogniser.

The landmark re-fit starts every crop of a run from one box, the box of the run's mean aligned
landmarks, and averages the fits from that box nudged a few per cent each way. dlib's predictor
follows the box it is started from: a box per frame (from that frame's plate landmarks) carried the
plate's geometry into the swap's fit (a frozen face scored mouth correlation 0.53 on d18 -> d19), and
the predictor's box-to-box jitter was a third of a talking head's whole landmark motion (a plate
blurred by 1 px scored expression 0.65; with the shared, averaged box 0.32, a frozen face exactly 1).
``Judge.read`` does that for one frame (shot QC reads frames one by one as it decodes the plate);
``Judge.judge`` reads a run of frames and scores it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from faceplate.quality import measures

EMBED_SIZE = 256  # crops are enlarged to this before landmarks and embedding (dlib's chip is 150 px)
HULL_FACE_TYPE = "full"  # the sharpness region: jaw to just above the brows (no hair, no background)
# (dx, dy, scale) of the re-fit's start boxes, in box sizes: the fits from all of them are averaged
REFIT_BOXES = ((0, 0, 1), (0.04, 0, 1), (-0.04, 0, 1), (0, 0.04, 1), (0, -0.04, 1), (0, 0, 1.06), (0, 0, 0.94))


@dataclass(frozen=True)
class Judgement:
    """Every measure of one run of frames (``faceplate.quality.measures`` defines them)."""

    frames: int
    id_fraction: float  # near the wanted identity, nearer it than the other, within 0.6
    to_wanted: float  # mean embedding distance to the wanted identity
    to_other: float  # mean embedding distance to the other identity
    expression_ratio: float  # 0 follows the plate, 1 frozen
    mouth_corr: float  # Pearson of mouth openings over frames
    sharpness_ratio: float  # Laplacian energy in the face, swap over plate

    def line(self) -> str:
        return (
            f"id_fraction {self.id_fraction:.3f} (distance to wanted {self.to_wanted:.3f}, other "
            f"{self.to_other:.3f}), expression_ratio {self.expression_ratio:.3f}, mouth_corr "
            f"{self.mouth_corr:.3f}, sharpness_ratio {self.sharpness_ratio:.3f}"
        )


@dataclass(frozen=True)
class FaceReading:
    """One swapped face and its plate crop as the dlib models read them (crop pixels)."""

    face_points: np.ndarray  # [68, 2] re-detected on the swapped face
    plate_points: np.ndarray  # [68, 2] re-detected on the plate
    embedding: np.ndarray | None  # [128] identity of the swapped face (None: not embedded)


class Judge:
    """Holds the dlib models once; ``judge`` scores a run of crops."""

    def __init__(self, landmarker=None, embedder=None):
        from faceplate.faces.embedding import DlibFaceEmbedder
        from faceplate.faces.landmarks import DlibLandmarks68

        self.landmarker = landmarker or DlibLandmarks68()
        self.embedder = embedder or DlibFaceEmbedder()

    def refit(self, crops: np.ndarray, start: np.ndarray) -> np.ndarray:
        """``[N, 68, 2]`` landmarks re-detected on each crop ``[N, R, R, 3]``, all started from the box of
        ``start``'s mean (crop-space landmarks, ``[68, 2]`` or one per crop ``[N, 68, 2]``; module docstring)."""
        from faceplate.faces.landmarks import landmarks_box

        scale = EMBED_SIZE / crops.shape[1]
        boxes = _nudged(landmarks_box(np.asarray(start, np.float64).reshape(-1, 68, 2).mean(0) * scale))
        return np.stack(
            [np.mean([self.landmarker.fit(big, box) for box in boxes], axis=0) / scale for big in map(_enlarge, crops)]
        )

    def embed(self, crops: np.ndarray, points: np.ndarray) -> np.ndarray:
        """``[N, 128]`` identity vectors of crops with their crop-space landmarks."""
        scale = EMBED_SIZE / crops.shape[1]
        return np.stack([self.embedder.embed(_enlarge(crop), p * scale) for crop, p in zip(crops, points)])

    def read(
        self,
        face: np.ndarray,
        plate: np.ndarray,
        start: np.ndarray,
        plate_points: np.ndarray | None = None,
        embed: bool = True,
    ) -> FaceReading:
        """Landmarks of one swapped ``face`` and its ``plate`` crop (uint8 ``[R, R, 3]``), re-fit from
        ``start`` (crop-space ``[68, 2]``: the same for every frame of a run), and the face's identity
        when ``embed``."""
        plate_points = self.refit(plate[None], start)[0] if plate_points is None else plate_points
        face_points = self.refit(face[None], start)[0]
        embedding = self.embed(face[None], face_points[None])[0] if embed else None
        return FaceReading(face_points, plate_points, embedding)

    def judge(
        self,
        faces: np.ndarray,
        plates: np.ndarray,
        start: np.ndarray,
        wanted: np.ndarray,
        other: np.ndarray,
        plate_points: np.ndarray | None = None,
    ) -> Judgement:
        """Score ``faces`` (swapped crops, uint8 ``[N, R, R, 3]``) against their ``plates`` (same
        shape): ``start`` = crop-space landmarks ``[N, 68, 2]`` (their mean is the run's start box); ``wanted`` /
        ``other`` = mean embeddings of the identity the faces should show and the one they replace.
        ``plate_points`` (the plates' re-fit landmarks) may be passed when judging several runs."""
        given = [None] * len(faces) if plate_points is None else plate_points
        common = np.asarray(start, np.float64).mean(0)
        readings = [self.read(f, p, common, g) for f, p, g in zip(faces, plates, given)]
        face_points = np.stack([r.face_points for r in readings])
        plate_points = np.stack([r.plate_points for r in readings])
        embeddings = np.stack([r.embedding for r in readings])
        fraction, to_wanted, to_other = measures.identity_fraction(embeddings, wanted, other)
        masks = [face_mask(p, plates.shape[1]) for p in plate_points]
        return Judgement(
            frames=len(faces),
            id_fraction=fraction,
            to_wanted=float(to_wanted.mean()),
            to_other=float(to_other.mean()),
            expression_ratio=measures.expression_ratio(face_points, plate_points),
            mouth_corr=measures.mouth_correlation(face_points, plate_points),
            sharpness_ratio=measures.sharpness_ratio(faces, plates, masks),
        )


def face_mask(points: np.ndarray, size: int) -> np.ndarray:
    """The landmark hull (0..1 float ``[size, size]``) where sharpness is measured."""
    from faceplate.masks.landmark_mask import face_hull_mask

    return face_hull_mask(points, size, HULL_FACE_TYPE).astype(np.float32) / 255


def _nudged(box: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
    x0, y0, x1, y1 = box
    w, h, cx, cy = x1 - x0, y1 - y0, (x0 + x1) / 2, (y0 + y1) / 2
    return [
        (cx + dx * w - w * k / 2, cy + dy * h - h * k / 2, cx + dx * w + w * k / 2, cy + dy * h + h * k / 2)
        for dx, dy, k in REFIT_BOXES
    ]


def _enlarge(crop: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(cv2.resize(crop, (EMBED_SIZE, EMBED_SIZE), interpolation=cv2.INTER_CUBIC))
