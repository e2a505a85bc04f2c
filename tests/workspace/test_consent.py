"""The shot's consent reference: given at init or later (on record in the shot's history), and render
(or `faceplate run`) refused without it, with one line and nothing written, unless waived."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.media import write_image
from faceplate.workspace import open_workspace


@pytest.fixture()
def plate(tmp_path) -> str:
    folder = tmp_path / "plate"
    for frame in range(1001, 1005):
        write_image(folder / f"p.{frame:04d}.png", np.full((8, 12, 3), frame - 1000, np.uint8))
    return str(folder / "p.####.png")


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".faceplate.lock"
    }


def one_error_line(capfd) -> str:
    lines = capfd.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_init_records_the_reference_and_consent_changes_it_on_record(tmp_path, plate, capfd):
    shot = tmp_path / "shot"
    assert main(["-q", "init", str(shot), "--plate", plate, "--consent-ref", "  CF-2291 signed 2026-11-02  "]) == 0
    assert open_workspace(shot).manifest.consent_ref == "CF-2291 signed 2026-11-02"
    capfd.readouterr()
    assert main(["consent", str(shot)]) == 0
    assert capfd.readouterr().out.strip() == "CF-2291 signed 2026-11-02"

    assert main(["-q", "consent", str(shot), "--ref", "CF-2291 rev B"]) == 0
    manifest = open_workspace(shot).manifest
    assert manifest.consent_ref == "CF-2291 rev B"
    change = manifest.last_run("consent")
    assert change.status == "done" and change.parameters == {
        "consent_ref": "CF-2291 rev B",
        "previous": "CF-2291 signed 2026-11-02",
    }
    assert manifest.last_run("init").parameters["consent_ref"] == "CF-2291 signed 2026-11-02"


@pytest.mark.parametrize("ref, says", [("   ", "empty"), ("CF-1\nCF-2", "line break"), ("x" * 501, "500")])
def test_a_bad_reference_is_refused_with_one_line_and_the_shot_untouched(tmp_path, plate, capfd, ref, says):
    shot = tmp_path / "shot"
    assert main(["-q", "init", str(shot), "--plate", plate, "--consent-ref", ref]) == 1
    assert says in one_error_line(capfd) and not shot.exists()
    assert main(["-q", "init", str(shot), "--plate", plate, "--consent-ref", "CF-1"]) == 0
    before = tree(shot)
    assert main(["-q", "consent", str(shot), "--ref", ref]) == 1
    assert says in one_error_line(capfd) and tree(shot) == before


def test_render_without_a_reference_is_refused_with_one_line_and_nothing_written(tmp_path, plate, capfd):
    shot = tmp_path / "shot"
    assert main(["-q", "init", str(shot), "--plate", plate]) == 0
    capfd.readouterr()
    before = tree(shot)
    for command in (["render", str(shot)], ["run", str(shot)]):
        assert main(["-q", *command]) == 1
        line = one_error_line(capfd)
        assert line.startswith("faceplate: error: shot shot has no consent reference"), line
        assert "faceplate consent SHOT --ref TEXT" in line and "--no-consent-ref" in line, line
        assert tree(shot) == before, f"{command[0]} wrote into the shot"
    assert not (shot / "render").exists() and not (shot / "facesets").exists()

    # the waiver lets render past the gate: it stops at the next missing thing (no model), not at consent
    assert main(["-q", "render", str(shot), "--no-consent-ref"]) == 1
    line = one_error_line(capfd)
    assert "consent" not in line and "generator.onnx" in line, line
    assert "waive_consent" not in json.loads((shot / "faceplate.json").read_text())["settings"].get("render", {}), (
        "a waiver is for one run: the shot does not remember it"
    )
