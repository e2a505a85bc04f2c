"""Runs inside real bpy: the add-on's own send operator on a scene ``blender_driver.py scene`` saved.

    python blender_send.py ADDON_DIR BLEND SOURCE CONSENT_REF BUDGET   -> the operator's result

The engine is the one FACEPLATE_URL / FACEPLATE_TOKEN name; new shots go under FACEPLATE_SHOTS.
"""

import json
import os
import sys

import bpy


def main(argv):
    addon_dir, blend, source, consent_ref, budget = argv
    bpy.ops.wm.open_mainfile(filepath=blend)
    sys.path.insert(0, addon_dir)
    import faceplate_blender

    faceplate_blender.register()
    result = bpy.ops.faceplate.send("EXEC_DEFAULT", source=source, consent_ref=consent_ref, budget=budget)
    faceplate_blender.unregister()  # as Blender does on quit
    print("RESULT " + json.dumps(sorted(result)), flush=True)
    os._exit(0)  # the job's follower thread and placement timer are still live: bpy's teardown would crash on them


main(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:])
