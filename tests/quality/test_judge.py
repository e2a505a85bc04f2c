"""The judge end to end on real crops at a model's resolution (64 px): landmarks re-detected and
identities embedded on both sides, every measure computed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceplate.quality.judge import Judge

RES = 64


@pytest.fixture(scope="module")
def small(talking_head):
    crops, points = talking_head
    return (
        np.stack([cv2.resize(c, (RES, RES), interpolation=cv2.INTER_AREA) for c in crops]),
        points * (RES / crops.shape[1]),
    )


@pytest.fixture(scope="module")
def judge():
    return Judge()


@pytest.fixture(scope="module")
def wanted(small, judge):
    crops, start = small
    return judge.embed(crops, judge.refit(crops, start)).mean(0)


def test_the_plate_judged_against_itself(small, judge, wanted, identities):
    crops, start = small
    q = judge.judge(crops, crops, start, wanted, identities["John_Schneider"].mean(0))
    assert q.frames == len(crops)
    assert q.expression_ratio == pytest.approx(0.0, abs=1e-9)
    assert q.mouth_corr == pytest.approx(1.0)
    assert q.sharpness_ratio == pytest.approx(1.0)
    assert q.id_fraction >= 0.9 and q.to_wanted < 0.6 < q.to_other


def test_a_frozen_blurred_face_scores_badly_on_every_measure(small, judge, wanted, identities):
    crops, start = small
    frozen = np.repeat(cv2.GaussianBlur(crops[0], (0, 0), 1.5)[None], len(crops), axis=0)
    q = judge.judge(frozen, crops, start, wanted, identities["John_Schneider"].mean(0))
    # exactly 1 and 0: every crop's re-fit starts from the run's one box, so nothing of the plate's
    # geometry reaches the frozen face's landmarks (a box per plate frame gave its mouth a correlation)
    assert q.expression_ratio == pytest.approx(1.0, abs=1e-9)
    assert q.mouth_corr == pytest.approx(0.0, abs=1e-9)
    assert q.sharpness_ratio < 0.5
    print(q.line())


def test_another_persons_face_is_not_counted_as_the_wanted_identity(small, judge, identities):
    crops, start = small
    q = judge.judge(crops, crops, start, identities["John_Salley"].mean(0), identities["John_Schneider"].mean(0))
    assert q.id_fraction <= 0.1


def test_a_softer_face_that_follows_every_move_keeps_its_expression_score(small, judge, wanted, identities):
    """Softness is the sharpness measure's business: the plate blurred by 1 px moves exactly as the plate
    does, and the landmark re-fit's own noise on it must stay well inside the CPU target (0.6)."""
    crops, start = small
    soft = np.stack([cv2.GaussianBlur(c, (0, 0), 1.0) for c in crops])
    q = judge.judge(soft, crops, start, wanted, identities["John_Schneider"].mean(0))
    print(q.line())
    assert q.expression_ratio < 0.55 and q.mouth_corr > 0.7  # 0.46 here; 0.64 with a box per frame
    assert q.sharpness_ratio < 0.5
