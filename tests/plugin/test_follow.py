"""The host side of following jobs without an engine: review notes to render overrides (bad ones refused in one
line), the records a host document keeps of the jobs it sent, when a job asks for layer previews and when a
follower places one (the engine's answers as it gives them)."""

from __future__ import annotations

import pytest

from faceplate_host.hosts.follow import JobFollower, mark_placed, remember, unplaced
from faceplate_host.jobs import ShotJob, override_settings
from faceplate_host.shots import FrameSpan, Shot, ShotError, preview_interval


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


@pytest.mark.parametrize(
    "budget, asked, sent",
    [
        ("preview", "auto", ""),
        ("15m", "auto", ""),
        ("review", "auto", "10m"),
        ("final", "auto", "10m"),
        ("45m", "auto", "10m"),
        ("2h", "auto", "10m"),
        ("5000it", "auto", ""),
        ("final", "off", ""),
        ("preview", "500it", "500it"),
    ],
)
def test_a_long_budget_asks_for_layer_previews_unless_the_artist_says(budget, asked, sent):
    assert preview_interval(budget, asked) == sent


class _Engine:
    """The two answers a follower reads, as the engine gives them (pages of events, then the job's artifacts)."""

    url = "http://127.0.0.1:8571"

    def __init__(self, pages):
        self.pages = list(pages)

    def events(self, job_id, after):
        return self.pages.pop(0)

    def job(self, job_id):
        return {"id": job_id, "status": "done"}

    def artifacts(self, job_id):
        pattern = "/shots/plate_15/render/preview/it00000008/layer/faceplate.####.exr"
        return {"workspace": "/shots/plate_15", "preview_layer": {"iteration": 8, "pattern": pattern}}


def test_a_preview_read_while_the_job_runs_is_placed_once_and_never_after_it_ended():
    shot = Shot(name="plate", media="/media/plate.mov", record=FrameSpan(15, 18), rate=25, source=FrameSpan(1006, 1009))
    event = {"id": 3, "kind": "preview_layer", "stage": "train", "data": {"iteration": 8}}
    running = {"status": "running", "events": [event], "next_after": 3}
    follower = JobFollower(
        _Engine([running, {"status": "running", "events": [], "next_after": 3}]), ShotJob(shot, "a1", "/s")
    )
    assert follower.step() is None and follower.line == "plate: train: layer preview of iteration 8 ready"
    placement = follower.preview_placement()
    assert placement.metadata["version"] == "preview it8" and str(placement.record) == "15-18"
    assert placement.layer_pattern.endswith("render/preview/it00000008/layer/faceplate.####.exr")
    assert follower.step() is None and follower.preview_placement() is None, "placed once"
    ended = JobFollower(_Engine([{**running, "status": "done"}]), ShotJob(shot, "a1", "/s"))
    assert ended.step() is None and ended.preview_placement() is None, "a finished job's final replaces it"
