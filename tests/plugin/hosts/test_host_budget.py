"""The budget from each host's own UI to the engine's job: Nuke's send dialog (stand-in prompts, as
nuke.getInput answers), Resolve's UIManager send dialog (stand-in from Resolve's scripting examples) and
its publish (PublishOptions.budget)."""

from __future__ import annotations

import threading

import pytest
from host_helpers import copy_media, publish_from_resolve, resolve_interview
from nuke_standin import NukeStandIn
from resolve_standin import ResolveStandIn
from uimanager_standin import script_globals

from faceplate_host.hosts.nuke.ui import send_selected_dialog
from faceplate_host.hosts.resolve.session import run_from_menu

pytestmark = pytest.mark.slow


def _sent_and_cancelled(engine) -> dict:
    """The one job the host sent (cancelled now: only what was sent matters here)."""
    [job] = engine.client.jobs()
    if job["status"] not in ("cancelled", "done", "failed"):
        engine.client.cancel(job["id"])
    return job


def test_the_nuke_dialog_asks_for_a_budget_and_the_job_gets_it(engine, monkeypatch):
    plate, source = copy_media(engine.roots, "d18.mp4")
    monkeypatch.setenv("FACEPLATE_SHOTS", str(engine.roots / "shots"))
    monkeypatch.setenv("FACEPLATE_URL", engine.url)
    monkeypatch.setenv("FACEPLATE_TOKEN", (engine.data / "token").read_text().strip())
    nuke = NukeStandIn(fps=30.0)
    nuke.read("sh010", str(plate), 21, 24, size=(480, 480), colorspace="sRGB Encoded Rec.709 (sRGB)")
    nuke.answers = [str(source), "release 2026-114", " 5000it "]
    send_selected_dialog(nuke)
    assert nuke.messages == []
    budget_prompt = nuke.prompts[-1]
    assert budget_prompt[1] == "preview" and "review, final" in budget_prompt[0], "preview offered by default"
    job = _sent_and_cancelled(engine)
    assert job["spec"]["budget"] == "5000it" and job["spec"]["settings"]["train"]["budget"] == "5000it"


def test_cancel_in_the_nuke_budget_prompt_sends_nothing(engine, monkeypatch):
    plate, source = copy_media(engine.roots, "d18.mp4")
    nuke = NukeStandIn(fps=30.0)
    nuke.read("sh010", str(plate), 21, 24, size=(480, 480))
    nuke.answers = [str(source), "release 2026-114", None]
    send_selected_dialog(nuke)
    assert engine.client.jobs() == [] and nuke.messages == []


def test_resolves_publish_sends_its_budget(engine, monkeypatch):
    resolve, clip, source = resolve_interview(engine, monkeypatch)
    resolve.timeline.current = clip
    cancel = threading.Event()
    cancel.set()  # stop the job as soon as it is sent
    lines = publish_from_resolve(engine, resolve, source, budget="final", cancel=cancel, poll_s=0.2)
    assert any("cancelled" in line for line in lines), lines
    job = _sent_and_cancelled(engine)
    assert job["spec"]["budget"] == "final" and job["spec"]["settings"]["mask"]["budget"] == "final"


def _resolve_clip(engine, monkeypatch):
    plate, source = copy_media(engine.roots, "d18.mp4")
    monkeypatch.setenv("FACEPLATE_SHOTS", str(engine.roots / "shots"))
    monkeypatch.setenv("FACEPLATE_URL", engine.url)
    monkeypatch.setenv("FACEPLATE_TOKEN", (engine.data / "token").read_text().strip())
    monkeypatch.setenv("FACEPLATE_CONSENT_REF", "release 2026-114")
    resolve = ResolveStandIn(version=(19, 1, 0), start=108000, rate="30")
    resolve.timeline.current = resolve.clip("interview", str(plate), start=108010, duration=4, left_offset=20, fps=30.0)
    return resolve, source


def test_resolves_send_dialog_offers_the_budget_and_sends_what_the_artist_typed(engine, monkeypatch, capsys):
    resolve, source = _resolve_clip(engine, monkeypatch)
    seen = {}

    def artist(window):
        items = window.GetItems()
        seen.update(
            offered=items["Budget"].items,
            shown=items["Budget"].CurrentText,
            source=items["Source"].Text,
            consent=items["Consent"].Text,
        )
        items["Budget"].CurrentText = "all night"  # typed into the editable box: the engine must refuse it
        window.click("Send")

    run_from_menu(script_globals(resolve, artist), str(source), budget="review")
    assert seen == {
        "offered": ["preview", "review", "final"],
        "shown": "review",
        "source": str(source),
        "consent": "release 2026-114",
    }, "prefilled from the script's environment"
    out = capsys.readouterr().out
    assert "budget 'all night' is not one this engine reads" in out, out  # what was typed reached the engine
    assert engine.client.jobs() == []


def test_closing_resolves_send_dialog_sends_nothing(engine, monkeypatch, capsys):
    resolve, source = _resolve_clip(engine, monkeypatch)
    scope = script_globals(resolve, lambda window: window.close())
    run_from_menu(scope, str(source))
    assert capsys.readouterr().out.strip() == "Faceplate: cancelled; nothing was sent"
    assert engine.client.jobs() == [] and scope["dispatchers"][0].windows[0].shown == [True, False]
