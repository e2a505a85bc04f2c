"""What every request needs, built once by `faceplate serve` and handed to the app (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from faceplate.server.config import ServerConfig
from faceplate.server.paths import Roots
from faceplate.server.private import prepare_data_dir
from faceplate.server.scheduler import Scheduler
from faceplate.server.session import Sessions
from faceplate.server.store import Store
from faceplate.server.token import ensure_token


@dataclass
class EngineContext:
    config: ServerConfig
    store: Store
    scheduler: Scheduler
    roots: Roots
    token: str
    sessions: Sessions = field(default_factory=Sessions)  # the dashboard's cookies

    @classmethod
    def build(cls, config: ServerConfig) -> "EngineContext":
        prepare_data_dir(config.data_dir, config.db_path, config.log_dir)  # the token, job store, logs: user only
        store = Store(config.db_path)
        return cls(config, store, Scheduler(config, store), Roots.of(config.roots), ensure_token(config.token_path))
