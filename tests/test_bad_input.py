"""Bad input, as a new or hostile user gives it: every case ends with exit 1, one line naming the
file, frame or field and what to do, and the shot byte-identical to before (every file hashed).

One prepared shot (tiny model, exported, rendered) is copied for each case. Each command goes through the
`faceplate` program's own entry point (``faceplate.cli.main:main``, what the installed script calls) in this
process, with its output captured: the same parsing, error lines and exit codes, without a Python start-up
(about 1.5 s) per case. The cases that need a program of their own (two on one shot, a file-size limit) start
one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from faceplate.cli.main import main
from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.demo.editorial import tree_hashes
from faceplate.workspace import init_workspace

pytestmark = pytest.mark.slow
TINY = ["--resolution", "64", "--ae-dims", "32", "--e-dims", "8", "--d-dims", "8", "--d-mask-dims", "4"]


def faceplate(*args) -> subprocess.CompletedProcess:
    """``faceplate --quiet ARGS``: its exit code and what it printed."""
    argv = ["--quiet", *map(str, args)]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stopped:  # argparse's usage errors
            code = stopped.code
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("bad_input")
    plate, source = build_example(base / "example")
    shot = init_workspace(
        base / "shot", plate, "1001-1004", [source], colour_space=PLATE_SPACE, fps="24", consent_ref=CONSENT_REF
    ).root
    for args in (
        ["extract", shot],
        ["curate", shot, "--rules", "identity", "blur"],
        ["mask", shot, "--landmark-only"],
        ["train", shot, "--iterations", "2", "--batch", "2", "--min-faces", "2", *TINY],
        ["export", shot],
        ["render", shot],
    ):
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


def _reinit_on_other_footage(shot: Path, extract: bool = False) -> None:
    """`faceplate init SHOT --plate OTHER --force` on the finished shot (the source clip becomes the plate), and
    with ``extract`` the new plate's faces extracted too: the model on disk is still the old footage's."""
    source = json.loads((shot / "faceplate.json").read_text())["sources"][0]["path"]
    for args in (
        [
            "init",
            shot,
            "--plate",
            source,
            "--source",
            source,
            "--range",
            "1001-1004",
            "--force",
            "--consent-ref",
            CONSENT_REF,
        ],
        ["extract", shot] if extract else None,
    ):
        if args:
            done = faceplate(*args)
            assert done.returncode == 0, done.stderr


def _write(relative: str, data: bytes):
    return lambda shot: (shot / relative).write_bytes(data)


def _newer_schema(data: dict) -> None:
    data["schema"] = "Workspace.2"


NOISE = bytes(range(256)) * 4  # binary bytes: not UTF-8, not JSON


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
    ("train budget", ["train", "{shot}", "--budget", "all night"], None, ["--budget", "'all night'", "30m"]),
    ("run budget", ["run", "{shot}", "--budget", "2 hours"], None, ["--budget", "'2 hours'", "preview"]),
    ("extract crop size -1", ["extract", "{shot}", "--crop-size", "-1"], None, ["--crop-size", "-1"]),
    ("extract face type", ["extract", "{shot}", "--face-type", "hair"], None, ["--face-type", "hair"]),
    ("export missing model", ["export", "{shot}", "--model", "{shot}/nowhere"], None, ["nowhere"]),
    ("hostile faceset id", ["mask", "{shot}", "--landmark-only"], _hostile_index, ["index.jsonl", "outside"]),
    (
        "manifest width edited",
        ["render", "{shot}"],
        lambda s: _edit_json(s / "faceplate.json", _other_width),
        ["width", "1920"],
    ),
    ("plate replaced", ["curate", "{shot}"], _replace_plate, ["size_bytes"]),
    (
        "manifest not json",
        ["render", "{shot}"],
        lambda s: (s / "faceplate.json").write_text("{nope"),
        ["faceplate.json", "damaged"],
    ),
    (
        "relink to other footage",
        ["relink", "{shot}", "--plate", "{source}"],
        None,
        ["is not the footage the shot was made from", "width 960 there, 512 here"],
    ),
    # frame lists stay spans until checked: a huge one is answered at once, the cap named
    (
        "render frames huge",
        ["render", "{shot}", "--frames", "0-99999999999"],
        None,
        ["--frames", "99999999999", "999999999"],
    ),
    (
        "render frames far outside",
        ["render", "{shot}", "--frames", "0-999999999"],
        None,
        ["frames 0-1000,1005-999999999 are outside the shot range 1001-1004"],
    ),
    (
        "render override huge",
        ["render", "{shot}", "--override", "0-99999999:feather=3"],
        None,
        ["--override", "0-1000,1005-99999999", "outside the shot range"],
    ),
    ("qc frames huge", ["qc", "{shot}", "--frames", "1-99999999999"], None, ["--frames", "999999999"]),
    (
        "render frames many parts",
        ["render", "{shot}", "--frames", ",".join(map(str, range(1001, 21001)))],
        None,
        ["20000 parts", "10000"],
    ),
    # a shot re-initialised on other footage: every stage names the stage to re-run instead of using old faces
    (
        "stale faces after init --force",
        ["render", "{shot}"],
        _reinit_on_other_footage,
        ["facesets/destination", "other footage", "faceplate extract"],
    ),
    ("stale faces for curate", ["curate", "{shot}"], _reinit_on_other_footage, ["other footage", "faceplate extract"]),
    (
        "stale faces for train",
        ["train", "{shot}", "--iterations", "4"],
        _reinit_on_other_footage,
        ["other footage", "faceplate extract"],
    ),
    (
        "stale model for export",
        ["export", "{shot}"],
        _reinit_on_other_footage,
        ["model", "trained on other footage", "--no-resume"],
    ),
    (
        "stale model for render",
        ["render", "{shot}"],
        lambda s: _reinit_on_other_footage(s, extract=True),
        ["generator.onnx", "trained on other footage", "faceplate train", "--no-resume", "faceplate export"],
    ),
    (
        "stale model to resume",
        ["train", "{shot}", "--iterations", "4"],
        lambda s: _reinit_on_other_footage(s, extract=True),
        ["model", "trained on other footage", "--no-resume"],
    ),
    # files read back
    (
        "manifest newer schema",
        ["render", "{shot}"],
        lambda s: _edit_json(s / "faceplate.json", _newer_schema),
        ["faceplate.json", "written by a newer Faceplate", "Workspace.2"],
    ),
    ("manifest binary", ["curate", "{shot}"], _write("faceplate.json", NOISE), ["faceplate.json", "damaged"]),
    (
        "decisions binary",
        ["curate", "{shot}", "--decisions", "{shot}/decisions.txt"],
        _write("decisions.txt", NOISE),
        ["decisions.txt", "binary"],
    ),
    (
        "decisions a list",
        ["review", "{shot}", "--decisions", "{shot}/decisions.json"],
        _write("decisions.json", b'{"decisions": [1, 2]}'),
        ["decisions.json", "'decisions' must map face ids"],
    ),
    (
        "decisions entry a string",
        ["curate", "{shot}", "--decisions", "{shot}/decisions.json"],
        _write("decisions.json", b'{"decisions": {"plate_1001_00": "x"}}'),
        ["plate_1001_00", "expected"],
    ),
    (
        "stored decisions binary",
        ["review", "{shot}"],
        _write("facesets/destination/decisions.json", NOISE),
        ["facesets/destination/decisions.json", "binary", "fix or delete it"],
    ),
    (
        "stored decisions a list",
        ["curate", "{shot}"],
        _write("facesets/source/decisions.json", b"[1, 2]"),
        ["facesets/source/decisions.json", "schema"],
    ),
    # smaller
    ("run iterations nan", ["run", "{shot}", "--iterations", "nan"], None, ["--iterations", "nan"]),
    ("curate pose margin -inf", ["curate", "{shot}", "--pose-margin", "-inf"], None, ["--pose-margin", "-inf"]),
    ("render erode dashed", ["render", "{shot}", "--erode", "-1e9"], None, ["--erode", "-1e9"]),
    (
        "mask png deleted",
        ["train", "{shot}", "--iterations", "4"],
        lambda s: (s / "facesets" / "destination" / "masks" / "plate_1002_00.png").unlink(),
        ["masks/plate_1002_00.png", "missing", "faceplate mask"],
    ),
]


@pytest.mark.parametrize("case, args, damage, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_line_exit_1_and_leaves_the_shot_as_it_was(prepared, tmp_path, case, args, damage, words):
    shot = tmp_path / "shot"
    shutil.copytree(prepared, shot, symlinks=True)
    if damage is not None:
        damage(shot)
    source = json.loads(
        (shot / "faceplate.json").read_text() if damage is None else (prepared / "faceplate.json").read_text()
    )["sources"][0]["path"]
    before = tree_hashes(shot)
    done = faceplate(*[a.format(shot=shot, source=source) for a in args])
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("faceplate: error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    assert tree_hashes(shot) == before, "refused input must leave every file of the shot as it was"


@pytest.mark.parametrize("fps", ["abc", "1/0", "0", "-24"])
def test_init_refuses_a_bad_frame_rate_without_creating_the_shot(tmp_path, fps):
    plate, _ = build_example(tmp_path / "example")
    done = faceplate("init", tmp_path / "shot", "--plate", plate, "--fps", fps)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1 and "--fps" in done.stderr
    assert not (tmp_path / "shot" / "faceplate.json").exists()


@pytest.mark.parametrize("flag, value", [("--range", "-5--1"), ("--range", "1-99999999999"), ("--first-frame", "-inf")])
def test_init_refuses_a_dashed_or_huge_value_in_one_line(tmp_path, flag, value):
    plate, _ = build_example(tmp_path / "example")
    done = faceplate("init", tmp_path / "shot", "--plate", plate, flag, value)
    lines = done.stderr.strip().splitlines()
    assert done.returncode in (1, 2) and len(lines) == 1 and "usage" not in done.stderr, done.stderr
    assert value in lines[0] or flag in lines[0], lines[0]
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
    first = subprocess.Popen(
        [sys.executable, "-m", "faceplate.cli.main", "--quiet", "train", str(shot), "--iterations", "300"],
        stderr=subprocess.PIPE,
        text=True,
    )
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


def test_damaged_loss_history_is_skipped_with_one_warning_and_training_resumes(prepared, tmp_path):
    from faceplate.workspace import open_workspace

    shot = tmp_path / "shot"
    shutil.copytree(prepared, shot, symlinks=True)
    log = shot / "model" / "loss.jsonl"
    log.write_bytes(log.read_bytes() + NOISE + b'\n{"iteration": 1}\n[1, 2]\n')
    done = faceplate("train", shot, "--iterations", "4")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "loss.jsonl" in lines[0] and "damaged line(s) skipped" in lines[0], done.stderr
    run = open_workspace(shot).manifest.stages[-1]
    assert (run.stage, run.status, run.summary["iterations"]) == ("train", "done", 4)
    assert run.summary["start_iteration"] == 2, "resumed from the checkpoint, not started again"
    assert all(json.loads(line)["iteration"] <= 4 for line in log.read_text().splitlines()), "damaged lines are gone"
    again = faceplate("train", shot, "--iterations", "6")
    assert again.returncode == 0 and again.stderr == "", again.stderr


def test_fields_the_engine_does_not_know_are_kept_when_it_rewrites_the_manifest(prepared, tmp_path):
    shot = tmp_path / "shot"
    shutil.copytree(prepared, shot, symlinks=True)
    manifest = shot / "faceplate.json"

    def add_unknown(data: dict) -> None:
        data["studio"] = {"ticket": "VFX-12"}
        data["plate"]["lut"] = "show.cube"
        data["stages"][0]["farm_job"] = "job-7"

    _edit_json(manifest, add_unknown)
    done = faceplate("curate", shot, "--rules", "identity", "blur")
    assert done.returncode == 0, done.stderr
    data = json.loads(manifest.read_text())
    assert data["stages"][-1]["stage"] == "curate", "the manifest was rewritten"
    assert data["studio"] == {"ticket": "VFX-12"} and data["plate"]["lut"] == "show.cube"
    assert data["stages"][0]["farm_job"] == "job-7"


def test_a_full_disk_at_lock_time_is_one_line_and_changes_nothing(prepared, tmp_path):
    """No writes at all (a file size limit of 0: every write that grows a file fails, as on a full disk)."""
    import resource

    shot = tmp_path / "shot"
    shutil.copytree(prepared, shot, symlinks=True)
    (shot / ".faceplate.lock").unlink()  # the lock file must grow to record its holder
    before = tree_hashes(shot)
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "--quiet", "curate", str(shot)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0)),
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert "no space left to write" in lines[0] and ".faceplate.lock" in lines[0] and "free some disk space" in lines[0]
    after = tree_hashes(shot)
    assert (shot / ".faceplate.lock").read_bytes() == b"", "an empty lock file: nobody holds the shot"
    assert {k: v for k, v in after.items() if k != ".faceplate.lock"} == before
    assert faceplate("curate", shot).returncode == 0, "the shot is not left locked"


def test_a_second_source_of_another_person_is_reported_as_another_person(tmp_path):
    data = os.environ.get("FACEPLATE_TEST_DATA")
    if not data:
        pytest.skip("FACEPLATE_TEST_DATA is not set to the shared test media folder (.ci/run sets it)")
    identities = Path(data) / "identities"
    shot = tmp_path / "shot"
    done = faceplate(
        "init",
        shot,
        "--plate",
        Path(data) / "talking_heads" / "grid_bbaf2n.mpg",
        "--range",
        "1001-1002",
        "--source",
        identities / "John_Salley",
        "--source",
        identities / "John_Savage",
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "extract", str(shot), "--role", "source"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "source1 frames 1001-1011 show another person" in done.stderr, done.stderr
    assert "no face in" not in done.stderr, done.stderr
    from faceplate.workspace import open_workspace

    summary = open_workspace(shot).manifest.stages[-1].summary
    assert summary["other_person_frames"] == "1001-1011" and summary["empty_frames"] == ""
