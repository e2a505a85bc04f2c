"""Under OpenJD (FACEPLATE_OPENJD=1, set by the job) the CLI reports what the runtime reads:
openjd_status / openjd_progress lines, and openjd_fail with the CLI's own one-line error."""

from __future__ import annotations

from rich.console import Console

from faceplate.cli.main import main
from faceplate.cli.reporter import OpenJDReporter
from faceplate.reporting import Meter


def test_progress_is_a_status_line_per_task_and_a_percent_line_per_whole_percent(capsys):
    reporter = OpenJDReporter(Console(stderr=True))
    meter = Meter(reporter, "render", 4, unit="frames")
    for _ in range(4):
        meter.advance()
    Meter(reporter, "encode", 200, unit="frames").advance(1)  # 0.5 %: the same whole percent as the start
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "openjd_status: render (4 frames)",
        "openjd_progress: 0.0",
        "openjd_progress: 25.0",
        "openjd_progress: 50.0",
        "openjd_progress: 75.0",
        "openjd_progress: 100.0",
        "openjd_status: encode (200 frames)",
        "openjd_progress: 0.0",
    ]


def test_a_failure_under_openjd_is_reported_with_the_same_line_the_cli_prints(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FACEPLATE_OPENJD", "1")
    assert main(["render", str(tmp_path / "nowhere")]) == 1
    said = capsys.readouterr()
    error = said.err.strip().splitlines()[-1].removeprefix("faceplate: error: ")
    assert "is not a Faceplate workspace" in error
    assert said.out.strip().splitlines() == [f"openjd_fail: {error}"]


def test_without_openjd_nothing_is_printed_for_the_runtime(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FACEPLATE_OPENJD", raising=False)
    assert main(["render", str(tmp_path / "nowhere")]) == 1
    said = capsys.readouterr()
    lines = (said.out + said.err).splitlines()
    assert not [line for line in lines if line.startswith("openjd_")] and "is not a Faceplate workspace" in said.err
