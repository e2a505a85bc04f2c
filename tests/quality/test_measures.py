"""The measures' anchors on real landmarks and crops of a talking head (talking_heads/) and real
identity embeddings (identities/): what a perfect swap, a frozen face, a blur and the wrong person score."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceplate.quality import measures
from faceplate.quality.judge import face_mask


def test_the_plate_against_itself_scores_expression_0(talking_head):
    _, points = talking_head
    assert measures.expression_ratio(points, points) == pytest.approx(0.0, abs=1e-9)


def test_a_frozen_face_scores_expression_1(talking_head):
    _, points = talking_head
    frozen = np.repeat(points[:1], len(points), axis=0)  # one frame repeated: no motion at all
    assert measures.expression_ratio(frozen, points) == pytest.approx(1.0, abs=1e-9)


def test_another_face_shape_moving_as_the_plate_does_is_not_charged(talking_head):
    """An exact swap: the plate's motion on a wider jaw and wider-set eyes (another person's face shape)."""
    _, points = talking_head
    centre = points.mean(1, keepdims=True)
    other_shape = points.copy()
    other_shape[:, 0:17, 0] = centre[:, :, 0] + (points[:, 0:17, 0] - centre[:, :, 0]) * 1.12
    other_shape[:, 36:48, 0] = centre[:, :, 0] + (points[:, 36:48, 0] - centre[:, :, 0]) * 1.08
    exact = measures.expression_ratio(other_shape, points)
    # without the normalisation, the face shape alone costs more than the plate's whole motion
    raw = np.linalg.norm(other_shape - points, axis=-1).mean() / np.linalg.norm(points - points.mean(0), axis=-1).mean()
    assert exact < 0.15, f"an exact swap onto another face shape scored {exact:.3f}"
    assert raw > 0.5, raw


def test_half_the_motion_scores_about_half(talking_head):
    _, points = talking_head
    mean = points.mean(0)
    damped = mean + 0.5 * (points - mean)
    assert 0.35 <= measures.expression_ratio(damped, points) <= 0.65


def test_mouth_correlation_is_1_against_itself_and_near_0_shuffled(talking_head):
    _, points = talking_head
    openings = np.array([measures.mouth_opening(p) for p in points])
    assert openings.std() > 0.02, "the speaker's mouth should move in this clip"
    assert measures.mouth_correlation(points, points) == pytest.approx(1.0)
    shuffled = points[np.random.default_rng(4).permutation(len(points))]
    assert abs(measures.mouth_correlation(shuffled, points)) < 0.3
    assert measures.mouth_correlation(np.repeat(points[:1], len(points), axis=0), points) == 0.0


def test_sharpness_ratio_is_1_for_the_plate_and_low_for_a_blur(talking_head):
    crops, points = talking_head
    masks = [face_mask(p, crops.shape[1]) for p in points]
    assert all(m.mean() > 0.2 for m in masks)
    assert measures.sharpness_ratio(crops, crops, masks) == pytest.approx(1.0)
    blurred = np.stack([cv2.GaussianBlur(c, (0, 0), 2.0) for c in crops])
    assert measures.sharpness_ratio(blurred, crops, masks) < 0.3
    slightly = np.stack([cv2.GaussianBlur(c, (0, 0), 0.7) for c in crops])
    assert measures.sharpness_ratio(blurred, crops, masks) < measures.sharpness_ratio(slightly, crops, masks) < 1.0


def test_identity_fraction_on_stills_same_person_near_other_person_not(identities):
    salley, savage, schneider = identities["John_Salley"], identities["John_Savage"], identities["John_Schneider"]
    assert len(salley) >= 8 and len(savage) >= 8
    wanted, other = salley[:5].mean(0), schneider.mean(0)
    same, to_wanted, _ = measures.identity_fraction(salley[5:], wanted, other)
    assert same >= 0.8, f"other photos of the same man: {same:.2f} ({np.round(to_wanted, 3)})"
    assert measures.identity_fraction(savage, wanted, other)[0] <= 0.1


def test_nearer_but_beyond_the_same_person_distance_does_not_count():
    wanted, other = np.zeros(128), np.zeros(128)
    other[0] = 2.0
    halfway = np.zeros((2, 128))
    halfway[0, 0], halfway[1, 0] = 0.9, 0.3  # nearer the wanted identity in both; only the second within 0.6
    assert measures.identity_fraction(halfway, wanted, other)[0] == 0.5
