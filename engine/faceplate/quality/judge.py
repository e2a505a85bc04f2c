"""Judge a run of swapped face crops against their plates on every measure (``measures``).

Both sides get the same treatment: landmarks re-detected by one dlib model on each crop (enlarged
to ``EMBED_SIZE`` first, so a 64 px swap and its 64 px plate carry the same detector error), one
face mask for both (the landmark hull of the plate), identities embedded by dlib's recogniser.
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
        return (f"id_fraction {self.id_fraction:.3f} (distance to wanted {self.to_wanted:.3f}, other "
                f"{self.to_other:.3f}), expression_ratio {self.expression_ratio:.3f}, mouth_corr "
                f"{self.mouth_corr:.3f}, sharpness_ratio {self.sharpness_ratio:.3f}")


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
        """``[N, 68, 2]`` landmarks re-detected on each crop ``[N, R, R, 3]`` from the box of ``start``."""
        from faceplate.faces.landmarks import landmarks_box

        scale = EMBED_SIZE / crops.shape[1]
        return np.stack([self.landmarker.fit(_enlarge(crop), landmarks_box(points * scale)) / scale
                         for crop, points in zip(crops, start)])

    def embed(self, crops: np.ndarray, points: np.ndarray) -> np.ndarray:
        """``[N, 128]`` identity vectors of crops with their crop-space landmarks."""
        scale = EMBED_SIZE / crops.shape[1]
        return np.stack([self.embedder.embed(_enlarge(crop), p * scale) for crop, p in zip(crops, points)])

    def read(self, face: np.ndarray, plate: np.ndarray, start: np.ndarray, plate_points: np.ndarray | None = None,
             embed: bool = True) -> FaceReading:
        """Landmarks of one swapped ``face`` and its ``plate`` crop (uint8 ``[R, R, 3]``), re-fit from
        ``start`` (crop-space ``[68, 2]``), and the face's identity when ``embed``."""
        start = np.asarray(start, np.float64)[None]
        plate_points = self.refit(plate[None], start)[0] if plate_points is None else plate_points
        face_points = self.refit(face[None], start)[0]
        embedding = self.embed(face[None], face_points[None])[0] if embed else None
        return FaceReading(face_points, plate_points, embedding)

    def judge(self, faces: np.ndarray, plates: np.ndarray, start: np.ndarray, wanted: np.ndarray,
              other: np.ndarray, plate_points: np.ndarray | None = None) -> Judgement:
        """Score ``faces`` (swapped crops, uint8 ``[N, R, R, 3]``) against their ``plates`` (same
        shape): ``start`` = crop-space landmarks ``[N, 68, 2]`` to start the re-fit from; ``wanted`` /
        ``other`` = mean embeddings of the identity the faces should show and the one they replace.
        ``plate_points`` (the plates' re-fit landmarks) may be passed when judging several runs."""
        given = [None] * len(faces) if plate_points is None else plate_points
        readings = [self.read(f, p, s, g) for f, p, s, g in zip(faces, plates, start, given)]
        face_points = np.stack([r.face_points for r in readings])
        plate_points = np.stack([r.plate_points for r in readings])
        embeddings = np.stack([r.embedding for r in readings])
        fraction, to_wanted, to_other = measures.identity_fraction(embeddings, wanted, other)
        masks = [face_mask(p, plates.shape[1]) for p in plate_points]
        return Judgement(
            frames=len(faces), id_fraction=fraction, to_wanted=float(to_wanted.mean()),
            to_other=float(to_other.mean()),
            expression_ratio=measures.expression_ratio(face_points, plate_points),
            mouth_corr=measures.mouth_correlation(face_points, plate_points),
            sharpness_ratio=measures.sharpness_ratio(faces, plates, masks),
        )


def face_mask(points: np.ndarray, size: int) -> np.ndarray:
    """The landmark hull (0..1 float ``[size, size]``) where sharpness is measured."""
    from faceplate.masks.landmark_mask import face_hull_mask

    return face_hull_mask(points, size, HULL_FACE_TYPE).astype(np.float32) / 255


def _enlarge(crop: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(cv2.resize(crop, (EMBED_SIZE, EMBED_SIZE), interpolation=cv2.INTER_CUBIC))
