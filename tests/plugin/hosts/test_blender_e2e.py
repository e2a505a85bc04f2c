"""Blender end to end, in real bpy with the installed add-on: a movie strip of a real clip at a non-zero start
→ the add-on's collect → a tiny engine job on a real server → the layer strip on a new channel at exactly the
clip's frames → one rendered sequencer frame shows the layer over the plate inside the face, the plate elsewhere;
a second render with an override publishes v002, placed on a channel above v001, which stays (muted) with its
files byte-identical."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from host_helpers import copy_media, faceplate
from server_helpers import QUICK_SETTINGS

from faceplate.demo.editorial import tree_hashes
from faceplate_host.jobs import ShotJob, placement_for, require_done, submit_shot
from faceplate_host.shots import Flag, FrameSpan, Shot

pytestmark = pytest.mark.slow
DRIVER = Path(__file__).with_name("blender_driver.py")


def blender(*args, home: Path, driver: Path = DRIVER, timeout: int = 180, with_output: bool = False, **env: str):
    """Run the driver in real bpy, without this repository on the path: the add-on uses its installed copy.
    Its RESULT line read back (and, ``with_output``, everything it printed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"HOME": str(home)} | env
    done = subprocess.run(
        [sys.executable, str(driver), *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout
    )
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and results, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(results[-1].removeprefix("RESULT "))
    return (result, done.stdout + done.stderr) if with_output else result


def as_data(placement) -> dict:
    """What the driver reads back into a LayerPlacement inside Blender."""
    return {
        "shot": placement.shot,
        "record": str(placement.record),
        "rate": "25",
        "layer_pattern": placement.layer_pattern,
        "layer_frames": str(placement.layer_frames),
        "layer_in": placement.layer_in,
        "flags": [[str(f.frames), f.reason] for f in placement.flags],
        "version": placement.metadata["version"],
    }


def pixels(path) -> np.ndarray:
    import OpenImageIO as oiio

    image = oiio.ImageBuf(str(path))
    return image.get_pixels(oiio.FLOAT, roi=image.roi_full)  # an EXR's data window placed in its display window


def grown(mask: np.ndarray, by: int) -> np.ndarray:
    out = mask.copy()
    for dy in range(-by, by + 1):
        for dx in range(-by, by + 1):
            out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def test_a_strip_goes_through_the_engine_and_its_layer_lands_over_the_plate(tmp_path, engine):
    pytest.importorskip("bpy", reason="bpy (Blender as a Python module) is not installed: `.ci/run` installs 4.2")
    installed = faceplate("plugin", "install", "blender", home=tmp_path)
    assert installed.returncode == 0, installed.stderr
    addons = tmp_path / ".config" / "blender" / "4.2" / "scripts" / "addons"
    plate, source = copy_media(engine.roots, "d0.mp4")  # 25 fps, 512x512

    # the plate strip starts at frame 10, trimmed by 5 frames, 4 frames long: it shows frames 15-18
    [described] = blender("scene", addons, tmp_path / "edit.blend", plate, 25, 10, 5, 4, home=tmp_path)
    shot = Shot.from_dict(described)
    assert (shot.name, shot.media, str(shot.record), str(shot.source)) == ("plate", str(plate), "15-18", "1006-1009")
    assert shot.first_frame == 1001 and shot.rate == 25 and shot.resolution == (512, 512)

    client = engine.client  # what the add-on's operator does on its worker thread
    job = submit_shot(
        client, shot, [source], engine.roots / "shots", consent_ref="release 2026-114", settings=QUICK_SETTINGS
    )
    require_done(client.watch(job.job_id, lambda event: None, poll_s=0.2), shot)
    v001 = dataclasses.replace(placement_for(client, job), flags=(Flag(FrameSpan(1007, 1007), "identity drifts"),))
    workspace = Path(job.workspace)
    hashes = tree_hashes(workspace / "render" / "v001")
    # a supervisor's note on frame 1007 as an override: v002 re-renders that frame only
    noted = client.submit(
        job.workspace,
        stages=["render"],
        settings={"render": {"overrides": [{"frames": "1007", "changes": {"feather_px": 20.0}}]}},
    )
    done = client.watch(noted["id"], lambda event: None, poll_s=0.2)
    render_lines = next(s for s in done["stages"] if s["name"] == "render")["lines"]
    assert render_lines[0] == "rendered 1007 into v002 (settings changed: 1007)", render_lines
    v002 = dataclasses.replace(
        placement_for(client, ShotJob(shot, noted["id"], job.workspace)), flags=(Flag(FrameSpan(1006, 1008), "seam"),)
    )
    assert v002.metadata["version"] == "v002" and v002.layer_pattern.endswith("render/v002/layer/faceplate.####.exr")
    as_json = json.dumps([as_data(v001), as_data(v002)])

    out = tmp_path / "renders"
    out.mkdir()
    placed = blender("place", addons, tmp_path / "edit.blend", as_json, 16, out, home=tmp_path)
    assert placed["type"] == "IMAGE" and placed["blend_type"] == "ALPHA_OVER"
    assert placed["channel"] == placed["plate_channel"] + 2, "v002 on a new channel above v001"
    assert (placed["first"], placed["last"]) == (15, 18)
    assert placed["files"] == [f"faceplate.{f}.exr" for f in range(1006, 1010)]
    assert [(name, muted) for name, _, muted, _ in placed["strips"]] == [
        ("plate faceplate v001", True),
        ("plate faceplate v002", False),
    ]
    assert placed["strips"][0][3].endswith("render/v001/layer/"), "v001 stays placed, muted, reachable"
    # v002's flag over record 15-17 replaces v001's marker at 16, with its duration (start and end markers)
    assert placed["markers"] == [[15, "faceplate QC: seam (15-17)"], [17, "faceplate QC end: seam"]]
    assert tree_hashes(workspace / "render" / "v001") == hashes, "v001's files are byte-identical"
    placement = v002

    plate_frame, composite = pixels(out / "plate.png"), pixels(out / "composite.png")
    alpha = pixels(Path(placement.layer_pattern.replace("####", "1007")))[..., 3]  # record frame 16 = layer 1007
    difference = np.abs(composite - plate_frame)[..., :3].max(axis=2)
    face = alpha > 0.3
    assert face.sum() > 1000, "the tiny model's matte covers no face"
    assert difference[face].mean() > 0.01  # the layer shows where its matte is
    assert difference[~grown(alpha > 0, 3)].max() < 1e-3  # the plate, untouched, everywhere else
