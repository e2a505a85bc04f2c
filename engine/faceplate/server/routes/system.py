"""Health (no token, nothing private), version, and the dashboard's session cookie."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from faceplate.server import API_VERSION
from faceplate.server.deps import Engine, require_token
from faceplate.server.schemas import Session
from faceplate.server.session import SESSION_COOKIE
from faceplate.server.token import check_token

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health")
def health(engine: Engine) -> dict:
    return {"status": "ok", "version": engine.config.version, "api": API_VERSION}


@router.get("/version", dependencies=[Depends(require_token)])
def version(engine: Engine) -> dict:
    return {"version": engine.config.version, "api": API_VERSION, "roots": [str(r) for r in engine.roots.folders]}


@router.post("/session", status_code=204)
def session(body: Session, engine: Engine, response: Response) -> Response:
    """The dashboard trades the token for a session cookie (an EventSource cannot send headers); the cookie
    holds a random session id, never the token."""
    check_token(engine.token, f"Bearer {body.token}")
    response.status_code = 204
    response.set_cookie(
        SESSION_COOKIE,
        engine.sessions.open_session(),
        max_age=int(engine.sessions.lifetime_s),
        path="/",
        httponly=True,
        samesite="strict",
    )
    return response
