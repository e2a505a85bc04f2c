"""Following the sent jobs in Resolve: a UIManager window with each job's progress line and a Cancel button,
where the script has a UIManager (Workspace > Scripts, free Resolve included); else lines on the console.

The window is the pattern of the send dialog (``dialog.py``) plus a ``ui.Timer`` (UIManager's UITimer, a QTimer:
``Interval`` in ms, ``Start()``/``Stop()``) that reads one page of each job's events per tick, so the window stays
live while the engine works. A timer is no widget of a window: its ``Timeout`` event goes to the dispatcher,
``dispatcher.On.Timeout``, with the timer's ID in the event's ``who`` (Blackmagic publishes no UIManager reference;
this is how the Fusion/Resolve scripts people share handle it, and they note that a ``window.On.<timer ID>.Timeout``
handler is accepted but never called).
While a job with layer previews trains, each newest preview is placed as it comes (``place_previews``).
Cancel asks the engine to cancel the jobs (they stop at a safe point; a retry resumes); closing the window
stops following, the jobs go on.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

from faceplate_host.client import EngineError
from faceplate_host.hosts.follow import JobFollower
from faceplate_host.jobs import preview_message
from faceplate_host.shots import ShotError

WINDOW, TIMER = "FaceplateFollow", "FaceplatePoll"


def follow_jobs(
    scope: dict,
    followers: list,
    poll_s: float = 0.5,
    cancelled: Callable[[], bool] = bool,
    place_preview: Optional[Callable] = None,
) -> None:
    """Until every job has ended (or the window is closed): progress shown, Cancel (or ``cancelled()``, a
    caller's own stop, e.g. ``PublishOptions.cancel``) honoured, and each newest layer preview of a job still
    training handed to ``place_preview`` (the adapter's)."""
    fusion, bmd = scope.get("fusion"), scope.get("bmd")
    if fusion is None or bmd is None or getattr(fusion, "UIManager", None) is None:
        follow_in_console(followers, poll_s, cancelled, place_preview)
        return
    ui = fusion.UIManager
    dispatcher = bmd.UIDispatcher(ui)
    window = dispatcher.AddWindow(
        {"ID": WINDOW, "WindowTitle": "Faceplate: following the jobs"},
        ui.VGroup(
            [
                ui.Label({"ID": "Status", "Text": "waiting for the engine", "WordWrap": True}),
                ui.Button({"ID": "Cancel", "Text": "Cancel the jobs"}),
            ]
        ),
    )
    timer = ui.Timer({"ID": TIMER, "Interval": int(poll_s * 1000)})
    status = window.GetItems()["Status"]

    def stop(event: Any = None) -> None:
        timer.Stop()
        dispatcher.ExitLoop()

    def poll(event: Any) -> None:
        if (event or {}).get("who", TIMER) != TIMER:  # another script's timer in this dispatcher
            return
        try:
            finished = all([follower.step() is not None for follower in followers])
            place_previews(followers, place_preview)
        except EngineError as exc:
            status.Text = f"Faceplate: {exc}"
            print(status.Text)
            stop()
            return
        status.Text = status_text(followers)
        if finished:
            stop()

    def cancel(event: Any) -> None:
        for follower in followers:
            follower.cancel()
        status.Text = "cancelling: the jobs stop at their next safe point"

    dispatcher.On.Timeout = poll
    window.On.Cancel.Clicked = cancel
    getattr(window.On, WINDOW).Close = stop
    window.Show()
    timer.Start()
    dispatcher.RunLoop()
    window.Hide()


def status_text(followers: list) -> str:
    """One line per job: its latest progress line, or how it ended."""
    return "\n".join(
        follower.line if follower.final is None else f"{follower.job.shot.name}: {follower.final['status']}"
        for follower in followers
    )


def place_previews(followers: list, place_preview: Optional[Callable]) -> None:
    """Each follower's newest layer preview, when one came while its job trains; a refused one is a line."""
    for follower in followers if place_preview is not None else []:
        preview = follower.preview_placement()
        try:
            if preview is not None:
                place_preview(preview)
                print(f"Faceplate: {preview_message(preview)}", flush=True)
        except ShotError as exc:
            print(f"Faceplate: {exc}", flush=True)


def follow_in_console(
    followers: list[JobFollower],
    poll_s: float,
    cancelled: Callable[[], bool] = bool,
    place_preview: Optional[Callable] = None,
) -> None:
    """No UIManager (a script run from outside Resolve): every line to the console; Ctrl-C cancels the jobs."""
    shown, asked = [0] * len(followers), False
    try:
        while True:
            if not asked and cancelled():
                asked = True
                for follower in followers:
                    follower.cancel()
            finished = all([follower.step() is not None for follower in followers])
            place_previews(followers, place_preview)
            for index, follower in enumerate(followers):
                for line in follower.lines[shown[index] :]:
                    print(f"Faceplate: {line}", flush=True)
                shown[index] = len(follower.lines)
            if finished:
                return
            time.sleep(poll_s)
    except KeyboardInterrupt:
        for follower in followers:
            follower.cancel()
        print("Faceplate: cancel asked; the jobs stop at their next safe point, a retry resumes")
