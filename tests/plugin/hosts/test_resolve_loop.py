"""The artist's loop in Resolve (stand-ins for Resolve and its UIManager, a real engine): the publish follows its
job in a UIManager window (a label with the job's progress, a Cancel button, a timer that reads the engine) →
v001 placed with QC's verdict → a review note as an override renders v002, placed on a new track while v001 stays
(disabled) with its files byte-identical. Cancel in the window cancels the engine job. Re-attach: the window closed
and Resolve restarted, Workspace > Scripts > Faceplate Follow places the project's unplaced job once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from host_helpers import publish_from_resolve
from server_helpers import QUICK_SETTINGS, TINY
from test_resolve_publish import marked_interview
from uimanager_standin import script_globals

from faceplate.demo.editorial import tree_hashes
from faceplate_host.hosts.resolve.follow_window import TIMER
from faceplate_host.hosts.resolve.reattach import RECORDS_FOLDER
from faceplate_host.jobs import override_settings

pytestmark = pytest.mark.slow
FOLLOW_SCRIPT = Path(__file__).resolve().parents[3] / "plugin/faceplate_host/hosts/resolve/scripts/Faceplate Follow.py"


def watching(cancel: bool = False):
    """The artist: lets the window's timer fire until the window's loop ends (pressing Cancel first), for at most
    ten minutes of ticks: a window whose handler never ends the loop fails the test instead of hanging it."""

    def artist(window):
        if cancel:
            window.click("Cancel")
        for _ in range(6000):
            if not window.looping():
                return
            window.timeout(TIMER)
            time.sleep(0.1)
        pytest.fail("the follow window never ended its loop: its timer handler is not called")

    return artist


def publish(engine, resolve, source, artist, **options):
    scope = script_globals(resolve, artist)
    lines = publish_from_resolve(engine, resolve, source, scope=scope, poll_s=0.1, **options)
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


def run_follow_script(resolve, artist, capsys) -> tuple:
    """Workspace > Scripts > Faceplate Follow, the script file itself with the globals Resolve gives it: the lines
    it printed to the console, and the texts its window showed."""
    scope = script_globals(resolve, artist)
    capsys.readouterr()
    exec(compile(FOLLOW_SCRIPT.read_text(), str(FOLLOW_SCRIPT), "exec"), scope)
    shown = [text for d in scope["dispatchers"] for w in d.windows for text in w.GetItems()["Status"].texts]
    return capsys.readouterr().out.splitlines(), shown


def test_after_the_window_closed_and_a_restart_faceplate_follow_places_the_layer_once(engine, monkeypatch, capsys):
    resolve, source = marked_interview(engine, monkeypatch)
    lines, _ = publish(engine, resolve, source, lambda window: window.close(), budget="5it", settings=QUICK_SETTINGS)
    [job] = engine.client.jobs()
    assert lines == [f"Faceplate: interview: engine job {job['id']} still runs; the engine's dashboard follows it"]
    records = engine.roots / "shots" / RECORDS_FOLDER / f"{resolve.project.GetUniqueId()}.json"
    [remembered] = json.loads(records.read_text())
    assert (remembered["job"], remembered["placed"], remembered["shot"]["budget"]) == (job["id"], False, "5it")
    monkeypatch.setenv("FACEPLATE_URL", engine.url)  # the script reaches the engine as an artist's would
    monkeypatch.setenv("FACEPLATE_TOKEN", (engine.data / "token").read_text().strip())

    resolve = resolve.restarted()
    said, shown = run_follow_script(resolve, watching(), capsys)
    assert shown[0] == "waiting for the engine" and shown[-1] == "interview: done", shown
    [line] = said
    assert line.startswith("Faceplate: interview: layer v001 placed at 108010-108013 on track 'faceplate'; QC "), line
    [(imported,)] = resolve.calls("ImportMedia")
    assert imported[0]["FilePath"] == str(Path(job["workspace"]) / "render/v001/layer/faceplate.%04d.exr")
    assert (imported[0]["StartIndex"], imported[0]["EndIndex"]) == (1021, 1024)
    [layer] = resolve.timeline.tracks[2]
    assert (layer.GetStart(), layer.GetDuration()) == (108010, 4) and resolve.timeline.track_names[2] == "faceplate"
    assert [r["placed"] for r in json.loads(records.read_text())] == [True]

    resolve = resolve.restarted()  # again: nothing is placed twice, no window opens
    said, shown = run_follow_script(resolve, watching(), capsys)
    assert said == [
        "Faceplate: no job of this project is waiting to be placed: send a clip first (Workspace > Scripts > Faceplate)"
    ]
    assert shown == [] and resolve.calls("ImportMedia") == [] and len(resolve.timeline.tracks) == 2


def preview_clips(resolve) -> list:
    """The layer-preview clips on the timeline: (track, start, duration, enabled, file path)."""
    return [
        (index, item.GetStart(), item.GetDuration(), item.GetClipEnabled(), path)
        for index, items in sorted(resolve.timeline.tracks.items())
        for item in items
        if "/render/preview/" in (path := str(item.GetMediaPoolItem().GetClipProperty("File Path")))
    ]


def watching_previews(resolve, seen: list):
    """The artist: lets the timer fire, noting the preview clips each time they change, until a second preview
    replaced the first; then Cancel, and ticks until the loop ends."""

    def artist(window):
        for _ in range(6000):
            if not window.looping():
                return
            window.timeout(TIMER)
            shown = preview_clips(resolve)
            if shown and (not seen or shown != seen[-1]) and len(seen) < 2:
                seen.append(shown)
                if len(seen) == 2:
                    window.click("Cancel")
            time.sleep(0.1)
        pytest.fail("the follow window never ended its loop")

    return artist


def test_layer_previews_while_it_trains_then_the_final_replaces_them(engine, monkeypatch):
    """A long job with a preview every 2 iterations (no timing: the artist waits for what the timeline shows):
    each newest preview is placed at the clip's record frames while the window follows, the next deleting the
    last; after Cancel, a short publish's v001 deletes the preview and is the one clip shown."""
    resolve, source = marked_interview(engine, monkeypatch)
    long = {**QUICK_SETTINGS, "train": {**QUICK_SETTINGS["train"], "train": {**TINY["train"], "iterations": 100000}}}
    seen = []
    lines, _ = publish(engine, resolve, source, watching_previews(resolve, seen), settings=long, preview_every="2it")
    [job] = engine.client.jobs()
    assert job["spec"]["settings"]["train"]["preview_layer_every"] == "2it" and job["status"] == "cancelled"
    assert len(seen) == 2, lines
    iterations = []
    for shown in seen:  # each time one preview clip, shown, at the clip's record frames, from its own folder
        [(_, start, duration, enabled, path)] = shown
        iteration = int(path.split("/render/preview/it")[1][:8])
        assert (start, duration, enabled) == (108010, 4, True), shown
        assert path.endswith(f"/render/preview/it{iteration:08d}/layer/faceplate.%04d.exr") and iteration % 2 == 0
        iterations.append(iteration)
    assert iterations[1] >= iterations[0] and resolve.calls("DeleteClips"), "the next preview deleted the last"

    lines, _ = publish(engine, resolve, source, watching(), settings=QUICK_SETTINGS)
    [line] = lines
    assert line.startswith("Faceplate: interview: layer v001 placed at 108010-108013 on track 'faceplate'"), line
    assert preview_clips(resolve) == [], "the final deleted the preview"
    layers = [item for index, items in resolve.timeline.tracks.items() if index > 1 for item in items]
    [v001] = [item for item in layers if "/render/v001/" in item.GetMediaPoolItem().GetClipProperty("File Path")]
    assert v001.GetClipEnabled() and v001.GetStart() == 108010
