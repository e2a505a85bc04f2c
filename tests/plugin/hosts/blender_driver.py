"""Runs inside real bpy (a subprocess of the tests: bpy and the engine's media libraries stay apart).

    python blender_driver.py scene   ADDON_DIR BLEND PLATE FPS FRAME_START OFFSET DURATION  -> shots JSON on stdout
    python blender_driver.py place   ADDON_DIR BLEND PLACEMENT_JSON FRAME OUT_DIR           -> placed strip JSON
    python blender_driver.py strip   ADDON_DIR BLEND PLATE FPS FRAME_START HOLD OFFSET DURATION OUT_PNG
                                                                   -> shots JSON (or the operator's error)

``scene`` builds a scene with the plate as a movie strip, enables the installed add-on and runs its collect
operator; ``strip`` does the same with a hold offset (``animation_offset_start`` = HOLD; OFFSET may be
negative, holding the first frame) and renders the strip's first frame to OUT_PNG; ``place`` places the layer with the add-on's adapter, then renders FRAME of the sequencer twice
(layer strip muted, then shown) to OUT_DIR/plate.png and OUT_DIR/composite.png.
"""

import json
import sys
from fractions import Fraction

import bpy


def enable_addon(addon_dir):
    sys.path.insert(0, addon_dir)
    import faceplate_blender

    faceplate_blender.register()
    return faceplate_blender


def build_scene(blend, plate, fps, frame_start, offset, duration, hold=0):
    scene = bpy.context.scene
    rate = Fraction(fps)
    scene.render.fps, scene.render.fps_base = rate.numerator, rate.denominator
    editor = scene.sequence_editor_create()
    strip = editor.sequences.new_movie("plate", plate, channel=1, frame_start=frame_start)
    strip.animation_offset_start = hold
    strip.frame_offset_start = offset
    strip.frame_final_duration = duration
    scene.render.resolution_x = strip.elements[0].orig_width
    scene.render.resolution_y = strip.elements[0].orig_height
    scene.render.resolution_percentage = 100
    scene.frame_start, scene.frame_end = strip.frame_final_start, strip.frame_final_end - 1
    for other in editor.sequences_all:
        other.select = other == strip
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    assert bpy.ops.faceplate.collect() == {"FINISHED"}
    return json.loads(scene["faceplate_shots"])


def collect_and_render(blend, plate, fps, frame_start, hold, offset, duration, out_png):
    """The add-on's collect on a strip with a hold offset, then the sequencer's first strip frame as pixels
    (Standard view: the plate's own values, no display look)."""
    try:
        shots = build_scene(blend, plate, fps, frame_start, offset, duration, hold)
    except RuntimeError as exc:  # the operator reported an error: bpy.ops raises it
        return {"error": str(exc)}
    scene = bpy.context.scene
    scene.view_settings.view_transform = "Standard"
    scene.render.use_sequencer = True
    scene.frame_current = scene.sequence_editor.sequences_all["plate"].frame_final_start
    render(scene, out_png)
    return {"shots": shots, "rendered": scene.frame_current}


def render(scene, path):
    scene.render.filepath = path
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_depth = "16"
    bpy.ops.render.render(write_still=True)


def as_placement(data):
    from faceplate_host.shots import Flag, FrameSpan, LayerPlacement, exact_rate

    return LayerPlacement(
        shot=data["shot"],
        track_name="faceplate",
        record=FrameSpan.parse(data["record"]),
        layer_pattern=data["layer_pattern"],
        layer_frames=FrameSpan.parse(data["layer_frames"]),
        layer_in=data["layer_in"],
        rate=exact_rate(data["rate"]),
        flags=tuple(Flag(FrameSpan.parse(f), r) for f, r in data["flags"]),
        metadata={"version": data.get("version", "")},
    )


def place(placements_json, frame, out_dir):
    """Place each placement in turn (a later one: a newer version); render the plate and the last layer over it."""
    from faceplate_host.hosts.blender.adapter import BlenderAdapter

    scene = bpy.context.scene
    before = {s.name for s in scene.sequence_editor.sequences_all}
    for data in json.loads(placements_json):
        BlenderAdapter(bpy).place(as_placement(data))
    added = sorted((s for s in scene.sequence_editor.sequences_all if s.name not in before), key=lambda s: s.channel)
    layer = added[-1]
    scene.frame_current = frame
    scene.render.use_sequencer = True
    layer.mute = True
    render(scene, f"{out_dir}/plate.png")
    layer.mute = False
    render(scene, f"{out_dir}/composite.png")
    return {
        "name": layer.name,
        "type": layer.type,
        "channel": layer.channel,
        "blend_type": layer.blend_type,
        "first": layer.frame_final_start,
        "last": layer.frame_final_end - 1,
        "files": [e.filename for e in layer.elements],
        "directory": layer.directory,
        "plate_channel": scene.sequence_editor.sequences_all["plate"].channel,
        "strips": [(s.name, s.channel, s.mute, s.directory) for s in added],
        "markers": sorted((m.frame, m.name) for m in scene.timeline_markers),
    }


def main(argv):
    action, addon_dir, blend = argv[:3]
    if action == "scene":
        addon = enable_addon(addon_dir)
        plate, fps, frame_start, offset, duration = argv[3], argv[4], *map(int, argv[5:8])
        result = build_scene(blend, plate, fps, frame_start, offset, duration)
    elif action == "strip":
        addon = enable_addon(addon_dir)
        result = collect_and_render(blend, argv[3], argv[4], *map(int, argv[5:9]), argv[9])
    else:
        bpy.ops.wm.open_mainfile(filepath=blend)
        addon = enable_addon(addon_dir)
        result = place(argv[3], int(argv[4]), argv[5])
    addon.unregister()  # as Blender does on quit (bpy as a module crashes at exit with classes still registered)
    print("RESULT " + json.dumps(result))


main(sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:])
