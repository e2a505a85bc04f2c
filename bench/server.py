"""The engine server under load: status-poll latency while a CPU stage runs, and the queue's overhead.

    python bench/server.py [--clients 50] [--requests 20] [--runs 5] [--queue-only] [--keep DIR]

1. Queue overhead: a stage with nothing to do (extract on a shot already extracted: it checks the
   faceset and reports 'skipped') called directly with ``run_stage`` in this (warm) process, against the
   same stage submitted to a real ``faceplate serve`` and polled (every 10 ms) until the job is done, in
   turn; the overhead is the difference of the medians (the HTTP calls, the store's commits, the worker's
   start and set-up, its exit). Medians and the min-max of each are printed; BENCH_SERVER_TRACE=1 prints
   each queued run's events with their offsets from the submission.
   Measured with a fresh worker process per stage (``--no-warm-worker``) and with the warm worker (the
   default: one worker process started ahead, its imports done); the RESULT is the warm one.
2. Status polls: ``--clients`` threads, each with its own keep-alive connection, ask ``GET /api/jobs/ID``
   ``--requests`` times, every ``--interval-ms`` (and once back to back, printed for information), while
   the engine trains a tiny model on the CPU; p50 and p99 of the answers.
Loopback only; bounded in count and in time (every wait has a deadline). Ends with
``RESULT status_p99_ms=<v> target=50 PASS|FAIL`` and ``RESULT queue_overhead_ms=<v> target=250 PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUICK = {
    "extract": {"face_type": "full", "crop_size": 128},
    "mask": {"landmark_only": True},
    "curate": {"rules": ["identity", "blur"]},
}
TRAIN = {
    "model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
    "train": {
        "iterations": 1_000_000,
        "batch_size": 2,
        "min_faces": 2,
        "checkpoint_every": 1000,
        "preview_every": 50,
        "log_every": 10,
    },
}
DEADLINE_S = 300


def prepared_shot(folder: Path) -> Path:
    """The demo's example (frames 1001-1004), extracted, curated and masked in this process."""
    from faceplate.demo import PLATE_SPACE, build_example
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import init_workspace

    plate, source = build_example(folder / "example")
    workspace = init_workspace(folder / "shot", plate, "1001-1004", [source], colour_space=PLATE_SPACE, fps="24")
    for stage in ("extract", "curate", "mask"):
        run_stage(workspace, stage, QUICK[stage])
    return workspace.root


def work_folders(keep: Path | None, bench: str) -> tuple[Path, Path]:
    """(the work folder: ``keep`` or a new temporary one, its ``roots`` folder for the engine, made)."""
    folder = keep or Path(tempfile.mkdtemp(prefix=f"faceplate-bench-{bench}-"))
    roots = folder / "roots"
    roots.mkdir(parents=True, exist_ok=True)
    return folder, roots


class Engine:
    def __init__(self, roots: Path, data: Path, *flags: str):
        from faceplate.server.launch import free_port, serve_command, serve_env

        self.port = free_port()
        self.log = open(data.parent / f"{data.name}-serve.log", "ab")
        self.process = subprocess.Popen(
            serve_command(self.port, [roots], data, *flags), stdout=self.log, stderr=subprocess.STDOUT, env=serve_env()
        )
        from faceplate_host.client import EngineClient, EngineError

        self.client = EngineClient(f"http://127.0.0.1:{self.port}", token_file=data / "token")
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client.health()
                break
            except EngineError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the engine did not start; see {data.parent / 'serve.log'}") from None
                time.sleep(0.1)
        self.token = (data / "token").read_text().strip()

    def stop(self) -> None:
        from faceplate.server.launch import stop_engine

        stop_engine(self.process)
        self.log.close()


def wait_for(predicate, what: str, timeout_s: float = DEADLINE_S, poll_s: float = 0.01):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    raise SystemExit(f"timed out after {timeout_s} s waiting for {what}")


def queue_overhead(engine: Engine, shot: Path, runs: int) -> tuple[list[float], list[float]]:
    """(direct run_stage seconds, submit-to-done seconds) of a stage with nothing to do, ``runs`` of each,
    taken in turn (direct, queued, direct, ...) so both see the same load on a shared machine. The direct
    call opens the workspace too, as a worker does."""
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import open_workspace

    run_stage(open_workspace(shot), "extract", {})  # warm: imports and caches, as a long-lived caller has them
    direct, queued = [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = run_stage(open_workspace(shot), "extract", {})
        direct.append(time.perf_counter() - started)
        assert result.status in ("skipped", "done"), result
        time.sleep(1.0)  # stages rarely arrive back to back faster than this; the warm worker is ready again
        started = time.perf_counter()
        job = engine.client.submit(str(shot), stages=["extract"])
        final = wait_for(
            lambda job=job: (j := engine.client.job(job["id"]))["status"] in ("done", "failed", "cancelled") and j,
            "the no-op job",
        )
        queued.append(time.perf_counter() - started)
        if final["status"] != "done":
            raise SystemExit(f"the no-op job ended {final['status']}: {final['error']}")
        if os.environ.get("BENCH_SERVER_TRACE"):  # where the time goes: each event's offset from the submission
            events = engine.client.events(job["id"])["events"]
            print(
                "  ",
                " ".join(
                    f"{e['kind']}:{e['data'].get('status', '')}@{(e['time'] - events[0]['time']) * 1000:.0f}"
                    for e in events
                ),
                f"client saw done @{queued[-1] * 1000:.0f}",
            )
    return direct, queued


def spread_ms(values: list[float]) -> str:
    """'median (min-max) ms' of some seconds."""
    return f"{statistics.median(values) * 1000:.0f} ms ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


def status_latencies(engine: Engine, job_id: str, clients: int, requests: int, interval_s: float) -> list[float]:
    """Seconds per ``GET /api/jobs/ID`` from ``clients`` threads at once, each on its own keep-alive connection,
    each asking every ``interval_s`` (0: back to back)."""
    timings: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(clients)
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", engine.port, timeout=30)
        headers = {"Authorization": f"Bearer {engine.token}"}
        mine = []
        start.wait()
        time.sleep(random.uniform(0, interval_s))  # independent clients: each polls at its own phase
        try:
            for _ in range(requests):
                began = time.perf_counter()
                connection.request("GET", f"/api/jobs/{job_id}", headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                mine.append(time.perf_counter() - began)
                time.sleep(max(0.0, interval_s - mine[-1]))
                if answer.status != 200 or json.loads(body)["id"] != job_id:
                    errors.append(f"{answer.status} {body[:200]!r}")
        except OSError as exc:
            errors.append(repr(exc))
        finally:
            connection.close()
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE_S)
    if errors:
        raise SystemExit(f"{len(errors)} status requests failed, e.g. {errors[0]}")
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="status requests per client")
    parser.add_argument(
        "--interval-ms",
        type=float,
        default=250,
        help="each client's poll period (default 250 ms: the engine's own SSE poll, twice as often "
        "as the host client's watch); the back-to-back figure is printed too",
    )
    parser.add_argument("--runs", type=int, default=5, help="no-op stage runs, each way")
    parser.add_argument("--queue-only", action="store_true", help="measure the queue overhead only (no status polls)")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    folder, roots = work_folders(args.keep, "server")
    shot = prepared_shot(roots)
    train_shot = roots / "train_shot"
    shutil.copytree(shot, train_shot)
    p99 = None
    cold_engine = Engine(roots, folder / "data-cold", "--no-warm-worker")
    try:
        direct, cold = queue_overhead(cold_engine, shot, args.runs)
    finally:
        cold_engine.stop()
    print(
        f"no-op stage (extract, nothing to do), median (min-max) of {args.runs}: direct run_stage (opening the "
        f"workspace too) {spread_ms(direct)}; through the queue with a fresh worker process {spread_ms(cold)} "
        f"(overhead {(statistics.median(cold) - statistics.median(direct)) * 1000:.0f} ms)"
    )
    engine = Engine(roots, folder / "data")
    try:
        direct, queued = queue_overhead(engine, shot, args.runs)
        overhead_ms = (statistics.median(queued) - statistics.median(direct)) * 1000
        print(
            f"  direct run_stage {spread_ms(direct)}; through the queue with the warm worker {spread_ms(queued)} "
            f"(overhead {overhead_ms:.0f} ms)"
        )
        if not args.queue_only:
            p99 = status_polls(engine, train_shot, args)
    finally:
        engine.stop()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if p99 is not None:
        print(f"RESULT status_p99_ms={p99:.1f} target=50 {'PASS' if p99 <= 50 else 'FAIL'}")
    print(f"RESULT queue_overhead_ms={overhead_ms:.0f} target=250 {'PASS' if overhead_ms <= 250 else 'FAIL'}")


def status_polls(engine: Engine, train_shot: Path, args: argparse.Namespace) -> float:
    """p99 ms of status polls from ``args.clients`` clients while a tiny model trains on the CPU."""
    job = engine.client.submit(str(train_shot), stages=["train"], settings={"train": TRAIN})
    wait_for(
        lambda: any((s["progress"] or {}).get("done", 0) >= 2 for s in engine.client.job(job["id"])["stages"]),
        "training to run",
        poll_s=0.2,
    )
    for interval_ms in (0, args.interval_ms):
        began = time.perf_counter()
        timings = status_latencies(engine, job["id"], args.clients, args.requests, interval_ms / 1000)
        took = time.perf_counter() - began
        running = engine.client.job(job["id"])
        assert running["status"] == "running", f"training stopped during the polls: {running['error']}"
        p50, p99 = percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000
        pace = f"every {interval_ms:g} ms" if interval_ms else "back to back"
        print(
            f"status polls, {args.clients} clients {pace}: {len(timings)} in {took:.1f} s while training on the "
            f"CPU: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(timings) * 1000:.1f} ms"
        )
    engine.client.cancel(job["id"])
    return p99


if __name__ == "__main__":
    main()
