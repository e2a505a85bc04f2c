"""The Faceplate menu in Nuke's menu bar (added by ``startup/menu.py``, so only in GUI sessions)."""

from __future__ import annotations

from typing import Any

from faceplate_host.client import EngineClient, EngineError
from faceplate_host.shots import BUDGET_HELP, BUDGETS, ShotError


def add_menu(nuke: Any) -> None:
    menu = nuke.menu("Nuke").addMenu("Faceplate")
    menu.addCommand("Send selected Read to Faceplate...", lambda: send_selected_dialog(nuke))
    menu.addCommand("Follow unfinished jobs", lambda: follow_unfinished_jobs(nuke))
    menu.addCommand("Faceplate doctor", lambda: show_doctor(nuke))


def send_selected_dialog(nuke: Any) -> None:
    from faceplate_host.hosts.nuke.runner import send_selected

    source = nuke.getFilename("Faceplate: the identity to put in (clip, sequence or folder of stills)")
    if not source:
        return
    consent_ref = nuke.getInput("Faceplate: the performer's consent / release reference", "")
    if not consent_ref:
        nuke.message("Faceplate: a consent reference is needed before a face is replaced")
        return
    budget = nuke.getInput(f"Faceplate: budget - {BUDGET_HELP}", BUDGETS[0])
    if budget is None:  # the artist pressed Cancel
        return
    try:
        send_selected(nuke, EngineClient.local(), [source], consent_ref, budget=budget.strip())
    except (EngineError, ShotError) as exc:
        nuke.message(f"Faceplate: {exc}")


def follow_unfinished_jobs(nuke: Any) -> list:
    """After a restart: follow and place the jobs this script sent whose layers are not placed yet (the
    started worker threads; none when there is nothing to follow, said in a message)."""
    from faceplate_host.hosts.nuke.runner import follow_unfinished

    try:
        return follow_unfinished(nuke, EngineClient.local())
    except (EngineError, ShotError) as exc:
        nuke.message(f"Faceplate: {exc}")
        return []


def show_doctor(nuke: Any) -> None:
    from faceplate_host.doctor import run_checks

    nuke.message("\n".join(line for _, line in run_checks()))
