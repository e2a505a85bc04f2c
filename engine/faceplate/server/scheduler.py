"""The scheduler: one thread that starts each job's next stage in a worker process and reaps them.

Rules: one stage at a time per job and per workspace; heavy stages (``Stage.heavy``: train,
render; the GPU when there is one, every core when not) at most ``gpu_slots`` at once; other stages at most
``cpu_workers`` at once. A shot locked by another program (a CLI run) puts the job in ``busy``
and it is tried again every ``busy_retry_s``. Job state changes made by the API (submit, cancel,
retry, delete) take the same lock as the loop, so a job is never started and deleted at once.

The loop runs at once when something changes (``wake()``: a submission, a cancel, a retry, a worker
exiting), so a short stage does not wait for a tick on either side; the ``tick_s`` period stays as a
safety net (busy retries, a missed wake-up).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import faceplate
from faceplate.server.config import ServerConfig
from faceplate.server.private import open_private_log
from faceplate.server.store import Store
from faceplate.server.worker import EXIT_BUSY, EXIT_STOPPED, INIT_STEP
from faceplate.stages import get_stage

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running", "busy")
FINISHED = ("done", "failed", "cancelled")


def _is_heavy(step: str) -> bool:
    """A job's step is a stage (its ``heavy`` trait says which slots it takes) or a new shot's light ``init``."""
    return step != INIT_STEP and get_stage(step).heavy


@dataclass
class Worker:
    job_id: str
    stage: str
    workspace: str
    heavy: bool
    process: subprocess.Popen
    log_file: IO[bytes]
    log_path: Path


class Scheduler:
    def __init__(self, config: ServerConfig, store: Store):
        self.config, self.store = config, store
        self.lock = threading.RLock()  # held by the loop's steps and by the API's job changes
        self.workers: dict[tuple[str, str], Worker] = {}
        self._spare: subprocess.Popen | None = None  # a warm worker: stages imported, waiting for its stage
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by wake(): run the loop now rather than at the next tick
        self._thread = threading.Thread(target=self._loop, name="faceplate-scheduler", daemon=True)

    # --- life ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.recover()
        self.wake()  # resumed jobs start now, and the warm worker starts getting ready
        self._thread.start()

    def wake(self) -> None:
        """Something changed (a job submitted, cancelled or retried; a worker exited): look at once."""
        self._wake.set()

    def stop(self, grace_s: float = 20.0) -> None:
        """Stop the loop; running stages stop at their next safe point (SIGTERM) and resume on the next start."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        with self.lock:
            self._drop_spare()
            for worker in self.workers.values():
                _terminate(worker.process)
            deadline = time.monotonic() + grace_s
            for worker in list(self.workers.values()):
                try:
                    worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait()
            self._reap()
        self.store.close()

    def recover(self) -> None:
        """After a crash: stages recorded running (their workers died with the server) run again; each stage
        resumes its own work (training from its latest checkpoint), finished stages are not redone."""
        with self.lock:
            for job_id in self.store.job_ids(*ACTIVE):
                job = self.store.get_job(job_id)
                for stage in job["stages"]:
                    if stage["status"] in ("running", "interrupted", "busy"):
                        self.store.update_stage(
                            job_id,
                            stage["name"],
                            (
                                "stage",
                                {
                                    "status": "interrupted",
                                    "message": "the engine stopped during this stage; it resumes",
                                },
                            ),
                            status="pending",
                            pid=None,
                        )
                self.store.update_job(
                    job_id,
                    {"status": "queued", "message": "resumed after the engine restarted"},
                    status="queued",
                    wait_until=0,
                )

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.config.tick_s)
            self._wake.clear()  # before the step: a change made during it wakes the next one
            if self._stop.is_set():
                return
            try:
                with self.lock:
                    self._reap()
                    self._launch()
                    self._keep_spare()
            except Exception:  # the loop must outlive any one bad job; the log says what happened
                log.exception("scheduler step failed")

    # --- reaping ---------------------------------------------------------------------------------
    def _reap(self) -> None:
        for key, worker in list(self.workers.items()):
            code = worker.process.poll()
            if code is None:
                continue
            del self.workers[key]
            worker.log_file.close()
            self._finish_stage(worker, code)

    def _finish_stage(self, worker: Worker, code: int) -> None:
        job_id, name = worker.job_id, worker.stage
        if self._stage(job_id, name)["status"] == "running":  # the worker died without saying how: a crash
            message = f"the worker running {name} exited with code {code}; its log: {worker.log_path}"
            self.store.update_stage(
                job_id,
                name,
                ("stage", {"status": "failed", "message": message}),
                status="failed",
                error=message,
                finished=time.time(),
            )
        stage = self._stage(job_id, name)
        status, error = stage["status"], stage["error"]
        if code == EXIT_BUSY or status == "busy":
            self.store.update_stage(job_id, name, status="pending")
            self.store.update_job(
                job_id,
                {"status": "busy", "message": error},
                status="busy",
                error=error,
                wait_until=time.time() + self.config.busy_retry_s,
            )
        elif code == EXIT_STOPPED or status == "interrupted":
            self.store.update_stage(job_id, name, status="pending")  # resumes on the next start
        elif status in ("failed", "cancelled"):
            self.store.update_job(
                job_id, {"status": status, "stage": name, "message": error}, status=status, error=error
            )
        elif all(s["status"] in ("done", "skipped") for s in self.store.get_job(job_id)["stages"]):
            self.store.update_job(job_id, {"status": "done"}, status="done", error=None)

    def _stage(self, job_id: str, name: str) -> dict:
        return next(s for s in self.store.get_job(job_id)["stages"] if s["name"] == name)

    # --- launching -------------------------------------------------------------------------------
    def _launch(self) -> None:
        now = time.time()
        for job_id in self.store.job_ids(*ACTIVE):
            if any(key[0] == job_id for key in self.workers):
                continue
            job = self.store.get_job(job_id)
            if job["cancel_requested"]:
                self.store.update_job(job_id, {"status": "cancelled"}, status="cancelled", error="cancelled")
                continue
            stage = next((s["name"] for s in job["stages"] if s["status"] == "pending"), None)
            if stage is None:
                self.store.update_job(job_id, {"status": "done"}, status="done", error=None)
                continue
            if job["wait_until"] > now:
                continue
            if self._has_room(job["workspace"], _is_heavy(stage)):
                self._start_worker(job, stage)

    def _has_room(self, workspace: str, heavy: bool) -> bool:
        if any(w.workspace == workspace for w in self.workers.values()):
            return False  # one writer per shot: the next job on it waits its turn
        same_kind = sum(1 for w in self.workers.values() if w.heavy == heavy)
        return same_kind < (self.config.gpu_slots if heavy else self.config.cpu_workers)

    def _start_worker(self, job: dict, stage: str) -> None:
        runs = next(s["runs"] for s in job["stages"] if s["name"] == stage) + 1
        # recorded before the process exists: a crash from here on is found by recover()
        self.store.update_stage(
            job["id"],
            stage,
            ("stage", {"status": "running", "run": runs}),
            status="running",
            started=time.time(),
            finished=None,
            runs=runs,
            error=None,
            progress=None,
        )
        self.store.update_job(job["id"], {"status": "running", "stage": stage}, status="running", error=None)
        log_path = self.config.log_dir / job["id"] / f"{stage}.{runs}.log"
        log_file = open_private_log(log_path)
        process = self._hand_to_spare(job["id"], stage, log_path)
        if process is None:
            command = [
                self.config.worker_python,
                "-m",
                "faceplate.server.worker",
                str(self.store.path),
                job["id"],
                stage,
                "--server-pid",
                str(os.getpid()),
                "--roots",
                *map(str, self.config.roots),
            ]
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, env=_worker_env()
            )
        self.store.update_stage(job["id"], stage, pid=process.pid)
        self.workers[(job["id"], stage)] = Worker(
            job["id"], stage, job["workspace"], _is_heavy(stage), process, log_file, log_path
        )
        _watch_exit(process, self.wake)

    # --- the warm worker ---------------------------------------------------------------------------
    def _keep_spare(self) -> None:
        """Have one worker started and its imports done before a stage needs it (a fresh process costs
        half a second or more before the stage's first line runs)."""
        if not self.config.warm_worker or (self._spare is not None and self._spare.poll() is None):
            return
        with open_private_log(self.config.log_dir / "spare.log") as log_file:  # until it is given a stage
            command = [
                self.config.worker_python,
                "-m",
                "faceplate.server.worker",
                str(self.store.path),
                "--spare",
                "--server-pid",
                str(os.getpid()),
                "--roots",
                *map(str, self.config.roots),
            ]
            self._spare = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT, env=_worker_env()
            )

    def _hand_to_spare(self, job_id: str, stage: str, log_path: Path) -> subprocess.Popen | None:
        spare, self._spare = self._spare, None
        if spare is None or spare.poll() is not None:
            return None
        try:
            spare.stdin.write((json.dumps({"job": job_id, "stage": stage, "log": str(log_path)}) + "\n").encode())
            spare.stdin.close()
        except OSError:  # it died just now: start a fresh one instead
            _terminate(spare)
            return None
        return spare

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                spare.stdin.close()  # end of input: it exits without running anything
                spare.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                spare.kill()
                spare.wait()


def _worker_env() -> dict[str, str]:
    """The server's environment, with this faceplate importable first (an editable checkout or PYTHONPATH)."""
    env = dict(os.environ)
    engine = str(Path(faceplate.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([engine] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def _watch_exit(process: subprocess.Popen, wake) -> None:
    """Wake the loop the moment the worker exits (its stage's end is committed by then), not at the next tick."""

    def watch() -> None:
        process.wait()
        wake()

    threading.Thread(target=watch, name=f"worker-{process.pid}-exit", daemon=True).start()


def _terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
