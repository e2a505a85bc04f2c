"""`faceplate-otio` as a user runs it (subprocess): shots on every real editorial file print shots or one
clear line per refused clip, never a traceback; submit and place against a real engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
def test_submit_then_place_writes_the_layer_track(tmp_path, test_data):
    cut = cut_around(test_data / CLIP, tmp_path)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(SETTINGS))
    engine = start_engine([tmp_path, test_data / "talking_heads"], tmp_path / "data", free_port())
    try:
        connect = ["--url", engine.url, "--token-file", engine.data / "token"]
        done = faceplate_otio(
            "submit",
            cut,
            "--marker",
            "FACE",
            "--source",
            test_data / SOURCE,
            "--consent-ref",
            "release 2026-114 (test)",
            "--settings",
            settings,
            *connect,
        )
        assert done.returncode == 0, done.stderr
        assert "sh010: render done" in done.stderr and "sh010: done" in done.stdout
        remembered = json.loads((tmp_path / "cut.otio.faceplate.json").read_text())
        assert [j["shot"]["record"] for j in remembered["jobs"]] == ["86410-86413"]
        placed = faceplate_otio("place", cut, "--out", tmp_path / "with_layers.otio", *connect)
    finally:
        engine.stop()
    assert placed.returncode == 0, placed.stderr
    assert f"wrote {tmp_path / 'with_layers.otio'}" in placed.stdout
    assert "at record 86410-86413 on track faceplate" in placed.stdout
    assert "sh010: QC PASS v001: " in placed.stdout or "sh010: QC FAIL v001: fails " in placed.stdout, placed.stdout
    written = json.loads((tmp_path / "with_layers.otio").read_text())
    assert [t["name"] for t in written["tracks"]["children"]] == ["V1", "V2", "faceplate"]


@pytest.mark.slow
def test_submit_sends_the_budget_and_an_unreadable_one_is_one_line(tmp_path, test_data):
    cut = cut_around(test_data / CLIP, tmp_path)
    engine = start_engine([tmp_path, test_data / "talking_heads"], tmp_path / "data", free_port())
    try:
        connect = ["--url", engine.url, "--token-file", engine.data / "token"]
        base = [
            "submit",
            cut,
            "--marker",
            "FACE",
            "--source",
            test_data / SOURCE,
            "--consent-ref",
            "release 2026-114",
            "--no-wait",
            *connect,
        ]
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
