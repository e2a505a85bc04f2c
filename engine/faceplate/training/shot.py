"""Training a shot's model on its facesets: what the train and pretrain stages share.

``train_model`` resumes the workspace's model where it stopped, starts from another model's weights
(``init_from``) or starts again (the old model moved aside to ``model.previous/`` and put back if the new
one fails before its first trained checkpoint), and records the run as the calling stage.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path
from typing import Iterator

from faceplate.errors import TrainError
from faceplate.faces.faceset import read_shot_faceset
from faceplate.models.config import ModelConfig
from faceplate.reporting import Reporter, StageResult, check_cancelled
from faceplate.settings import as_plain_dict, remembered
from faceplate.training.settings import ModelSettings, TrainStageSettings
from faceplate.workspace import Workspace
from faceplate.workspace.freshness import check_model_media, media_digest

log = logging.getLogger(__name__)
MODEL_DIR = "model"
PREVIOUS_DIR = "model.previous"


def model_dir(workspace: Workspace) -> Path:
    return workspace.root / MODEL_DIR


def train_model(
    workspace: Workspace,
    settings: TrainStageSettings,
    reporter: Reporter,
    stage: str,
    roles: tuple[str, str],
    remember: dict | None = None,
    owner: str = "shot",
) -> StageResult:
    """Train the workspace's model on the facesets ``roles`` (source side, destination side); the run is
    recorded as ``stage`` and the shot remembers ``remember`` (default: ``settings``' remembered fields).
    ``pretrain`` feeds one faceset to both sides; ``owner`` is whose model it is, in the profile line
    ("continuing the library's")."""
    from faceplate.training import checkpoint as ckpt  # torch lives on this side only
    from faceplate.training.data import load_faces
    from faceplate.training.layer_previews import layer_previews
    from faceplate.training.loop import TrainLoop
    from faceplate.training.trainer import Trainer, describe_device, select_device

    folder = model_dir(workspace)
    latest = _resume_point(folder, settings)
    init_source = ckpt.resolve_checkpoint(Path(settings.init_from)) if settings.init_from else None
    device = select_device(settings.train.device)
    resolved = _resolve(workspace, stage, settings, roles, device.type == "cuda", latest, init_source, owner)
    config = resolved.config
    # Everything that can refuse the run is checked before it is recorded: a refused run leaves the shot as it was.
    check_cancelled(reporter, "before loading the facesets")
    faces = {
        role: load_faces(workspace.faceset_dir(role), config.resolution, settings.train.min_faces)
        for role in dict.fromkeys(roles)
    }
    src, dst = faces[roles[0]], faces[roles[1]]
    check_cancelled(reporter, "before training")
    inputs = {role: str(workspace.faceset_dir(role).relative_to(workspace.root)) for role in faces}
    # The shot remembers what the artist set (unset fields stay the profile's); the record has the resolved values.
    parameters = as_plain_dict(settings) | {"resolved": resolved.record()}
    memory = remembered(settings) if remember is None else remember
    with (
        workspace.stage_run(stage, inputs | {"init_from": settings.init_from}, parameters, memory) as record,
        _fresh_model_folder(folder, latest is None),
    ):
        log.info("%s", resolved.line())
        trainer = Trainer(config, resolved.train, device)
        trainer.run_id = record.id  # a retrain to the same iteration is still another model (export, render)
        trainer.media = media_digest(workspace.manifest)
        log.info(describe_device(trainer.device, trainer.dtype))
        if latest is not None:
            trainer.restore(latest)
            log.info("resuming %s from iteration %d", folder, trainer.iteration)
        elif init_source is not None:
            trainer.restore(init_source, with_state=False)
            log.info("starting from the weights of %s", init_source)
        loop = TrainLoop(trainer, src, dst, folder, reporter)
        every = getattr(settings, "preview_layer_every", None)  # the train stage's: pretrain has no shot to render
        loop.previews = layer_previews(workspace, every, reporter, record, trainer.iteration)
        result = loop.run()
        record.outputs = {
            "model": MODEL_DIR,
            "checkpoint": str(Path(result.checkpoint).relative_to(workspace.root)),
            "loss_log": f"{MODEL_DIR}/loss.jsonl",
            "loss_plot": f"{MODEL_DIR}/loss.png",
        }
        record.summary = result.summary() | {
            "src_faces": len(src.ids),
            "dst_faces": len(dst.ids),
            "config_hash": config.config_hash(),
            "run_id": record.id,
            "profile": resolved.profile.name,
        }
        if loop.previews is not None:
            record.summary["layer_previews"] = loop.previews.summary()
    lines = [_final_line(result)] + ([loop.previews.line()] if loop.previews is not None else [])
    return StageResult(stage, summary=record.summary, outputs=record.outputs, lines=lines, detail=result)


def _resolve(
    workspace: Workspace,
    stage: str,
    settings: TrainStageSettings,
    roles: tuple[str, str],
    cuda: bool,
    latest: Path | None,
    init_source: Path | None,
    owner: str,
):
    """The profile and the artist's settings resolved into the run's concrete settings and model shape."""
    from faceplate.training import checkpoint as ckpt
    from faceplate.training.profiles import resolve

    face_type = _faceset_face_type(workspace, roles)
    base = latest or init_source
    meta = ckpt.load_meta(base) if base else None
    if latest:
        check_model_media(
            workspace.manifest,
            meta.get("media"),
            f"the shot's model {model_dir(workspace)}",
            "add --no-resume to train a new model for this footage",
        )
    continued = _continued_config(workspace, stage, settings.model, base, meta, face_type) if base else None
    phrase = f"continuing the {owner}'s" if latest else f"starting from {settings.init_from}'s"
    resumed = meta.get("train") if latest else None  # what a resumed model was trained with
    return resolve(settings, cuda, face_type, continued, phrase, resumed)


def _final_line(result) -> str:
    if result.iterations == result.start_iteration and result.stopped_by == "iterations":
        return (
            f"the model is already at iteration {result.iterations}, the --iterations target: raise --iterations "
            f"to train on; checkpoint {result.checkpoint}"
        )
    loss = (
        f"mean reconstruction loss {result.checkpoint_loss:.4f} over the last {result.checkpoint_loss_steps} iteration(s)"
        if result.checkpoint_loss is not None
        else "no new loss"
    )
    return (
        f"trained to iteration {result.iterations} (stopped by {result.stopped_by}; "
        f"{result.iterations_per_second:.2f} it/s; {loss}; {result.rollbacks} rollback(s)); "
        f"checkpoint {result.checkpoint}"
    )


def _resume_point(folder: Path, settings: TrainStageSettings) -> Path | None:
    """The checkpoint this run continues (None: a new model); refuses --init-from over a model it would ignore."""
    from faceplate.training import checkpoint as ckpt

    pointer = ckpt.read_pointer(folder, "latest")
    if pointer is None or not settings.resume:
        return None
    if settings.init_from:
        raise TrainError(
            f"the shot already has a model (iteration {pointer['iteration']} in {folder}); add "
            f"--no-resume to start a new one from the weights of {settings.init_from}"
        )
    return ckpt.resolve_checkpoint(folder, prefer="latest")


def _continued_config(
    workspace: Workspace, stage: str, model: ModelSettings, base: Path, meta: dict, face_type: str
) -> ModelConfig:
    """A continued (or --init-from) model keeps its config whatever the profile says. Model settings
    asked for on this run (those that differ from what the shot remembers) must match it."""
    found = ModelConfig.from_dict(meta["model"])
    stored = workspace.stored_settings(stage).get("model") or {}
    diff = [
        f"{k}={getattr(found, k)} (asked for {v})"
        for k, v in model.given().items()
        if stored.get(k) != v and getattr(found, k) != v
    ]
    if diff:
        raise TrainError(
            f"{base} was trained with {', '.join(diff)}; leave those settings out to continue it, "
            "or add --no-resume to start a new model"
        )
    if found.face_type != face_type:
        raise TrainError(
            f"the model was trained on {found.face_type} crops but the facesets are {face_type}; "
            f"re-extract with --face-type {found.face_type} or train a new model (--no-resume)"
        )
    return found


def _faceset_face_type(workspace: Workspace, roles: tuple[str, str] = ("source", "destination")) -> str:
    types = {
        role: read_shot_faceset(workspace, role).header.get("face_type", "whole_face") for role in dict.fromkeys(roles)
    }
    if len(set(types.values())) > 1:
        raise TrainError(
            f"source faces are {types['source']} but destination faces are {types['destination']}; "
            "extract both with the same --face-type"
        )
    return types[roles[0]]


@contextlib.contextmanager
def _fresh_model_folder(folder: Path, new_model: bool) -> Iterator[None]:
    """For a new model: an existing one (``--no-resume``) is moved to ``model.previous/`` and put back if
    the new run fails or is cancelled before its first trained checkpoint; leftovers without a checkpoint
    (previews, a loss log) are cleared so they are not mistaken for this run's."""
    from faceplate.training import checkpoint as ckpt

    if not new_model or not folder.exists():
        yield
        return
    if not ckpt.list_checkpoints(folder):
        shutil.rmtree(folder)
        yield
        return
    previous = folder.with_name(PREVIOUS_DIR)
    shutil.rmtree(previous, ignore_errors=True)
    folder.rename(previous)
    log.info("moved the existing model aside to %s", previous)
    try:
        yield
    except BaseException:
        pointer = ckpt.read_pointer(folder, "latest") if folder.exists() else None
        if pointer is None or pointer["iteration"] == 0:
            shutil.rmtree(folder, ignore_errors=True)
            previous.rename(folder)
            log.warning("the new model had no trained checkpoint yet: the previous model is back in %s", folder)
        raise
