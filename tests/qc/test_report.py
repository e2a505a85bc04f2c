"""The review report in a real headless Chromium (Debian's `chromium`, over the DevTools protocol): it opens
from disk with no network, every image loads and the console stays clean; its JSON carries the QC data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from qc_helpers import load_test_module, write_swap

from faceplate.errors import QcError
from faceplate.stages.runner import run_stage

pytestmark = pytest.mark.slow


def write_training_images(root: Path) -> None:
    """Stand-ins for what training leaves in model/ (real ones: tests/stages/test_run_all.py runs the pipeline)."""
    (root / "model" / "previews").mkdir(parents=True)
    for name in ("model/loss.png", "model/previews/preview_000100.png", "model/previews/preview_000200.png"):
        cv2.imwrite(str(root / name), np.full((64, 96, 3), 200, np.uint8))


def test_report_opens_offline_with_every_image_and_no_console_error(shot, tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("no `chromium` on PATH (Debian: apt-get install chromium); the report test needs a real browser")
    pytest.importorskip("websocket", reason="websocket-client drives the browser (pip install -e '.[test]')")
    write_swap(shot, face="source", jitter=(1005,))
    write_training_images(shot.root)
    run_stage(shot, "qc")
    result = run_stage(shot, "report", {"worst_frames": 3})
    page_path = shot.root / "report" / "v001" / "index.html"
    assert result.outputs["html"] == "report/v001/index.html"

    text = page_path.read_text()
    assert "http://" not in text and "https://" not in text, "the page loads nothing from the network"
    data = json.loads((shot.root / "report" / "v001" / "report.json").read_text())
    qc = json.loads((shot.root / "qc" / "v001" / "qc.json").read_text())
    assert data["flags"] == qc["flags"] and data["summary"] == qc["summary"]
    assert 1005 in [w["frame"] for w in data["worst_frames"]], "the jittered frame is among the worst shown"
    assert data["provenance"]["plate"]["path"].endswith("grid_lrwp9a.mpg")
    assert data["provenance"]["consent"]["ref"].startswith("tests: GRID corpus"), "the shot's consent reference"

    with load_test_module("cdp").Browser(shutil.which("chromium"), tmp_path / "profile") as page:
        page.open(page_path.as_uri())
        page.wait_for("Array.from(document.images).every(i => i.complete)", 30, "every image to finish loading")
        sizes = page.evaluate("Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth])")
        assert len(sizes) == 1 + 3 + 1 + 2, sizes  # metrics, 3 worst frames, loss, 2 previews
        assert all(width > 0 for _, width in sizes), sizes
        assert "flicker: above 2x the plate's" in page.evaluate("document.body.innerText")
        page.evaluate("1")  # one more round trip: console events still in flight arrive
        assert page.console_errors() == []
        screenshot = page.screenshot(tmp_path / "report.png")
    print(f"\nreport screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000


def test_report_before_qc_says_so_in_one_line(shot):
    with pytest.raises(QcError, match="no published layer version .*run `faceplate render"):
        run_stage(shot, "report")
    write_swap(shot, face="plate")
    with pytest.raises(QcError, match="no QC results at .*qc/v001/qc.json; run `faceplate qc"):
        run_stage(shot, "report")
    assert not (shot.root / "report").exists()
