"""The server's own errors and the one table that turns any FaceplateError into an HTTP answer.

Domain code (store, paths, scheduler) raises these; only the app's exception handlers translate
them, into ``{"error": {"code", "message", "hint"}}`` with the status below.
"""

from __future__ import annotations

from faceplate.errors import (
    ConsentError,
    FaceplateError,
    FrameRangeError,
    MediaError,
    SettingsError,
    StageCancelled,
    WorkspaceBusy,
    WorkspaceError,
)


class ServerError(FaceplateError):
    """Root of the errors only the server raises."""


class Unauthorized(ServerError):
    """No bearer token, or not the one in the token file."""


class PathRefused(ServerError):
    """A media or workspace path does not resolve under the configured roots."""


class JobNotFound(ServerError):
    """No job with that id (never submitted, or deleted)."""


class JobConflict(ServerError):
    """The job is not in a state that allows this (delete a running job, retry a done one...)."""


class RequestRefused(ServerError):
    """A request that is well-formed JSON but asks for something refused (a frame range too long...)."""


# (class, HTTP status, code, hint): the first class the error is an instance of wins, so subclasses first.
ERROR_TABLE: tuple[tuple[type[FaceplateError], int, str, str], ...] = (
    (
        Unauthorized,
        401,
        "unauthorized",
        "send 'Authorization: Bearer <token>'; `faceplate serve --print-token` shows the token file",
    ),
    (PathRefused, 403, "path_outside_roots", "give paths under the roots the engine was started with (--roots)"),
    (JobNotFound, 404, "job_not_found", "list the jobs with GET /api/jobs"),
    (JobConflict, 409, "job_conflict", "check the job's status with GET /api/jobs/{id}"),
    (WorkspaceBusy, 409, "workspace_busy", "another program holds the shot; wait for it or cancel it"),
    (SettingsError, 422, "bad_setting", "see the stage's settings in docs/stage_contract.md"),
    (
        ConsentError,
        422,
        "consent_refused",
        "give 'shot.consent_ref' (a new shot), record one with `faceplate "
        "consent SHOT --ref TEXT`, or waive it with settings.render.waive_consent (recorded in every output)",
    ),
    (FrameRangeError, 422, "bad_frame_range", "give a range like 1001-1100 inside the plate"),
    (RequestRefused, 422, "request_refused", "see docs/server.md for the limits"),
    (MediaError, 422, "bad_media", "check the plate and source paths"),
    (WorkspaceError, 422, "bad_workspace", "check the workspace path"),
    (StageCancelled, 409, "cancelled", "retry the job to resume it"),
    (FaceplateError, 400, "error", ""),
)


def describe_error(exc: FaceplateError) -> tuple[int, dict]:
    """(status, body) for an error; a SettingsError names the API field (settings.train.model.resolution)."""
    status, code, hint = next((s, c, h) for cls, s, c, h in ERROR_TABLE if isinstance(exc, cls))
    message = (
        exc.describe(lambda f: f"settings.{exc.stage}.{f}" if f else f"settings.{exc.stage}")
        if isinstance(exc, SettingsError)
        else str(exc)
    )
    return status, error_body(code, message, hint)


def error_body(code: str, message: str, hint: str = "") -> dict:
    return {"error": {"code": code, "message": message, "hint": hint}}
