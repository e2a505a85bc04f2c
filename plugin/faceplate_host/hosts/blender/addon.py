"""The Blender add-on's operators and menu: Sequencer > Strip > Faceplate.

No ``from __future__ import annotations`` here: Blender reads the operators' property annotations at
registration. ``register``/``unregister`` build the operator classes on first use (bpy imported there, so this module
imports in any Python). The job is followed on a worker thread; Blender's data is touched only from
``bpy.app.timers`` callbacks, which run on the main thread.
"""


import json
import os
import threading
from typing import Any

from faceplate_host.client import EngineClient, EngineError
from faceplate_host.hosts.blender.adapter import BlenderAdapter
from faceplate_host.jobs import event_text, placed_message, placement_for, require_done, submit_shot
from faceplate_host.shots import BUDGET_HELP, BUDGETS, ShotError

SHOTS_KEY = "faceplate_shots"  # the scene property the collect operator writes (JSON of Shot.to_dict())


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
        source: bpy.props.StringProperty(name="Source identity", subtype="FILE_PATH",
                                         description="clip, image sequence or folder of stills of the new face")
        consent_ref: bpy.props.StringProperty(name="Consent reference",
                                              description="the performer's consent / release reference")
        budget: bpy.props.StringProperty(name="Budget", default=BUDGETS[0], description=BUDGET_HELP)

        def invoke(self, context, event):
            return context.window_manager.invoke_props_dialog(self)

        def execute(self, context):
            if not self.consent_ref.strip():
                self.report({"ERROR"}, "Faceplate: a consent reference is needed before a face is replaced")
                return {"CANCELLED"}
            try:
                start_jobs(bpy, context.scene, EngineClient.local(), [bpy.path.abspath(self.source)], self.consent_ref,
                           budget=self.budget.strip())
            except (EngineError, ShotError) as exc:
                self.report({"ERROR"}, str(exc))
                return {"CANCELLED"}
            self.report({"INFO"}, "Faceplate: job sent; the layer appears when it is done")
            return {"FINISHED"}

    return [FACEPLATE_OT_collect, FACEPLATE_OT_send]


def _menu(self, context) -> None:
    self.layout.separator()
    self.layout.operator("faceplate.send")
    self.layout.operator("faceplate.collect")


def register() -> None:
    import bpy

    for cls in _classes(bpy):
        bpy.utils.register_class(cls)
    bpy.types.SEQUENCER_MT_strip.append(_menu)


def unregister() -> None:
    import bpy

    bpy.types.SEQUENCER_MT_strip.remove(_menu)
    for name in ("FACEPLATE_OT_send", "FACEPLATE_OT_collect"):
        cls = getattr(bpy.types, name, None)
        if cls is not None:
            bpy.utils.unregister_class(cls)


def start_jobs(bpy: Any, scene: Any, client: EngineClient, sources: list, consent_ref: str,
               poll_s: float = 0.5, budget: str = "") -> None:
    """One engine job per selected strip (``jobs.submit_shot``, as the pyblish Extract does) with ``budget``,
    followed on a worker thread; placed by a main-thread timer."""
    adapter = BlenderAdapter(bpy, scene)
    root = os.environ.get("FACEPLATE_SHOTS") or os.path.join(os.path.dirname(bpy.data.filepath) or os.getcwd(),
                                                              "faceplate_shots")
    for shot in adapter.collect():
        job = submit_shot(client, shot.with_(budget=budget), sources, root, consent_ref=consent_ref)
        outcome: dict = {}

        def follow(job=job, outcome=outcome):
            try:
                require_done(client.watch(job.job_id, _status, poll_s=poll_s), job.shot)
                outcome["placement"] = placement_for(client, job)
            except (EngineError, ShotError) as exc:
                outcome["error"] = str(exc)

        threading.Thread(target=follow, daemon=True, name=f"faceplate-{shot.name}").start()
        bpy.app.timers.register(lambda outcome=outcome: _place_when_done(adapter, outcome), first_interval=poll_s)


def _status(event: dict) -> None:
    line = event_text(event)
    if line:
        print(f"Faceplate: {line}")


def _place_when_done(adapter: BlenderAdapter, outcome: dict):
    """A bpy.app.timers callback: None stops the timer, a number asks to be called again in that many seconds."""
    if "error" in outcome:
        print(f"Faceplate: {outcome['error']}")
        return None
    if "placement" not in outcome:
        return 0.5
    try:
        adapter.place(outcome["placement"])
        print(f"Faceplate: {placed_message(outcome['placement'])}")
    except ShotError as exc:
        print(f"Faceplate: {exc}")
    return None
