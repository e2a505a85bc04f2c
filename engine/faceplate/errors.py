"""One error family for the engine.

Library code raises these with a message a compositor can act on: it names the file,
frame or field and says what to do. The CLI and the server turn them into one line and
a non-zero exit code / an HTTP status; nothing below them prints or exits.
"""


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
