"""What the Resolve menu script does: the shared pyblish publish (collect → validate → submit and wait →
place) with the Resolve adapter. Between submit and wait the jobs are followed in a UIManager window with their
progress and a Cancel button (``follow_window``; the console where there is no UIManager); the result lines go to
Workspace > Console. The jobs sent are remembered for the project (``reattach``): Workspace > Scripts > Faceplate
Follow (``follow_from_menu``) places those not placed yet, after a restart or a closed window."""

from __future__ import annotations

import os
from typing import Optional

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
    asked = ask_send_options(
        scope, {"source": source, "consent_ref": os.environ.get("FACEPLATE_CONSENT_REF", ""), "budget": budget}
    )
    if asked is None:
        print("Faceplate: cancelled; nothing was sent")
        return
    for line in publish_in_resolve(adapter, asked["source"], asked["consent_ref"], scope=scope, budget=asked["budget"]):
        print(line)


def shots_folder() -> str:
    """Where new shot workspaces go: FACEPLATE_SHOTS, else ``~/faceplate_shots``."""
    return os.environ.get("FACEPLATE_SHOTS") or os.path.join(os.path.expanduser("~"), "faceplate_shots")


def follow_from_menu(scope: dict) -> None:
    """Workspace > Scripts > Faceplate Follow: the project's unplaced jobs followed in the window and placed."""
    from faceplate_host.client import EngineClient
    from faceplate_host.hosts.resolve.reattach import follow_unfinished

    try:
        adapter = ResolveAdapter(get_resolve(scope))
        lines = follow_unfinished(adapter, EngineClient.local(), scope, shots_folder())
    except ShotError as exc:
        lines = [f"Faceplate: {exc}"]
    for line in lines:
        print(line)


def publish_in_resolve(
    adapter: ResolveAdapter, source: str, consent_ref: str, scope: Optional[dict] = None, **options
) -> list:
    """Run the publish, following the submitted jobs in ``scope``'s UIManager (or the console); the lines to
    show (one per failed step, or what was placed)."""
    import pyblish.api
    import pyblish.util

    from faceplate_host.hosts.follow import JobFollower
    from faceplate_host.hosts.resolve.follow_window import follow_jobs
    from faceplate_host.hosts.resolve.reattach import mark_jobs_placed, remember_jobs, still_running
    from faceplate_host.jobs import preview_settings
    from faceplate_host.publishing import PLUGIN_PATH, PublishOptions, failures, publish, register

    shots_dir = shots_folder()
    asked = options.pop("preview_every", "auto")  # layer previews while it trains (jobs.preview_settings)
    options["settings"] = (
        preview_settings(options.get("settings"), options.get("budget", ""), asked, options.get("stages")) or {}
    )
    settings = PublishOptions(
        sources=[source] if source else [], consent_ref=consent_ref, shots_dir=shots_dir, **options
    )
    register(adapter.host)  # discover() finds only the plug-ins of the registered hosts
    plugins = pyblish.api.discover(paths=[PLUGIN_PATH])
    waiting = pyblish.api.ExtractorOrder + 0.1  # ExtractWaitForLayer: from here on the jobs have ended
    context = publish(adapter, settings, plugins=[p for p in plugins if p.order < waiting])
    followers = [JobFollower(settings.client(), i.data["job"]) for i in context if "job" in i.data]
    if followers:
        remember_jobs(adapter, shots_dir, [f.job for f in followers])
        follow_jobs(
            scope or {}, followers, settings.poll_s, settings.cancel.is_set, place_preview=adapter.place_preview
        )
        running = [f.job for f in followers if f.final is None]  # the window was closed: they go on
        if running:
            return [still_running(job) for job in running]
        pyblish.util.publish(context, plugins=[p for p in plugins if p.order >= waiting])
    placed = [i.data["placement"] for i in context if "placement" in i.data]
    cancelled = [f.job.job_id for f in followers if f.final["status"] == "cancelled"]
    mark_jobs_placed(adapter, shots_dir, [p.metadata["job"] for p in placed] + cancelled)
    return [f"Faceplate: {line}" for line in failures(context)] + [f"Faceplate: {placed_message(p)}" for p in placed]
