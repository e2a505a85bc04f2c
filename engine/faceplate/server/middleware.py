"""Plain ASGI middleware, ahead of every route and the dashboard's files: the browser guard (Host and Origin),
the body size limit, and the version header on every answer."""

from __future__ import annotations

import json

from faceplate.server.errors import error_body
from faceplate.server.session import SESSION_COOKIE

VERSION_HEADER = b"x-faceplate-version"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Guarded:
    """Answer 403 to a request a browser was tricked into sending, 413 to a body over ``max_body`` bytes
    (declared or streamed, read here before any route sees it), and stamp every answer with the engine's
    version so a client can tell a mismatch even from an error.

    ``allowed_host(name)`` says which Host names this engine answers to (DNS rebinding: a page of
    evil.example that resolves to 127.0.0.1 sends ``Host: evil.example``). Any request from another
    page (a foreign ``Origin``) is refused, and so is a state-changing one that carries the session
    cookie but no ``Origin`` at all; the engine sends no CORS headers.
    """

    def __init__(self, app, allowed_host, max_body: int, version: str):
        self.app, self.allowed_host, self.max_body, self.version = app, allowed_host, max_body, version.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refused = browser_refusal(scope, self.allowed_host)
        if refused:
            return await self._answer(send, 403, refused)
        body = await read_body(receive, self.max_body)
        if body is None:
            return await self._answer(send, 413, too_large_body(self.max_body))
        replayed = False

        async def replay_receive():
            nonlocal replayed
            if replayed:
                return await receive()  # later calls wait for the client to go away (SSE)
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def stamped_send(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [(VERSION_HEADER, self.version)]
            await send(message)

        await self.app(scope, replay_receive, stamped_send)

    async def _answer(self, send, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                    (VERSION_HEADER, self.version),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})


async def read_body(receive, limit: int) -> bytes | None:
    """The whole request body, or None once it is over ``limit`` bytes (a declared Content-Length or a
    chunked body alike: a route never sees part of one)."""
    parts, seen = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)  # the client left; the route sees an empty body and the server drops it
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def browser_refusal(scope, allowed_host) -> dict | None:
    """The 403 body for a request with a Host this engine does not answer to or from another page's
    Origin; None for a request to let through."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host = headers.get("host", "")
    if not allowed_host(host_name(host)):
        return error_body(
            "host_not_allowed",
            f"this engine does not answer to the host name {host_name(host)!r}",
            "open it as http://127.0.0.1:PORT or http://localhost:PORT (or the --host it was given)",
        )
    origin = headers.get("origin")
    own = f"{scope.get('scheme', 'http')}://{host}".lower()
    if origin is not None and origin.strip().lower() != own:
        return error_body(
            "origin_refused",
            f"a request from the page {origin} is refused: only this engine's own dashboard may call it from a browser",
            "open the dashboard at " + own,
        )
    if (
        origin is None
        and scope["method"] not in SAFE_METHODS
        and "authorization" not in headers
        and f"{SESSION_COOKIE}=" in headers.get("cookie", "")
    ):
        return error_body(
            "origin_refused",
            "a browser request that changes something must say where it comes from (no Origin header)",
            "use the dashboard, or send 'Authorization: Bearer <token>'",
        )
    return None


def host_name(host: str) -> str:
    """``127.0.0.1:8571`` -> ``127.0.0.1``, ``[::1]:8571`` -> ``::1``, ``LocalHost.`` -> ``localhost``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.rstrip(".")


def too_large_body(limit: int) -> dict:
    return error_body(
        "body_too_large", f"the request body is over {limit} bytes", "a job spec is a few kB; send paths, not media"
    )
