"""Pretrain: a generic face model trained once on a library of many faces, that every shot then
starts from (``faceplate train SHOT --init-from LIBRARY``), the way DeepFaceLab artists use
pretrained models; no downloaded weights, the studio's own clips and stills.

    faceplate pretrain LIBRARY --faces DIR [--faces DIR ...] [train flags]

LIBRARY is a workspace (``create_library``): the first faces folder is its plate, all of them its
sources. A run extracts every face of every source (all faces, the library's face type) into
``facesets/source`` (skipped when up to date) and trains ``LIBRARY/model`` with that faceset on
both sides: the shared encoder and both decoders learn faces in general, and a shot starting from
them only has to learn its two people. A later run continues the library's model.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from faceplate.errors import WorkspaceError
from faceplate.faces.pipeline import ExtractSettings
from faceplate.reporting import Reporter, StageResult, check_cancelled
from faceplate.settings import remembered
from faceplate.training.settings import PretrainSettings
from faceplate.workspace import Workspace, init_workspace, open_workspace
from faceplate.workspace.workspace import MANIFEST_NAME

log = logging.getLogger(__name__)
SETTINGS = PretrainSettings
ROLE = "source"  # the library's faces; fed to both sides of the model


def create_library(root: str | Path, faces: list[str | Path]) -> Workspace:
    """The library workspace for ``faces`` (folders of stills, clips or sequences): made on first use,
    opened after; refused if it was made from other faces (a library's model belongs to its faces)."""
    root = Path(root)
    if not (root / MANIFEST_NAME).is_file():
        if not faces:
            raise WorkspaceError(
                f"{root} is not a face library yet; give its faces: faceplate pretrain {root} "
                "--faces DIR [--faces DIR ...]"
            )
        return init_workspace(root, faces[0], sources=list(faces))
    workspace = open_workspace(root)
    had = [c.path for c in workspace.manifest.sources]
    if faces and sorted(os.path.abspath(f) for f in faces) != sorted(os.path.abspath(p) for p in had):
        raise WorkspaceError(
            f"the library {root} was made from {', '.join(had)}; leave --faces out to continue it, "
            "or make a new library for other faces"
        )
    return workspace


def run(workspace: Workspace, settings: PretrainSettings, reporter: Reporter) -> StageResult:
    """Extract the library's faces (when not up to date), then train its model on them."""
    from faceplate.stages import STAGES  # the extract stage through its record: stage modules import no other
    from faceplate.training.shot import train_model

    changes = {"roles": [ROLE], "all_faces": True, "face_type": settings.face_type, "crop_size": settings.crop_size}
    extract_settings = workspace.settings_for("extract", ExtractSettings, changes)
    extracted = STAGES["extract"].load().run(workspace, extract_settings, reporter)
    check_cancelled(reporter, "before pretraining")
    trained = train_model(
        workspace,
        settings.train_settings(),
        reporter,
        "pretrain",
        (ROLE, ROLE),
        remember=remembered(settings),
        owner="library",
    )
    lines = [
        *extracted.lines,
        *trained.lines,
        f"start a shot from it: faceplate train SHOT --init-from {workspace.root}",
    ]
    return StageResult("pretrain", summary=trained.summary, outputs=trained.outputs, lines=lines, detail=trained.detail)
