"""The stages, in workflow order: the one record of each stage that every front end (CLI, server, farm,
tests) reads.

A :class:`Stage` holds the stage's settings class, how it holds the shot's lock and the traits the
front ends act on (heavy, GPU, chunked, consent, artifacts), so the scheduler, the farm template and
the runner never test a stage's name. Its module is a :class:`StageModule`, imported on first use by
the stage's own loader below (settings classes are cheap to import; stage modules bring torch), so
building the CLI or validating a server request never imports torch, and a reader follows
``run_stage`` -> ``stage.load()`` -> ``faceplate.stages.<name>.run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

from faceplate.curate.decisions import ReviewSettings
from faceplate.curate.rules import CurateSettings
from faceplate.errors import FaceplateError
from faceplate.export.contract import ExportSettings
from faceplate.faces.pipeline import ExtractSettings
from faceplate.masks.settings import MaskSettings
from faceplate.qc.settings import QcSettings, ReportSettings
from faceplate.render.settings import RenderSettings
from faceplate.training.settings import PretrainSettings, TrainStageSettings

if TYPE_CHECKING:
    from faceplate.reporting import Reporter, StageResult
    from faceplate.workspace import Workspace


class StageModule(Protocol):
    """What a stage module is: one function from the shot's files to its files."""

    def run(self, workspace: Workspace, settings: Any, reporter: Reporter) -> StageResult: ...


@dataclass(frozen=True)
class Stage:
    name: str
    settings_class: type
    load: Callable[[], StageModule]  # imports the stage's module (torch) when it first runs
    help: str
    # holds the shot lock shared, not exclusive: several runs of it (render chunks of disjoint frames)
    # work on one shot at once; it must write only per-frame files, and shot-wide ones under
    # ``workspace.lock.shot_files_locked`` (see workspace/lock.py)
    shares_lock: bool = False
    heavy: bool = False  # wants the GPU when there is one, every core when not: the server runs few at once
    needs_gpu: bool = False  # a farm task of it asks for a GPU host (``amount.worker.gpu``)
    chunked: bool = False  # a farm job splits it into frame chunks (``--frames``) across nodes
    needs_consent: bool = False  # refused without the shot's consent reference unless its settings waive it
    takes_identity: bool = False  # starts from a trained identity model when a farm job has one (--init-from)
    in_pipeline: bool = True  # `faceplate run`, a farm job and a default server job run it
    artifacts: tuple[str, ...] = ()  # the keys of the outputs its runs record (StageResult.outputs)
    # the farm job parameter whose value is this stage's flag (``--{{Param.X}}``: QcGate -> --gate / --no-gate),
    # where the job defines that parameter
    farm_switch: str | None = None

    @property
    def takes_budget(self) -> bool:
        """Its settings hold a job's budget (what ``faceplate.budget.budget_changes`` sets)."""
        return hasattr(self.settings_class, "BUDGET_TARGETS")


def _extract() -> StageModule:
    from faceplate.stages import extract

    return extract


def _curate() -> StageModule:
    from faceplate.stages import curate

    return curate


def _review() -> StageModule:
    from faceplate.stages import review

    return review


def _mask() -> StageModule:
    from faceplate.stages import mask

    return mask


def _train() -> StageModule:
    from faceplate.stages import train

    return train


def _pretrain() -> StageModule:
    from faceplate.stages import pretrain

    return pretrain


def _export() -> StageModule:
    from faceplate.stages import export

    return export


def _render() -> StageModule:
    from faceplate.stages import render

    return render


def _qc() -> StageModule:
    from faceplate.stages import qc

    return qc


def _report() -> StageModule:
    from faceplate.stages import report

    return report


FACESETS = ("destination", "source")
TRAINED = ("model", "checkpoint", "loss_log", "loss_plot")
STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage(
            "extract",
            ExtractSettings,
            _extract,
            "detect, align and crop faces into the workspace's facesets",
            artifacts=FACESETS,
        ),
        Stage(
            "curate",
            CurateSettings,
            _curate,
            "score faces and reject blurred, wrong-identity, bad-landmark, duplicate faces",
            artifacts=(*FACESETS, "coverage", "expression"),
        ),
        Stage(
            "review",
            ReviewSettings,
            _review,
            "contact sheet (HTML + PNG grids) of curated faces; manual reject/restore",
            in_pipeline=False,
            artifacts=("html",),
        ),
        Stage(
            "mask",
            MaskSettings,
            _mask,
            "face masks for every crop: landmark hull, then the learned (XSeg-like) model",
            artifacts=(*FACESETS, "onnx"),
            farm_switch="MaskMode",
        ),
        Stage(
            "train",
            TrainStageSettings,
            _train,
            "train the swap model on the shot's source and destination facesets (resumes; Ctrl-C saves)",
            heavy=True,
            needs_gpu=True,
            takes_identity=True,
            artifacts=TRAINED,
        ),
        Stage(
            "pretrain",
            PretrainSettings,
            _pretrain,
            "train a generic face model on a library of many faces (--faces DIR, repeatable) that shots start from "
            "with `faceplate train SHOT --init-from LIBRARY`",
            heavy=True,
            needs_gpu=True,
            in_pipeline=False,
            artifacts=TRAINED,
        ),
        Stage(
            "export",
            ExportSettings,
            _export,
            "export the trained generator to ONNX (and optionally fp16 and .dfm)",
            artifacts=("onnx", "fp16", "dfm"),
        ),
        Stage(
            "render",
            RenderSettings,
            _render,
            "render the comp layer, matte and preview for the shot range",
            shares_lock=True,
            heavy=True,
            chunked=True,
            needs_consent=True,
            artifacts=("version", "layer", "matte", "preview_movie"),
        ),
        Stage(
            "qc",
            QcSettings,
            _qc,
            "measure every rendered frame against the plate (identity, expression, pose, flicker, seam, colour) "
            "and flag the frames to review -> SHOT/qc/vNNN/qc.json",
            artifacts=("qc", "version"),
            farm_switch="QcGate",
        ),
        Stage(
            "report",
            ReportSettings,
            _report,
            "one offline HTML page (and JSON) per shot: QC plots, worst frames, training, settings, provenance",
            artifacts=("html", "json", "version"),
        ),
    )
}


def pipeline() -> tuple[str, ...]:
    """The stages `faceplate run`, a farm job and a default server job run, in workflow order."""
    return tuple(name for name, stage in STAGES.items() if stage.in_pipeline)


PIPELINE = pipeline()


def get_stage(name: str) -> Stage:
    if name not in STAGES:
        raise FaceplateError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
    return STAGES[name]


def settings_classes(names) -> dict[str, type]:
    """Each named stage's settings class (unknown names left out: the caller refuses them)."""
    return {name: STAGES[name].settings_class for name in names if name in STAGES}


def consent_stages(names) -> list[Stage]:
    """The stages among ``names`` that are refused without the shot's consent reference."""
    return [STAGES[name] for name in names if name in STAGES and STAGES[name].needs_consent]
