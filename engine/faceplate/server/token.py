"""The bearer token: made at first start, kept in a file only the user can read (0600)."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from faceplate.server.errors import Unauthorized
from faceplate.server.private import make_private_dir


def ensure_token(path: Path) -> str:
    """The token in ``path``, written (0600, atomically: no reader sees half a token) when absent."""
    make_private_dir(path.parent)
    if path.is_file():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            os.chmod(path, 0o600)  # a copy restored with wider permissions is narrowed again
            return token
    token = secrets.token_urlsafe(32)
    temp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    os.replace(temp, path)
    return token


def check_token(expected: str, authorization: str | None) -> None:
    """Unauthorized unless ``authorization`` is ``Bearer <token>``; compared in constant time."""
    scheme, _, value = (authorization or "").partition(" ")
    given = value.strip() if scheme.lower() == "bearer" else ""
    if not given:
        raise Unauthorized("no token: this engine needs 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("wrong token: it is not the one in this engine's token file")
