"""One error family for the engine.

Library code raises these with a message a compositor can act on: it names the file,
frame or field and says what to do. The CLI and the server turn them into one line and
a non-zero exit code / an HTTP status; nothing below them prints or exits.
"""

from __future__ import annotations

from typing import Callable


class FaceplateError(Exception):
    """Root of every error the engine raises on purpose."""


class MediaError(FaceplateError):
    """A plate or source could not be opened, decoded or written."""


class FrameRangeError(MediaError):
    """A frame range is malformed or lies outside the media."""


class ColourError(FaceplateError):
    """A colour space is unknown to the OCIO config, or a conversion failed."""


class WorkspaceError(FaceplateError):
    """The shot workspace is missing, unreadable, unwritable or inconsistent."""


class WorkspaceBusy(WorkspaceError):
    """Another program holds the shot's lock (one writer per shot)."""


class DiskFullError(WorkspaceError):
    """An output could not be written for lack of space; the previous file was kept."""


class StageCancelled(FaceplateError):
    """The caller asked the stage to stop; finished work is kept and a re-run resumes."""


class SettingsError(FaceplateError):
    """A stage setting is unknown, of the wrong type or out of range.

    ``field`` is the setting's path (``merge.feather_px``); each front end names it its own way
    (a CLI flag, an API field) through :meth:`describe`. ``str()`` uses the API name.
    """

    def __init__(self, stage: str, field: str, problem: str):
        self.stage, self.field, self.problem = stage, field, problem
        super().__init__(self.describe(lambda f: f"{stage}.{f}"))

    def describe(self, name_of: Callable[[str], str]) -> str:
        return f"bad {self.stage} setting {name_of(self.field)}: {self.problem}"


class ExtractError(FaceplateError):
    """Face extraction could not produce a usable faceset."""


class ModelFileError(FaceplateError):
    """A detector / landmark / embedding weights file is missing or unreadable."""


class InferenceError(FaceplateError):
    """An exported model cannot be loaded or run."""


class ExportError(FaceplateError):
    """A trained model cannot be exported, or the export does not match the trained model."""


class RenderError(FaceplateError):
    """The comp layer cannot be rendered for a frame or range."""


class TrainError(FaceplateError):
    """The swap model cannot be trained or loaded: bad settings, too few faces, unreadable checkpoint."""


class CurateError(FaceplateError):
    """A faceset cannot be curated or reviewed (empty, all rejected, bad decisions file)."""


class MaskError(FaceplateError):
    """Masks cannot be made: bad polygon labels, too few labels, or a missing/damaged mask model."""


class QcError(FaceplateError):
    """A shot cannot be checked or reported: nothing rendered, layer frames or facesets missing."""


class QcGateFailed(QcError):
    """``faceplate qc --gate``: the shot fails QC; the message is the verdict line."""


class FarmError(FaceplateError):
    """A farm job cannot be exported or run: a shot without a workspace or range, frames outside the plate."""


class ConsentError(FaceplateError):
    """A shot has no consent/rights reference (and no waiver was given), or the reference is not usable."""
