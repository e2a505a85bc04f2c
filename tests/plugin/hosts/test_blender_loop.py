"""The artist's loop in real bpy, through the add-on's own operators (``bpy.ops.faceplate.*``) in background
mode, each step a new Blender session on the saved .blend: send with a preview budget of a few iterations and
quit → a new session's Follow re-attaches, shows the job's progress, places v001 and reports QC's verdict → a
review note sent as an override renders v002, placed above v001, which stays (muted) with its files
byte-identical. And Cancel: the remembered running job is cancelled in the engine, and Follow says so; Esc while
Follow runs modally does the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from host_helpers import copy_media, faceplate
from test_blender_e2e import blender, tree_hashes

pytestmark = pytest.mark.slow
SEND = Path(__file__).with_name("blender_send.py")
CONSENT_REF = "release 2026-114"


@pytest.fixture
def scene(tmp_path, engine):
    """The installed add-on and a saved .blend whose selected plate strip shows frames 15-34 (media 1006-1025:
    curation keeps 12 different faces of the 20, more than the eight training needs); a function running one
    operator on it against the engine."""
    pytest.importorskip("bpy", reason="bpy (Blender as a Python module) is not installed: `.ci/run` installs 4.2")
    assert faceplate("plugin", "install", "blender", home=tmp_path).returncode == 0
    addons = tmp_path / ".config" / "blender" / "4.2" / "scripts" / "addons"
    plate, source = copy_media(engine.roots, "d0.mp4")
    blend = tmp_path / "edit.blend"
    blender("scene", addons, blend, plate, 25, 10, 5, 20, home=tmp_path)
    token = (engine.data / "token").read_text().strip()

    def run(operator: str, **properties):
        properties = (
            {"source": str(source), "consent_ref": CONSENT_REF} | properties if operator == "send" else properties
        )
        return blender(
            addons,
            blend,
            operator,
            json.dumps(properties),
            home=tmp_path,
            driver=SEND,
            timeout=900,
            with_output=True,
            FACEPLATE_URL=engine.url,
            FACEPLATE_TOKEN=token,
            FACEPLATE_SHOTS=str(engine.roots / "shots"),
        )

    return run


def test_send_quit_reattach_place_then_an_override_places_v002(scene, engine):
    sent, _ = scene("send", budget="5it", follow=False)  # the artist sends, saves and quits
    assert sent.get("result") == ["FINISHED"], sent
    [remembered] = sent["jobs"]
    assert remembered["placed"] is False and remembered["shot"]["budget"] == "5it"
    assert engine.client.job(remembered["job"])["spec"]["budget"] == "5it"

    followed, said = scene("follow")  # a new session finds the job, follows it to the end and places its layer
    assert followed.get("result") == ["FINISHED"], (followed, said[-3000:])
    progress = [line for line in said.splitlines() if line.startswith("Faceplate: plate: train:")]
    assert progress and progress[-1].endswith("100%"), said[-3000:]
    [placed] = [line for line in said.splitlines() if line.startswith("Faceplate: plate: layer v001 placed")]
    assert placed.startswith("Faceplate: plate: layer v001 placed at 15-34 on track 'faceplate'; QC "), placed
    assert [j["placed"] for j in followed["jobs"]] == [True]
    layers = [s for s in followed["strips"] if s[0] != "plate"]
    assert [(name, mute) for name, _, mute, _ in layers] == [("plate faceplate v001", False)]
    workspace = Path(remembered["workspace"])
    assert layers[0][3] == str(workspace / "render" / "v001" / "layer") + "/"
    v001 = tree_hashes(workspace / "render" / "v001")

    again, said = scene("follow")  # nothing left to follow: one clear line, nothing placed twice
    assert "no job of this scene is waiting to be placed" in again["error"]
    assert len(again["strips"]) == len(followed["strips"])

    noted, said = scene("send", override="1007:feather_px=20")  # a review note on media frame 1007
    assert noted.get("result") == ["FINISHED"], (noted.get("error"), said[-2000:])
    assert "Faceplate: plate: layer v002 placed at 15-34 on track 'faceplate' (v001 kept, disabled); QC " in said
    layers = sorted((s for s in noted["strips"] if s[0] != "plate"), key=lambda s: s[1])
    assert [(name, mute) for name, _, mute, _ in layers] == [
        ("plate faceplate v001", True),
        ("plate faceplate v002", False),
    ]
    assert layers[0][3].endswith("render/v001/layer/") and layers[1][3].endswith("render/v002/layer/")
    assert tree_hashes(workspace / "render" / "v001") == v001, "v001's files are byte-identical"
    render = next(s for s in engine.client.job(noted["jobs"][-1]["job"])["stages"] if s["name"] == "render")
    assert render["lines"][0] == "rendered 1007 into v002 (settings changed: 1007)", render["lines"]


def test_cancel_stops_the_remembered_job_in_the_engine(scene, engine):
    sent, _ = scene("send", budget="review", follow=False)
    [remembered] = sent["jobs"]
    cancelled, _ = scene("cancel")
    assert cancelled["result"] == ["FINISHED"], cancelled
    followed, said = scene("follow")
    assert followed["result"] == ["FINISHED"], followed
    assert "Faceplate: the job for plate was cancelled; finished work is kept and a retry resumes" in said
    assert engine.client.job(remembered["job"])["status"] == "cancelled"
    assert [s[0] for s in followed["strips"]] == ["plate"], "nothing placed"
    assert [j["placed"] for j in followed["jobs"]] == [True], "nothing left to follow"


def test_esc_while_following_cancels_the_job_and_places_nothing(scene, engine):
    sent, _ = scene("send", budget="review", follow=False)
    [remembered] = sent["jobs"]
    followed, said = scene("follow_esc")  # Follow's modal(): Esc pressed, then timer events until it ends
    assert followed["result"] == ["FINISHED"], (followed, said[-3000:])
    [answers] = [line for line in said.splitlines() if line.startswith("MODAL ")]
    assert json.loads(answers.removeprefix("MODAL "))[0] == ["RUNNING_MODAL"], "Esc is taken, following goes on"
    assert "Faceplate: cancelling the jobs; finished work is kept, a retry resumes" in said
    assert "Faceplate: the job for plate was cancelled; finished work is kept and a retry resumes" in said
    assert engine.client.job(remembered["job"])["status"] == "cancelled"
    assert [s[0] for s in followed["strips"]] == ["plate"], "nothing placed"
    assert [j["placed"] for j in followed["jobs"]] == [True], "nothing left to follow"


def test_layer_previews_while_it_trains_then_the_final_replaces_them(scene, engine):
    """A long job asked for a preview every 4 iterations (driven by iterations: no timing): Follow, as in the UI,
    places each newest preview on one channel above the plate, the next replacing it; after Esc a short send's
    final v001 takes its place and the preview is gone."""
    sent, _ = scene("send", budget="review", preview_every="4it", follow=False)
    [remembered] = sent["jobs"]
    assert engine.client.job(remembered["job"])["spec"]["settings"]["train"]["preview_layer_every"] == "4it"

    followed, said = scene("follow_preview")
    assert followed["result"] == ["FINISHED"], (followed, said[-3000:])
    [shown] = [json.loads(line.removeprefix("PREVIEWS ")) for line in said.splitlines() if line.startswith("PREVIEWS")]
    assert len(shown) == 2, said[-3000:]
    workspace = Path(remembered["workspace"])
    iterations = []
    for strips in shown:  # each time: one preview strip, shown, at the clip's frames, from its own preview folder
        [(name, channel, muted, first, last, frames, folder)] = strips
        iteration = int(name.removeprefix("plate faceplate preview it"))
        assert (channel, muted, first, last, frames) == (2, False, 15, 34, 20), strips
        assert folder == f"{workspace}/render/preview/it{iteration:08d}/layer/"
        assert iteration % 4 == 0
        iterations.append(iteration)
    assert iterations[0] < iterations[1], "the newer preview replaced the older"
    assert f"Faceplate: plate: layer preview it{iterations[1]} placed at 15-34 on track 'faceplate'" in said
    assert "Faceplate: plate: train: layer preview of iteration " in said
    assert engine.client.job(remembered["job"])["status"] == "cancelled"

    final, said = scene("send", budget="4it")  # the model is past 4 iterations: export, render, QC, place v001
    assert final.get("result") == ["FINISHED"], (final.get("error"), said[-3000:])
    assert [(s[0], s[1], s[2]) for s in final["strips"] if s[0] != "plate"] == [("plate faceplate v001", 2, False)]
