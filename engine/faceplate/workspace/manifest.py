"""The shot manifest: what the shot is and a record of every stage run on it.

Saved as ``faceplate.json`` in the workspace, with a versioned schema label. Every stage
reads it, appends a ``StageRun`` (inputs, parameters, versions, outputs, summary) and writes
it back atomically.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from faceplate.errors import WorkspaceError

SCHEMA = "Workspace.1"
# Fields this engine does not know (written by a newer one, or by a studio's tools) are kept, never dropped,
# when it rewrites the manifest.
KEEP_UNKNOWN = ConfigDict(extra="allow")


def check_schema(label: object, path) -> None:
    """WorkspaceError in one line when ``path`` is not a manifest this engine reads: a newer engine's label is
    refused rather than read and rewritten without what that engine relies on."""
    if label == SCHEMA:
        return
    family, _, version = str(label).rpartition(".")
    if family == "Workspace" and version.isdigit() and int(version) > int(SCHEMA.rpartition(".")[2]):
        raise WorkspaceError(
            f"{path} was written by a newer Faceplate (schema {label}; this one reads {SCHEMA}); "
            "open the shot with that version or upgrade Faceplate"
        )
    raise WorkspaceError(
        f"{path} has schema {label!r}, not a Faceplate workspace manifest ({SCHEMA}); restore it or "
        "re-run `faceplate init --force`"
    )


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class ClipInfo(BaseModel):
    """A plate or a source clip as the engine read it."""

    model_config = KEEP_UNKNOWN

    path: str
    kind: str  # video | sequence | stills
    width: int
    height: int
    fps: str | None  # exact fraction, e.g. "30000/1001"
    frame_range: str  # all frames the media holds, plate numbering, e.g. "1001-1282"
    first_frame: int
    colour_space: str
    timecode: str | None = None
    rotation: int = 0
    missing_frames: list[int] = Field(default_factory=list)
    # fingerprint taken at init: a stage refuses media that changed since (see Workspace.check_media)
    size_bytes: int | None = None
    frame_count: int | None = None


RUN_STATUSES = ("running", "done", "failed", "cancelled", "interrupted")


class StageRun(BaseModel):
    """One run of a stage. ``interrupted``: its process died (found by the next program to lock
    the shot); ``cancelled``: it stopped on request. Both leave the shot resumable."""

    model_config = KEEP_UNKNOWN

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    stage: str
    status: str  # one of RUN_STATUSES
    pid: int | None = None
    host: str | None = None
    started: str
    finished: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    summary: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    # what the run's outputs carry about how they were made (faceplate.provenance.provenance_record)
    provenance: dict[str, Any] = Field(default_factory=dict)


class Manifest(BaseModel):
    schema_label: str = Field(SCHEMA, alias="schema")
    shot: str
    created: str = Field(default_factory=now_iso)
    plate: ClipInfo
    range: str  # the frames to replace, plate numbering
    sources: list[ClipInfo] = Field(default_factory=list)
    working_space: str
    # the consent/rights reference for the person depicted (release form id, contract, ticket): render
    # refuses a shot without one unless waived (see faceplate.workspace.consent)
    consent_ref: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    stages: list[StageRun] = Field(default_factory=list)

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    def run_by_id(self, run_id: str) -> StageRun | None:
        return next((r for r in self.stages if r.id == run_id), None)

    def runs_of(self, stage: str) -> list[StageRun]:
        return [r for r in self.stages if r.stage == stage]

    def last_run(self, stage: str) -> StageRun | None:
        runs = self.runs_of(stage)
        return runs[-1] if runs else None

    def last_made(self, artifact: str) -> StageRun | None:
        """The last finished run that recorded ``artifact`` among its outputs (a stage's ``artifacts``)."""
        runs = [r for r in self.stages if r.status == "done" and r.outputs.get(artifact)]
        return runs[-1] if runs else None
