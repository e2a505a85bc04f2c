"""Helpers for the tests of one writer per shot: another process holding a shot."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

HOLD = textwrap.dedent("""
    import sys, time
    from faceplate.workspace import open_workspace
    ws = open_workspace(sys.argv[1])
    with ws.stage_run("train", {}, {}):
        print("holding", flush=True)
        sys.stdin.read()  # until the test lets go: however slow the machine, never before
""")


def hold_shot(shot: Path, env: dict | None = None) -> subprocess.Popen:
    """A process running ``train`` on ``shot`` (its lock held, its run recorded), returned once it holds the
    shot; it lets go when its stdin closes or it is killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(shot)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc
