"""`faceplate-otio` as a user runs it (subprocess): shots on every real editorial file print shots or one
clear line per refused clip, never a traceback; submit and place against a real engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import opentimelineio as otio
import pytest
from test_publish import CLIP, SETTINGS, SOURCE, cut_around
from test_timeline import NEWER_SCHEMA, editorial_files

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "server"))
from server_helpers import free_port, start_engine  # noqa: E402


def faceplate_otio(*args, env_extra=None) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO / "plugin"), os.environ.get("PYTHONPATH", "")]),
        **(env_extra or {}),
    )
    return subprocess.run(
        [sys.executable, "-m", "faceplate_host.otio_cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def submit_command(cut: Path, test_data: Path, consent_ref: str = "release 2026-114") -> list:
    """`faceplate-otio submit` of the cut's FACE clip with the test source."""
    return ["submit", cut, "--marker", "FACE", "--source", test_data / SOURCE, "--consent-ref", consent_ref]


def engine_args(engine) -> list:
    return ["--url", engine.url, "--token-file", engine.data / "token"]


@pytest.mark.parametrize("name", editorial_files() or ["(FACEPLATE_TEST_DATA unset)"])
def test_shots_on_every_editorial_file_prints_shots_or_one_line_each(test_data, name):
    done = faceplate_otio("shots", test_data / "editorial" / name)
    assert "Traceback" not in done.stderr + done.stdout
    shots = done.stdout.splitlines()
    refused = done.stderr.splitlines()
    assert shots or refused
    for line in shots:
        assert " source " in line and " record " in line and " fps " in line and " media " in line, line
    for line in refused:
        assert line.startswith("faceplate-otio: "), line
        assert "clip '" in line or name in line, line
    assert done.returncode == (1 if refused else 0)
    if name == NEWER_SCHEMA:
        assert refused == [refused[0]] and "Marker.3" in refused[0] and "UnsupportedSchemaError" in refused[0]


def test_shots_lists_ranges_and_json(tmp_path, test_data):
    cut = cut_around(test_data / CLIP, tmp_path)
    done = faceplate_otio("shots", cut, "--marker", "face", "--json")
    assert done.returncode == 0, done.stderr
    (shot,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert (shot["name"], shot["source"], shot["record"], shot["rate"]) == ("sh010", "1021-1024", "86410-86413", "25")
    assert shot["media"] == str(test_data / CLIP) and shot["first_frame"] == 1001


@pytest.mark.parametrize(
    "args, words",
    [
        (["shots", "missing.otio"], "missing.otio: no such timeline file"),
        (["shots", "{cut}", "--marker", "NOPE"], "no clip matches marker 'NOPE'"),
        (
            ["place", "{cut}", "--out", "{out}"],
            "no submitted jobs for this timeline; run `faceplate-otio submit` first",
        ),
        (
            ["submit", "{cut}", "--source", "x", "--url", "http://127.0.0.1:{port}", "--consent-ref", "r"],
            "no Faceplate engine answers at",
        ),
    ],
)
def test_failures_are_one_line_with_exit_1(tmp_path, test_data, args, words):
    cut = cut_around(test_data / CLIP, tmp_path)
    filled = [a.format(cut=cut, out=tmp_path / "o.otio", port=free_port()) for a in args]
    done = faceplate_otio(*filled, env_extra={"FACEPLATE_TOKEN": "x"})
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("faceplate-otio: error: ") and words in line


@pytest.mark.slow
def test_submit_sends_the_budget_and_an_unreadable_one_is_one_line(tmp_path, test_data):
    cut = cut_around(test_data / CLIP, tmp_path)
    engine = start_engine([tmp_path, test_data / "talking_heads"], tmp_path / "data", free_port())
    try:
        base = [*submit_command(cut, test_data), "--no-wait", *engine_args(engine)]
        refused = faceplate_otio(*base, "--budget", "all night")
        sent = faceplate_otio(*base, "--budget", "30m")
        jobs = engine.client.jobs()
        for job in jobs:
            engine.client.cancel(job["id"])  # only what was sent matters here
    finally:
        engine.stop()
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    assert "budget 'all night' is not one this engine reads" in refused.stderr
    assert sent.returncode == 0, sent.stderr
    [job] = jobs
    assert job["spec"]["budget"] == "30m"
    assert job["spec"]["settings"]["train"]["budget"] == "30m"
    remembered = json.loads((tmp_path / "cut.otio.faceplate.json").read_text())
    assert [j["shot"]["budget"] for j in remembered["jobs"]] == ["30m"]


@pytest.mark.slow
def test_place_preview_puts_the_newest_layer_preview_on_the_track_and_the_final_replaces_it(tmp_path, test_data):
    """While a long job trains (a preview every 2 iterations: no timing), `place --preview` writes its newest layer
    preview on the layer track; a plain `place` refuses in one line; once a job has rendered (`submit` waiting for
    it to the end), `place` on the same timeline replaces the preview with v001 at the clip's record frames."""
    cut = cut_around(test_data / CLIP, tmp_path)
    settings = tmp_path / "settings.json"
    settings.write_text(
        json.dumps(
            SETTINGS | {"train": {**SETTINGS["train"], "train": {**SETTINGS["train"]["train"], "iterations": 100000}}}
        )
    )
    quick = tmp_path / "quick.json"
    quick.write_text(json.dumps(SETTINGS))
    engine = start_engine([tmp_path, test_data / "talking_heads"], tmp_path / "data", free_port())
    try:
        connect = engine_args(engine)
        send = submit_command(cut, test_data)
        sent = faceplate_otio(*send, "--settings", settings, "--preview-every", "2it", "--no-wait", *connect)
        assert sent.returncode == 0, sent.stderr
        [job] = engine.client.jobs()
        assert job["spec"]["settings"]["train"]["preview_layer_every"] == "2it"
        for _ in range(1200):  # until the engine says a preview is there (a condition, not a duration)
            if (
                engine.client.artifacts(job["id"])["preview_layer"]
                or engine.client.job(job["id"])["status"] != "running"
            ):
                break
            time.sleep(0.25)
        preview = engine.client.artifacts(job["id"])["preview_layer"]
        assert preview, engine.client.job(job["id"]).get("error")
        placed = faceplate_otio("place", cut, "--out", cut, "--preview", *connect)
        with_preview = otio.adapters.read_from_file(str(cut)).tracks
        refused = faceplate_otio("place", cut, "--out", tmp_path / "final.otio", *connect)
        engine.client.cancel(job["id"])
        engine.client.watch(job["id"], lambda event: None)
        final = faceplate_otio(*send, "--settings", quick, *connect)  # resumes the model, renders v001
        replaced = faceplate_otio("place", cut, "--out", cut, *connect)
    finally:
        engine.stop()
    assert placed.returncode == 0, placed.stderr
    iteration = preview["iteration"]
    assert iteration % 2 == 0
    assert f"sh010: layer preview it{iteration} placed at 86410-86413 on track 'faceplate'" in placed.stdout
    assert [t.name for t in with_preview] == ["V1", "V2", "faceplate"]
    [clip] = with_preview[-1].find_clips()
    assert clip.metadata["faceplate"]["version"] == f"preview it{iteration}"
    assert f"/render/preview/it{iteration:08d}/layer/" in clip.media_reference.target_url_base
    assert (
        refused.returncode == 1 and len(refused.stderr.splitlines()) == 1 and "no rendered layer yet" in refused.stderr
    )
    assert final.returncode == 0, final.stderr
    assert "sh010: render done" in final.stderr and "sh010: done" in final.stdout
    remembered = json.loads((tmp_path / "cut.otio.faceplate.json").read_text())
    assert [j["shot"]["record"] for j in remembered["jobs"]] == ["86410-86413"], "one job remembered per shot"
    assert replaced.returncode == 0, replaced.stderr
    assert f"wrote {cut}" in replaced.stdout and "at record 86410-86413 on track faceplate" in replaced.stdout
    assert "sh010: QC PASS v001: " in replaced.stdout or "sh010: QC FAIL v001: fails " in replaced.stdout
    tracks = otio.adapters.read_from_file(str(cut)).tracks
    assert [t.name for t in tracks] == ["V1", "V2", "faceplate"], "the preview's track is replaced, not kept"
    [clip] = tracks[-1].find_clips()
    assert clip.metadata["faceplate"]["version"] == "v001" and not clip.metadata["faceplate"].get("preview")
