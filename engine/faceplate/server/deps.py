"""Shared route dependencies as ``Annotated`` aliases: the engine context and the token check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from faceplate.server.context import EngineContext
from faceplate.server.errors import Unauthorized
from faceplate.server.session import SESSION_COOKIE
from faceplate.server.token import check_token


def get_engine(request: Request) -> EngineContext:
    return request.app.state.engine


Engine = Annotated[EngineContext, Depends(get_engine)]


def require_token(request: Request, engine: Engine, authorization: Annotated[str | None, Header()] = None) -> None:
    """The token (``Authorization: Bearer``), or the dashboard's session cookie (Origin checked in middleware.py)."""
    session = request.cookies.get(SESSION_COOKIE)
    if authorization or not session:
        check_token(engine.token, authorization)
    elif not engine.sessions.is_valid(session):
        raise Unauthorized("the dashboard's session has expired or is unknown to this engine: sign in again")
