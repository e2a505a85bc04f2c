"""The train stage on a workspace: manifest record, errors a compositor can act on, the CLI,
identity reuse (--init-from) and --no-resume."""

from __future__ import annotations

import json
import shutil

import pytest

from faceplate.cli.main import main
from faceplate.errors import TrainError, WorkspaceError
from faceplate.faces.faceset import read_faceset, write_faceset
from faceplate.models import ModelConfig, load_generator
from faceplate.stages.train import train
from faceplate.training import TrainSettings
from faceplate.workspace import open_workspace

TINY = ModelConfig(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4)


def _settings(**kw) -> TrainSettings:
    return TrainSettings(**(dict(iterations=3, batch_size=2, lr_warmup=1, checkpoint_every=100, preview_every=100) | kw))


@pytest.fixture(scope="module")
def extracted(test_data, tmp_path_factory):
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import init_workspace

    heads = test_data / "talking_heads"
    ws = init_workspace(tmp_path_factory.mktemp("train") / "shot", heads / "grid_lrwp9a.mpg", "1001-1020",
                        sources=[heads / "grid_lwbsza.mpg"])
    run_stage(ws, "extract", {"crop_size": 64, "source_step": 3})
    return ws.root


@pytest.fixture
def shot(extracted, tmp_path):
    shutil.copytree(extracted, tmp_path / "shot")
    return open_workspace(tmp_path / "shot")


def test_train_is_recorded_and_the_generator_loads(shot):
    result = train(shot, _settings(), TINY, show_progress=False)
    run = shot.manifest.last_run("train")
    assert run.status == "done" and run.summary["iterations"] == 3 and run.summary["config_hash"] == TINY.config_hash()
    assert run.outputs["checkpoint"] == "model/checkpoints/00000003"
    _, config, info = load_generator(shot.root)
    assert config == TINY and info["iterations"] == 3 and result.device == "cpu"


def test_too_few_faces_names_the_faceset(shot):
    folder = shot.faceset_dir("source")
    faceset = read_faceset(folder)
    for r in faceset.records[2:]:
        r.status = "rejected"
    write_faceset(folder, faceset.header, faceset.records)
    with pytest.raises(TrainError, match="facesets/source has 2 kept faces"):
        train(shot, _settings(), TINY, show_progress=False)
    assert open_workspace(shot.root).manifest.last_run("train").status == "failed"


def test_missing_faceset_says_to_extract(shot):
    shutil.rmtree(shot.faceset_dir("destination"))
    with pytest.raises(WorkspaceError, match="faceplate extract"):
        train(shot, _settings(), TINY, show_progress=False)


def test_unreadable_crop_names_the_file(shot):
    record = read_faceset(shot.faceset_dir("destination")).records[0]
    (shot.faceset_dir("destination") / record.image).write_bytes(b"")
    with pytest.raises(TrainError, match=record.id):
        train(shot, _settings(), TINY, show_progress=False)


def test_init_from_an_identity_model_then_no_resume(shot, tmp_path):
    train(shot, _settings(), TINY, show_progress=False)
    other = tmp_path / "other"
    shutil.copytree(shot.root, other, ignore=shutil.ignore_patterns("model"))
    ws = open_workspace(other)
    result = train(ws, _settings(iterations=2), init_from=shot.root / "model", show_progress=False)
    assert result.start_iteration == 0 and result.iterations == 2
    assert load_generator(other)[1] == TINY  # the identity model's config was taken over
    train(ws, _settings(iterations=1), TINY, resume=False, show_progress=False)
    assert (other / "model.previous" / "latest.json").is_file()
    assert load_generator(other)[2]["iterations"] == 1


def test_cli_trains_resumes_and_reports_errors(shot, capsys):
    args = ["-q", "train", str(shot.root), "--iterations", "2", "--resolution", "64", "--ae-dims", "32", "--e-dims",
            "8", "--d-dims", "8", "--d-mask-dims", "4", "--batch", "2", "--device", "cpu"]
    assert main(args) == 0
    assert main(["-q", "train", str(shot.root), "--iterations", "3"]) == 0  # resumes with the saved settings
    pointer = json.loads((shot.root / "model" / "latest.json").read_text())
    assert pointer["iteration"] == 3
    meta = json.loads((shot.root / "model" / pointer["path"] / "meta.json").read_text())
    assert meta["train"]["batch_size"] == 2
    assert main(["-q", "train", str(shot.root), "--resolution", "100", "--no-resume"]) == 1
    assert "resolution 100" in capsys.readouterr().err


def test_ctrl_c_finishes_the_step_saves_and_resumes(tmp_path):
    """A real SIGINT to `faceplate train`: exit 130, a checkpoint at the iteration reached, resume goes on."""
    import json
    import signal
    import subprocess
    import sys
    import time

    from faceplate.demo import PLATE_SPACE, build_example
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import init_workspace

    plate, source = build_example(tmp_path / "example")
    ws = init_workspace(tmp_path / "shot", plate, "1001-1012", [source], colour_space=PLATE_SPACE)
    run_stage(ws, "extract", {"crop_size": 128})
    command = [sys.executable, "-m", "faceplate.cli.main", "-q", "train", str(ws.root), "--resolution", "64",
               "--ae-dims", "32", "--e-dims", "8", "--d-dims", "8", "--d-mask-dims", "4", "--batch", "2",
               "--checkpoint-every", "100000", "--preview-every", "100000"]
    run = subprocess.Popen(command + ["--iterations", "100000"], stderr=subprocess.PIPE, text=True)
    loss_log = ws.root / "model" / "loss.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (loss_log.is_file() and loss_log.read_text().count("\n") >= 2):
        time.sleep(0.5)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    latest = json.loads((ws.root / "model" / "latest.json").read_text())
    assert latest["iteration"] >= 20
    resumed = subprocess.run(command + ["--iterations", str(latest["iteration"] + 3)], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((ws.root / "model" / "latest.json").read_text())["iteration"] == latest["iteration"] + 3
