"""Shared route dependencies as ``Annotated`` aliases: the engine context and the token check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from faceplate.server.context import EngineContext
from faceplate.server.token import check_token

TOKEN_COOKIE = "faceplate_token"


def get_engine(request: Request) -> EngineContext:
    return request.app.state.engine


Engine = Annotated[EngineContext, Depends(get_engine)]


def require_token(request: Request, engine: Engine,
                  authorization: Annotated[str | None, Header()] = None) -> None:
    check_token(engine.token, authorization, request.cookies.get(TOKEN_COOKIE))
