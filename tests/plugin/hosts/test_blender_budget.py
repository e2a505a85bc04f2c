"""The Blender add-on's budget, in real bpy: the send operator's Budget property reaches the engine's job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from host_helpers import copy_media, faceplate
from test_blender_e2e import blender

pytestmark = pytest.mark.slow
SEND = Path(__file__).with_name("blender_send.py")


def test_the_send_operators_budget_reaches_the_job(tmp_path, engine):
    pytest.importorskip("bpy", reason="bpy (Blender as a Python module) is not installed: `.ci/run` installs 4.2")
    assert faceplate("plugin", "install", "blender", home=tmp_path).returncode == 0
    addons = tmp_path / ".config" / "blender" / "4.2" / "scripts" / "addons"
    plate, source = copy_media(engine.roots, "d0.mp4")
    blender("scene", addons, tmp_path / "edit.blend", plate, 25, 10, 5, 4, home=tmp_path)

    token = (engine.data / "token").read_text().strip()
    properties = {"source": str(source), "consent_ref": "release 2026-114", "budget": "review", "follow": False}
    sent = blender(
        addons,
        tmp_path / "edit.blend",
        "send",
        json.dumps(properties),
        home=tmp_path,
        driver=SEND,
        FACEPLATE_URL=engine.url,
        FACEPLATE_TOKEN=token,
        FACEPLATE_SHOTS=str(engine.roots / "shots"),
    )
    assert sent["result"] == ["FINISHED"]
    client = engine.client
    [job] = client.jobs()
    client.cancel(job["id"])  # only what was sent matters here
    assert job["spec"]["budget"] == "review"
    settings = job["spec"]["settings"]
    assert settings["train"]["budget"] == settings["mask"]["budget"] == "review"
    assert Path(job["workspace"]).parent == engine.roots / "shots"
