"""`faceplate pretrain` (a generic face model trained on a library of faces, that shots start from)
and the training profiles (defaults by device, announced in one line, what the artist set wins)."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from faceplate.budget import parse_budget
from faceplate.cli.main import main
from faceplate.errors import WorkspaceError
from faceplate.faces.faceset import read_faceset
from faceplate.models import ModelConfig
from faceplate.reporting import RecordingReporter
from faceplate.stages.runner import run_stage
from faceplate.training import checkpoint as ckpt
from faceplate.training.profiles import PROFILES, choose_profile, resolve
from faceplate.training.settings import TrainStageSettings
from faceplate.workspace import open_workspace

TINY = ["--resolution", "64", "--ae-dims", "32", "--e-dims", "8", "--d-dims", "8", "--d-mask-dims", "4"]
QUICK = {
    "train.iterations": 1,
    "train.batch_size": 2,
    "train.checkpoint_every": 100,
    "train.preview_every": 100,
    "train.device": "cpu",
}
QUICK_FLAGS = ["--batch", "2", "--device", "cpu", "--checkpoint-every", "100", "--preview-every", "100"]  # QUICK's


@pytest.fixture(scope="module")
def library(test_data, tmp_path_factory):
    """A library of two people's stills, pretrained for 3 iterations of a tiny model."""
    root = tmp_path_factory.mktemp("pretrain") / "library"
    people = [test_data / "identities" / name for name in ("John_Salley", "John_Savage")]
    assert (
        main(
            [
                "-q",
                "pretrain",
                str(root),
                "--faces",
                str(people[0]),
                "--faces",
                str(people[1]),
                *TINY,
                "--crop-size",
                "64",
                "--iterations",
                "3",
                "--lr-warmup",
                "1",
                *QUICK_FLAGS,
            ]
        )
        == 0
    )
    return root


@pytest.fixture
def shot(talking_heads_extracted, tmp_path):
    shutil.copytree(talking_heads_extracted, tmp_path / "shot")
    return open_workspace(tmp_path / "shot")


def _weights(folder) -> dict[str, torch.Tensor]:
    return ckpt.load_weights(folder)[0]["model"]


def _meta(root) -> dict:
    latest = json.loads((root / "model" / "latest.json").read_text())
    return json.loads((root / "model" / latest["path"] / "meta.json").read_text())


def test_pretrain_extracts_every_face_and_trains_one_faceset_on_both_sides(library):
    ws = open_workspace(library)
    runs = {r.stage: r for r in ws.manifest.stages}
    assert runs["extract"].status == runs["pretrain"].status == "done"
    assert runs["extract"].parameters["all_faces"] is True and runs["extract"].parameters["role"] == "source"
    kept = len(read_faceset(ws.faceset_dir("source")).kept)
    assert kept >= 16, "faces of both people's stills"
    assert runs["pretrain"].summary["src_faces"] == runs["pretrain"].summary["dst_faces"] == kept
    assert not ws.faceset_dir("destination").exists(), "the library has one faceset"
    assert ckpt.read_pointer(library / "model", "latest")["iteration"] == 3


def test_pretrain_continues_its_model_and_keeps_its_faces(library, tmp_path, test_data):
    copy = tmp_path / "library"
    shutil.copytree(library, copy)
    reporter = RecordingReporter()
    result = run_stage(open_workspace(copy), "pretrain", {"train.iterations": 5}, reporter)
    assert result.detail.start_iteration == 3 and result.detail.iterations == 5
    assert "source: up to date, nothing to do (use --force to redo)" in result.lines
    assert result.lines[-1] == f"start a shot from it: faceplate train SHOT --init-from {copy}"
    said = [m for _, m in reporter.of("log")]
    assert any(
        m.startswith("profile preview (budget preview on cpu): continuing the library's df 64 px") for m in said
    ), said
    with pytest.raises(WorkspaceError, match="leave --faces out"):
        from faceplate.stages.pretrain import create_library

        create_library(copy, [test_data / "identities" / "John_Schneider"])


def test_a_new_library_needs_faces_and_a_refused_flag_makes_nothing(tmp_path, capsys, test_data):
    assert main(["-q", "pretrain", str(tmp_path / "lib")]) == 1
    assert "--faces" in capsys.readouterr().err
    assert (
        main(
            [
                "-q",
                "pretrain",
                str(tmp_path / "lib"),
                "--faces",
                str(test_data / "identities" / "John_Salley"),
                "--lr",
                "2",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--lr" in err[0]
    assert not (tmp_path / "lib").exists()


def test_a_shot_starts_from_the_library_weights(library, shot, tmp_path):
    result = run_stage(shot, "train", QUICK | {"init_from": str(library)})
    assert result.detail.start_iteration == 0 and result.detail.iterations == 1
    library_weights = _weights(ckpt.resolve_checkpoint(library))
    start = _weights(shot.root / "model" / "checkpoints" / "00000000")
    assert start.keys() == library_weights.keys()
    assert all(torch.equal(start[k], library_weights[k]) for k in start), "step 0 is the library's model"
    assert _meta(shot.root)["model"] == _meta(library)["model"], "the library's shape is taken over"
    # from scratch, the same seed starts elsewhere
    scratch = open_workspace(shutil.copytree(shot.root, tmp_path / "scratch", ignore=shutil.ignore_patterns("model")))
    run_stage(
        scratch,
        "train",
        QUICK
        | {
            f"model.{k}": v
            for k, v in _meta(library)["model"].items()
            if k in ("arch", "resolution", "ae_dims", "e_dims", "d_dims", "d_mask_dims")
        },
    )
    fresh = _weights(scratch.root / "model" / "checkpoints" / "00000000")
    assert not all(torch.equal(fresh[k], library_weights[k]) for k in fresh)


def test_preview_profile_without_cuda_is_announced_and_recorded(shot):
    reporter = RecordingReporter()
    run_stage(shot, "train", QUICK | {"profile": "preview"}, reporter)
    said = [m for _, m in reporter.of("log")]
    line = next(m for m in said if m.startswith("profile "))
    assert line.startswith("profile preview (asked for): new df 64 px (ae 64, e 16, d 16) model, lr 0.0005, batch 2")
    assert "--profile final" in line
    run = open_workspace(shot.root).manifest.last_run("train")
    resolved = run.parameters["resolved"]
    assert resolved["profile"] == "preview" and resolved["why"] == "asked for"
    assert resolved["train"]["lr"] == 5e-4 and resolved["train"]["warp_ramp"] == 500
    assert {k: resolved["model"][k] for k in PROFILES["preview"].model} == PROFILES["preview"].model
    stored = open_workspace(shot.root).manifest.settings["train"]
    assert stored["profile"] == "preview" and stored["train"]["lr"] is None, "unset stays the profile's"
    assert stored["model"]["arch"] is None
    assert _meta(shot.root)["train"]["lr"] == 5e-4, "the checkpoint stores the resolved values"


def test_auto_without_cuda_is_preview_and_the_artists_lr_wins(shot, capsys):
    assert (
        main(
            [
                "train",
                str(shot.root),
                "--lr",
                "1e-4",
                "--iterations",
                "1",
                *QUICK_FLAGS,
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "profile preview (budget preview on cpu): new df 64 px (ae 64, e 16, d 16) model, lr 0.0001, batch 2" in err
    assert "trains until 1 it (as set)" in err, "the target given wins over the budget's"
    meta = _meta(shot.root)
    assert meta["train"]["lr"] == 1e-4 and meta["train"]["lr_warmup"] == 50 and meta["model"]["arch"] == "df"
    assert open_workspace(shot.root).manifest.settings["train"]["train"]["lr"] == 1e-4


def test_final_with_cuda_and_a_continued_model_keeps_its_shape():
    final_budget, preview_budget = parse_budget("final"), parse_budget(None)
    assert choose_profile("auto", final_budget, "cuda") == (PROFILES["final"], "budget final on cuda")
    assert choose_profile("auto", preview_budget, "cuda") == (PROFILES["preview"], "budget preview on cuda")
    assert choose_profile("auto", final_budget, "cpu") == (PROFILES["final"], "budget final on cpu")
    assert choose_profile("final", preview_budget, "cpu") == (PROFILES["final"], "asked for")
    final = resolve(TrainStageSettings(budget="final"), cuda=True, face_type="whole_face")
    assert final.config == ModelConfig() and final.train.lr == 5e-5 and final.train.warp_ramp == 0
    mine = resolve(
        TrainStageSettings(model={"resolution": 192}, train={"batch_size": 16}, budget="final"),
        cuda=True,
        face_type="whole_face",
    )
    assert mine.config.resolution == 192 and mine.config.arch == "liae" and mine.train.batch_size == 16
    old = ModelConfig(arch="df", resolution=64, ae_dims=64, e_dims=16, d_dims=16, d_mask_dims=8)
    kept = resolve(
        TrainStageSettings(profile="final"),
        cuda=True,
        face_type="whole_face",
        continued=old,
        continued_from="continuing the shot's",
    )
    assert kept.config == old and kept.train.lr == 5e-5
    assert kept.line().startswith("profile final (asked for): continuing the shot's df 64 px")


def test_the_adversarial_term_starts_early_from_a_library_and_the_artists_start_wins():
    def gan(**settings):
        resolved = resolve(TrainStageSettings(**settings), cuda=False, face_type="whole_face")
        return resolved.train.gan_start, resolved.line()

    start, line = gan()
    assert start == 2000 and ", GAN from 2000 it - " in line
    assert gan(init_from="LIBRARY")[0] == 500
    assert gan(init_from="LIBRARY", train={"gan_start": 3000})[0] == 3000
    final = resolve(TrainStageSettings(budget="final"), cuda=True, face_type="whole_face")
    assert final.train.gan_start is None  # the final profile: never
    assert "GAN" not in gan(train={"weights": {"gan": 0.0}})[1]


def test_only_a_library_start_averages_weights_and_a_resumed_shot_keeps_its_start():
    def window(**settings):
        return resolve(TrainStageSettings(**settings), cuda=False, face_type="whole_face").train.average_window

    assert window() == 0 and window(init_from="LIBRARY") == 2000  # scratch: the last step's weights
    line = resolve(TrainStageSettings(init_from="LIBRARY"), cuda=False, face_type="whole_face").line()
    assert ", GAN from 500 it, weights averaged over 2000 it - " in line
    assert "averaged" not in resolve(TrainStageSettings(), cuda=False, face_type="whole_face").line()
    assert window(train={"average_window": 500}) == 500
    assert resolve(TrainStageSettings(budget="final"), cuda=True, face_type="whole_face").train.average_window == 2000
    resumed = resolve(
        TrainStageSettings(),
        cuda=False,
        face_type="whole_face",
        resumed={"gan_start": 500, "average_window": 2000, "lr": 1e-3},
    )
    assert (resumed.train.gan_start, resumed.train.average_window, resumed.train.lr) == (500, 2000, 5e-4)


def test_a_library_shot_resumed_keeps_its_term_and_its_averaged_weights(library, shot, tmp_path):
    run_stage(shot, "train", QUICK | {"init_from": str(library)})
    run_stage(shot, "train", QUICK | {"train.iterations": 2})  # resumed: no --init-from this time
    resolved = open_workspace(shot.root).manifest.last_run("train").parameters["resolved"]["train"]
    assert (resolved["gan_start"], resolved["average_window"]) == (500, 2000)
    assert "average" in ckpt.load_weights(ckpt.resolve_checkpoint(shot.root))[0]
    scratch = open_workspace(shutil.copytree(shot.root, tmp_path / "scratch", ignore=shutil.ignore_patterns("model")))
    run_stage(scratch, "train", QUICK)
    scratch_run = open_workspace(scratch.root).manifest.last_run("train")
    assert scratch_run.parameters["resolved"]["train"]["average_window"] == 0
    assert "average" not in ckpt.load_weights(ckpt.resolve_checkpoint(scratch.root))[0]
