"""The artist's loop in Resolve (stand-ins for Resolve and its UIManager, a real engine): the publish follows its
job in a UIManager window (a label with the job's progress, a Cancel button, a timer that reads the engine) →
v001 placed with QC's verdict → a review note as an override renders v002, placed on a new track while v001 stays
(disabled) with its files byte-identical. Cancel in the window cancels the engine job."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from server_helpers import QUICK_SETTINGS
from test_blender_e2e import tree_hashes
from test_resolve_publish import marked_interview
from uimanager_standin import script_globals

from faceplate_host.hosts.resolve.adapter import ResolveAdapter
from faceplate_host.hosts.resolve.follow_window import TIMER
from faceplate_host.hosts.resolve.session import publish_in_resolve
from faceplate_host.jobs import override_settings

pytestmark = pytest.mark.slow


def watching(cancel: bool = False):
    """The artist: lets the window's timer fire until the window's loop ends (pressing Cancel first)."""

    def artist(window):
        if cancel:
            window.click("Cancel")
        while window.looping():
            window.timeout(TIMER)
            time.sleep(0.1)

    return artist


def publish(engine, resolve, source, artist, **options):
    scope = script_globals(resolve, artist)
    lines = publish_in_resolve(
        ResolveAdapter(resolve),
        str(source),
        "release 2026-114",
        scope=scope,
        engine_url=engine.url,
        token_file=str(engine.data / "token"),
        poll_s=0.1,
        **options,
    )
    assert scope["dispatchers"], lines
    [dispatcher] = scope["dispatchers"]
    return lines, dispatcher.windows[0].GetItems()["Status"].texts


def test_follow_in_a_window_place_v001_then_an_override_places_v002(engine, monkeypatch):
    resolve, source = marked_interview(engine, monkeypatch)
    lines, shown = publish(engine, resolve, source, watching(), budget="5it", settings=QUICK_SETTINGS)
    assert any(text.startswith("interview: train:") for text in shown), shown  # progress, in the window
    assert shown[-1] == "interview: done"
    [line] = lines
    assert line.startswith("Faceplate: interview: layer v001 placed at 108010-108013 on track 'faceplate'; QC "), line
    [job] = engine.client.jobs()
    assert job["spec"]["budget"] == "5it"
    workspace = Path(job["workspace"])
    v001 = tree_hashes(workspace / "render" / "v001")

    lines, shown = publish(
        engine, resolve, source, watching(), settings=override_settings("1022:feather_px=20"), stages=["render", "qc"]
    )
    [line] = lines
    assert line.startswith(
        "Faceplate: interview: layer v002 placed at 108010-108013 on track 'faceplate' (v001 kept, disabled); QC "
    ), line
    [first] = resolve.timeline.tracks[2]
    [second] = resolve.timeline.tracks[3]
    assert first.GetClipEnabled() is False and second.GetClipEnabled() is True, "v001 stays, disabled"
    assert [call[0]["FilePath"] for (call,) in resolve.calls("ImportMedia")] == [
        str(workspace / "render" / v / "layer" / "faceplate.%04d.exr") for v in ("v001", "v002")
    ]
    assert tree_hashes(workspace / "render" / "v001") == v001, "v001's files are byte-identical"


def test_cancel_in_the_window_cancels_the_engine_job(engine, monkeypatch):
    resolve, source = marked_interview(engine, monkeypatch)
    lines, shown = publish(engine, resolve, source, watching(cancel=True), budget="review")
    [job] = engine.client.jobs()
    assert job["status"] == "cancelled"
    assert shown[:2] == ["waiting for the engine", "cancelling: the jobs stop at their next safe point"]
    assert shown[-1] == "interview: cancelled"
    assert "was cancelled; submit again to resume" in lines[0], lines
    assert resolve.calls("ImportMedia") == []
