"""Every setting that names a file or folder stays under the engine's roots, through a real engine on loopback.

Each path-typed setting is tried with ``..``, an absolute path outside, a symlink out (refused when the job
is submitted: 403 naming the field), and a file swapped for a link out while the job waits on the shot's lock
(the job fails naming the field). So is the workspace itself, swapped for a link to a shot outside. A canary
tree outside the roots is hashed before and after, and no answer, event or log quotes the canary's text.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from pathlib import Path

import pytest
from server_helpers import init_example_shot, start_engine
from test_security import send, tree_hash

from faceplate.settings import flat_fields, is_rooted
from faceplate.stages import STAGES
from faceplate.workspace.lock import LOCK_NAME

FOLDER_FIELDS = {("review", "out")}  # named as a folder; every other path setting names a file
PARTNERS = {("render", "sign_cert"): "sign_key", ("render", "sign_key"): "sign_cert"}  # given only together


def path_settings() -> list[tuple[str, str]]:
    """(stage, dotted field) of every setting typed RootedPath: a new one is tried here without a change."""
    return [
        (name, path)
        for name, stage in STAGES.items()
        for path, info in flat_fields(stage.settings_class)
        if is_rooted(info)
    ]


@pytest.fixture(scope="module")
def paths_engine(example, tmp_path_factory):
    """An engine whose root holds the example media and this module's files; a canary tree outside it."""
    roots, plate, source = example
    outside = tmp_path_factory.mktemp("outside")
    canary = f"CANARY-{secrets.token_hex(8)}"
    (outside / "canary.txt").write_text(canary + "\n")
    (outside / "canary_dir").mkdir()
    (outside / "canary_dir" / "secret.txt").write_text(canary + "\n")
    own = roots / "setting_paths"
    (own / "inputs").mkdir(parents=True)
    (own / "inputs" / "partner.pem").write_text("inside\n")
    (own / "link_file").symlink_to(outside / "canary.txt")
    (own / "link_dir").symlink_to(outside / "canary_dir")
    engine = start_engine(roots, tmp_path_factory.mktemp("paths") / "data")
    yield engine, (engine.data / "token").read_text().strip(), own, outside, canary, (plate, source)
    engine.stop()


def settings_for(stage: str, field: str, value: str, own: Path) -> dict:
    settings = {field: value}
    if (stage, field) in PARTNERS:
        settings[PARTNERS[stage, field]] = str(own / "inputs" / "partner.pem")
    return settings


def escapes(stage: str, field: str, outside: Path) -> dict[str, str]:
    folder = (stage, field) in FOLDER_FIELDS
    return {
        "dotdot": f"setting_paths/../../{outside.name}/" + ("canary_dir" if folder else "canary.txt"),
        "absolute": str(outside / ("canary_dir" if folder else "canary.txt")),
        "symlink": "setting_paths/" + ("link_dir" if folder else "link_file"),
    }


@pytest.mark.parametrize("stage,field", path_settings())
def test_a_path_setting_out_of_the_roots_is_refused_at_submission(paths_engine, stage, field):
    engine, token, own, outside, canary, _ = paths_engine
    before_inside, before_outside = tree_hash(own), tree_hash(outside)
    for kind, value in escapes(stage, field, outside).items():
        body = {
            "workspace": "setting_paths/new_shot",
            "stages": [stage],
            "shot": {"plate": "setting_paths/inputs/plate.####.exr", "consent_ref": "release form 12"},
            "settings": {stage: settings_for(stage, field, value, own)},
        }
        status, answer = send(engine.url, "POST", "/api/jobs", json.dumps(body).encode(), token)
        assert (status, answer["error"]["code"]) == (403, "path_outside_roots"), (kind, answer)
        assert f"settings.{stage}.{field}" in answer["error"]["message"], (kind, answer)
        assert canary not in json.dumps(answer)
    assert send(engine.url, "GET", "/api/jobs", None, token) == (200, {"jobs": []}), "nothing was recorded"
    assert (tree_hash(own), tree_hash(outside)) == (before_inside, before_outside)


@contextlib.contextmanager
def held(shot: Path):
    """Hold the shot's lock as another program would (a bare flock: letting go writes nothing)."""
    fd = os.open(shot / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def wait_until(engine, job_ids: list[str], done) -> dict[str, dict]:
    """Poll the jobs until ``done(job)`` held for each at least once; returns each job as last seen."""
    seen: dict[str, dict] = {}
    deadline = time.monotonic() + 120
    while set(seen) != set(job_ids):
        assert time.monotonic() < deadline, {j: engine.client.job(j)["status"] for j in job_ids}
        for job_id in set(job_ids) - set(seen):
            job = engine.client.job(job_id)
            if done(job):
                seen[job_id] = job
        time.sleep(0.1)
    return seen


def quoted_anywhere(engine, job_ids: list[str], text: str) -> list[str]:
    """Where ``text`` shows: the jobs, their events, the engine's logs."""
    places = [f"job {j}" for j in job_ids if text in json.dumps(engine.client.job(j))]
    places += [f"events of {j}" for j in job_ids if text in json.dumps(engine.client.events(j))]
    logs = [*engine.data.rglob("*.log"), *engine.data.parent.glob("*-serve.log")]
    return places + [str(p) for p in logs if text in p.read_text(errors="replace")]


def test_paths_swapped_for_links_out_while_the_jobs_wait_on_the_lock_fail_the_jobs(paths_engine):
    """One job per path setting on one shot held by 'another program': each was checked when submitted (the file
    was inside the roots), then the file became a link out; once the shot is free every job fails naming its field."""
    engine, token, own, outside, canary, (plate, source) = paths_engine
    shot = init_example_shot(own / "held_shot", plate, source)
    manifest = (shot / "faceplate.json").read_bytes()
    jobs: dict[str, str] = {}
    with held(shot):
        for stage, field in path_settings():
            target = own / "inputs" / f"{stage}.{field}"
            if (stage, field) in FOLDER_FIELDS:
                target.mkdir()
            else:
                target.write_text("inside\n")
            settings = {stage: settings_for(stage, field, str(target), own)}
            job = engine.client.submit(str(shot), stages=[stage], settings=settings)
            jobs[job["id"]] = f"settings.{stage}.{field}"
        wait_until(engine, list(jobs)[:1], lambda j: j["status"] == "busy")  # the jobs met the held lock
        assert all(engine.client.job(j)["status"] in ("queued", "running", "busy") for j in jobs)
        for stage, field in path_settings():
            target = own / "inputs" / f"{stage}.{field}"
            shutil.rmtree(target) if target.is_dir() else target.unlink()
            target.symlink_to(outside / ("canary_dir" if (stage, field) in FOLDER_FIELDS else "canary.txt"))
        before = tree_hash(outside)
    finished = wait_until(engine, list(jobs), lambda j: j["status"] in ("done", "failed", "cancelled"))
    for job_id, named in jobs.items():
        job = finished[job_id]
        assert job["status"] == "failed" and named in job["error"] and "outside the engine's roots" in job["error"], job
    assert tree_hash(outside) == before, "nothing outside the roots was written"
    assert quoted_anywhere(engine, list(jobs), canary) == []
    assert (shot / "faceplate.json").read_bytes() == manifest, "no stage ran on the shot"


def test_a_shot_swapped_for_a_link_out_while_its_job_waits_is_not_touched(paths_engine):
    """The shot under the root is moved out and a link to it left in its place while its job waits on the lock:
    the job fails naming the workspace, and the shot outside gains no run."""
    engine, token, own, outside, canary, (plate, source) = paths_engine
    shot = init_example_shot(own / "swapped_shot", plate, source)
    manifest = (shot / "faceplate.json").read_bytes()
    with held(shot):
        job = engine.client.submit(str(shot), stages=["curate"])
        wait_until(engine, [job["id"]], lambda j: j["status"] == "busy")
        moved = outside / "swapped_shot"
        shot.rename(moved)
        shot.symlink_to(moved)
        before = tree_hash(outside)  # the lock is let go without writing into the shot
    final = wait_until(engine, [job["id"]], lambda j: j["status"] in ("done", "failed", "cancelled"))[job["id"]]
    assert final["status"] == "failed", final
    assert "workspace" in final["error"] and "outside the engine's roots" in final["error"], final
    assert tree_hash(outside) == before, "the shot outside gained nothing"
    assert (moved / "faceplate.json").read_bytes() == manifest
    status, answer = send(engine.url, "GET", f"/api/jobs/{job['id']}/artifacts", None, token)
    assert (status, answer["error"]["code"]) == (403, "path_outside_roots"), "the shot outside is not read either"
    assert engine.healthy()


def test_a_shot_whose_plate_lies_outside_the_roots_is_refused_at_submission(paths_engine):
    """A shot made with the CLI from a plate outside the roots: the engine does not read that plate."""
    engine, token, own, outside, canary, (plate, source) = paths_engine
    outside_plate = outside / "plate"
    shutil.copytree(Path(plate).parent, outside_plate)
    shot = init_example_shot(own / "plate_outside", str(outside_plate / Path(plate).name), source)
    body = json.dumps({"workspace": str(shot), "stages": ["extract"]}).encode()
    status, answer = send(engine.url, "POST", "/api/jobs", body, token)
    assert (status, answer["error"]["code"]) == (403, "path_outside_roots") and "plate" in answer["error"]["message"]


def test_a_remembered_path_setting_out_of_the_roots_fails_the_job_naming_it(paths_engine):
    """A shot remembers a reference still outside the roots (set by a CLI run): the worker refuses it."""
    from faceplate.workspace import open_workspace

    engine, token, own, outside, canary, (plate, source) = paths_engine
    workspace = open_workspace(init_example_shot(own / "remembers_outside", plate, source))
    with workspace.locked("extract"):
        workspace.update(lambda m: m.settings.update(extract={"reference": str(outside / "canary.txt")}))
    before = tree_hash(outside)
    job = engine.client.submit(str(workspace.root), stages=["extract"])
    final = wait_until(engine, [job["id"]], lambda j: j["status"] in ("done", "failed", "cancelled"))[job["id"]]
    assert final["status"] == "failed" and "settings.extract.reference" in final["error"], final
    assert tree_hash(outside) == before and quoted_anywhere(engine, [job["id"]], canary) == []
