"""Run an exported job on this machine through the OpenJD reference runtime (`openjd run`), one
session after another as a single farm node would; and the bundled example as a farm job
(`faceplate farm run`, `make farm-demo`)."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

from faceplate.errors import FarmError
from faceplate.stages import get_stage
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)
_FAIL = re.compile(r"openjd_fail: (.*)")
_STEP = re.compile(r"Running step '([^']+)'")


def beside_python(name: str) -> str:
    """A console script of this environment (``faceplate``, ``openjd``): beside the interpreter, else on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.is_file() else shutil.which(name)
    if not found:
        raise FarmError(
            f"`{name}` is not installed in this environment ({sys.executable}); "
            "pip install the engine with its farm extras (openjd-cli==0.8.0)"
        )
    return found


def openjd_run(
    template: Path,
    parameters: Path,
    *extra: str,
    log_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess:
    """``openjd run TEMPLATE -p file://PARAMETERS [extra...]``; its log (every action's output) is
    returned and, with ``log_path``, written there as it comes; ``on_line`` sees each line."""
    command = [beside_python("openjd"), "run", str(template), "--job-param", f"file://{parameters}", *extra]
    lines = []
    with contextlib.ExitStack() as stack:
        log_file = stack.enter_context(open(log_path, "w", encoding="utf-8")) if log_path else None
        process = stack.enter_context(
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        )
        for line in process.stdout:
            lines.append(line)
            if log_file:
                log_file.write(line)
                log_file.flush()
            if on_line:
                on_line(line.rstrip("\n"))
    return subprocess.CompletedProcess(command, process.returncode, "".join(lines))


def failure_line(output: str) -> str | None:
    """The first ``openjd_fail:`` message of a job's log: the stage's own one-line error."""
    match = _FAIL.search(output)
    return match.group(1).strip() if match else None


def run_job(template: Path, parameters: Path, log_path: Path) -> None:
    """Run the whole job; FarmError with the failing stage's line if a step fails."""
    log.info("running %s through the OpenJD runtime; log %s", template, log_path)
    done = openjd_run(template, parameters, log_path=log_path, on_line=_announce_step)
    if done.returncode != 0:
        reason = failure_line(done.stdout) or "see the log"
        raise FarmError(f"the job failed: {reason} (log {log_path})")


def _announce_step(line: str) -> None:
    step = _STEP.search(line)
    if step:
        log.info("step %s", step.group(1))


def remember_settings(workspace: Workspace, changes: dict[str, dict]) -> None:
    """Store settings for later stage runs without running them (what a farm job's stages will use),
    validated as the stage itself would."""
    from faceplate.settings import remembered

    with workspace.locked("settings"):
        for stage, given in changes.items():
            kept = remembered(workspace.settings_for(stage, get_stage(stage).settings_class, given))
            workspace.update(lambda m, stage=stage, kept=kept: m.settings.__setitem__(stage, kept))


def run_demo_job(out: Path) -> Path:
    """The bundled example as a farm job: build it, remember the demo's tiny settings, export the job
    to ``out/job`` and run it through `openjd run`; returns the shot workspace."""
    from faceplate.demo import CONSENT_REF, PLATE_RANGE, PLATE_SPACE, build_example, demo_changes
    from faceplate.farm.export import export_job, shot_from_workspace
    from faceplate.farm.template import JobOptions
    from faceplate.workspace import init_workspace

    out = Path(out).absolute()
    plate, source = build_example(out / "example")
    workspace = init_workspace(
        out / "shots" / "astronaut",
        plate,
        str(PLATE_RANGE),
        [source],
        colour_space=PLATE_SPACE,
        fps="24",
        force=True,
        consent_ref=CONSENT_REF,
    )
    remember_settings(workspace, demo_changes())
    options = JobOptions(name="Faceplate example", chunk_size=8, train_gpus=0, faceplate=beside_python("faceplate"))
    template, parameters = export_job([shot_from_workspace(workspace.root)], out / "job", options)
    run_job(template, parameters, out / "job" / "openjd.log")
    log.info("layer %s", workspace.root / "render" / "latest.json")
    return workspace.root
