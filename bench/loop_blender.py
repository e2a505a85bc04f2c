"""Runs inside real bpy for bench/loop.py: the bundled example's plate as an image strip, and the add-on's send.

    python loop_blender.py OUT_JSON scene ADDON_DIR BLEND PLATE_DIR            -> the collect operator's shots
    python loop_blender.py OUT_JSON send  ADDON_DIR BLEND SOURCE CONSENT BUDGET -> seconds from send to placed

The answer goes to OUT_JSON (stdout carries the add-on's own lines from its follower thread).

``send`` calls the add-on's own operator (``bpy.ops.faceplate.send``, engine from FACEPLATE_URL /
FACEPLATE_TOKEN, shots under FACEPLATE_SHOTS), which in background mode follows the job to its end and
places its layer itself, as the artist's send does.
"""

import json
import os
import sys
import time
from pathlib import Path

import bpy


def enable_addon(addon_dir):
    sys.path.insert(0, addon_dir)
    import faceplate_blender

    faceplate_blender.register()
    return faceplate_blender


def build_scene(addon_dir, blend, plate_dir):
    enable_addon(addon_dir)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1
    files = sorted(Path(plate_dir).glob("*.exr"))
    editor = scene.sequence_editor_create()
    strip = editor.sequences.new_image("astronaut_sh010", str(files[0]), channel=1, frame_start=1)
    for path in files[1:]:
        strip.elements.append(path.name)
    scene.frame_start, scene.frame_end = strip.frame_final_start, strip.frame_final_end - 1
    strip.select = True
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    assert bpy.ops.faceplate.collect() == {"FINISHED"}
    return json.loads(scene["faceplate_shots"])


def send_and_place(addon_dir, blend, source, consent_ref, budget):
    from faceplate_host.client import EngineClient

    bpy.ops.wm.open_mainfile(filepath=blend)
    enable_addon(addon_dir)
    scene = bpy.context.scene
    start = time.perf_counter()
    sent = bpy.ops.faceplate.send("EXEC_DEFAULT", source=source, consent_ref=consent_ref, budget=budget, follow=True)
    seconds = time.perf_counter() - start
    [job] = EngineClient.local().jobs()
    layer = [s for s in scene.sequence_editor.sequences_all if s.name.startswith("astronaut_sh010 faceplate")]
    return {
        "sent": sorted(sent),
        "seconds": seconds,
        "job": job["id"],
        "budget": job["spec"].get("budget"),
        "placed": [(s.name, s.channel, s.frame_final_start, s.frame_final_end - 1, len(s.elements)) for s in layer],
        "verdict": (job.get("verdict") or {}).get("line"),
    }


def main(argv):
    out, mode, *args = argv
    result = build_scene(*args) if mode == "scene" else send_and_place(*args)
    Path(out).write_text(json.dumps(result))
    os._exit(0)  # skip bpy's teardown: the answer is written and nothing else is wanted from this Blender


main(sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:])
