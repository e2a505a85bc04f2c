"""Helpers for the host tests: real test media copied into an engine's roots folder (never into the repository),
Resolve's interview clip and its publish, and the `faceplate` command run with a chosen HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def shared_data() -> Path:
    if not os.environ.get("FACEPLATE_TEST_DATA"):
        pytest.skip("FACEPLATE_TEST_DATA is not set: the host end-to-end tests need ../shared/data")
    return Path(os.environ["FACEPLATE_TEST_DATA"])


def copy_media(roots: Path, plate: str) -> tuple[Path, Path]:
    """(plate, source) inside ``roots/media``: a head_turns clip and one person's stills."""
    data = shared_data()
    plate_path = Path(shutil.copy(data / "head_turns" / plate, roots / "media"))
    source = Path(shutil.copytree(data / "identities" / "John_Salley", roots / "media" / "john_salley"))
    return plate_path, source


def resolve_interview(engine, monkeypatch):
    """(a Resolve stand-in: 19.1, a 30 fps timeline from 108000; its clip, the 30 fps interview shown at
    108010-108013 from media frame 20 (plate 1021-1024); the source), shots made under the engine's roots."""
    from resolve_standin import ResolveStandIn

    plate, source = copy_media(engine.roots, "d18.mp4")
    monkeypatch.setenv("FACEPLATE_SHOTS", str(engine.roots / "shots"))
    resolve = ResolveStandIn(version=(19, 1, 0), start=108000, rate="30")
    clip = resolve.clip(
        "interview", str(plate), start=108010, duration=4, left_offset=20, fps=30.0, resolution="480x480"
    )
    return resolve, clip, source


def publish_from_resolve(engine, resolve, source, consent_ref: str = "release 2026-114", **options) -> list[str]:
    """Resolve's publish (the shared pyblish run) of ``source`` into the stand-in, sent to ``engine``; its lines."""
    from faceplate_host.hosts.resolve.adapter import ResolveAdapter
    from faceplate_host.hosts.resolve.session import publish_in_resolve

    return publish_in_resolve(
        ResolveAdapter(resolve),
        str(source),
        consent_ref,
        engine_url=engine.url,
        token_file=str(engine.data / "token"),
        **options,
    )


def faceplate(*args, home: Path, **env) -> subprocess.CompletedProcess:
    """`faceplate ARGS` in a fresh process with HOME=home and no FACEPLATE_/XDG_ settings but ``env``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FACEPLATE_", "XDG_"))}
    environment.update(HOME=str(home), PYTHONPATH=f"{REPO / 'engine'}{os.pathsep}{REPO / 'plugin'}", **env)
    return subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
