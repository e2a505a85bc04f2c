"""Helpers for the server tests: a real `faceplate serve` subprocess on a free loopback port, the real client."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from faceplate.server.launch import free_port, serve_command, serve_env, stop_engine
from faceplate_host.client import EngineClient, EngineError

REPO = Path(__file__).resolve().parents[2]
TINY = {
    "model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
    "train": {"iterations": 3, "batch_size": 2, "min_faces": 2},
}
QUICK_SETTINGS = {
    "extract": {"face_type": "full", "crop_size": 128},
    "train": TINY,
    "mask": {"landmark_only": True},
    "curate": {"rules": ["identity", "blur"]},
}


@dataclass
class Engine:
    process: subprocess.Popen
    url: str
    data: Path
    roots: Path
    port: int

    @property
    def client(self) -> EngineClient:
        return EngineClient(self.url, token_file=self.data / "token", timeout=30)

    def healthy(self) -> bool:
        try:
            return self.client.health()["status"] == "ok"
        except EngineError:
            return False

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_engine(self.process)


def start_engine(roots: Path | list[Path], data: Path, port: int | None = None) -> Engine:
    """``roots``: one folder, or several (the first is where relative paths land)."""
    port = port or free_port()
    folders = [str(r) for r in roots] if isinstance(roots, (list, tuple)) else [str(roots)]
    log = open(data.parent / f"{data.name}-serve.log", "ab")
    process = subprocess.Popen(
        serve_command(port, folders, data, "--cpu-workers", "2"), stdout=log, stderr=subprocess.STDOUT, env=serve_env()
    )
    engine = Engine(process, f"http://127.0.0.1:{port}", data, Path(folders[0]), port)
    deadline = time.monotonic() + 60
    while not engine.healthy():
        if process.poll() is not None or time.monotonic() > deadline:
            engine.stop()
            raise RuntimeError(f"the engine did not start: {(data.parent / f'{data.name}-serve.log').read_text()}")
        time.sleep(0.2)
    return engine


def shot_spec(plate: str, source: str) -> dict:
    from faceplate.demo import CONSENT_REF, PLATE_SPACE

    return {
        "plate": plate,
        "range": "1001-1004",
        "sources": [source],
        "colour_space": PLATE_SPACE,
        "fps": "24",
        "consent_ref": CONSENT_REF,
    }


def init_example_shot(folder: Path, plate: str, source: str) -> Path:
    """A workspace of the example at ``folder``, as ``shot_spec`` describes it; returns its root."""
    from faceplate.workspace import init_workspace

    spec = shot_spec(plate, source)
    return init_workspace(
        folder,
        spec["plate"],
        spec["range"],
        spec["sources"],
        colour_space=spec["colour_space"],
        fps=spec["fps"],
        consent_ref=spec["consent_ref"],
    ).root
