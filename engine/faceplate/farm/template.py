"""An Open Job Description job template (``jobtemplate-2023-09``) for one shot or many.

Each shot gets one step per stage of the pipeline (``farm_stages``), each running the command an
artist would type, ``faceplate <stage> SHOT``, so a node needs only the engine installed and every
step uses the settings the shot remembers; the stage's traits (``faceplate.stages.Stage``) shape
its step. The first step (``media``) is ``faceplate relink`` with the plate and
sources as the node sees them: the paths go through the job's PATH parameters, so OpenJD path
mapping turns a macOS export into Linux paths, and relink checks it is the same footage.

A chunked stage (render) is split into contiguous frame chunks (a ``CHUNK[INT]`` task parameter, TASK_CHUNKING
extension), each ``faceplate render SHOT --frames FIRST-LAST``: the stage's own resume makes a
re-run chunk write only the frames it is missing. A stage that needs a GPU (train) asks for a host through
``amount.worker.gpu`` with the ``TrainGpus`` parameter as its minimum (FEATURE_BUNDLE_1 allows a
parameter there), so ``TrainGpus=0`` lets a CPU-only node train. An optional identity step trains
the source identity once (``faceplate pretrain``) and every shot's train (``takes_identity``) starts from it
(``--init-from``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePath

from faceplate.farm import OPENJD_ENV
from faceplate.farm.limits import STEP_CEILING_S, host_requirements, render_timeout_s, train_timeout_s
from faceplate.farm.node import engine_environment, venv_parameters
from faceplate.farm.parameters import job_parameters, stage_switches
from faceplate.media import FrameRange
from faceplate.media.pathmap import RULES_ENV
from faceplate.stages import Stage, get_stage, pipeline
from faceplate.workspace.lock import WAIT_ENV

SPECIFICATION = "jobtemplate-2023-09"
EXTENSIONS = ("TASK_CHUNKING", "FEATURE_BUNDLE_1")
LOCK_WAIT_S = 6 * 3600  # a render chunk waits up to this long while another task holds its shot
MEDIA_STEP = "media"
IDENTITY_STEP = "identity"
# a cancelled task gets SIGTERM first: the stage stops at its next safe point (train saves a checkpoint)
CANCEL = {"mode": "NOTIFY_THEN_TERMINATE", "notifyPeriodInSeconds": 120}


def farm_stages() -> tuple[str, ...]:
    """The stages a shot's job runs, in order: the pipeline as the stage table says now."""
    return pipeline()


@dataclass(frozen=True)
class FarmShot:
    """One shot of a job: its workspace, the frames to render, and the media the workspace records."""

    name: str
    workspace: Path
    frames: FrameRange
    plate: str
    sources: tuple[str, ...] = ()
    waive_consent: bool = False  # render with --no-consent-ref (the shot has no consent reference)
    budget: str | None = None  # the train budget the shot remembers (its train timeout when the job names none)


@dataclass(frozen=True)
class Identity:
    """Train the source identity once (``faceplate pretrain LIBRARY --faces SOURCE``); shots start from it."""

    library: Path
    source: Path


@dataclass(frozen=True)
class JobOptions:
    name: str
    chunk_size: int = 10
    train_gpus: int = 1
    faceplate: str = "faceplate"  # the engine command on the nodes
    identity: Identity | None = None
    budget: str | None = None  # faceplate.budget text for mask, train and identity (None: what each shot remembers)
    mask_mode: str | None = None  # faceplate.farm.parameters.MASK_MODES (None: what each shot remembers)
    gate: bool = False  # the QcGate parameter's default: a shot failing QC fails its job
    os_family: str = "linux"  # the nodes' attr.worker.os.family
    gpu_memory_mib: int = 8192  # the TrainGpuMemory parameter's default when train needs a GPU
    venv: Path | None = None  # the engine's venv on the nodes (an EngineVenv parameter and its check)


def common_folder(paths: list[str | Path]) -> Path:
    """The deepest folder holding every path (the value of a root PATH parameter)."""
    return Path(os.path.commonpath([os.path.abspath(p) for p in paths]))


def under(root: Path, path: str | Path, parameter: str) -> str:
    """``{{Param.NAME}}/relative/path``: the path as a node sees it after path mapping of ``root``."""
    relative = PurePath(os.path.relpath(os.path.abspath(path), root)).as_posix()
    return f"{{{{Param.{parameter}}}}}" + ("" if relative == "." else f"/{relative}")


def build_template(shots: list[FarmShot], options: JobOptions) -> dict:
    """The job template (a plain dict, written as YAML) for ``shots``."""
    workspaces = common_folder([s.workspace.parent for s in shots])
    media = _media_root(shots)
    steps = [_identity_step(options)] if options.identity else []
    environments = [
        {
            "name": "FaceplateOpenJD",
            "description": "the CLI reports progress as OpenJD lines; a task whose shot is busy (another chunk "
            "of it) waits for it rather than failing; the engine maps the media a workspace records with the "
            "session's path mapping rules",
            "script": {"actions": {"onEnter": _rules_file_action(options.os_family)}},
            "variables": {OPENJD_ENV: "1", WAIT_ENV: str(LOCK_WAIT_S)},
        }
    ]
    for shot in shots:
        steps += _shot_steps(shot, workspaces, media, options, prefix=f"{shot.name}:" if len(shots) > 1 else "")
    return {
        "specificationVersion": SPECIFICATION,
        "extensions": list(EXTENSIONS),
        "name": options.name,
        "description": f"Faceplate: {len(shots)} shot(s), {', '.join(s.name for s in shots)}",
        "parameterDefinitions": job_parameters(options) + (venv_parameters() if options.venv else []),
        "jobEnvironments": environments + ([engine_environment()] if options.venv else []),
        "steps": steps,
    }


def parameter_values(shots: list[FarmShot], options: JobOptions) -> dict[str, str | int]:
    """The values of the job's parameters on the exporting machine (the parameter file)."""
    values: dict[str, str | int] = {
        "Workspaces": str(common_folder([s.workspace.parent for s in shots])),
        "Media": str(_media_root(shots)),
        "ChunkSize": options.chunk_size,
        "TrainGpus": options.train_gpus,
        "Faceplate": options.faceplate,
        "TrainGpuMemory": options.gpu_memory_mib if options.train_gpus else 0,
        "QcGate": "gate" if options.gate else "no-gate",
    }
    if options.identity:
        values |= {"Library": str(options.identity.library), "Source": str(options.identity.source)}
    if options.budget:
        values["Budget"] = options.budget
    if options.mask_mode:
        values["MaskMode"] = options.mask_mode
    if options.venv:
        values["EngineVenv"] = str(options.venv)
    return values


def _media_root(shots: list[FarmShot]) -> Path:
    return common_folder([Path(p).parent for s in shots for p in (s.plate, *s.sources)])


def _rules_file_action(os_family: str) -> dict:
    """``FACEPLATE_PATH_MAPPING`` = the session's rules file, for every action after it (``openjd_env``): an
    environment's variables cannot name it, only an action can (``{}`` in it when the session has no rules)."""
    line = f"openjd_env: {RULES_ENV}={{{{Session.PathMappingRulesFile}}}}"
    command = ("cmd", ["/c", "echo", line]) if os_family == "windows" else ("echo", [line])
    return {"command": command[0], "args": command[1], "timeout": 60}


def _action(*args: str, timeout: int = STEP_CEILING_S) -> dict:
    return {
        "actions": {
            "onRun": {
                "command": "{{Param.Faceplate}}",
                "args": list(args),
                "timeout": timeout,
                "cancelation": dict(CANCEL),
            }
        }
    }


def _timeout(stage: Stage, shot: FarmShot | None, options: JobOptions) -> int:
    """The stage's task timeout: train's from the budget, a render chunk's from its frames."""
    if stage.chunked:
        return render_timeout_s(options.chunk_size)
    if stage.name in ("train", "pretrain"):
        return train_timeout_s(options.budget or (shot.budget if shot else None), options.train_gpus)
    return STEP_CEILING_S


def _budget(options: JobOptions, stage: str) -> list[str]:
    """``--budget {{Param.Budget}}`` for the stages that read a budget."""
    return ["--budget", "{{Param.Budget}}"] if options.budget and get_stage(stage).takes_budget else []


def _stage_step(stage: Stage, shot: FarmShot, workspace: str, options: JobOptions, prefix: str, after: str) -> dict:
    """``faceplate <stage> SHOT`` after the step ``after``, as the stage's traits ask: a GPU host, the
    identity to start from, frame chunks, the consent waiver."""
    args, step = (
        [stage.name, workspace],
        {
            "name": prefix + stage.name,
            "dependencies": [{"dependsOn": after}],
            "hostRequirements": host_requirements(stage.needs_gpu, options.os_family),
        },
    )
    if stage.takes_identity and options.identity:
        step["dependencies"].append({"dependsOn": IDENTITY_STEP})
        args += ["--init-from", "{{Param.Library}}"]
    if stage.chunked:
        step["parameterSpace"] = {
            "taskParameterDefinitions": [
                {
                    "name": "Frame",
                    "type": "CHUNK[INT]",
                    "range": str(shot.frames),
                    "chunks": {"defaultTaskCount": "{{Param.ChunkSize}}", "rangeConstraint": "CONTIGUOUS"},
                }
            ]
        }
        args += ["--frames", "{{Task.Param.Frame}}"]
    if stage.needs_consent and shot.waive_consent:
        args.append("--no-consent-ref")
    args += stage_switches(stage, options)
    return step | {"script": _action(*args, *_budget(options, stage.name), timeout=_timeout(stage, shot, options))}


def _identity_step(options: JobOptions) -> dict:
    stage = get_stage("pretrain")
    step = {
        "name": IDENTITY_STEP,
        "description": "train the source identity once; every shot starts from it",
        "hostRequirements": host_requirements(stage.needs_gpu, options.os_family),
    }
    return step | {
        "script": _action(
            "pretrain",
            "{{Param.Library}}",
            "--faces",
            "{{Param.Source}}",
            *_budget(options, "pretrain"),
            timeout=_timeout(stage, None, options),
        )
    }


def _shot_steps(shot: FarmShot, workspaces: Path, media: Path, options: JobOptions, prefix: str) -> list[dict]:
    workspace = under(workspaces, shot.workspace, "Workspaces")
    relink = ["relink", workspace, "--plate", under(media, shot.plate, "Media")]
    for index, source in enumerate(shot.sources):  # by key: the recorded path is the exporting machine's
        relink += ["--source", f"source{index}={under(media, source, 'Media')}"]
    steps = [
        {
            "name": prefix + MEDIA_STEP,
            "description": "point the shot at its media as this node sees it",
            "hostRequirements": host_requirements(False, options.os_family),
            "script": _action(*relink),
        }
    ]
    previous = prefix + MEDIA_STEP
    for name in farm_stages():
        step = _stage_step(get_stage(name), shot, workspace, options, prefix, after=previous)
        steps.append(step)
        previous = step["name"]
    return steps
