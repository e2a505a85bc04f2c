"""The server's settings, in one place: what `faceplate serve` was given, with its defaults."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from faceplate_host.client import default_data_dir  # one definition: the client reads the token the server writes

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
EVERY_ADDRESS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    roots: tuple[Path, ...] = ()  # media and workspaces must resolve under one of these
    host: str = "127.0.0.1"
    port: int = 8571
    max_body_bytes: int = 256 * 1024  # a job spec is a few kB; anything bigger is refused (413)
    max_frames: int = 100_000  # the longest range a job may ask for
    cpu_workers: int = max(1, (os.cpu_count() or 2) // 2)  # CPU stages run side by side up to this
    gpu_slots: int = 1  # heavy stages (train, render) at once: one per CUDA device (the CPU counts as one)
    busy_retry_s: float = 5.0  # a shot locked by another program is tried again after this
    tick_s: float = 0.1  # scheduler loop period
    warm_worker: bool = True  # keep one worker process started ahead of need (imports done)
    worker_python: str = sys.executable

    @property
    def db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite"

    @property
    def token_path(self) -> Path:
        return self.data_dir / "token"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS

    def answers_to(self, name: str) -> bool:
        """Whether a request's Host name is one this engine answers to: the loopback names, the --host name,
        and where it listens beyond this machine, IP addresses and this machine's name (a page cannot make
        a browser send a bare IP address as Host, so DNS rebinding stays out)."""
        if name in LOOPBACK_HOSTS or (name == self.host.lower() and self.host not in EVERY_ADDRESS):
            return True
        return not self.loopback and (_is_ip(name) or name == socket.gethostname().lower())

    @property
    def version(self) -> str:
        from faceplate import __version__

        return __version__


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False
