"""A tiny shot through the real OpenJD runtime (`openjd run`, every step a real `faceplate` process):
the layer equals `faceplate run`'s on the same shot and settings, each render chunk writes its own
frames once, a re-run chunk writes only what it is missing, a failing step stops its dependants
with the stage's one-line error, and path mapping re-points the shot at moved media.

One job (6 frames, 3 render chunks of 2, a three-iteration 64 px model) is run once for the module.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from farm_helpers import engine_env, example, export, faceplate, run_job, tiny_library, tiny_shot

from faceplate.atomic import write_text_atomic
from faceplate.farm.export import identity_for
from faceplate.farm.local import beside_python, failure_line, remember_settings
from faceplate.farm.template import farm_stages
from faceplate.media import read_image
from faceplate.render.outputs import RenderPaths
from faceplate.render.versions import LATEST_FILE, VERSION_FILE, latest_version, list_versions, read_version
from faceplate.workspace import open_workspace
from faceplate.workspace.lock import WorkspaceLock

pytestmark = pytest.mark.slow
FRAMES = list(range(1001, 1007))


@dataclass
class Job:
    shot: Path
    template: Path
    parameters: Path
    done: subprocess.CompletedProcess
    media: tuple[str, str]
    base: Path


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> Job:
    base = tmp_path_factory.mktemp("farm_run")
    media = example(base / "media")
    shot = tiny_shot(base / "shots" / "sh010", media)
    shutil.copytree(shot, base / "by_hand" / "sh010")  # the same shot and settings, for `faceplate run`
    template, parameters = export([shot], base / "job", chunk_size=2)
    done = run_job(template, parameters)
    (base / "job" / "openjd.log").write_text(done.stdout)
    assert done.returncode == 0, done.stdout[-4000:]
    return Job(shot, template, parameters, done, media, base)


def layer(shot: Path, frame: int) -> Path:
    return shot / "render" / "v001" / "layer" / f"faceplate.{frame:04d}.exr"


def unpublished_v001(shot: Path) -> RenderPaths:
    """v001 as render tasks leave it before the last of them finishes: not yet published (no latest.json)."""
    info = read_version(shot / "render", "v001")
    write_text_atomic(shot / "render" / "v001" / VERSION_FILE, json.dumps({**info, "published": None}))
    (shot / "render" / LATEST_FILE).unlink()
    return RenderPaths(shot / "render" / "v001", "faceplate", "exr")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def render_runs(shot: Path) -> list:
    return open_workspace(shot).manifest.runs_of("render")


def test_every_step_runs_and_the_layer_equals_faceplate_run_on_the_same_shot(job):
    ran = re.findall(r"Running step '([^']+)'", job.done.stdout)
    assert ran == ["media", *farm_stages()]
    written = (job.shot / "render" / "v001" / "layer").glob("faceplate.*.exr")
    assert sorted(int(p.name.split(".")[1]) for p in written) == FRAMES
    assert re.search(r"openjd_progress: 100\.0", job.done.stdout), "the stages report progress to the runtime"

    by_hand = job.base / "by_hand" / "sh010"
    done = faceplate("run", by_hand)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (by_hand / "render" / "v001" / "layer").glob("*.exr")) == sorted(
        p.name for p in (job.shot / "render" / "v001" / "layer").glob("*.exr")
    )
    for frame in FRAMES:
        farm, hand = read_image(layer(job.shot, frame), alpha=True), read_image(layer(by_hand, frame), alpha=True)
        assert farm.shape == hand.shape == (540, 960, 4)
        assert farm[..., 3].max() > 0.1, f"frame {frame} has a face matte (a 3-iteration model: a faint one)"
        assert np.abs(farm - hand).max() <= 1e-3, f"frame {frame} differs from faceplate run's"


def test_each_render_chunk_writes_its_own_frames_exactly_once(job):
    chunks = re.findall(r"Frame\(CHUNK\[INT\]\) = (\S+)", job.done.stdout)
    assert chunks == ["1001-1002", "1003-1004", "1005-1006"]
    runs = render_runs(job.shot)[:3]
    assert [r.summary["frames_written"] for r in runs] == chunks
    assert [r.summary["frames_skipped"] for r in runs] == ["", "", ""]
    assert all(r.status == "done" for r in runs)


def test_a_rerun_chunk_writes_only_the_frames_it_is_missing(job):
    """What a render task killed between its two frames leaves: 1003 written with its record, 1004 not."""
    paths = unpublished_v001(job.shot)
    for path in (paths.record(1004), paths.layer(1004), paths.matte(1004), paths.preview(1004)):
        path.unlink()
    kept = {f: digest(layer(job.shot, f)) for f in FRAMES if f != 1004}
    done = run_job(job.template, job.parameters, "--step", "render", "--task-param", "Frame=1003-1004")
    assert done.returncode == 0, done.stdout[-3000:]
    last = render_runs(job.shot)[-1]
    assert last.summary["frames_written"] == "1004" and last.summary["frames_skipped"] == "1003"
    assert "rendered 1004 into v001 (not rendered before: 1004)" in done.stdout
    assert {f: digest(layer(job.shot, f)) for f in kept} == kept, "frames already written are left alone"
    assert layer(job.shot, 1004).is_file()
    assert "published v001" in done.stdout and latest_version(job.shot / "render") == "v001"


def test_a_failing_step_stops_its_dependants_with_the_stages_one_line_error(job, tmp_path):
    shot = tiny_shot(tmp_path / "shots" / "sh020", job.media, "1001-1002")
    remember_settings(open_workspace(shot), {"train": {"train": {"min_faces": 500}}})
    template, parameters = export([shot], tmp_path / "job")
    done = run_job(template, parameters)
    assert done.returncode != 0
    ran = re.findall(r"Running step '([^']+)'", done.stdout)
    assert ran == ["media", "extract", "curate", "mask", "train"], "export and render never start"
    printed = re.findall(r"faceplate: error: (.*)", done.stdout)
    assert len(printed) == 1 and "500" in printed[0]
    assert failure_line(done.stdout) == printed[0].strip()
    assert not (shot / "export" / "generator.onnx").exists()


def test_path_mapping_points_the_shot_at_the_media_where_the_node_sees_it(job, tmp_path):
    shot = tiny_shot(tmp_path / "shots" / "sh030", job.media, "1001-1002")
    template, parameters = export([shot], tmp_path / "job")
    exported_media = Path(json.loads(parameters.read_text())["Media"])
    node_media = tmp_path / "node_mount" / "media"
    shutil.copytree(exported_media, node_media)  # the same footage, mounted elsewhere on the node
    rules = {
        "version": "pathmapping-1.0",
        "path_mapping_rules": [
            {"source_path_format": "POSIX", "source_path": str(exported_media), "destination_path": str(node_media)}
        ],
    }
    (tmp_path / "rules.json").write_text(json.dumps(rules))
    done = run_job(template, parameters, "--step", "media", "--path-mapping-rules", f"file://{tmp_path / 'rules.json'}")
    assert done.returncode == 0, done.stdout[-3000:]
    manifest = open_workspace(shot).manifest
    assert manifest.plate.path == str(node_media / "plate" / "astronaut.####.exr")
    assert [c.path for c in manifest.sources] == [str(node_media / "source" / "astronaut_src.####.png")]


def _output_until_waiting(node: subprocess.Popen) -> list[str]:
    """The node's lines up to the one saying it waits for the busy shot (all of them if it ends without one)."""
    lines = []
    for line in node.stdout:
        lines.append(line)
        if "waiting up to" in line:
            break
    return lines


def test_two_nodes_given_chunks_of_one_shot_wait_for_it_and_write_each_frame_once(job):
    """Two `openjd run` sessions (two nodes) start chunks of the shot while another program holds it
    exclusively: both wait for the shot (FACEPLATE_LOCK_WAIT, set by the job) instead of failing, then render
    their own frames (at once: render shares the shot; test_render_chunks.py shows the overlap) into one version.
    The holder lets go only once both said they wait, so neither can slip past it, whichever node gets there first."""
    paths = unpublished_v001(job.shot)
    for frame in (1001, 1002, 1003, 1004):
        for path in (paths.record(frame), paths.layer(frame), paths.matte(frame), paths.preview(frame)):
            path.unlink()
    before = len(render_runs(job.shot))
    holder = WorkspaceLock(job.shot)
    holder.acquire("test")
    try:
        nodes = [
            subprocess.Popen(
                [
                    beside_python("openjd"),
                    "run",
                    str(job.template),
                    "--job-param",
                    f"file://{job.parameters}",
                    "--step",
                    "render",
                    "--task-param",
                    f"Frame={chunk}",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=engine_env(),
            )
            for chunk in ("1001-1002", "1003-1004")
        ]
        with ThreadPoolExecutor(len(nodes)) as pool:  # each node's lines until it waits, read side by side
            waited = list(pool.map(_output_until_waiting, nodes))
    finally:
        holder.release()
    logs = ["".join(head) + node.communicate(timeout=600)[0] for head, node in zip(waited, nodes)]
    assert all("is busy: `test`" in head[-1] and "waiting up to 21600 s" in head[-1] for head in waited), logs
    assert [node.returncode for node in nodes] == [0, 0], logs
    runs = render_runs(job.shot)[before:]
    assert sorted(r.summary["frames_written"] for r in runs) == ["1001-1002", "1003-1004"]
    assert all(paths.done(f, preview=True) for f in FRAMES)
    assert latest_version(job.shot / "render") == "v001" and list_versions(job.shot / "render") == ["v001"]


def test_the_identity_step_trains_once_and_the_shot_starts_from_it(job, tmp_path):
    source = Path(job.media[1]).parent
    library = tiny_library(tmp_path / "library", source)
    shot = tiny_shot(tmp_path / "shots" / "sh050", job.media, "1001-1002")
    remember_settings(
        open_workspace(shot),
        {
            "extract": {"face_type": "whole_face"},  # the library's face type
            "train": {"train": {"iterations": 6}, "model": {}},
        },
    )
    template, parameters = export([shot], tmp_path / "job", identity=identity_for(library, source))
    done = run_job(template, parameters, "--step", "train", "--run-dependencies")
    assert done.returncode == 0, done.stdout[-3000:]
    ran = re.findall(r"Running step '([^']+)'", done.stdout)
    assert sorted(ran) == sorted(["identity", "media", "extract", "curate", "mask", "train"]) and ran[-1] == "train"
    pretrained = open_workspace(library).manifest.runs_of("pretrain")
    assert [r.status for r in pretrained] == ["done"]
    train = open_workspace(shot).manifest.runs_of("train")[-1]
    assert train.status == "done" and train.inputs["init_from"] == str(library)
    assert f"starting from the weights of {library}/model/checkpoints/00000003" in done.stdout
