"""Bad input, as a new or hostile user gives it: every case ends with exit 1, one line naming the
file, frame or field and what to do, and the shot byte-identical to before (every file hashed).

One prepared shot (tiny model, exported, rendered) is copied for each case.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.workspace import init_workspace

pytestmark = pytest.mark.slow
TINY = ["--resolution", "64", "--ae-dims", "32", "--e-dims", "8", "--d-dims", "8", "--d-mask-dims", "4"]


def faceplate(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceplate.cli.main", "--quiet", *map(str, args)],
                          capture_output=True, text=True)


def tree_hash(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("bad_input")
    plate, source = build_example(base / "example")
    shot = init_workspace(base / "shot", plate, "1001-1004", [source], colour_space=PLATE_SPACE, fps="24",
                          consent_ref=CONSENT_REF).root
    for args in (["extract", shot], ["curate", shot, "--rules", "identity", "blur"], ["mask", shot, "--landmark-only"],
                 ["train", shot, "--iterations", "2", "--batch", "2", "--min-faces", "2", *TINY], ["export", shot], ["render", shot]):
        done = faceplate(*args)
        assert done.returncode == 0, done.stderr
    return shot


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _hostile_index(shot: Path) -> None:
    index = shot / "facesets" / "destination" / "index.jsonl"
    lines = index.read_text().splitlines()
    record = json.loads(lines[1])
    record["id"] = "../../plate/p.1003"
    lines[1] = json.dumps(record)
    index.write_text("\n".join(lines) + "\n")


def _replace_plate(shot: Path) -> None:
    """The shot's own copy of the plate (other cases share the original), then one frame replaced."""
    manifest = shot / "faceplate.json"
    data = json.loads(manifest.read_text())
    original = Path(data["plate"]["path"])
    copy = shutil.copytree(original.parent, shot.parent / "plate_copy")
    data["plate"]["path"] = str(copy / original.name)
    manifest.write_text(json.dumps(data))
    frame = copy / original.name.replace("####", "1002")
    frame.write_bytes(frame.read_bytes() + b"\0" * 64)


def _other_width(data: dict) -> None:
    data["plate"]["width"] = 1920


# (case id, arguments after the shot, how to damage the shot first or None, words the line must hold)
CASES = [
    ("render feather nan", ["render", "{shot}", "--feather", "nan"], None, ["--feather", "nan"]),
    ("render feather inf", ["render", "{shot}", "--feather", "inf"], None, ["--feather", "inf"]),
    ("render erode -1e9", ["render", "{shot}", "--erode=-1e9"], None, ["--erode", "-1e9"]),
    ("render sharpen -1", ["render", "{shot}", "--sharpen", "-1"], None, ["--sharpen"]),
    ("render override nan", ["render", "{shot}", "--override", "1002:feather_px=nan"], None, ["feather_px", "nan"]),
    ("render override unknown key", ["render", "{shot}", "--override", "1002:glow=1"], None, ["glow"]),
    ("render frames outside", ["render", "{shot}", "--frames", "2000-2001"], None, ["2000", "1001-1004"]),
    ("render layer format", ["render", "{shot}", "--layer-format", "gif"], None, ["--layer-format", "gif"]),
    ("render missing model", ["render", "{shot}", "--model", "{shot}/nope.onnx"], None, ["nope.onnx"]),
    ("train lr nan", ["train", "{shot}", "--lr", "nan"], None, ["--lr", "nan"]),
    ("train batch 0", ["train", "{shot}", "--batch", "0"], None, ["--batch"]),
    ("train resolution 100", ["train", "{shot}", "--resolution", "100"], None, ["resolution"]),
    ("curate blur nan", ["curate", "{shot}", "--blur-fraction", "nan"], None, ["--blur-fraction", "nan"]),
    ("curate unknown id", ["curate", "{shot}", "--reject", "plate_9999_00"], None, ["plate_9999_00"]),
    ("mask iterations 0", ["mask", "{shot}", "--iterations", "0"], None, ["--iterations"]),
    ("extract crop size -1", ["extract", "{shot}", "--crop-size", "-1"], None, ["--crop-size", "-1"]),
    ("extract face type", ["extract", "{shot}", "--face-type", "hair"], None, ["--face-type", "hair"]),
    ("export missing model", ["export", "{shot}", "--model", "{shot}/nowhere"], None, ["nowhere"]),
    ("hostile faceset id", ["mask", "{shot}", "--landmark-only"], _hostile_index, ["index.jsonl", "outside"]),
    ("manifest width edited", ["render", "{shot}"], lambda s: _edit_json(s / "faceplate.json", _other_width),
     ["width", "1920"]),
    ("plate replaced", ["curate", "{shot}"], _replace_plate, ["size_bytes"]),
    ("manifest not json", ["render", "{shot}"], lambda s: (s / "faceplate.json").write_text("{nope"),
     ["faceplate.json", "damaged"]),
    ("relink to other footage", ["relink", "{shot}", "--plate", "{source}"], None, ["is not the footage the shot was made from", "width 960 there, 512 here"]),
]


@pytest.mark.parametrize("case, args, damage, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_line_exit_1_and_leaves_the_shot_as_it_was(prepared, tmp_path, case, args, damage, words):
    shot = tmp_path / "shot"
    shutil.copytree(prepared, shot, symlinks=True)
    if damage is not None:
        damage(shot)
    source = json.loads((shot / "faceplate.json").read_text() if damage is None else
                        (prepared / "faceplate.json").read_text())["sources"][0]["path"]
    before = tree_hash(shot)
    done = faceplate(*[a.format(shot=shot, source=source) for a in args])
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("faceplate: error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    assert tree_hash(shot) == before, "refused input must leave every file of the shot as it was"


@pytest.mark.parametrize("fps", ["abc", "1/0", "0", "-24"])
def test_init_refuses_a_bad_frame_rate_without_creating_the_shot(tmp_path, fps):
    plate, _ = build_example(tmp_path / "example")
    done = faceplate("init", tmp_path / "shot", "--plate", plate, "--fps", fps)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1 and "--fps" in done.stderr
    assert not (tmp_path / "shot" / "faceplate.json").exists()


def test_init_refuses_an_empty_range(tmp_path):
    plate, _ = build_example(tmp_path / "example")
    done = faceplate("init", tmp_path / "shot", "--plate", plate, "--range", "")
    assert done.returncode == 1 and "--range is empty" in done.stderr
    assert not (tmp_path / "shot" / "faceplate.json").exists()


def test_a_second_program_on_a_busy_shot_is_refused_and_the_first_finishes(prepared, tmp_path):
    """Two real stages on one shot: train holds it; render and a second train are refused naming it."""
    import time

    from faceplate.workspace import open_workspace

    shot = tmp_path / "shot"
    shutil.copytree(prepared, shot, symlinks=True)
    runs_before = len(open_workspace(shot).manifest.stages)
    first = subprocess.Popen([sys.executable, "-m", "faceplate.cli.main", "--quiet", "train", str(shot),
                              "--iterations", "300"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while (shot / ".faceplate.lock").read_text() == "" and time.monotonic() < deadline:
        time.sleep(0.05)
    for second in (["render", shot], ["train", shot, "--lr", "1e-4"]):
        done = faceplate(*second)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "is busy" in lines[0] and "`train`" in lines[0] and f"pid {first.pid}" in lines[0]
    assert first.wait(timeout=300) == 0, first.stderr.read()
    runs = open_workspace(shot).manifest.stages
    assert len(runs) == runs_before + 1, "the refused programs recorded nothing; the first run is kept"
    assert (runs[-1].stage, runs[-1].status, runs[-1].summary["iterations"]) == ("train", "done", 300)
    assert open_workspace(shot).manifest.settings["train"]["train"]["lr"] != 1e-4, "a refused run stores nothing"
