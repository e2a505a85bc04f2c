"""The face-confidence check and identity-holding selection (FACEPLATE_TEST_DATA for the real crops)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceplate.faces.check import FaceChecker
from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.embedding import DlibFaceEmbedder
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.faces.select import FaceSelector
from faceplate.faces.track import FaceObservation
from faceplate.media import read_image


@pytest.fixture(scope="module")
def models():
    landmarks, embedder = DlibLandmarks68(), DlibFaceEmbedder()
    return landmarks, embedder, FaceChecker(landmarks, embedder)


def _observation(image, box, landmarks, track=0) -> FaceObservation:
    return FaceObservation(track, box, landmarks.fit(image, box), None)


def _first_frame(path) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    ok, frame = cap.read()
    cap.release()
    assert ok
    return np.ascontiguousarray(frame[..., ::-1])


def test_real_faces_pass_including_three_quarter_views(test_data, models):
    landmarks, embedder, checker = models
    image = read_image(test_data / "stills" / "2008_002506.jpg")
    detections = DlibHogDetector(upsample=1).detect(image)
    assert len(detections) == 3
    for det in detections:
        face = _observation(image, det.box, landmarks)
        check = checker.check(image, face, embedder.embed(image, face.landmarks))
        assert check.ok and check.crop_score is not None, (det, check)


@pytest.mark.parametrize(
    "what,box",
    [
        ("dogs", (100, 100, 300, 300)),
        ("dogs", (400, 300, 600, 500)),
        ("dogs", (600, 100, 800, 300)),
        ("clothing", (100, 250, 180, 330)),
        ("clothing", (240, 260, 300, 320)),
        ("clothing", (200, 380, 260, 440)),
    ],
)
def test_non_face_crops_are_refused(test_data, models, what, box):
    """Landmarks fitted on a dog or a patch of clothing, as a tracker that slid off a face would give them;
    the identity compared is a real person's (the one the track was following)."""
    landmarks, embedder, checker = models
    person = read_image(test_data / "stills" / "2008_002506.jpg")
    det = DlibHogDetector(upsample=1).detect(person)[0]
    identity = embedder.embed(person, landmarks.fit(person, det.box))
    if what == "dogs":
        image = read_image(test_data / "stills" / "dogs.jpg")
    else:
        image = _first_frame(test_data / "plates" / "multi_face_video_01.mp4")
    check = checker.check(image, _observation(image, box, landmarks), identity)
    assert not check.ok, check
    assert check.reason().startswith("no face found on the aligned crop")


class _FakeEmbedder:
    """Identity = the x of the face's first landmark: faces far apart on the frame are different people."""

    name = "fake"

    def __init__(self):
        self.calls = 0

    def embed(self, image, landmarks):
        self.calls += 1
        return np.array([landmarks[0, 0] / 100.0] + [0.0] * 127, np.float32)


def _face(track, x, fresh=False):
    points = np.zeros((68, 2))
    points[:, 0] = x
    return FaceObservation(track, (x, 0, x + 10, 10), points, 1.0, fresh=fresh)


def test_a_track_found_again_is_checked_at_once_and_another_person_cannot_take_over():
    embedder = _FakeEmbedder()
    selector = FaceSelector(embedder, embed_every=32)
    assert [f.track_id for f in selector.choose(1001, None, [_face(0, 100), _face(1, 500)])] == [0]
    calls = embedder.calls
    assert selector.choose(1002, None, [_face(0, 110)])[0].track_id == 0
    assert embedder.calls == calls  # followed, not fresh: the periodic check is not due
    # the blind-followed track is found again, on someone else (x 500): checked now, not 32 frames later
    assert selector.choose(1003, None, [_face(0, 500, fresh=True)]) == []
    # the chosen person lost: a new track on another person may not take over; on the same person it may
    assert selector.choose(1004, None, [_face(2, 480, fresh=True)]) == []
    assert [f.track_id for f in selector.choose(1005, None, [_face(2, 480), _face(3, 120, fresh=True)])] == [3]


def test_a_lookalike_within_the_same_person_distance_is_not_kept_alone_once_seen_beside_the_person():
    """x 100 is the person, x 145 a lookalike 0.45 away (inside dlib's 0.6): seen side by side once, the
    lookalike alone keeps no face and the frame is listed as holding only another person."""
    selector = FaceSelector(_FakeEmbedder(), embed_every=32)
    assert [f.track_id for f in selector.choose(1001, None, [_face(0, 100)])] == [0]
    assert [f.track_id for f in selector.choose(1002, None, [_face(0, 100), _face(1, 145, fresh=True)])] == [0]
    assert selector.only_others == []
    assert selector.choose(1003, None, [_face(1, 145)]) == []
    assert selector.only_others == [(1003, 0)]
    # the person comes back on a new track, beside the lookalike: the person is kept, by the margin
    assert [f.track_id for f in selector.choose(1004, None, [_face(1, 145), _face(2, 104, fresh=True)])] == [2]
    assert sorted(selector.people.others[0].frames) == [1002, 1003, 1004]


def test_two_faces_nearly_as_near_the_person_keep_neither():
    """Within the margin of each other, neither face is surely the person: none is kept, neither is
    taken for another person."""
    selector = FaceSelector(_FakeEmbedder(), reference=np.array([1.0] + [0.0] * 127, np.float32))
    assert selector.choose(1001, None, [_face(0, 120, fresh=True), _face(1, 80, fresh=True)]) == []
    assert selector.only_others == [] and selector.people.others == []


def test_a_first_choice_the_face_check_refuses_is_not_the_person():
    selector = FaceSelector(_FakeEmbedder())
    assert [f.track_id for f in selector.choose(1001, None, [_face(0, 300)])] == [0]
    selector.drop(0)  # the pipeline's face check refused the crop: it was not a face
    assert selector.people.person is None and selector.chosen_at is None
    assert [f.track_id for f in selector.choose(1002, None, [_face(1, 100, fresh=True)])] == [1]
    assert selector.chosen_at == 1002
    # a person followed since then stays the person when their track is later refused
    assert selector.choose(1003, None, [_face(1, 100)])[0].track_id == 1
    selector.drop(1)
    assert selector.chosen_at == 1002 and selector.people.person is not None
