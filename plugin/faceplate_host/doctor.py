"""``faceplate plugin doctor``: from the host's side, is everything there? One line per check.

Runs in a host's own Python (stdlib only): this package and its two requirements import, the token is
readable, the engine answers, the engine's version is this package's.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Optional

import faceplate_host
from faceplate_host.client import API_VERSION, EngineAuthError, EngineClient, EngineError, EngineNotRunning

REQUIREMENTS = {"pyblish": "pyblish-base", "opentimelineio": "opentimelineio"}


def run_checks(client: Optional[EngineClient] = None) -> list[tuple[bool, str]]:
    """(passed, line) per check, in order; later checks that need the engine are skipped when it is down."""
    client = client or EngineClient.local()
    results = [check_package()]
    token_ok = check_token(client)
    results.append(token_ok)
    health = check_engine(client)
    results.append(health[0])
    if health[1] is not None:
        results.append(check_versions(client, health[1]))
        if token_ok[0]:
            results.append(check_token_accepted(client))
    return results


def check_package() -> tuple[bool, str]:
    missing = [dist for module, dist in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]
    if missing:
        return False, (
            f"host package: {', '.join(missing)} not importable in {sys.executable}; install "
            f"faceplate-host=={faceplate_host.__version__} into this Python"
        )
    return (
        True,
        f"host package: faceplate-host {faceplate_host.__version__} at {os.path.dirname(faceplate_host.__file__)}",
    )


def check_token(client: EngineClient) -> tuple[bool, str]:
    if os.environ.get("FACEPLATE_TOKEN"):
        return True, "token: from FACEPLATE_TOKEN"
    try:
        token = client.token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        return False, (
            f"token: cannot read {client.token_file} ({exc.strerror}); start the engine once "
            "(`faceplate serve`) or set FACEPLATE_TOKEN"
        )
    if not token:
        return False, f"token: {client.token_file} is empty; `faceplate serve --print-token` writes a new one"
    return True, f"token: {client.token_file}"


def check_engine(client: EngineClient) -> tuple[tuple[bool, str], Optional[dict]]:
    try:
        health = client.health()
    except EngineNotRunning as exc:
        return (False, f"engine: {exc}"), None
    except EngineError as exc:
        return (False, f"engine: {client.url} answered, but not as a Faceplate engine: {exc}"), None
    return (True, f"engine: faceplate {health.get('version')} at {client.url}"), health


def check_versions(client: EngineClient, health: dict) -> tuple[bool, str]:
    version, api = health.get("version"), health.get("api")
    if api != API_VERSION or version != faceplate_host.__version__:
        return False, (
            f"version mismatch: the engine is faceplate {version} (API {api}), this plug-in is "
            f"faceplate-host {faceplate_host.__version__} (API {API_VERSION}); install "
            f"faceplate-host=={version} into {sys.executable}"
        )
    return True, f"versions: engine and plug-in are both {version} (API {api})"


def check_token_accepted(client: EngineClient) -> tuple[bool, str]:
    try:
        client.jobs()
    except EngineAuthError as exc:
        return False, f"token: {exc}"
    except EngineError as exc:
        return False, f"engine: {exc}"
    return True, "token: accepted by the engine"
