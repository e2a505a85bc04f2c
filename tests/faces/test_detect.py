"""Detectors, landmarks and embeddings on a face shipped in a package (scikit-image astronaut)."""

import numpy as np
import pytest

from faceplate.errors import ExtractError
from faceplate.faces.detect import DlibCnnDetector, DlibHogDetector, make_detector
from faceplate.faces.embedding import DlibFaceEmbedder, embedding_distance
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.faces.track import FaceTracker

FACE_CENTRE = (255, 130)  # roughly, in the 512x512 astronaut photo


def _centre(box):
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


@pytest.mark.parametrize("detector", [DlibHogDetector(), DlibCnnDetector(detect_size=512)], ids=["hog", "cnn"])
def test_detectors_find_the_astronaut_in_full_resolution_coordinates(astronaut, detector):
    found = detector.detect(astronaut)
    assert len(found) == 1
    cx, cy = _centre(found[0].box)
    assert abs(cx - FACE_CENTRE[0]) < 40 and abs(cy - FACE_CENTRE[1]) < 40


def test_downscaled_detection_maps_boxes_back_to_the_frame(astronaut):
    full = DlibHogDetector(detect_size=0).detect(astronaut)[0].box
    small = DlibHogDetector(detect_size=384).detect(astronaut)[0].box
    assert max(abs(a - b) for a, b in zip(full, small)) < 20


def test_no_face_in_a_blank_frame():
    assert DlibHogDetector().detect(np.full((240, 320, 3), 128, np.uint8)) == []


def test_unknown_detector_name_lists_the_choices():
    with pytest.raises(ExtractError, match="'hog'.*'cnn'"):
        make_detector("yolo")


def test_tracker_follows_a_moving_face_with_one_id_and_no_jitter_when_still(astronaut):
    tracker = FaceTracker(DlibHogDetector(), DlibLandmarks68())
    canvas = np.zeros((512, 700, 3), np.uint8)
    ids, still = set(), []
    for step in range(12):
        shift = min(step, 6) * 20  # moves for 6 frames, then holds still
        frame = canvas.copy()
        frame[:, shift : shift + 512] = astronaut
        faces = tracker.step(frame)
        assert len(faces) == 1
        ids.add(faces[0].track_id)
        if step >= 7:
            still.append(faces[0].landmarks)
    assert ids == {0}
    assert np.abs(np.diff(np.array(still), axis=0)).max() == 0, "landmarks hold still on a still face"


def test_embedding_separates_people_and_matches_a_mirrored_copy(astronaut):
    landmarks = DlibLandmarks68()
    embedder = DlibFaceEmbedder()
    box = DlibHogDetector().detect(astronaut)[0].box
    original = embedder.embed(astronaut, landmarks.fit(astronaut, box))
    mirrored = np.ascontiguousarray(astronaut[:, ::-1])
    mbox = DlibHogDetector().detect(mirrored)[0].box
    assert original.shape == (128,)
    assert embedding_distance(original, embedder.embed(mirrored, landmarks.fit(mirrored, mbox))) < 0.4
