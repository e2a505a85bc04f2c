import numpy as np
import pytest

from faceplate.faces.align import (
    TEMPLATE_51,
    FaceType,
    crop_matrix,
    invert_matrix,
    transform_points,
    umeyama,
    warp_face,
)


def _similarity(scale: float, angle_deg: float, tx: float, ty: float) -> np.ndarray:
    a = np.deg2rad(angle_deg)
    return np.array([[scale * np.cos(a), -scale * np.sin(a), tx], [scale * np.sin(a), scale * np.cos(a), ty]])


def _landmarks_from_template(matrix: np.ndarray) -> np.ndarray:
    """A 68-point face whose inner 51 points are the template moved by ``matrix``."""
    points = np.zeros((68, 2))
    points[17:] = transform_points(TEMPLATE_51 * 100, matrix)
    points[:17] = points[17:34]  # jaw is ignored by alignment; any values do
    return points


def test_umeyama_recovers_a_similarity_transform():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (20, 2))
    truth = _similarity(1.7, 23.0, 12.0, -5.0)
    found = umeyama(src, transform_points(src, truth))
    np.testing.assert_allclose(found[:2], truth, atol=1e-9)


def test_half_face_crop_maps_template_onto_unit_square():
    truth = _similarity(2.0, -15.0, 300.0, 120.0)
    landmarks = _landmarks_from_template(truth)
    matrix = crop_matrix(landmarks, FaceType.HALF, 256)
    np.testing.assert_allclose(transform_points(landmarks[17:], matrix), TEMPLATE_51 * 256, atol=1e-6)


@pytest.mark.parametrize("face_type", list(FaceType))
def test_matrix_inverse_round_trips_landmarks(face_type):
    landmarks = _landmarks_from_template(_similarity(3.1, 40.0, 500.0, 200.0))
    matrix = crop_matrix(landmarks, face_type, 512)
    back = transform_points(transform_points(landmarks, matrix), invert_matrix(matrix))
    assert np.abs(back - landmarks).max() < 1e-6


def test_wider_face_types_cover_more_of_the_plate():
    landmarks = _landmarks_from_template(_similarity(3.0, 0.0, 400.0, 300.0))
    areas = [abs(np.linalg.det(invert_matrix(crop_matrix(landmarks, t, 256))[:, :2])) for t in FaceType]
    assert areas == sorted(areas) and areas[0] < areas[-1]


def test_warp_face_samples_the_plate_at_the_matrix_positions(astronaut):
    matrix = np.array([[2.0, 0.0, -300.0], [0.0, 2.0, -200.0]])  # 2x zoom of the region at (150, 100)
    crop = warp_face(astronaut, matrix, 128)
    assert crop.shape == (128, 128, 3)
    np.testing.assert_allclose(crop[64, 64].astype(float), astronaut[132, 182].astype(float), atol=12)


def test_unknown_face_type_is_rejected():
    with pytest.raises(ValueError):
        crop_matrix(np.zeros((68, 2)), "torso", 256)
