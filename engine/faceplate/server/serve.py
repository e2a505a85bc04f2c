"""Run the engine: the job store, the scheduler and the API under uvicorn, until stopped."""

from __future__ import annotations

import contextlib
import logging
import signal
from typing import Iterator

from faceplate.server.config import ServerConfig
from faceplate.server.context import EngineContext

log = logging.getLogger(__name__)


def serve(config: ServerConfig) -> None:
    """Blocks until Ctrl-C / SIGTERM; running stages then stop at a safe point and resume on the next start."""
    import uvicorn

    from faceplate.server.app import create_app

    engine = EngineContext.build(config)
    if not config.loopback:
        log.warning(
            "listening on %s: other machines can reach this engine (the token still guards every call); "
            "leave --host out to stay on this machine only",
            config.host,
        )
    engine.scheduler.start()
    try:
        with _signals_left_to_uvicorn():
            uvicorn.run(
                create_app(engine), host=config.host, port=config.port, log_level="warning", timeout_graceful_shutdown=5
            )
    finally:
        engine.scheduler.stop()
        log.info("engine stopped; running stages resume on the next start")


@contextlib.contextmanager
def _signals_left_to_uvicorn() -> Iterator[None]:
    """uvicorn shuts down on SIGINT/SIGTERM, then re-sends the signal to the handlers it found: make those
    do nothing, so the scheduler is stopped (stages at a safe point) instead of the CLI's stage-cancel
    handler firing or the process dying before its workers are told."""
    names = [s for s in (signal.SIGINT, signal.SIGTERM)]
    saved = {s: signal.getsignal(s) for s in names}
    for s in names:
        signal.signal(s, lambda *_: None)
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
