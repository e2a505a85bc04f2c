"""Blender strips in real bpy, through the installed add-on's collect operator: a movie strip with a hold offset
(``animation_offset_start``) and a trim sends the media frames the sequencer shows, checked against the pixels
Blender renders; a strip dragged past its footage (a held first frame) is refused with one line."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from host_helpers import faceplate, shared_data
from test_blender_e2e import blender, pixels

from faceplate_host.shots import DEFAULT_FIRST_FRAME, Shot


@pytest.fixture
def addons(tmp_path):
    pytest.importorskip("bpy", reason="bpy (Blender as a Python module) is not installed: `.ci/run` installs 4.2")
    installed = faceplate("plugin", "install", "blender", home=tmp_path)
    assert installed.returncode == 0, installed.stderr
    return tmp_path / ".config" / "blender" / "4.2" / "scripts" / "addons"


def movie_frames(path, count: int) -> list:
    import av

    with av.open(str(path)) as container:
        frames = []
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24").astype(np.float32) / 255.0)
            if len(frames) == count:
                return frames
    return frames


def test_a_hold_offset_and_a_trim_send_the_frames_the_strip_shows(tmp_path, addons):
    plate = shutil.copy(shared_data() / "head_turns" / "d0.mp4", tmp_path)  # 25 fps
    # content starts at media frame 7 (hold offset) placed at frame 10; 3 more trimmed: frame 13 shows media 10
    result = blender(
        "strip", addons, tmp_path / "edit.blend", plate, 25, 10, 7, 3, 4, tmp_path / "first.png", home=tmp_path
    )
    shot = Shot.from_dict(result["shots"][0])
    assert (str(shot.record), str(shot.source), shot.first_frame) == ("13-16", "1011-1014", DEFAULT_FIRST_FRAME)
    assert result["rendered"] == shot.record.first

    shown = pixels(tmp_path / "first.png")[..., :3]
    frames = movie_frames(plate, 20)
    distances = [float(np.abs(shown - frame).mean()) for frame in frames]
    assert int(np.argmin(distances)) == shot.source.first - DEFAULT_FIRST_FRAME, distances  # media frame 10
    assert min(distances) < 0.5 * sorted(distances)[1]  # clearly that frame, not a neighbour


def test_a_strip_holding_its_first_frame_is_refused_with_one_line(tmp_path, addons):
    plate = shutil.copy(shared_data() / "head_turns" / "d0.mp4", tmp_path)
    result = blender(
        "strip", addons, tmp_path / "edit.blend", plate, 25, 10, 0, -4, 8, tmp_path / "first.png", home=tmp_path
    )
    assert "strip 'plate' holds its first frame still for 4 frames past its footage" in result["error"]
    assert "\n" not in result["error"].strip()
