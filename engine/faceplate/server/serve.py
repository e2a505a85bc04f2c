"""Run the engine: the job store, the scheduler and the API under uvicorn, until stopped."""

from __future__ import annotations

import logging

from faceplate.server.config import ServerConfig
from faceplate.server.context import EngineContext

log = logging.getLogger(__name__)


def serve(config: ServerConfig) -> None:
    """Blocks until Ctrl-C / SIGTERM; running stages then stop at a safe point and resume on the next start."""
    import uvicorn

    from faceplate.server.app import create_app

    engine = EngineContext.build(config)
    if not config.loopback:
        log.warning("listening on %s: other machines can reach this engine (the token still guards every call); "
                    "leave --host out to stay on this machine only", config.host)
    engine.scheduler.start()
    try:
        uvicorn.run(create_app(engine), host=config.host, port=config.port, log_level="warning",
                    timeout_graceful_shutdown=5)
    finally:
        engine.scheduler.stop()
