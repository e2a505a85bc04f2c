"""`faceplate export` on a workspace: the fp32 file always, the fp16 twin on request (and never stale),
the measured differences in the manifest, and render's choice of file."""

from __future__ import annotations

import pytest

from faceplate.cli.main import main
from faceplate.demo import PLATE_SPACE, build_example
from faceplate.errors import ExportError, StageCancelled
from faceplate.models import ModelConfig
from faceplate.reporting import RecordingReporter
from faceplate.stages.render import default_model_path
from faceplate.stages.runner import run_stage
from faceplate.training import Trainer, TrainSettings
from faceplate.workspace import init_workspace, open_workspace


@pytest.fixture()
def trained_shot(tmp_path):
    plate, source = build_example(tmp_path / "example")
    ws = init_workspace(tmp_path / "shot", plate, "1001-1004", [source], colour_space=PLATE_SPACE, fps="24")
    config = ModelConfig(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4)
    Trainer(config, TrainSettings(iterations=1)).save(ws.root / "model", loss=1.0)
    return ws.root


def test_fp16_export_is_recorded_and_an_export_without_it_removes_the_old_copy(trained_shot):
    assert main(["export", str(trained_shot), "--fp16"]) == 0
    export = trained_shot / "export"
    assert (export / "generator.onnx").is_file() and (export / "generator.fp16.onnx").is_file()
    run = open_workspace(trained_shot).manifest.stages[-1]
    assert (run.stage, run.outputs["fp16"]) == ("export", "export/generator.fp16.onnx")
    assert 0 <= run.summary["fp16_max_abs_diff"] <= 2e-2 and run.summary["max_abs_diff"] <= 1e-4
    assert default_model_path(open_workspace(trained_shot), "cpu").name == "generator.onnx"  # fp16 is for CUDA

    assert main(["export", str(trained_shot), "--no-fp16"]) == 0  # --fp16 is remembered until turned off
    assert not (export / "generator.fp16.onnx").exists(), "a half copy of an older model must not stay behind"


def test_a_refused_export_keeps_the_last_good_model(trained_shot, monkeypatch):
    import faceplate.export.onnx_export as onnx_export

    assert main(["export", str(trained_shot)]) == 0
    good = (trained_shot / "export" / "generator.onnx").read_bytes()
    monkeypatch.setattr(onnx_export, "parity", lambda *a, **k: 0.5)  # as if the export came out wrong
    with pytest.raises(ExportError, match=r"differs from PyTorch by 5.00e-01 .* previous export is unchanged"):
        run_stage(open_workspace(trained_shot), "export", {"force": True})
    assert (trained_shot / "export" / "generator.onnx").read_bytes() == good
    assert not [p for p in (trained_shot / "export").iterdir() if ".tmp" in p.name]
    assert open_workspace(trained_shot).manifest.stages[-1].status == "failed"


def test_a_second_export_of_the_same_checkpoint_is_up_to_date_and_leaves_the_file_alone(trained_shot, capsys):
    """Re-running a finished job must not re-export: the ONNX carries the export run's provenance, so a new
    file would change every frame's record and render would publish a new layer version of the same pixels."""
    assert main(["export", str(trained_shot)]) == 0
    onnx = trained_shot / "export" / "generator.onnx"
    first = onnx.read_bytes()
    capsys.readouterr()
    assert main(["export", str(trained_shot)]) == 0
    assert "up to date: export/generator.onnx is iteration 0 (use --force to redo)" in capsys.readouterr().err
    assert onnx.read_bytes() == first and [r.stage for r in open_workspace(trained_shot).manifest.stages] == [
        "init",
        "export",
    ]

    assert main(["export", str(trained_shot), "--fp16"]) == 0  # other settings: exported again
    assert (trained_shot / "export" / "generator.fp16.onnx").is_file()
    newer = Trainer(ModelConfig(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4), TrainSettings())
    newer.iteration = 5  # as if trained on: a newer checkpoint is exported again
    newer.save(trained_shot / "model", loss=0.5)
    capsys.readouterr()
    assert main(["export", str(trained_shot)]) == 0
    assert "up to date" not in capsys.readouterr().err and onnx.read_bytes() != first


def test_export_reports_each_file_and_a_cancel_keeps_what_is_done(trained_shot):
    reporter = RecordingReporter(cancel_after=2)  # the start, then the fp32 file done
    with pytest.raises(StageCancelled):
        run_stage(open_workspace(trained_shot), "export", {"fp16": True, "dfm": True}, reporter)
    assert [(p.done, p.total) for p in reporter.of("progress")] == [(0, 3), (1, 3)]
    assert (trained_shot / "export" / "generator.onnx").is_file()
    assert not (trained_shot / "export" / "generator.fp16.onnx").exists()
    assert open_workspace(trained_shot).manifest.stages[-1].status == "cancelled"

    again = RecordingReporter()
    result = run_stage(open_workspace(trained_shot), "export", None, again)  # fp16 and dfm are remembered
    assert set(result.outputs) == {"onnx", "fp16", "dfm"} and again.of("progress")[-1].done == 3
