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
    return (np.stack([cv2.resize(c, (RES, RES), interpolation=cv2.INTER_AREA) for c in crops]),
            points * (RES / crops.shape[1]))


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
    # ~1: the re-fit starts from each plate frame's box, so the one image's landmarks jitter a little
    assert q.expression_ratio == pytest.approx(1.0, abs=0.1)
    assert abs(q.mouth_corr) < 0.3
    assert q.sharpness_ratio < 0.5
    print(q.line())


def test_another_persons_face_is_not_counted_as_the_wanted_identity(small, judge, identities):
    crops, start = small
    q = judge.judge(crops, crops, start, identities["John_Salley"].mean(0), identities["John_Schneider"].mean(0))
    assert q.id_fraction <= 0.1
