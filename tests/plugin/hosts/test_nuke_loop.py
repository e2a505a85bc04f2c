"""The artist's loop in Nuke (the stand-in, a real engine): send with a budget → the ProgressTask shows the job's
progress → v001 placed with QC's verdict → a review note on file frame 22 (a movie Read numbers from 1) renders v002 on a new Read into the same
Merge, v001's Read kept (disabled) with its files byte-identical. Cancel on the task: test_nuke_runner.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import QUICK_SETTINGS
from test_blender_e2e import tree_hashes
from test_nuke_runner import CONSENT_REF, selected_plate

from faceplate_host.hosts.nuke.runner import send_selected
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


def test_send_follow_place_v001_then_an_override_places_v002(engine, monkeypatch):
    nuke, source = selected_plate(engine, monkeypatch)
    said = send_and_place(nuke, engine, source, settings=QUICK_SETTINGS, budget="5it")
    assert said.startswith("Faceplate: sh010: layer v001 placed at 21-24 on track 'faceplate'; QC "), said
    [task] = nuke.tasks
    assert any(m.startswith("train:") for m in task.messages) and task.progress[-1] == 100
    [job] = engine.client.jobs()
    assert job["spec"]["budget"] == "5it"
    workspace = Path(job["workspace"])
    v001 = tree_hashes(workspace / "render" / "v001")

    said = send_and_place(nuke, engine, source, settings=override_settings("22:feather_px=20"), stages=["render", "qc"])
    assert said.startswith(
        "Faceplate: sh010: layer v002 placed at 21-24 on track 'faceplate' (v001 kept, disabled); QC "
    ), said
    merge, first, second = nuke.toNode("Merge1"), nuke.toNode("Read1"), nuke.toNode("Read2")
    assert merge.input(1) is second and second["file"].value().endswith("render/v002/layer/faceplate.####.exr")
    assert first["file"].value().endswith("render/v001/layer/faceplate.####.exr") and first["disable"].value()
    assert tree_hashes(workspace / "render" / "v001") == v001, "v001's files are byte-identical"
