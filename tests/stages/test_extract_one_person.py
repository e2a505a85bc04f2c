"""One person through the shot (issue 27): two real talking heads cut and composited side by side, each
alone at times and both in frame at times; extract must keep exactly the chosen person's frames.

The lookalike pair is the closest of the shared media's twelve people by dlib embedding distance:
grid_brbk7n and grid_lrwp9a, 0.61 apart on average over six frames each (every other pair is 0.62 or
more; one person's own frames spread 0.14-0.35 from each other). In this composite B's faces lie
0.60-0.63 from A's mean: at the edge of dlib's 0.6 same-person distance, not under it (no pair in the
shared media is); tests/faces/test_face_check.py covers a lookalike well inside it.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from faceplate.faces.faceset import read_faceset
from faceplate.faces.people import PEOPLE_NAME
from faceplate.media import write_image
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace

SLOT = (slice(40, 280), slice(50, 290))  # 240x240 around a GRID speaker's face (360x288 frames)
# the known cut: who each run of composite frames shows, A in the left slot and B in the right
SEGMENTS = [("A", 3), ("AB", 5), ("B", 5), ("AB", 2), ("A", 2), ("B", 3)]
FIRST = 1001
PAIRS = {"different": ("grid_bbaf2n", "grid_lbax4n"), "lookalike": ("grid_brbk7n", "grid_lrwp9a")}


def _cut() -> list[str]:
    return [who for who, count in SEGMENTS for _ in range(count)]


def _frames(path, count: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < count:
        ok, frame = cap.read()
        assert ok, f"{path} has fewer than {count} frames"
        frames.append(np.ascontiguousarray(frame[..., ::-1]))
    cap.release()
    return frames


def _composite(test_data, pair: tuple[str, str], folder):
    """A 480x240 image sequence, frames 1001-1020: A in the left half, B in the right, grey where absent.
    Returns the first frame's path and a still of A (a frame of A's clip the composite does not use)."""
    cut = _cut()
    a, b = (_frames(test_data / "talking_heads" / f"{name}.mpg", 60) for name in pair)
    folder.mkdir()
    for i, who in enumerate(cut):
        canvas = np.full((240, 480, 3), 128, np.uint8)
        if "A" in who:
            canvas[:, :240] = a[i][SLOT]
        if "B" in who:
            canvas[:, 240:] = b[i][SLOT]
        write_image(folder / f"comp.{FIRST + i:04d}.png", canvas)
    write_image(folder.parent / "a_still.png", a[50])
    return folder / f"comp.{FIRST}.png", folder.parent / "a_still.png"


@pytest.mark.parametrize("reference", [False, True], ids=["first-face", "reference-still"])
@pytest.mark.parametrize("pair", PAIRS, ids=list(PAIRS))
def test_keeps_exactly_the_chosen_persons_frames(test_data, tmp_path, pair, reference):
    plate, still = _composite(test_data, PAIRS[pair], tmp_path / "frames")
    ws = init_workspace(tmp_path / "shot", plate)
    settings = {"roles": "destination", "crop_size": 64, **({"reference": str(still)} if reference else {})}
    result = run_stage(ws, "extract", settings)
    faceset = read_faceset(ws.faceset_dir("destination"))

    cut = _cut()
    with_a = [FIRST + i for i, who in enumerate(cut) if "A" in who]
    only_b = [FIRST + i for i, who in enumerate(cut) if who == "B"]
    assert faceset.frames == with_a
    assert len(faceset.records) == len(with_a)
    assert all((r.box[0] + r.box[2]) / 2 < 240 for r in faceset.records), "a kept face lies in B's half"

    kept = "the person in a_still.png" if reference else f"the largest face of plate frame {FIRST}"
    line = f"destination: kept {kept}; frames 1009-1013,1018-1020 hold only another person (8 frames); person 2 seen in"
    assert any(text.startswith(line) for text in result.lines), result.lines
    people = ws.manifest.last_run("extract").summary["people"]
    assert people["kept"] == kept
    assert [(o["name"], o["only_them"]) for o in people["others"]] == [("person 2", "1009-1013,1018-1020")]
    assert people["others"][0]["frames"] >= len(only_b)  # alone, and beside A where the detector looked
    assert json.loads((ws.faceset_dir("destination") / PEOPLE_NAME).read_text()) == people

    review = run_stage(ws, "review", {"roles": "destination"})
    assert review.summary["destination"]["people"] == people
    page = review.detail.read_text()
    assert f"kept {kept}; other people: person 2 in {people['others'][0]['frames']} frames" in page
    assert "alone in 1009-1013,1018-1020: no face kept" in page
