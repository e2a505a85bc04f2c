"""The artist's loop in Nuke (the stand-in, a real engine): send with a budget, save and quit → a new session on the
saved script runs Faceplate > Follow unfinished jobs: its ProgressTask shows the job's progress, v001 is placed
once with QC's verdict → a review note on file frame 22 (a movie Read numbers from 1) renders v002 on a new Read
into the same Merge, v001's Read kept (disabled) with its files byte-identical. Layer previews while it trains, the
final replacing them. A send followed to its end in one session, and Cancel on the task: test_nuke_runner.py."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from nuke_standin import NukeStandIn
from server_helpers import QUICK_SETTINGS, TINY
from test_blender_e2e import tree_hashes
from test_nuke_runner import CONSENT_REF, selected_plate

from faceplate_host.hosts.nuke.adapter import is_preview
from faceplate_host.hosts.nuke.runner import JOBS_KNOB, send_selected
from faceplate_host.hosts.nuke.ui import add_menu
from faceplate_host.jobs import override_settings

pytestmark = pytest.mark.slow


def send_and_place(nuke, engine, source, **options) -> str:
    """One send followed to its end; what Nuke told the artist."""
    [thread] = send_selected(nuke, engine.client, [str(source)], CONSENT_REF, poll_s=0.1, **options)
    thread.join(timeout=600)
    assert not thread.is_alive()
    said = len(nuke.messages)
    nuke.run_main_thread()
    [message] = nuke.messages[said:]
    return message


def restarted(script: Path) -> NukeStandIn:
    """Nuke started again on the saved script, its Faceplate menu added by menu.py."""
    nuke = NukeStandIn(fps=30.0)
    nuke.scriptOpen(str(script))
    add_menu(nuke)
    return nuke


def follow_unfinished_from_the_menu(nuke) -> list:
    """Faceplate > Follow unfinished jobs, its worker threads run to their end, then Nuke's main thread; the
    messages it showed."""
    said = len(nuke.messages)
    threads = nuke.menu("Nuke").items["Faceplate"].items["Follow unfinished jobs"]()
    for thread in threads:
        thread.join(timeout=600)
        assert not thread.is_alive()
    nuke.run_main_thread()
    return nuke.messages[said:]


def test_after_a_restart_follow_places_v001_once_then_an_override_places_v002(engine, monkeypatch, tmp_path):
    nuke, source = selected_plate(engine, monkeypatch)
    script = tmp_path / "comp.nk"
    nuke.root()["name"].setValue(str(script))
    [sending] = send_selected(nuke, engine.client, [str(source)], CONSENT_REF, settings=QUICK_SETTINGS, budget="5it")
    nuke.scriptSave()  # the artist saves and quits: the session's worker thread and main thread are gone
    monkeypatch.setenv("FACEPLATE_URL", engine.url)  # the menu command reaches the engine as an artist's would
    monkeypatch.setenv("FACEPLATE_TOKEN", (engine.data / "token").read_text().strip())

    nuke = restarted(script)
    [remembered] = json.loads(nuke.root()[JOBS_KNOB].getText())
    assert remembered["placed"] is False and remembered["shot"]["budget"] == "5it"
    [said] = follow_unfinished_from_the_menu(nuke)
    assert said.startswith("Faceplate: sh010: layer v001 placed at 21-24 on track 'faceplate'; QC "), said
    [task] = nuke.tasks  # the job's progress, as a send shows it
    assert any(m.startswith("train:") for m in task.messages) and task.progress[-1] == 100
    merge, layer = nuke.toNode("Merge1"), nuke.toNode("Read1")
    assert merge.input(0) is nuke.toNode("sh010") and merge.input(1) is layer
    assert layer["file"].value() == str(Path(remembered["workspace"]) / "render/v001/layer/faceplate.####.exr")
    assert (layer["first"].value(), layer["last"].value()) == (21, 24)
    assert [r["placed"] for r in json.loads(nuke.root()[JOBS_KNOB].getText())] == [True]
    [job] = engine.client.jobs()
    assert job["spec"]["budget"] == "5it"
    v001 = tree_hashes(Path(job["workspace"]) / "render" / "v001")

    # a review note on file frame 22, sent from this session and followed in it: v002 on a new Read
    said = send_and_place(nuke, engine, source, settings=override_settings("22:feather_px=20"), stages=["render", "qc"])
    assert said.startswith(
        "Faceplate: sh010: layer v002 placed at 21-24 on track 'faceplate' (v001 kept, disabled); QC "
    ), said
    merge, first, second = nuke.toNode("Merge1"), nuke.toNode("Read1"), nuke.toNode("Read2")
    assert merge.input(1) is second and second["file"].value().endswith("render/v002/layer/faceplate.####.exr")
    assert first["file"].value().endswith("render/v001/layer/faceplate.####.exr") and first["disable"].value()
    assert tree_hashes(Path(job["workspace"]) / "render" / "v001") == v001, "v001's files are byte-identical"
    nuke.scriptSave()

    nuke = restarted(script)  # again: nothing is placed twice
    assert follow_unfinished_from_the_menu(nuke) == [
        "Faceplate: no job of this script is waiting to be placed: send a Read first (Faceplate > Send)"
    ]
    assert [n.name() for n in nuke.allNodes()] == ["sh010", "Read1", "Merge1", "Read2"]
    sending.join(timeout=600)  # the first session's thread (in Nuke it ended with the session)


def test_layer_previews_while_it_trains_then_the_final_replaces_them(engine, monkeypatch):
    """A long job with a preview every 2 iterations (no timing: the test waits for conditions): each preview the
    worker queues goes in on the main thread as the Merge's A input, the next replacing the last; after a cancel
    a short send's v001 takes the preview's place and no preview Read is left."""
    nuke, source = selected_plate(engine, monkeypatch)
    long = {**QUICK_SETTINGS, "train": {**QUICK_SETTINGS["train"], "train": {**TINY["train"], "iterations": 100000}}}
    [thread] = send_selected(nuke, engine.client, [str(source)], CONSENT_REF, long, 0.1, preview_every="2it")
    [job] = engine.client.jobs()
    assert job["spec"]["settings"]["train"]["preview_layer_every"] == "2it"
    shown = []
    for _ in range(2):
        for _ in range(2400):  # until the worker queued a preview for the main thread (a condition, not a duration)
            if nuke.main_queue or not thread.is_alive():
                break
            time.sleep(0.25)
        nuke.run_main_thread()
        merge = nuke.toNode("Merge1")
        assert merge is not None and merge.input(0) is nuke.toNode("sh010"), nuke.messages
        previews = [read for read in nuke.allNodes("Read") if is_preview(read)]
        assert previews == [merge.input(1)], "one preview Read, on the Merge's A input"
        iteration = int(re.fullmatch(r"faceplate layer preview it(\d+)\n21-24", previews[0]["label"].value())[1])
        assert previews[0]["file"].value().endswith(f"render/preview/it{iteration:08d}/layer/faceplate.####.exr")
        shown.append(iteration)
    assert shown[0] % 2 == 0 and shown[1] >= shown[0] and not nuke.messages, (shown, nuke.messages)
    engine.client.cancel(job["id"])
    thread.join(timeout=600)
    nuke.run_main_thread()  # previews queued meanwhile: the job has ended, none is placed
    assert nuke.messages[-1].startswith("Faceplate: the job for sh010 was cancelled"), nuke.messages

    said = send_and_place(nuke, engine, source, settings=QUICK_SETTINGS)
    assert said.startswith("Faceplate: sh010: layer v001 placed at 21-24 on track 'faceplate'; QC "), said
    merge, reads = nuke.toNode("Merge1"), nuke.allNodes("Read")
    assert not [read for read in reads if is_preview(read)], "the final replaced the preview"
    assert merge.input(1)["file"].value().endswith("render/v001/layer/faceplate.####.exr")
    assert not merge.input(1)["disable"].value()
