"""The host side of following jobs without an engine: review notes to render overrides (bad ones refused in one
line) and the records a host document keeps of the jobs it sent."""

from __future__ import annotations

import pytest

from faceplate_host.hosts.follow import mark_placed, remember, unplaced
from faceplate_host.jobs import ShotJob, override_settings
from faceplate_host.shots import FrameSpan, Shot, ShotError


def test_a_review_note_becomes_the_render_override():
    assert override_settings("1040-1060: feather_px=12, blend=seamless") == {
        "render": {"overrides": [{"frames": "1040-1060", "changes": {"feather_px": "12", "blend": "seamless"}}]}
    }


@pytest.mark.parametrize("text", ["1040-1060", "1040-1060:", ":feather_px=12", "1040:feather_px", "1040:a=1,b"])
def test_an_unreadable_note_is_one_line_saying_the_form(text):
    with pytest.raises(ShotError) as caught:
        override_settings(text)
    assert str(caught.value) == (f"override {text!r}: write FRAMES:KEY=VALUE[,KEY=VALUE], e.g. 1040-1060:feather_px=12")


def test_remembered_jobs_are_followed_until_placed():
    shot = Shot(name="plate", media="/media/plate.mov", record=FrameSpan(15, 18), rate=25, source=FrameSpan(1006, 1009))
    first, second = ShotJob(shot, "a1", "/shots/plate_15"), ShotJob(shot, "b2", "/shots/plate_15")
    text = remember(remember(None, first), second)
    assert [j.job_id for j in unplaced(text)] == ["a1", "b2"]
    text = mark_placed(text, "a1")
    assert unplaced(text) == [second]
    assert unplaced(mark_placed(text, "b2")) == [] and unplaced(None) == []
