"""Runs inside real bpy: one of the add-on's own operators on a scene ``blender_driver.py scene`` saved, then the
scene saved again (what it remembers travels to the next session, as when an artist saves and quits).

    python blender_send.py ADDON_DIR BLEND OPERATOR PROPERTIES_JSON   -> the operator's result and the scene

OPERATOR is ``send``, ``follow`` or ``cancel`` (``bpy.ops.faceplate.<OPERATOR>``, EXEC_DEFAULT as in background
mode), ``follow_esc``: Follow as it runs in the UI, its modal steps driven with Esc pressed first (see
``follow_esc_operator``), or ``follow_preview``: the same steps while a job makes layer previews, until a second
replaced the first, then Esc (``follow_preview_operator``). The engine is the one FACEPLATE_URL / FACEPLATE_TOKEN name; new shots go under
FACEPLATE_SHOTS.
"""

import json
import os
import sys
import time

import bpy


class Event:
    """The fields of a window event that modal() reads. bpy cannot construct an Event (bpy.types.Event is made only
    by Blender's event system) and background mode has none: invoking an operator there is refused ("invalid
    operator call": no window event state), so the events are these stand-ins."""

    def __init__(self, type, value="NOTHING"):
        self.type, self.value = type, value


def follow_esc_operator():
    """The add-on's registered Follow operator, run on a real operator instance as in the UI: its ``begin`` (what
    invoke sets up before adding the modal handler), then its own ``modal`` with Esc pressed, then with timer events
    until it ends. Only ``execute`` is this test's: Blender calls it, where it would dispatch the events."""

    class FACEPLATE_OT_follow_esc(bpy.types.FACEPLATE_OT_follow):
        bl_idname = "faceplate.follow_esc"
        bl_label = "Faceplate: Follow, then Esc"

        def execute(self, context):
            self.begin(context)
            answers = [self.modal(context, Event("ESC", "PRESS"))]
            while answers[-1] == {"RUNNING_MODAL"} and len(answers) < 1200:
                time.sleep(0.25)
                answers.append(self.modal(context, Event("TIMER")))
            print("MODAL " + json.dumps([sorted(a) for a in answers[:2]] + [sorted(answers[-1])]), flush=True)
            return answers[-1]

    return FACEPLATE_OT_follow_esc


def preview_strips(scene):
    """The layer strips the scene shows now: (name, channel, muted, first, last, frames, folder)."""
    return [
        (s.name, s.channel, s.mute, s.frame_final_start, s.frame_final_end - 1, len(s.elements), s.directory)
        for s in sorted(scene.sequence_editor.sequences_all, key=lambda s: s.channel)
        if s.name != "plate"
    ]


def follow_preview_operator():
    """The add-on's Follow run as in the UI (``begin``, then its own ``modal`` with timer events) while a long job
    trains, until a second layer preview has replaced the first; then Esc and timer events until it ends. Prints
    what the timeline showed each time its layer strips changed (``PREVIEWS``)."""

    class FACEPLATE_OT_follow_preview(bpy.types.FACEPLATE_OT_follow):
        bl_idname = "faceplate.follow_preview"
        bl_label = "Faceplate: Follow until two previews, then Esc"

        def execute(self, context):
            self.begin(context)
            shown, answer = [], {"RUNNING_MODAL"}
            while len(shown) < 2 and answer == {"RUNNING_MODAL"} and time.sleep(0.25) is None:
                answer = self.modal(context, Event("TIMER"))
                strips = preview_strips(context.scene)
                if strips and (not shown or strips != shown[-1]):
                    shown.append(strips)
            print("PREVIEWS " + json.dumps(shown), flush=True)
            answer = self.modal(context, Event("ESC", "PRESS"))
            for _ in range(1200):
                if answer != {"RUNNING_MODAL"}:
                    break
                time.sleep(0.25)
                answer = self.modal(context, Event("TIMER"))
            return answer

    return FACEPLATE_OT_follow_preview


def main(argv):
    addon_dir, blend, operator, properties = argv
    bpy.ops.wm.open_mainfile(filepath=blend)
    sys.path.insert(0, addon_dir)
    import faceplate_blender

    faceplate_blender.register()
    if operator == "follow_esc":
        bpy.utils.register_class(follow_esc_operator())
    if operator == "follow_preview":
        bpy.utils.register_class(follow_preview_operator())
    try:
        result = {"result": sorted(getattr(bpy.ops.faceplate, operator)("EXEC_DEFAULT", **json.loads(properties)))}
    except RuntimeError as exc:  # the operator reported an error: bpy.ops raises it
        result = {"error": str(exc)}
    scene = bpy.context.scene
    bpy.ops.wm.save_mainfile()
    result |= {
        "jobs": json.loads(scene.get("faceplate_jobs") or "[]"),
        "strips": sorted(
            (s.name, s.channel, s.mute, getattr(s, "directory", "")) for s in scene.sequence_editor.sequences_all
        ),
        "markers": sorted((m.frame, m.name) for m in scene.timeline_markers),
    }
    if operator in ("follow_esc", "follow_preview"):
        bpy.utils.unregister_class(getattr(bpy.types, f"FACEPLATE_OT_{operator}"))
    faceplate_blender.unregister()  # as Blender does on quit
    print("RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # bpy as a module can crash in its own teardown; the result is out


main(sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:])
