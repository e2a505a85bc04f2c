"""Starting and stopping `faceplate serve` as a child process: the one command line the demo, the
benchmarks and the tests start the engine with."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def serve_command(port: int, roots: Sequence[Path | str], data: Path, *flags: str) -> list[str]:
    """``faceplate serve`` run by this Python on ``port``, media under ``roots``, its job store and token in
    ``data``; ``flags`` are more of serve's options (e.g. ``--cpu-workers 2``)."""
    return [
        sys.executable,
        "-m",
        "faceplate.cli.main",
        "serve",
        "--port",
        str(port),
        "--roots",
        *[str(r) for r in roots],
        "--data",
        str(data),
        *flags,
    ]


def serve_env() -> dict[str, str]:
    """This process's environment, with the faceplate and faceplate_host it imports first on PYTHONPATH, so
    the engine runs the same code as its caller (a checkout, not whatever is installed)."""
    import faceplate
    import faceplate_host

    paths = [str(Path(faceplate.__file__).parents[1]), str(Path(faceplate_host.__file__).parents[1])]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths + [os.environ.get("PYTHONPATH", "")]))


def free_port() -> int:
    """A TCP port on loopback no one listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_engine(process: subprocess.Popen) -> None:
    """As Ctrl-C: the engine stops its workers at a safe point and exits; killed if it has not within 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
