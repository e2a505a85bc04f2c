"""Request bodies: strict (unknown fields refused), bounded, versioned. Settings are checked by the stages'
own settings classes when the job is submitted (see jobs.submit_job)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from faceplate.budget import BudgetText
from faceplate.settings import RootedPath
from faceplate.stages import PIPELINE, STAGES

Path_ = RootedPath  # resolved under the roots by jobs.submit_job, and again by the worker
StageName = Annotated[str, Field(pattern="^(" + "|".join(STAGES) + ")$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NewShot(Strict):
    """A shot the engine creates: ``workspace`` must not be a workspace yet."""

    plate: Path_
    range: Annotated[str | None, Field(max_length=64)] = None  # plate numbering, e.g. "1001-1100"; None: all
    sources: Annotated[list[Path_], Field(max_length=64)] = []
    first_frame: Annotated[int, Field(ge=0, le=10**7)] = 1001
    colour_space: Annotated[str | None, Field(max_length=200)] = None
    fps: Annotated[str | None, Field(max_length=32)] = None
    # the consent/rights reference for the person depicted; a job that renders needs it (or
    # settings.render.waive_consent)
    consent_ref: Annotated[str | None, Field(max_length=500)] = None


class JobSubmit(Strict):
    """``POST /api/jobs``: a new shot (``shot`` given) or an existing workspace (``shot`` left out)."""

    schema_label: Annotated[str, Field(alias="schema")] = "JobSpec.1"
    workspace: Path_
    shot: NewShot | None = None
    stages: Annotated[list[StageName], Field(min_length=1, max_length=len(STAGES))] = list(PIPELINE)
    settings: Annotated[dict[StageName, dict[str, Any]], Field(max_length=len(STAGES))] = {}
    # preview | review | final | 30m | 2h | 5000it (faceplate.budget); None: what the shot remembers, else preview
    budget: Annotated[BudgetText, Field(max_length=32)] = None

    @model_validator(mode="after")
    def _known_schema(self) -> "JobSubmit":
        if self.schema_label != "JobSpec.1":
            raise ValueError(f"schema {self.schema_label!r} is not one this engine reads (JobSpec.1)")
        if len(set(self.stages)) != len(self.stages):
            raise ValueError("a stage is listed twice in 'stages'")
        return self


class Retry(Strict):
    from_stage: StageName | None = None  # None: the first stage that is not done


class Session(Strict):
    token: Annotated[str, Field(min_length=1, max_length=200)]
