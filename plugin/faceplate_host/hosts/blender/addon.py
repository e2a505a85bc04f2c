"""The Blender add-on's operators and menu: Sequencer > Strip > Faceplate.

No ``from __future__ import annotations`` here: Blender reads the operators' property annotations at
registration. ``register``/``unregister`` build the operator classes on first use (bpy imported there, so this module
imports in any Python).

Send submits one job per selected strip and remembers it in the scene (``faceplate_jobs``, saved with the .blend);
Follow then follows every remembered job whose layer is not placed yet and places each as it finishes. In the UI
Follow is a modal operator (bpy.types.Operator.modal with ``window_manager.event_timer_add``): a progress bar
(``window_manager.progress_begin/progress_update/progress_end``), the job's line in the status bar
(``workspace.status_text_set``), Esc cancels the jobs in the engine. In background mode (``bpy.app.background``:
no window, no events, timers never fire) Follow runs the same steps in a loop before it returns. Re-attach after a
restart: open the .blend and run Follow (Sequencer > Strip > Faceplate: Follow and Place Jobs).
"""

import json
import os
import time
from typing import Any

from faceplate_host.client import EngineClient, EngineError
from faceplate_host.hosts.blender.adapter import BlenderAdapter
from faceplate_host.hosts.follow import JobFollower, cancelled_message, mark_placed, remember, unplaced
from faceplate_host.jobs import override_settings, placed_message, preview_message, preview_settings, submit_shot
from faceplate_host.shots import BUDGET_HELP, BUDGETS, PREVIEW_HELP, ShotError

SHOTS_KEY = "faceplate_shots"  # the scene property the collect operator writes (JSON of Shot.to_dict())
JOBS_KEY = "faceplate_jobs"  # the scene property that remembers the jobs sent (hosts/follow.py records)
POLL_S = 0.5
CANCELLING = "Faceplate: cancelling the jobs; finished work is kept, a retry resumes"


def _classes(bpy: Any) -> list:
    class FACEPLATE_OT_collect(bpy.types.Operator):
        """Describe the selected strips as Faceplate shots (kept in the scene's faceplate_shots property)"""

        bl_idname = "faceplate.collect"
        bl_label = "Faceplate: Describe Selected Strips"

        def execute(self, context):
            try:
                shots = BlenderAdapter(bpy, context.scene).collect()
            except ShotError as exc:
                self.report({"ERROR"}, str(exc))
                return {"CANCELLED"}
            context.scene[SHOTS_KEY] = json.dumps([s.to_dict() for s in shots])
            self.report({"INFO"}, "; ".join(f"{s.name}: plate {s.source} at {s.record}" for s in shots))
            return {"FINISHED"}

    class FACEPLATE_OT_send(bpy.types.Operator):
        """Swap the face in the selected strips with the Faceplate engine, and place the layers"""

        bl_idname = "faceplate.send"
        bl_label = "Faceplate: Swap Face in Selected Strips"
        source: bpy.props.StringProperty(
            name="Source identity",
            subtype="FILE_PATH",
            description="clip, image sequence or folder of stills of the new face",
        )
        consent_ref: bpy.props.StringProperty(
            name="Consent reference", description="the performer's consent / release reference"
        )
        budget: bpy.props.StringProperty(name="Budget", default=BUDGETS[0], description=BUDGET_HELP)
        override: bpy.props.StringProperty(
            name="Override",
            description="a review note: re-render only these frames with these merge settings, "
            "e.g. 1040-1060:feather_px=12 (the next version of a shot already sent)",
        )
        preview_every: bpy.props.StringProperty(name="Preview layer", default="auto", description=PREVIEW_HELP)
        follow: bpy.props.BoolProperty(
            name="Follow", default=True, description="follow the jobs and place their layers (else: Follow later)"
        )

        def invoke(self, context, event):
            return context.window_manager.invoke_props_dialog(self)

        def execute(self, context):
            if not self.consent_ref.strip():
                self.report({"ERROR"}, "Faceplate: a consent reference is needed before a face is replaced")
                return {"CANCELLED"}
            try:
                sent = send_strips(
                    bpy,
                    context.scene,
                    EngineClient.local(),
                    [bpy.path.abspath(self.source)],
                    self.consent_ref,
                    self.budget.strip(),
                    self.override.strip(),
                    self.preview_every,
                )
            except (EngineError, ShotError) as exc:
                self.report({"ERROR"}, str(exc))
                return {"CANCELLED"}
            self.report({"INFO"}, f"Faceplate: {sent} job(s) sent")
            if not self.follow:
                return {"FINISHED"}
            if bpy.app.background:  # no window: no modal operator, no timers
                return follow_to_end(self, bpy, context.scene)
            return bpy.ops.faceplate.follow("INVOKE_DEFAULT")

    class FACEPLATE_OT_follow(bpy.types.Operator):
        """Follow the jobs this scene sent and place each layer when it is done (Esc cancels the jobs)"""

        bl_idname = "faceplate.follow"
        bl_label = "Faceplate: Follow and Place Jobs"

        def execute(self, context):  # background mode, or a script: the same steps, in a loop
            return follow_to_end(self, bpy, context.scene)

        def invoke(self, context, event):
            try:
                self.begin(context)
            except (EngineError, ShotError) as exc:
                self.report({"ERROR"}, f"Faceplate: {exc}")
                return {"CANCELLED"}
            context.window_manager.modal_handler_add(self)
            return {"RUNNING_MODAL"}

        def begin(self, context):
            """What the modal steps need before the first event: the jobs to follow, the timer, the progress bar."""
            self.followers = open_followers(context.scene)
            self.timer = context.window_manager.event_timer_add(POLL_S, window=context.window)
            context.window_manager.progress_begin(0, 100)

        def modal(self, context, event):
            if event.type == "ESC" and event.value == "PRESS":  # taken, not passed on: it was meant for us
                for follower in self.followers:
                    follower.cancel()  # the next timer steps read the jobs' ends: "cancelled"
                self.report({"WARNING"}, CANCELLING)
                context.workspace.status_text_set(CANCELLING)
                return {"RUNNING_MODAL"}
            if event.type != "TIMER":
                return {"PASS_THROUGH"}
            try:
                finished = all([step_and_place(self, bpy, context.scene, f) for f in self.followers])
            except (EngineError, ShotError) as exc:
                self.report({"ERROR"}, f"Faceplate: {exc}")
                finished = True
            share = sum(f.fraction if f.final is None else 1.0 for f in self.followers) / len(self.followers)
            context.window_manager.progress_update(int(100 * share))
            context.workspace.status_text_set(
                None
                if finished
                else next(
                    (f.line for f in self.followers if f.final is None and f.line), "Faceplate: waiting for the engine"
                )
            )
            if finished:
                context.window_manager.event_timer_remove(self.timer)
                context.window_manager.progress_end()
                return {"FINISHED"}
            return {"RUNNING_MODAL"}

    class FACEPLATE_OT_cancel(bpy.types.Operator):
        """Cancel the engine jobs this scene sent that are still running (what Esc does while following)"""

        bl_idname = "faceplate.cancel"
        bl_label = "Faceplate: Cancel Running Jobs"

        def execute(self, context):
            try:
                for follower in open_followers(context.scene):
                    follower.cancel()
            except (EngineError, ShotError) as exc:
                self.report({"ERROR"}, f"Faceplate: {exc}")
                return {"CANCELLED"}
            self.report({"INFO"}, "Faceplate: cancel asked; finished work is kept, a retry resumes")
            return {"FINISHED"}

    return [FACEPLATE_OT_collect, FACEPLATE_OT_send, FACEPLATE_OT_follow, FACEPLATE_OT_cancel]


OPERATORS = ("faceplate.send", "faceplate.follow", "faceplate.cancel", "faceplate.collect")


def _menu(self, context) -> None:
    self.layout.separator()
    for name in OPERATORS:
        self.layout.operator(name)


def register() -> None:
    import bpy

    for cls in _classes(bpy):
        bpy.utils.register_class(cls)
    bpy.types.SEQUENCER_MT_strip.append(_menu)


def unregister() -> None:
    import bpy

    bpy.types.SEQUENCER_MT_strip.remove(_menu)
    for name in ("FACEPLATE_OT_send", "FACEPLATE_OT_follow", "FACEPLATE_OT_cancel", "FACEPLATE_OT_collect"):
        cls = getattr(bpy.types, name, None)
        if cls is not None:
            bpy.utils.unregister_class(cls)


def send_strips(
    bpy: Any,
    scene: Any,
    client: EngineClient,
    sources: list,
    consent_ref: str,
    budget: str = "",
    override: str = "",
    preview_every: str = "auto",
) -> int:
    """One engine job per selected strip (``jobs.submit_shot``, as the pyblish Extract does) with ``budget`` and
    layer previews while it trains (``shots.preview_interval``); with ``override`` (a review note) a render of the
    next version only. Each job is remembered in the scene."""
    root = os.environ.get("FACEPLATE_SHOTS") or os.path.join(
        os.path.dirname(bpy.data.filepath) or os.getcwd(), "faceplate_shots"
    )
    settings, stages = (override_settings(override), ["render", "qc"]) if override else (None, None)
    settings = preview_settings(settings, budget, preview_every, stages)
    shots = BlenderAdapter(bpy, scene).collect()
    for shot in shots:
        job = submit_shot(
            client, shot.with_(budget=budget), sources, root, consent_ref=consent_ref, settings=settings, stages=stages
        )
        scene[JOBS_KEY] = remember(scene.get(JOBS_KEY), job)
    return len(shots)


def open_followers(scene: Any) -> list:
    jobs = unplaced(scene.get(JOBS_KEY))
    if not jobs:
        raise ShotError("no job of this scene is waiting to be placed: send the strips first (Faceplate: Swap Face)")
    client = EngineClient.local()
    return [JobFollower(client, job) for job in jobs]


def follow_to_end(operator: Any, bpy: Any, scene: Any) -> set:
    """Follow's steps in a loop until every job has ended (background mode and scripts)."""
    try:
        followers = open_followers(scene)
        while not all([step_and_place(operator, bpy, scene, f) for f in followers]):
            time.sleep(POLL_S)
    except (EngineError, ShotError) as exc:
        operator.report({"ERROR"}, f"Faceplate: {exc}")
        return {"CANCELLED"}
    return {"FINISHED"}


def step_and_place(operator: Any, bpy: Any, scene: Any, follower: JobFollower) -> bool:
    """One step of one job: its new lines printed; once it is done its layer placed and the verdict reported.
    True when the job has ended (placed, failed or cancelled)."""
    if follower.final is not None:
        return True
    shown = len(follower.lines)
    final = follower.step()
    for line in follower.lines[shown:]:
        print(f"Faceplate: {line}", flush=True)
    if final is None:
        preview = follower.preview_placement()
        if preview is not None:
            BlenderAdapter(bpy, scene).place_preview(preview)
            print(f"Faceplate: {preview_message(preview)}", flush=True)
        return False
    if final["status"] == "cancelled":
        operator.report({"WARNING"}, cancelled_message(follower.job))
        scene[JOBS_KEY] = mark_placed(scene.get(JOBS_KEY), follower.job.job_id)  # nothing left to follow
        return True
    placement = follower.placement()
    BlenderAdapter(bpy, scene).place(placement)
    scene[JOBS_KEY] = mark_placed(scene.get(JOBS_KEY), follower.job.job_id)
    message = placed_message(placement)
    print(f"Faceplate: {message}", flush=True)
    operator.report({"WARNING"} if placement.metadata.get("qc_passed") is False else {"INFO"}, f"Faceplate: {message}")
    return True
