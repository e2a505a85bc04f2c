"""Plain ASGI middleware: a body size limit (checked before the body is read) and the version header."""

from __future__ import annotations

import json

from faceplate.server.errors import error_body

VERSION_HEADER = b"x-faceplate-version"


class LimitsAndVersion:
    """Refuse bodies over ``max_body`` bytes with 413 (declared or streamed); stamp every answer with the
    engine's version so a client can tell a mismatch even from an error."""

    def __init__(self, app, max_body: int, version: str):
        self.app, self.max_body, self.version = app, max_body, version.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return await self._too_large(send)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge()
            return message

        async def stamped_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", [])) + [(VERSION_HEADER, self.version)]
            await send(message)

        try:
            await self.app(scope, limited_receive, stamped_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send) -> None:
        body = json.dumps(too_large_body(self.max_body)).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (VERSION_HEADER, self.version)]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised while a route reads a body that grew past the limit; the app answers 413 (see app.py)."""


def too_large_body(limit: int) -> dict:
    return error_body("body_too_large", f"the request body is over {limit} bytes",
                      "a job spec is a few kB; send paths, not media")
