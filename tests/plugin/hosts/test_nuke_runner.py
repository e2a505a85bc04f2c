"""The Nuke side of a real job: submitted from the selected Read, followed on a worker thread with a
ProgressTask, placed (or reported) through executeInMainThread; Cancel on the task cancels the engine job."""

from __future__ import annotations

import pytest
from host_helpers import copy_media
from nuke_standin import NukeStandIn
from server_helpers import QUICK_SETTINGS

from faceplate_host.hosts.nuke.runner import send_selected

CONSENT_REF = "release 2026-114 (test performer)"

pytestmark = pytest.mark.slow


def selected_plate(engine, monkeypatch):
    plate, source = copy_media(engine.roots, "d18.mp4")
    monkeypatch.setenv("FACEPLATE_SHOTS", str(engine.roots / "shots"))
    nuke = NukeStandIn(fps=30.0)
    nuke.read("sh010", str(plate), 21, 24, size=(480, 480), colorspace="sRGB Encoded Rec.709 (sRGB)")
    return nuke, source


def test_a_finished_job_places_the_layer_on_the_main_thread(engine, monkeypatch):
    nuke, source = selected_plate(engine, monkeypatch)
    [thread] = send_selected(nuke, engine.client, [str(source)], CONSENT_REF, settings=QUICK_SETTINGS, poll_s=0.1)
    assert nuke.toNode("Merge1") is None  # nothing touched from the calling thread
    thread.join(timeout=240)
    assert not thread.is_alive()
    assert nuke.toNode("Merge1") is None  # the worker only queued the placement for the main thread
    nuke.run_main_thread()
    merge, layer = nuke.toNode("Merge1"), nuke.toNode("Read1")
    assert merge is not None, nuke.messages
    assert merge.input(0) is nuke.toNode("sh010") and merge.input(1) is layer, nuke.messages
    assert layer["file"].value().endswith("render/v001/layer/faceplate.####.exr")
    [said] = nuke.messages  # which version was placed, and QC's verdict on it
    assert said.startswith("Faceplate: sh010: layer v001 placed at 21-24 on track 'faceplate'; QC "), said
    assert (layer["first"].value(), layer["last"].value()) == (21, 24)
    [task] = nuke.tasks
    assert task.name == "Faceplate sh010" and task.progress[-1] == 100
    assert any(m.startswith("render:") for m in task.messages)


def test_cancel_on_the_progress_task_cancels_the_engine_job(engine, monkeypatch):
    nuke, source = selected_plate(engine, monkeypatch)
    nuke.cancel_requested.set()  # the artist presses Cancel on the progress bar
    [thread] = send_selected(nuke, engine.client, [str(source)], CONSENT_REF, settings=QUICK_SETTINGS, poll_s=0.1)
    thread.join(timeout=120)
    assert not thread.is_alive()
    [job] = engine.client.jobs()
    assert job["status"] == "cancelled"
    nuke.run_main_thread()
    assert nuke.messages == ["Faceplate: the job for sh010 was cancelled; finished work is kept and a retry resumes"]
    assert nuke.toNode("Merge1") is None
