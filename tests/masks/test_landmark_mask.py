from faceplate.faces.align import FaceType, crop_matrix, transform_points
from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.masks.landmark_mask import face_hull_mask, parts_mask


def _crop_landmarks(astronaut, face_type, size=256):
    box = DlibHogDetector().detect(astronaut)[0].box
    points = DlibLandmarks68().fit(astronaut, box)
    return transform_points(points, crop_matrix(points, face_type, size))


def test_hull_covers_the_landmarks_and_grows_with_the_face_type(astronaut):
    areas = {}
    for face_type in (FaceType.FULL, FaceType.WHOLE_FACE):
        points = _crop_landmarks(astronaut, face_type)
        mask = face_hull_mask(points, 256, face_type)
        inside = [mask[int(y), int(x)] for x, y in points[27:36]]  # nose points lie inside the face
        assert min(inside) == 255
        assert mask[0, 0] == 0 and mask[255, 255] == 0
        brow_y = points[17:27, 1].min()
        areas[face_type] = (mask > 127).mean()
        if face_type == FaceType.WHOLE_FACE:
            assert (mask[: int(brow_y) - 10] > 127).any(), "whole-face mask reaches above the brows"
    assert 0.2 < areas[FaceType.FULL] < 0.9


def test_eyes_mouth_mask_marks_only_eyes_and_mouth(astronaut):
    points = _crop_landmarks(astronaut, FaceType.WHOLE_FACE)
    mask = parts_mask(points, 256)
    for idx in (37, 44, 51, 57):
        x, y = points[idx]
        assert mask[int(round(y)), int(round(x))] == 255
    nose_x, nose_y = points[30]
    assert mask[int(nose_y), int(nose_x)] == 0
    assert 0.01 < (mask > 127).mean() < 0.2
