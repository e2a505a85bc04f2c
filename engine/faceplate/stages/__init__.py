"""The stages, in workflow order: one table every front end (CLI, server, farm, tests) reads.

Each stage module exposes ``run(workspace, settings, reporter) ->
StageResult`` (see ``contract``); its settings class (see ``faceplate.settings``) is named
separately and lives where importing it is cheap, so building the CLI or validating a server
request never imports torch. Modules are imported on first use.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from faceplate.errors import FaceplateError


@dataclass(frozen=True)
class Stage:
    name: str
    module_name: str
    settings_ref: str  # "module:Class"
    help: str
    # holds the shot lock shared, not exclusive: several runs of it (render chunks of disjoint frames)
    # work on one shot at once; it must write only per-frame files, and shot-wide ones under
    # ``workspace.lock.shot_files_locked`` (see workspace/lock.py)
    shares_lock: bool = False

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.module_name)

    @property
    def settings_class(self) -> type:
        module, _, cls = self.settings_ref.partition(":")
        return getattr(importlib.import_module(module), cls)


STAGES: dict[str, Stage] = {s.name: s for s in (
    Stage("extract", "faceplate.stages.extract", "faceplate.faces.pipeline:ExtractSettings",
          "detect, align and crop faces into the workspace's facesets"),
    Stage("curate", "faceplate.stages.curate", "faceplate.curate.rules:CurateSettings",
          "score faces and reject blurred, wrong-identity, bad-landmark, duplicate faces"),
    Stage("review", "faceplate.stages.review", "faceplate.curate.decisions:ReviewSettings",
          "contact sheet (HTML + PNG grids) of curated faces; manual reject/restore"),
    Stage("mask", "faceplate.stages.mask", "faceplate.masks.settings:MaskSettings",
          "face masks for every crop: landmark hull, then the learned (XSeg-like) model"),
    Stage("train", "faceplate.stages.train", "faceplate.training.settings:TrainStageSettings",
          "train the swap model on the shot's source and destination facesets (resumes; Ctrl-C saves)"),
    Stage("pretrain", "faceplate.stages.pretrain", "faceplate.training.settings:PretrainSettings",
          "train a generic face model on a library of many faces (--faces DIR, repeatable) that shots start from "
          "with `faceplate train SHOT --init-from LIBRARY`"),
    Stage("export", "faceplate.stages.export", "faceplate.export.contract:ExportSettings",
          "export the trained generator to ONNX (and optionally fp16 and .dfm)"),
    Stage("render", "faceplate.stages.render", "faceplate.render.settings:RenderSettings",
          "render the comp layer, matte and preview for the shot range", shares_lock=True),
    Stage("qc", "faceplate.stages.qc", "faceplate.qc.settings:QcSettings",
          "measure every rendered frame against the plate (identity, expression, pose, flicker, seam, colour) "
          "and flag the frames to review -> SHOT/qc/qc.json"),
    Stage("report", "faceplate.stages.report", "faceplate.qc.settings:ReportSettings",
          "one offline HTML page (and JSON) per shot: QC plots, worst frames, training, settings, provenance"),
)}
PIPELINE = ("extract", "curate", "mask", "train", "export", "render", "qc", "report")  # what `faceplate run` runs


def get_stage(name: str) -> Stage:
    if name not in STAGES:
        raise FaceplateError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
    return STAGES[name]
