"""The per-frame measures shot QC adds to the judge: expression per frame, flicker, seam, colour."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceplate.quality import measures


def test_expression_per_frame_averages_to_the_ratio(talking_head):
    _, points = talking_head
    frozen = np.repeat(points[:1], len(points), axis=0)
    errors = measures.expression_errors(frozen, points)
    assert errors.shape == (len(points),) and errors.mean() == pytest.approx(measures.expression_ratio(frozen, points))
    assert np.all(measures.expression_errors(points, points) == 0)


def test_a_frame_that_pops_out_scores_high_and_its_neighbours_do_not():
    composite = [2.0, 2.0, 30.0, 30.0, 2.0, 2.0]  # changes between 7 frames: the 4th differs from both neighbours
    plate = [2.0] * 6
    ratios = measures.flicker_ratios(composite, plate)
    assert len(ratios) == 7
    assert ratios[3] == pytest.approx(31 / 3) and all(r == pytest.approx(1.0) for i, r in enumerate(ratios) if i != 3)
    assert list(measures.flicker_ratios([], [])) == [1.0], "one frame has nothing to flicker against"


def test_the_seam_of_a_hard_edge_between_two_colours_scores_above_a_soft_one():
    plate = np.full((96, 96, 3), 120, np.uint8)
    face = np.full((96, 96, 3), 170, np.uint8)
    yy, xx = np.mgrid[:96, :96]
    hard = ((yy - 48) ** 2 + (xx - 48) ** 2 < 30**2).astype(np.float32)
    soft = cv2.GaussianBlur(hard, (0, 0), 6)

    def composite(matte):
        return (face * matte[..., None] + plate * (1 - matte[..., None]) + 0.5).astype(np.uint8)

    assert measures.seam_ratio(plate, plate, hard) == pytest.approx(1.0)
    assert measures.seam_ratio(composite(hard), plate, hard) > 3 * measures.seam_ratio(composite(soft), plate, soft)
    assert measures.seam_ratio(plate, plate, np.zeros((96, 96), np.float32)) == 1.0, "no edge, no seam"


def test_ciede2000_matches_the_published_test_pairs_and_scikit_image():
    color = pytest.importorskip("skimage.color")
    # Sharma, Wu and Dalal (2005), table 1: pairs 1, 7, 17 and 25
    pairs = [
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ]
    for lab1, lab2, expected in pairs:
        assert measures.delta_e2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    rng = np.random.default_rng(3)
    for _ in range(200):
        a, b = rng.uniform([0, -90, -90], [100, 90, 90], (2, 3))
        assert measures.delta_e2000(a, b) == pytest.approx(float(color.deltaE_ciede2000(a, b)), abs=1e-9)


def test_colour_difference_is_0_for_the_plate_and_grows_with_a_cast():
    plate = np.full((32, 32, 3), (200, 150, 120), np.uint8)
    skin = np.ones((32, 32), np.float32)
    warmer = np.clip(plate.astype(int) + (12, 0, -12), 0, 255).astype(np.uint8)
    assert measures.colour_difference(plate, plate, skin) == 0.0
    assert measures.colour_difference(warmer, plate, skin) > 3.0
    assert measures.colour_difference(warmer, plate, np.zeros_like(skin)) == 0.0, "no skin, nothing to compare"


def test_a_talking_face_moves_above_the_qc_floor_and_a_still_one_with_landmark_noise_below(talking_head):
    from faceplate.qc.settings import QcSettings

    _, points = talking_head
    floor = QcSettings().min_expression_motion
    still = np.repeat(points[:1], len(points), axis=0) + np.random.default_rng(5).normal(0, 0.15, points.shape)
    assert measures.expression_motion(points) > 1.5 * floor  # 128 px crops of a GRID speaker talking: ~0.022
    assert measures.expression_motion(still) < floor / 1.5  # re-fit noise on a still face (the demo photo: 0.008)
