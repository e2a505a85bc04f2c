"""What the Resolve menu script does: the shared pyblish publish (collect → validate → submit and wait →
place) with the Resolve adapter; every line goes to Workspace > Console."""

from __future__ import annotations

import os

from faceplate_host.hosts.resolve.adapter import ResolveAdapter, get_resolve
from faceplate_host.jobs import placed_message
from faceplate_host.shots import ShotError


def run_from_menu(scope: dict, source: str, budget: str = "") -> None:
    """The send dialog (prefilled with ``source``, FACEPLATE_CONSENT_REF and ``budget``), then the publish."""
    from faceplate_host.hosts.resolve.dialog import ask_send_options

    try:
        adapter = ResolveAdapter(get_resolve(scope))
    except ShotError as exc:
        print(f"Faceplate: {exc}")
        return
    asked = ask_send_options(scope, {"source": source, "consent_ref": os.environ.get("FACEPLATE_CONSENT_REF", ""),
                                     "budget": budget})
    if asked is None:
        print("Faceplate: cancelled; nothing was sent")
        return
    for line in publish_in_resolve(adapter, asked["source"], asked["consent_ref"], budget=asked["budget"]):
        print(line)


def publish_in_resolve(adapter: ResolveAdapter, source: str, consent_ref: str, **options) -> list:
    """Run the publish; the lines to show (one per failed step, or what was placed)."""
    from faceplate_host.publishing import PublishOptions, failures, publish

    shots_dir = os.environ.get("FACEPLATE_SHOTS") or os.path.join(os.path.expanduser("~"), "faceplate_shots")
    context = publish(adapter, PublishOptions(sources=[source] if source else [], consent_ref=consent_ref,
                                              shots_dir=shots_dir, **options))
    placed = [i.data["placement"] for i in context if "placement" in i.data]
    return [f"Faceplate: {line}" for line in failures(context)] + [f"Faceplate: {placed_message(p)}" for p in placed]

