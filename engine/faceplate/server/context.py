"""What every request needs, built once by `faceplate serve` and handed to the app (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass

from faceplate.server.config import ServerConfig
from faceplate.server.paths import Roots
from faceplate.server.scheduler import Scheduler
from faceplate.server.store import Store
from faceplate.server.token import ensure_token


@dataclass
class EngineContext:
    config: ServerConfig
    store: Store
    scheduler: Scheduler
    roots: Roots
    token: str

    @classmethod
    def build(cls, config: ServerConfig) -> "EngineContext":
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the token and job log: user only
        store = Store(config.db_path)
        return cls(config, store, Scheduler(config, store), Roots.of(config.roots), ensure_token(config.token_path))
