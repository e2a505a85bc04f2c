"""Runs inside real bpy: one of the add-on's own operators on a scene ``blender_driver.py scene`` saved, then the
scene saved again (what it remembers travels to the next session, as when an artist saves and quits).

    python blender_send.py ADDON_DIR BLEND OPERATOR PROPERTIES_JSON   -> the operator's result and the scene

OPERATOR is ``send``, ``follow`` or ``cancel`` (``bpy.ops.faceplate.<OPERATOR>``, EXEC_DEFAULT as in background
mode). The engine is the one FACEPLATE_URL / FACEPLATE_TOKEN name; new shots go under FACEPLATE_SHOTS.
"""

import json
import os
import sys

import bpy


def main(argv):
    addon_dir, blend, operator, properties = argv
    bpy.ops.wm.open_mainfile(filepath=blend)
    sys.path.insert(0, addon_dir)
    import faceplate_blender

    faceplate_blender.register()
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
    faceplate_blender.unregister()  # as Blender does on quit
    print("RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # bpy as a module can crash in its own teardown; the result is out


main(sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:])
