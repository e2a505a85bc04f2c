"""Refused requests: each gets the right 4xx and a JSON error, nothing under the roots changes, the engine lives on."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import sqlite3
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from server_helpers import init_example_shot, start_engine

from faceplate_host import client as client_module
from faceplate_host.client import EngineAuthError, EngineClient, EngineNotRunning, EngineVersionMismatch


def tree_hash(root: Path) -> str:
    """Every path (links as links) and every file's bytes under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def send(url: str, method: str, path: str, body: bytes | None, token: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """One engine for the module (the tests only read, or are refused): roots with a folder and a frame
    that link out of them."""
    tmp_path = tmp_path_factory.mktemp("guarded")
    roots, outside = tmp_path / "roots", tmp_path / "outside"
    (roots / "seq").mkdir(parents=True)
    outside.mkdir()
    (outside / "plate.1001.exr").write_bytes(b"not really an exr")
    (roots / "seq" / "plate.1001.exr").symlink_to(outside / "plate.1001.exr")  # one frame links out
    (roots / "link_out").symlink_to(outside)
    (roots / "media").mkdir()
    (roots / "media" / "plate.1001.exr").write_bytes(b"inside")
    engine = start_engine(roots, tmp_path / "data")
    yield engine, (engine.data / "token").read_text().strip()
    engine.stop()


def new_shot(workspace: str, plate: str = "media/plate.####.exr", **extra) -> bytes:
    return json.dumps({"workspace": workspace, "shot": {"plate": plate, **extra}}).encode()


CASES = {
    "dotdot workspace": (new_shot("../escaped"), 403, "path_outside_roots"),
    "dotdot inside the path": (new_shot("media/../../escaped"), 403, "path_outside_roots"),
    "symlinked folder out of the roots": (new_shot("link_out/shot"), 403, "path_outside_roots"),
    "sequence with a frame linked out": (new_shot("shot", plate="seq/plate.####.exr"), 403, "path_outside_roots"),
    "absolute plate elsewhere": (new_shot("shot", plate="/etc/passwd"), 403, "path_outside_roots"),
    "absolute workspace elsewhere": (new_shot("/tmp/faceplate-escaped-shot"), 403, "path_outside_roots"),
    "malformed JSON": (b'{"workspace": "shot", ', 400, "bad_json"),
    "not an object": (b"[1, 2]", 422, "bad_request"),
    "unknown field": (json.dumps({"workspace": "shot", "run_this": "rm -rf /"}).encode(), 422, "unknown_field"),
    "unknown field in the shot": (new_shot("shot", pickle="gASV"), 422, "unknown_field"),
    "huge frame range": (new_shot("shot", range="1-100000000"), 422, "bad_frame_range"),
    "unknown stage": (json.dumps({"workspace": "shot", "stages": ["shell"]}).encode(), 422, "bad_request"),
    "setting out of bounds": (
        json.dumps(
            {
                "workspace": "shot",
                "stages": ["train"],
                "settings": {"train": {"model": {"resolution": 3}}},
                "shot": {"plate": "media/plate.####.exr"},
            }
        ).encode(),
        422,
        "bad_setting",
    ),
    "oversized body": (new_shot("shot", colour_space="x" * 10) + b" " * 400_000, 413, "body_too_large"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_submission_writes_nothing_and_says_why(guarded, case):
    engine, token = guarded
    body, status, code = CASES[case]
    before = tree_hash(engine.roots)
    got, answer = send(engine.url, "POST", "/api/jobs", body, token)
    assert (got, answer["error"]["code"]) == (status, code), answer
    assert answer["error"]["message"] and "Traceback" not in json.dumps(answer)
    assert tree_hash(engine.roots) == before
    assert not Path("/tmp/faceplate-escaped-shot").exists()
    assert send(engine.url, "GET", "/api/jobs", None, token) == (200, {"jobs": []}), "nothing was recorded"
    assert engine.healthy()


def test_a_chunked_body_over_the_limit_is_refused_as_too_large(guarded):
    """No Content-Length to check up front: the engine counts the chunks as they come."""
    engine, token = guarded
    before = tree_hash(engine.roots)
    chunks = [new_shot("shot")[:-1]] + [b" " * 65536] * 8 + [b"}"]
    connection = http.client.HTTPConnection("127.0.0.1", engine.port, timeout=30)
    connection.request(
        "POST",
        "/api/jobs",
        body=iter(chunks),
        encode_chunked=True,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Transfer-Encoding": "chunked",
        },
    )
    answer = connection.getresponse()
    assert (answer.status, json.loads(answer.read())["error"]["code"]) == (413, "body_too_large")
    connection.close()
    assert tree_hash(engine.roots) == before and engine.healthy()
    assert send(engine.url, "GET", "/api/jobs", None, token) == (200, {"jobs": []})


def test_a_bad_setting_names_the_api_field(guarded):
    engine, token = guarded
    _, answer = send(engine.url, "POST", "/api/jobs", CASES["setting out of bounds"][0], token)
    assert "settings.train.model.resolution" in answer["error"]["message"]


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_every_endpoint_needs_the_token(guarded, token):
    engine, _ = guarded
    before = tree_hash(engine.roots)
    for method, path, body in [
        ("GET", "/api/jobs", None),
        ("GET", "/api/version", None),
        ("POST", "/api/jobs", new_shot("shot")),
        ("GET", "/api/jobs/x/events", None),
        ("GET", "/api/jobs/x/stream", None),
        ("POST", "/api/jobs/x/cancel", None),
        ("DELETE", "/api/jobs/x", None),
        ("GET", "/api/jobs/x/artifacts", None),
    ]:
        status, answer = send(engine.url, method, path, body, token)
        assert (status, answer["error"]["code"]) == (401, "unauthorized"), (method, path, answer)
    assert tree_hash(engine.roots) == before
    assert engine.healthy()


def test_the_token_file_is_the_users_only(guarded):
    engine, token = guarded
    assert (engine.data / "token").stat().st_mode & 0o777 == 0o600
    assert len(token) >= 40


def test_a_data_folder_left_open_is_made_the_users_only(example, engine_factory, tmp_path):
    """A data folder made by hand or by an older engine (0755, a 0644 job store and logs) is tightened at start;
    the store's WAL files and every new stage log are the user's only too."""
    roots, plate, source = example
    data = tmp_path / "data"
    (data / "logs" / "old-job").mkdir(parents=True)
    sqlite3.connect(data / "jobs.sqlite").close()
    (data / "logs" / "old-job" / "curate.1.log").write_text("an old run\n")
    for path in [data, data / "logs", data / "logs" / "old-job"]:
        path.chmod(0o755)
    for path in [data / "jobs.sqlite", data / "logs" / "old-job" / "curate.1.log"]:
        path.chmod(0o644)
    engine = engine_factory(roots, data)
    job = engine.client.submit(str(init_example_shot(roots / "sh_private", plate, source)), stages=["curate"])
    assert engine.client.watch(job["id"], lambda e: None, poll_s=0.1, timeout_s=60)["status"] == "failed"
    modes = {str(p.relative_to(data)): stat.S_IMODE(p.stat().st_mode) for p in [data, *data.rglob("*")]}
    assert {"jobs.sqlite-wal", "jobs.sqlite-shm", f"logs/{job['id']}/curate.1.log", "token"} <= set(modes)
    wrong = {name: oct(mode) for name, mode in modes.items() if mode != (0o700 if (data / name).is_dir() else 0o600)}
    assert not wrong, f"not the user's only: {wrong}"


def test_the_client_says_where_the_token_is_and_how_to_start_the_engine(guarded, tmp_path):
    engine, _ = guarded
    wrong = tmp_path / "other-token"
    wrong.write_text("not-it\n")
    with pytest.raises(EngineAuthError, match=str(wrong)):
        EngineClient(engine.url, token_file=wrong).jobs()
    with pytest.raises(EngineAuthError, match="cannot read the token file"):
        EngineClient(engine.url, token_file=tmp_path / "missing").jobs()
    with pytest.raises(EngineNotRunning, match="faceplate serve"):
        EngineClient("http://127.0.0.1:9", token="x", timeout=2).jobs()


def test_the_client_refuses_an_engine_of_another_api_version(guarded, monkeypatch):
    engine, _ = guarded
    monkeypatch.setattr(client_module, "API_VERSION", 99)
    with pytest.raises(EngineVersionMismatch, match="speaks API 1, this plug-in speaks API 99"):
        engine.client.jobs()


def test_the_client_finds_the_token_where_the_engine_writes_it(monkeypatch, tmp_path):
    from faceplate.server.config import default_data_dir

    monkeypatch.delenv("FACEPLATE_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert client_module.default_data_dir() == default_data_dir() == tmp_path / "faceplate"
