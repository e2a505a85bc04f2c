"""The `faceplate` command as an artist runs it: exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from faceplate.cli.main import main
from faceplate.media import write_image


@pytest.fixture()
def plate(tmp_path, astronaut):
    for frame in range(1001, 1005):
        write_image(tmp_path / "plate" / f"a.{frame:04d}.png", astronaut)
    return str(tmp_path / "plate" / "a.####.png")


def test_init_and_extract_from_the_command_line(tmp_path, plate, capsys):
    shot = tmp_path / "shot"
    assert main(["init", str(shot), "--plate", plate, "--range", "1002-1004", "--source", plate]) == 0
    assert main(["-q", "extract", str(shot), "--face-type", "full", "--crop-size", "256"]) == 0
    index = (shot / "facesets" / "destination" / "index.jsonl").read_text().splitlines()
    assert json.loads(index[0])["face_type"] == "full"
    assert [json.loads(line)["frame"] for line in index[1:]] == [1002, 1003, 1004]


@pytest.mark.parametrize(
    "args, message",
    [
        (["init", "{shot}", "--plate", "{plate}", "--range", "990-1002"], "990-1002 lies outside"),
        (["init", "{shot}", "--plate", "{tmp}/missing.mov"], "missing.mov"),
        (["init", "{shot}", "--plate", "{plate}", "--range", "1004-1001"], "ends before it starts"),
        (["extract", "{tmp}/not_a_shot"], "not a Faceplate workspace"),
    ],
)
def test_bad_input_gives_one_clear_line_and_exit_1(tmp_path, plate, capsys, args, message):
    argv = [a.format(shot=tmp_path / "shot", plate=plate, tmp=tmp_path) for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("faceplate: error: ") and message in err[-1]
    assert "Traceback" not in "\n".join(err)


def test_console_script_is_installed_and_reports_errors(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "extract", str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"faceplate: error: {tmp_path} is not a Faceplate workspace (no faceplate.json); create it with `faceplate init`"
    )


def test_info_prints_what_the_engine_reads(plate, capsys):
    assert main(["info", plate]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["frame_range"] == "1001-1004" and info["kind"] == "sequence" and info["width"] == 512
