"""The train stage on a workspace through the stage contract: manifest record, what the reporter
sees (progress, losses, previews, cancel), errors a compositor can act on, the CLI and the
settings the shot remembers, identity reuse (--init-from), --no-resume and SIGTERM."""

from __future__ import annotations

import hashlib
import json
import shutil
import time

import pytest

from faceplate.cli.main import main
from faceplate.errors import StageCancelled, TrainError, WorkspaceError
from faceplate.faces.faceset import read_faceset, write_faceset
from faceplate.models import ModelConfig
from faceplate.reporting import RecordingReporter
from faceplate.stages.runner import run_stage
from faceplate.training.restore import load_generator
from faceplate.workspace import open_workspace

TINY = ModelConfig(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4)
TINY_MODEL = {
    f"model.{k}": getattr(TINY, k) for k in ("arch", "resolution", "ae_dims", "e_dims", "d_dims", "d_mask_dims")
}
TINY_FLAGS = [
    "--arch",
    "liae",
    "--resolution",
    "64",
    "--ae-dims",
    "32",
    "--e-dims",
    "8",
    "--d-dims",
    "8",
    "--d-mask-dims",
    "4",
]


def _train(ws, reporter=None, **changes):
    base = {
        "train.iterations": 3,
        "train.batch_size": 2,
        "train.lr_warmup": 1,
        "train.checkpoint_every": 100,
        "train.preview_every": 100,
    } | TINY_MODEL
    return run_stage(
        ws,
        "train",
        base | {k if k in ("resume", "init_from") else f"train.{k}": v for k, v in changes.items()},
        reporter,
    )


def _latest(root) -> dict:
    return json.loads((root / "model" / "latest.json").read_text())


def _snapshot(root) -> dict:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".faceplate.lock"
    }


@pytest.fixture
def shot(talking_heads_extracted, tmp_path):
    shutil.copytree(talking_heads_extracted, tmp_path / "shot")
    return open_workspace(tmp_path / "shot")


def test_train_is_recorded_reported_and_the_generator_loads(shot):
    reporter = RecordingReporter()
    result = _train(shot, reporter, preview_every=2, log_every=1)
    run = open_workspace(shot.root).manifest.last_run("train")
    assert run.status == "done" and run.summary["iterations"] == 3 and run.summary["config_hash"] == TINY.config_hash()
    assert run.outputs["checkpoint"] == "model/checkpoints/00000003"
    _, config, info = load_generator(shot.root)
    assert config == TINY and info["iterations"] == 3 and result.detail.device == "cpu"
    assert info["run_id"] == run.id  # export writes it into the ONNX metadata: a retrain is another model
    progress = reporter.of("progress")
    assert progress[-1].done == progress[-1].total == 3 and progress[-1].unit == "it" and progress[-1].rate > 0
    metrics = reporter.of("metrics")
    assert [m["iteration"] for m in metrics] == [1, 2, 3]
    assert {"total", "src", "dst", "lr", "it_per_s"} <= set(metrics[-1])
    assert [(p.name, c.split(":")[0]) for p, c in reporter.of("preview")] == [("preview_00000002.png", "iteration 2")]
    # the last line reports the loss the checkpoint records, and says what it is
    recorded = _latest(shot.root)["loss"]
    assert len(result.lines) == 1 and "trained to iteration 3" in result.lines[0]
    assert f"mean reconstruction loss {recorded:.4f} over the last 3 iteration(s)" in result.lines[0]


def test_the_best_checkpoint_is_judged_without_the_adversarial_term(shot):
    # the adversarial term switching on mid-run must not make the checkpoints before it "best" (render uses best)
    reporter = RecordingReporter()
    _train(shot, reporter, iterations=4, log_every=1, gan_start=0, **{"weights.gan": 100.0})
    metrics = reporter.of("metrics")
    recorded = _latest(shot.root)["loss"]
    assert recorded == pytest.approx(sum(m["src"] + m["dst"] for m in metrics) / 4)
    assert sum(m["total"] for m in metrics) / 4 > recorded + 1.0  # the adversarial term is in the total only


def test_cancel_saves_a_checkpoint_at_that_iteration_and_the_next_run_resumes(shot):
    reporter = RecordingReporter(cancel_after=4)  # the Meter's first report, then three steps
    with pytest.raises(StageCancelled, match="cancelled at iteration 3"):
        _train(shot, reporter, iterations=100_000)
    stopped = time.monotonic()
    assert stopped - reporter.cancel_time < 2.0
    assert _latest(shot.root)["iteration"] == 3
    assert (shot.root / "model" / "checkpoints" / "00000003" / "weights.safetensors").is_file()
    assert open_workspace(shot.root).manifest.last_run("train").status == "cancelled"
    again = _train(shot, iterations=5)
    assert again.detail.start_iteration == 3 and again.detail.iterations == 5
    assert open_workspace(shot.root).manifest.last_run("train").status == "done"


def test_too_few_faces_names_the_faceset_and_leaves_the_shot_untouched(shot):
    folder = shot.faceset_dir("source")
    faceset = read_faceset(folder)
    for r in faceset.records[2:]:
        r.status = "rejected"
    write_faceset(folder, faceset.header, faceset.records)
    before = _snapshot(shot.root)
    with pytest.raises(TrainError, match="facesets/source has 2 kept faces"):
        _train(shot)
    assert _snapshot(shot.root) == before


def test_missing_faceset_says_to_extract(shot):
    shutil.rmtree(shot.faceset_dir("destination"))
    with pytest.raises(WorkspaceError, match="faceplate extract"):
        _train(shot)


def test_unreadable_crop_names_the_file(shot):
    record = read_faceset(shot.faceset_dir("destination")).records[0]
    (shot.faceset_dir("destination") / record.image).write_bytes(b"")
    with pytest.raises(TrainError, match=record.id):
        _train(shot)


def test_init_from_an_identity_model_then_no_resume(shot, tmp_path):
    _train(shot)
    other = tmp_path / "other"
    shutil.copytree(shot.root, other, ignore=shutil.ignore_patterns("model"))
    ws = open_workspace(other)
    result = run_stage(
        ws, "train", {"train.iterations": 2, "train.batch_size": 2, "init_from": str(shot.root / "model")}
    ).detail
    assert result.start_iteration == 0 and result.iterations == 2
    assert load_generator(other)[1] == TINY  # the identity model's config was taken over
    with pytest.raises(TrainError, match="--no-resume"):  # a model is there: --init-from would be ignored
        run_stage(ws, "train", {"init_from": str(shot.root / "model")})
    first = load_generator(other)[2]["run_id"]
    _train(ws, iterations=2, resume=False)
    assert (other / "model.previous" / "latest.json").is_file()
    info = load_generator(other)[2]
    assert info["iterations"] == 2 and info["run_id"] != first  # same iteration count, another model


def test_no_resume_keeps_the_old_model_aside_and_puts_it_back_when_the_new_run_fails(shot, monkeypatch):
    from faceplate.training.trainer import Trainer

    _train(shot)
    seen = []

    def before_first_step(kind, value):
        if kind == "progress" and value.done == 0:
            seen.append(json.loads((shot.root / "model.previous" / "latest.json").read_text())["iteration"])

    def broken_step(self, batch, limit=None):
        raise RuntimeError("the GPU fell over")

    monkeypatch.setattr(Trainer, "train_step", broken_step)
    with pytest.raises(RuntimeError):
        _train(shot, RecordingReporter(on_event=before_first_step), iterations=5, resume=False)
    assert seen == [3], "the old model was aside (not deleted) while the new one had no checkpoint"
    assert _latest(shot.root)["iteration"] == 3 and not (shot.root / "model.previous").exists()
    assert open_workspace(shot.root).manifest.last_run("train").status == "failed"
    monkeypatch.undo()
    _train(shot, iterations=2, resume=False)
    assert _latest(shot.root)["iteration"] == 2
    assert json.loads((shot.root / "model.previous" / "latest.json").read_text())["iteration"] == 3


def test_cli_remembers_what_the_artist_set(shot, capsys):
    assert (
        main(
            [
                "-q",
                "train",
                str(shot.root),
                "--iterations",
                "2",
                "--lr",
                "1e-4",
                "--batch",
                "2",
                "--device",
                "cpu",
                *TINY_FLAGS,
            ]
        )
        == 0
    )
    stored = open_workspace(shot.root).manifest.settings["train"]
    assert stored["train"]["lr"] == 1e-4 and stored["train"]["batch_size"] == 2 and stored["model"]["ae_dims"] == 32
    assert "init_from" not in stored and "resume" not in stored  # per-run options
    assert main(["-q", "train", str(shot.root), "--iterations", "3"]) == 0  # the custom size resumes
    meta = json.loads((shot.root / "model" / _latest(shot.root)["path"] / "meta.json").read_text())
    assert _latest(shot.root)["iteration"] == 3
    assert meta["train"]["lr"] == 1e-4 and meta["train"]["batch_size"] == 2 and meta["model"]["ae_dims"] == 32
    capsys.readouterr()
    assert main(["train", str(shot.root)]) == 0  # plain: the remembered target is reached already
    assert "already at iteration 3" in capsys.readouterr().err
    assert main(["-q", "train", str(shot.root), "--minutes", "0.001"]) == 0  # a target given replaces the others
    stored = open_workspace(shot.root).manifest.settings["train"]["train"]
    assert stored["iterations"] is None and stored["minutes"] == 0.001 and stored["lr"] == 1e-4
    capsys.readouterr()
    assert main(["train", str(shot.root), "--budget", "5it"]) == 0  # a budget alone replaces the remembered targets
    assert "trains until 5 it (budget 5it on cpu: 5 it)" in capsys.readouterr().err
    assert _latest(shot.root)["iteration"] == 5
    stored = open_workspace(shot.root).manifest.settings["train"]
    assert stored["budget"] == "5it" and stored["train"]["minutes"] is None and stored["train"]["iterations"] is None


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--lr", "nan"], "--lr"),
        (["--batch", "0"], "--batch"),
        (["--resolution", "100", "--no-resume"], "--resolution"),
        (["--minutes", "inf"], "--minutes"),
    ],
)
def test_cli_refuses_bad_settings_in_one_line_and_touches_nothing(shot, capsys, flags, named):
    before = _snapshot(shot.root)
    assert main(["-q", "train", str(shot.root), *flags]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0] and err[0].startswith("faceplate: error:"), err
    assert _snapshot(shot.root) == before


def test_asking_another_size_of_a_model_being_continued_is_refused(shot, capsys):
    _train(shot)
    before = _snapshot(shot.root)
    assert main(["-q", "train", str(shot.root), "--ae-dims", "64", "--iterations", "4"]) == 1
    err = capsys.readouterr().err
    assert "ae_dims=32 (asked for 64)" in err and "--no-resume" in err
    assert _snapshot(shot.root) == before


def test_sigterm_saves_a_checkpoint_and_the_next_run_resumes(tmp_path):
    """A real SIGTERM to `faceplate train`: exit 130, a checkpoint at the iteration reached, the run
    recorded as cancelled (not left running), and the next run resumes from it."""
    import signal
    import subprocess
    import sys

    from faceplate.demo import PLATE_SPACE, build_example
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import init_workspace

    plate, source = build_example(tmp_path / "example")
    ws = init_workspace(tmp_path / "shot", plate, "1001-1012", [source], colour_space=PLATE_SPACE)
    run_stage(ws, "extract", {"crop_size": 128})
    command = [
        sys.executable,
        "-m",
        "faceplate.cli.main",
        "-q",
        "train",
        str(ws.root),
        *TINY_FLAGS,
        "--batch",
        "2",
        "--checkpoint-every",
        "100000",
        "--preview-every",
        "100000",
        "--log-every",
        "1",
    ]
    run = subprocess.Popen(command + ["--iterations", "100000"], stderr=subprocess.PIPE, text=True)
    loss_log = ws.root / "model" / "loss.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (loss_log.is_file() and loss_log.read_text().count("\n") >= 3):
        time.sleep(0.2)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "cancelled at iteration" in err
    latest = _latest(ws.root)
    assert latest["iteration"] >= 3
    assert open_workspace(ws.root).manifest.last_run("train").status == "cancelled"
    resumed = subprocess.run(command + ["--iterations", str(latest["iteration"] + 2)], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert _latest(ws.root)["iteration"] == latest["iteration"] + 2
