"""The engine client the host plug-ins use: standard library only (urllib, json), so it runs in any host's Python.

    client = EngineClient.local()                 # http://127.0.0.1:8571, token from the engine's token file
    job = client.submit("/shots/sh010", stages=["extract", "curate", "mask", "train", "export", "render"])
    final = client.watch(job["id"], print)        # every event, in order, until the job finishes
    layer = client.artifacts(job["id"])["layer"]  # {"pattern": ".../faceplate.####.exr", "frame_range": "1001-1100"}

Errors say what to do: the engine is not running (and the command that starts it), the token is
missing or wrong (and where the token file is), the engine speaks another API version.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

from faceplate_host.errors import EngineError  # noqa: F401 (the client's root, raised and re-exported here)

API_VERSION = 1  # faceplate.server.API_VERSION of the engine this client was written for
DEFAULT_URL = "http://127.0.0.1:8571"
FINISHED = ("done", "failed", "cancelled")
START_COMMAND = "faceplate serve --roots <folder with your media and shots>"


class EngineNotRunning(EngineError):
    """Nothing answers at the engine's address."""


class EngineAuthError(EngineError):
    """The token is missing or not the engine's."""


class EngineVersionMismatch(EngineError):
    """The engine speaks another API version than this client."""


def default_data_dir() -> Path:
    """Where the engine keeps its job store and token (the server imports this): FACEPLATE_DATA, else the
    platform's per-user data folder."""
    if os.environ.get("FACEPLATE_DATA"):
        return Path(os.environ["FACEPLATE_DATA"])
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "Faceplate"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Faceplate"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "faceplate"


class EngineClient:
    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: Optional[str] = None,
        token_file: Optional[Path] = None,
        timeout: float = 30.0,
    ):
        self.url, self.timeout = url.rstrip("/"), timeout
        self.token_file = Path(token_file) if token_file else default_data_dir() / "token"
        self._token = token
        self._checked = False
        self.engine_version: Optional[str] = None

    @classmethod
    def local(cls, **kwargs) -> "EngineClient":
        """The engine on this machine: FACEPLATE_URL (default 127.0.0.1:8571), FACEPLATE_TOKEN or the token file."""
        return cls(os.environ.get("FACEPLATE_URL", DEFAULT_URL), os.environ.get("FACEPLATE_TOKEN"), **kwargs)

    # --- jobs --------------------------------------------------------------------------------
    def submit(
        self,
        workspace: str,
        stages: Optional[list] = None,
        settings: Optional[dict] = None,
        shot: Optional[dict] = None,
        budget: Optional[str] = None,
    ) -> dict:
        """Run ``stages`` (default: the whole pipeline) on a workspace; with ``shot`` (plate, range, sources,
        first_frame, colour_space, fps, consent_ref) the engine creates the workspace first. A job that renders
        needs the shot's consent reference (``consent_ref``) or ``settings["render"]["waive_consent"]``.
        ``budget``: preview, review, final, or 30m / 2h / 5000it (None: what the shot remembers, else preview)."""
        body: dict[str, Any] = {"workspace": str(workspace)}
        if budget:
            body["budget"] = str(budget)
        if stages is not None:
            body["stages"] = list(stages)
        if settings:
            body["settings"] = settings
        if shot is not None:
            body["shot"] = {k: v for k, v in shot.items() if v is not None}
        return self._call("POST", "/api/jobs", body)

    def job(self, job_id: str) -> dict:
        return self._call("GET", f"/api/jobs/{_quote(job_id)}")

    def jobs(self, status: Optional[str] = None) -> list:
        query = f"?status={_quote(status)}" if status else ""
        return self._call("GET", f"/api/jobs{query}")["jobs"]

    def events(self, job_id: str, after: int = 0) -> dict:
        return self._call("GET", f"/api/jobs/{_quote(job_id)}/events?after={int(after)}")

    def cancel(self, job_id: str) -> dict:
        return self._call("POST", f"/api/jobs/{_quote(job_id)}/cancel")

    def retry(self, job_id: str, from_stage: Optional[str] = None) -> dict:
        return self._call("POST", f"/api/jobs/{_quote(job_id)}/retry", {"from_stage": from_stage} if from_stage else {})

    def delete(self, job_id: str) -> None:
        self._call("DELETE", f"/api/jobs/{_quote(job_id)}")

    def artifacts(self, job_id: str) -> dict:
        return self._call("GET", f"/api/jobs/{_quote(job_id)}/artifacts")

    def watch(
        self,
        job_id: str,
        callback: Callable[[dict], Any],
        poll_s: float = 0.5,
        timeout_s: Optional[float] = None,
        after: int = 0,
        cancelled: Optional[Callable[[], bool]] = None,
    ) -> dict:
        """Call ``callback(event)`` for every event of the job, in order, until it is done, failed or cancelled;
        returns the job. Polls (no threads, no SSE), so it works inside any host's event loop step by step.
        When ``cancelled()`` turns true the engine is asked (once) to cancel, and watching goes on until the
        job has stopped at a safe point."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        asked = False
        while True:
            if cancelled is not None and not asked and cancelled():
                asked = True
                self.cancel_unless_finished(job_id)
            page = self.events(job_id, after)
            for event in page["events"]:
                callback(event)
            after = page["next_after"]
            if page["status"] in FINISHED and not page["events"]:
                return self.job(job_id)
            if deadline is not None and time.monotonic() > deadline:
                raise EngineError(f"job {job_id} still {page['status']} after {timeout_s:.0f} s", code="timeout")
            if not page["events"]:
                time.sleep(poll_s)

    def cancel_unless_finished(self, job_id: str) -> None:
        """Cancel the job; a job that finished meanwhile is left as it is."""
        try:
            self.cancel(job_id)
        except EngineError as exc:
            if exc.code != "job_conflict":  # it finished meanwhile: nothing left to cancel
                raise

    # --- plumbing ----------------------------------------------------------------------------
    def health(self) -> dict:
        return self._request("GET", "/api/health", None, auth=False)

    def check_version(self) -> None:
        answer = self.health()
        self.engine_version = answer.get("version")
        if answer.get("api") != API_VERSION:
            raise EngineVersionMismatch(
                f"the engine at {self.url} (faceplate {answer.get('version')}) speaks API {answer.get('api')}, this "
                f"plug-in speaks API {API_VERSION}",
                code="version_mismatch",
                hint="install the faceplate-host package that matches the engine (same version)",
            )
        self._checked = True

    def _call(self, method: str, path: str, body: Optional[dict] = None) -> Any:
        if not self._checked:
            self.check_version()
        return self._request(method, path, body, auth=True)

    def _token_value(self) -> str:
        if self._token:
            return self._token
        try:
            return self.token_file.read_text(encoding="utf-8").strip()
        except OSError:
            raise EngineAuthError(
                f"no engine token: cannot read the token file {self.token_file}",
                code="no_token",
                hint="start the engine once (`faceplate serve`) to create it, or set FACEPLATE_TOKEN; "
                "`faceplate serve --print-token` shows where it is",
            ) from None

    def _request(self, method: str, path: str, body: Optional[dict], auth: bool) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self._token_value()}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            raise self._error_from(exc) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EngineNotRunning(
                f"no Faceplate engine answers at {self.url} ({reason})",
                code="not_running",
                hint=f"start it with `{START_COMMAND}`",
            ) from None
        return json.loads(raw) if raw else None

    def _error_from(self, exc: urllib.error.HTTPError) -> EngineError:
        try:
            error = json.loads(exc.read() or b"{}").get("error") or {}
        except ValueError:
            error = {}
        message = error.get("message") or f"HTTP {exc.code} {exc.reason}"
        code, hint = error.get("code", "http_error"), error.get("hint", "")
        if exc.code == 401:
            where = "FACEPLATE_TOKEN" if self._token else f"the token file {self.token_file}"
            return EngineAuthError(
                f"the engine refused the token from {where}: {message}",
                code,
                hint=("use the token of the engine you talk to: `faceplate serve --print-token` shows its file"),
                status=401,
            )
        return EngineError(message, code, hint, exc.code)


def _quote(text: str) -> str:
    return urllib.parse.quote(str(text), safe="")
