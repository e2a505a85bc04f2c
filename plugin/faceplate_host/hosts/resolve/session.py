"""What the Resolve menu script does: collect, submit, follow (printing to the Console), place."""

from __future__ import annotations

import os
from typing import Any

from faceplate_host.client import EngineClient, EngineError
from faceplate_host.hosts.follow import follow_job, placement_for_job
from faceplate_host.hosts.resolve.adapter import ResolveAdapter, get_resolve
from faceplate_host.shots import ShotError


def write_otio_beside(placement) -> str:
    """The fallback's OTIO file, written by the shared timeline writer next to the layer files."""
    from faceplate_host.timeline import write_layers

    path = os.path.join(os.path.dirname(placement.layer_pattern), f"{placement.shot}.faceplate.otio")
    write_layers(path, [placement])
    return path


def run_from_menu(scope: dict, source: str) -> None:
    try:
        adapter = ResolveAdapter(get_resolve(scope), write_otio=write_otio_beside)
        send_and_place(adapter, EngineClient.local(), source or _ask_source(scope))
    except (EngineError, ShotError) as exc:
        print(f"Faceplate: {exc}")


def send_and_place(adapter: ResolveAdapter, client: EngineClient, source: str, shots_root: str = "") -> None:
    if not source:
        raise ShotError("no source identity: set FACEPLATE_SOURCE to a clip, sequence or folder of stills")
    root = shots_root or os.environ.get("FACEPLATE_SHOTS") or os.path.join(os.path.expanduser("~"), "faceplate_shots")
    for shot in adapter.collect():
        job = client.submit(os.path.join(root, shot.name), shot=shot.engine_shot([source]))
        print(f"Faceplate: job {job['id']} for {shot.name} ({shot.record})")
        done = follow_job(client, job["id"], lambda f, line: print(f"  {line} {f:.0%}"), lambda: False)
        adapter.place(placement_for_job(client, done, shot))
        print(f"Faceplate: {shot.name} placed at {shot.record}")


def _ask_source(scope: dict) -> Any:
    fusion = scope.get("fusion") or scope.get("fu")
    return fusion.RequestFile() if fusion is not None and hasattr(fusion, "RequestFile") else ""
