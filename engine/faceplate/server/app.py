"""The FastAPI app: routers, the browser guard and size limit, and the one place errors become JSON answers."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from faceplate.errors import FaceplateError
from faceplate.server.context import EngineContext
from faceplate.server.errors import describe_error, error_body
from faceplate.server.middleware import Guarded
from faceplate.server.routes import events, jobs, system

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(engine: EngineContext) -> Guarded:
    app = FastAPI(
        title="Faceplate engine",
        version=engine.config.version,
        description="Jobs for the Faceplate engine: submit a shot, watch its stages, fetch what it made.",
    )
    app.state.engine = engine
    for module in (system, jobs, events):
        app.include_router(module.router)
    _add_error_handlers(app)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="dashboard")  # the page holds no data: no token
    config = engine.config
    return Guarded(app, config.answers_to, config.max_body_bytes, config.version)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FaceplateError)
    async def faceplate_error(request: Request, exc: FaceplateError) -> JSONResponse:
        status, body = describe_error(exc)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(*validation_answer(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail), "see /docs for the API"), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(
                "internal",
                "the engine hit an unexpected error; its log has the details",
                "report it with the engine's log",
            ),
            status_code=500,
        )


def validation_answer(errors: list[dict]) -> tuple[dict, int]:
    """(body, status): malformed JSON is 400; a body that does not fit the schema is 422 naming the field."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return error_body(
            "bad_json",
            f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'parse error')})",
            "send a JSON object with Content-Type: application/json",
        ), 400
    field = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    code = "unknown_field" if first.get("type") == "extra_forbidden" else "bad_request"
    message = f"{field or 'body'}: {first.get('msg', 'invalid')}"
    return error_body(code, message, "see /openapi.json for the request schema"), 422
