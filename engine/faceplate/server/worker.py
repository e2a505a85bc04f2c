"""One stage of one job, in its own process: ``python -m faceplate.server.worker DB JOB STAGE``.

A warm worker (``python -m faceplate.server.worker DB --spare``) is started ahead of need: it imports
the stages, then waits for one ``{"job", "stage", "log"}`` line on stdin, sends its output to that
log and runs the stage like any other worker; stdin closed without a line means it is not needed.

It checks every path the job names against the server's roots (``--roots``) once more, the last
time under the shot's lock (see paths.py), runs the stage through ``run_stage`` (the same call the
CLI makes) with a reporter that writes to the store, records how the stage ended and exits: 0 done,
1 failed, 3 the shot was busy, 130 cancelled. A worker whose server died stops at once (the shot's lock drops with it and the
restarted server resumes the stage), so no stage runs without a server that knows of it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path

from faceplate.errors import FaceplateError, StageCancelled, WorkspaceBusy
from faceplate.server.paths import Roots, check_locked_shot, check_shot_media
from faceplate.server.reporter import StoreReporter
from faceplate.server.store import Store

# what stages import on first use (not at their module's import): a warm worker imports these ahead too, or
# its first call pays for them (opening a plate imports PyAV: ~40 ms of a no-op stage's ~45). torch stays
# out: ~0.9 s of CPU per spare for stages (train, render) that run for minutes.
WARM_IMPORTS = (
    "faceplate.media.video",
    "faceplate.media.stills",
    "faceplate.media.image_input",
    "faceplate.models.config",
    "faceplate.server.errors",
    "faceplate.workspace",
)
INIT_STEP = "init"  # a new shot's job starts with this step (``init_shot``) before its stages
EXIT_DONE, EXIT_FAILED, EXIT_BUSY, EXIT_CANCELLED, EXIT_STOPPED = 0, 1, 3, 130, 75
log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="faceplate.server.worker")
    parser.add_argument("db", type=Path)
    parser.add_argument("job", nargs="?")
    parser.add_argument("stage", nargs="?")
    parser.add_argument("--server-pid", type=int, default=os.getppid())
    parser.add_argument("--spare", action="store_true", help="import the stages, then take JOB, STAGE, LOG on stdin")
    parser.add_argument("--roots", nargs="*", default=[], help="the server's roots: every path is checked again here")
    args = parser.parse_args(argv)
    _die_with(args.server_pid)
    if args.spare:
        assignment = wait_for_assignment()
        if assignment is None:
            return EXIT_STOPPED
        args.job, args.stage = assignment["job"], assignment["stage"]
        _output_to(Path(assignment["log"]))
    elif not (args.job and args.stage):
        parser.error("JOB and STAGE are needed (or --spare)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    began = time.perf_counter()  # the job is known from here (a warm worker's imports are behind it)
    store = Store(args.db)
    job = store.get_job(args.job)
    workspace = Path(os.path.realpath(job["workspace"]))  # previews are named relative to where the stage writes
    with StoreReporter(store, args.job, args.stage, workspace) as reporter:
        _stop_on_sigterm(reporter)
        ran = time.perf_counter()
        code, fields, event = run_one(job, args.stage, reporter, Roots.of(args.roots))
    if code == EXIT_CANCELLED and not store.cancel_requested(args.job):  # the server is shutting down
        code, fields["status"], event["status"] = EXIT_STOPPED, "interrupted", "interrupted"
    store.update_stage(args.job, args.stage, ("stage", event), finished=time.time(), **fields)
    if _may_change_verdict(args.stage):
        record_verdict(store, args.job, workspace)
    log.info(
        "%s %s: worker set-up %.0f ms, then the stage and its record %.0f ms",
        args.stage,
        fields["status"],
        (ran - began) * 1000,
        (time.perf_counter() - ran) * 1000,
    )  # where a short stage's time goes
    return code


def run_one(job: dict, stage: str, reporter: StoreReporter, roots: Roots) -> tuple[int, dict, dict]:
    """(exit code, stage fields, event) for one stage run; never raises for a stage's own failure."""
    try:
        result = run_named_stage(job, stage, reporter, roots)
    except WorkspaceBusy as exc:
        return EXIT_BUSY, {"status": "busy", "error": str(exc)}, {"status": "busy", "message": str(exc)}
    except StageCancelled as exc:
        return EXIT_CANCELLED, {"status": "cancelled", "error": str(exc)}, {"status": "cancelled", "message": str(exc)}
    except FaceplateError as exc:
        return (
            EXIT_FAILED,
            {"status": "failed", "error": _api_message(exc)},
            {"status": "failed", "message": _api_message(exc)},
        )
    except Exception as exc:  # a bug in a stage: the log file keeps the traceback, the API gets one line
        log.exception("stage %s of job %s failed", stage, job["id"])
        message = f"{type(exc).__name__}: {exc} (the engine's log folder has the details)"
        return EXIT_FAILED, {"status": "failed", "error": message}, {"status": "failed", "message": message}
    fields = {"status": result["status"], "lines": result["lines"], "outputs": result["outputs"], "error": None}
    return EXIT_DONE, fields, {"status": result["status"], "lines": result["lines"]}


def _may_change_verdict(stage: str) -> bool:
    """A stage that makes a layer version or a QC check may change the job's verdict."""
    from faceplate.stages import STAGES

    return stage in STAGES and bool({"layer", "qc"} & set(STAGES[stage].artifacts))


def record_verdict(store: Store, job_id: str, workspace: Path) -> None:
    """The QC verdict on the shot's latest version becomes part of the job's state (None: not checked yet)."""
    from faceplate.qc.outcome import shot_verdict

    verdict = shot_verdict(workspace)
    store.update_job(job_id, {"verdict": verdict} if verdict else None, verdict=verdict)


def run_named_stage(job: dict, stage: str, reporter: StoreReporter, roots: Roots) -> dict:
    """Every path the job names is checked against the roots again here (they may have changed since it was
    submitted): the workspace is opened where it really leads, and checked once more under its lock."""
    from faceplate.workspace import open_workspace

    if stage == INIT_STEP:
        return init_shot(job, roots)
    from faceplate.stages.runner import run_stage

    workspace = open_workspace(roots.resolve_real(job["workspace"], "workspace"))
    check_shot_media(roots, workspace.manifest)  # before the lock's media check reads them

    def guard(held, settings):
        return check_locked_shot(roots, job["workspace"], held, stage, settings)

    changes = job["spec"].get("settings", {}).get(stage)
    result = run_stage(workspace, stage, changes, reporter, guard)
    return {"status": result.status, "lines": list(result.lines), "outputs": _plain(result.outputs)}


def init_shot(job: dict, roots: Roots) -> dict:
    """The job's first step for a new shot: make the workspace (skipped when an earlier try made it)."""
    from faceplate.workspace import init_workspace
    from faceplate.workspace.workspace import MANIFEST_NAME

    root = roots.resolve_real(job["workspace"], "workspace")
    if (root / MANIFEST_NAME).is_file():
        return {"status": "skipped", "lines": [f"workspace {root} exists"], "outputs": {"manifest": MANIFEST_NAME}}
    shot = job["spec"]["shot"]
    plate = roots.resolve(shot["plate"], "plate")  # checked at submission; again here, where it is read
    sources = [roots.resolve(s, "source") for s in shot.get("sources", [])]
    init_workspace(
        root,
        plate,
        shot.get("range"),
        sources,
        shot.get("first_frame", 1001),
        shot.get("colour_space"),
        shot.get("fps"),
        consent_ref=shot.get("consent_ref"),
    )
    return {"status": "done", "lines": [f"made workspace {root}"], "outputs": {"manifest": MANIFEST_NAME}}


def wait_for_assignment() -> dict | None:
    """Import what any stage needs (the slow part of a worker's start), then block on stdin for the job."""
    import importlib
    import json

    from faceplate.stages import STAGES

    importlib.import_module("faceplate.stages.runner")
    for stage in STAGES.values():
        stage.load()  # the import is the point
    for name in WARM_IMPORTS:
        importlib.import_module(name)
    line = sys.stdin.readline()
    return json.loads(line) if line.strip() else None


def _output_to(path: Path) -> None:
    """This run's stdout and stderr (tracebacks, stage logging) into the stage run's own log file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _api_message(exc: FaceplateError) -> str:
    from faceplate.server.errors import describe_error

    return describe_error(exc)[1]["error"]["message"]


def _plain(value):
    """Outputs as JSON-ready values (paths as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _stop_on_sigterm(reporter: StoreReporter) -> None:
    """SIGTERM (the server shutting down) stops the stage at its next safe point; a checkpoint is kept."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: reporter.cancel())


def _die_with(server_pid: int) -> None:
    """Exit at once when the server goes (kill -9 included): its successor resumes the stage."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:  # the kernel kills us the moment the parent dies
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:  # everywhere else (and if the parent died before prctl): poll
        while True:
            if os.getppid() != server_pid:
                os._exit(EXIT_STOPPED)
            time.sleep(0.5)

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


def exit_now(code: int) -> None:
    """Exit without the interpreter's teardown (unloading torch and friends takes a few hundred ms, and the
    scheduler starts the job's next stage only once this process is gone): everything that matters is
    already on disk and committed; the log is flushed here."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
