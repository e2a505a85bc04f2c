"""Fixtures for the judge's tests: real face crops of a talking head (talking_heads/, 128 px) with
their landmarks, and identity embeddings of still photos (identities/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

CROP = 128
FRAMES = 60


@pytest.fixture(scope="session")
def talking_head(test_data) -> tuple[np.ndarray, np.ndarray]:
    """(crops uint8 [N, 128, 128, 3], crop-space landmarks [N, 68, 2]) of one GRID speaker talking:
    detected on the first frame, then followed from each frame's landmarks."""
    from faceplate.faces.align import crop_matrix, transform_points, warp_face
    from faceplate.faces.detect import DlibHogDetector
    from faceplate.faces.landmarks import DlibLandmarks68, landmarks_box
    from faceplate.media.plate import open_plate

    landmarker, crops, points = DlibLandmarks68(), [], []
    box = None
    with open_plate(test_data / "talking_heads" / "grid_bbaf2n.mpg") as plate:
        for _, image in plate.iter_frames():
            image = np.ascontiguousarray(image[..., :3])
            if box is None:
                box = max(DlibHogDetector().detect(image), key=lambda d: d.size).box
            found = landmarker.fit(image, box)
            box = landmarks_box(found)
            matrix = crop_matrix(found, "whole_face", CROP)
            crops.append(warp_face(image, matrix, CROP))
            points.append(transform_points(found, matrix))
            if len(crops) == FRAMES:
                break
    return np.stack(crops).astype(np.uint8), np.stack(points)


def still_embeddings(folder: Path) -> np.ndarray:
    """``[N, 128]`` dlib embeddings of the largest face in each photo of ``folder``."""
    import cv2

    from faceplate.faces.detect import DlibHogDetector
    from faceplate.faces.embedding import DlibFaceEmbedder
    from faceplate.faces.landmarks import DlibLandmarks68

    detector, landmarker, embedder = DlibHogDetector(upsample=1), DlibLandmarks68(), DlibFaceEmbedder()
    out = []
    for path in sorted(folder.glob("*.jpg")):
        image = np.ascontiguousarray(cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB))
        faces = detector.detect(image)
        if faces:
            box = max(faces, key=lambda d: d.size).box
            out.append(embedder.embed(image, landmarker.fit(image, box)))
    return np.stack(out)


@pytest.fixture(scope="session")
def identities(test_data) -> dict[str, np.ndarray]:
    root = test_data / "identities"
    return {name: still_embeddings(root / name) for name in ("John_Salley", "John_Savage", "John_Schneider")}
