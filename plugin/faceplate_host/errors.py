"""One error family for the host package (stdlib only: it imports inside an editor's Python).

Host code raises these with a message an editor can act on: it names the clip, file or line and says what
to do. The command lines (``faceplate-otio``, ``faceplate-host``) and the host panels turn them into one line
with :func:`error_line`; nothing below them prints or exits.
"""

from __future__ import annotations

from typing import Optional


class FaceplateHostError(Exception):
    """Root of every error the host package raises on purpose."""


class ShotError(FaceplateHostError, ValueError):
    """A clip that cannot become a shot or a layer that cannot be placed; the message names the clip."""


class EngineError(FaceplateHostError):
    """Root of the engine client's errors; ``code``, ``message`` and ``hint`` as the engine sent them."""

    def __init__(self, message: str, code: str = "error", hint: str = "", status: Optional[int] = None):
        self.code, self.message, self.hint, self.status = code, message, hint, status
        super().__init__(message + (f" ({hint})" if hint else ""))


class InstallError(FaceplateHostError):
    """The host files could not be installed; the message says where and why."""


class PluginCommandError(FaceplateHostError):
    """One line for the artist; the caller prints it and exits 1."""


class NkError(FaceplateHostError, ValueError):
    """A ``.nk`` text that cannot be read; the message names the file and line."""


def error_line(program: str, error: BaseException) -> str:
    """The one line a command prints for ``error``: ``<program>: error: <message on one line>``."""
    return f"{program}: error: {' '.join(str(error).split())}"
