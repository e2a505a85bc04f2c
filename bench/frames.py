"""Huge frame lists are answered from their spans: the server's memory and latency, and the CLI's answer time.

    python bench/frames.py [--frames 1-20000000] [--keep DIR]

1. Server: a real ``faceplate serve`` on loopback (bench/server.py's Engine) with a shot of the demo's example
   (frames 1001-1004). Baseline: its peak RSS (the server and its worker processes, the largest VmHWM sampled
   every 10 ms) and ``GET /api/health`` latency while it idles; then a render job with
   ``settings.render.frames: "1-20000000"`` is submitted and handled (refused by the render stage: the frames
   lie outside the shot), with health asked back to back from another connection meanwhile.
2. CLI: ``faceplate render SHOT --frames 0-99999999999`` against ``--frames 2000-2001`` (a small range outside
   the shot, the baseline), ``--runs`` times each in turn (medians): both answer with one line and exit 1.
Ends with ``RESULT server_peak_rss_mb=<v> target=300``, ``RESULT health_p99_ms=<v> target=50``,
``RESULT cli_huge_frames_ratio=<v> target=1.2`` (huge over baseline: the list costs nothing) and
``RESULT cli_huge_frames_s=<v> target=1.0`` (absolute, so it depends on the machine's load).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from server import DEADLINE_S, REPO, Engine, percentile, wait_for, work_folders

HUGE_CLI = "0-99999999999"


def shot_for_render(roots: Path) -> Path:
    """The demo's example shot (frames 1001-1004), initialised only: the render stage checks frames first."""
    from faceplate.demo import PLATE_SPACE, build_example
    from faceplate.workspace import init_workspace

    plate, source = build_example(roots / "example")
    return init_workspace(roots / "shot", plate, "1001-1004", [source], colour_space=PLATE_SPACE, fps="24").root


def family_peak_rss_mb(pid: int) -> float:
    """The largest peak RSS (VmHWM) of ``pid`` and its child processes, MB."""
    peaks = []
    for each in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue  # a worker that just ended
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return max(peaks, default=0.0)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [g for c in found for g in _children(c)]


def health_latencies(engine: Engine, stop: threading.Event) -> list[float]:
    """Seconds per ``GET /api/health``, back to back on one keep-alive connection until ``stop``."""
    connection = http.client.HTTPConnection("127.0.0.1", engine.port, timeout=30)
    timings = []
    try:
        while not stop.is_set() or len(timings) < 200:
            began = time.perf_counter()
            connection.request("GET", "/api/health")
            answer = connection.getresponse()
            answer.read()
            timings.append(time.perf_counter() - began)
            if answer.status != 200:
                raise SystemExit(f"health answered {answer.status}")
    finally:
        connection.close()
    return timings


def measure_while(engine: Engine, work) -> tuple[float, list[float], object]:
    """(peak RSS MB, health latencies, what ``work()`` returned) with health asked and memory sampled meanwhile."""
    stop, peak, timings = threading.Event(), [0.0], []

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], family_peak_rss_mb(engine.process.pid))
            time.sleep(0.01)

    threads = [
        threading.Thread(target=sample),
        threading.Thread(target=lambda: timings.extend(health_latencies(engine, stop))),
    ]
    for t in threads:
        t.start()
    try:
        result = work()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=DEADLINE_S)
    return max(peak[0], family_peak_rss_mb(engine.process.pid)), timings, result


def submit_huge(engine: Engine, shot: Path, frames: str) -> dict:
    job = engine.client.submit(
        str(shot), stages=["render"], settings={"render": {"frames": frames, "waive_consent": True}}
    )
    return wait_for(
        lambda: (j := engine.client.job(job["id"]))["status"] in ("done", "failed", "cancelled") and j,
        "the huge render job",
        poll_s=0.05,
    )


def cli_seconds(shot: Path, frames: str) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin")]))
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "--quiet", "render", str(shot), "--frames", frames],
        capture_output=True,
        text=True,
        env=env,
        timeout=DEADLINE_S,
    )
    took = time.perf_counter() - began
    lines = done.stderr.strip().splitlines()
    if done.returncode != 1 or len(lines) != 1:
        raise SystemExit(f"render --frames {frames}: exit {done.returncode}, expected one line:\n{done.stderr[-2000:]}")
    return took, lines[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", default="1-20000000", help="the render frames the server is sent")
    parser.add_argument("--runs", type=int, default=5, help="CLI answers timed, each way (the median is reported)")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    folder, roots = work_folders(args.keep, "frames")
    shot = shot_for_render(roots)
    engine = Engine(roots, folder / "data")
    try:
        idle_rss, idle, _ = measure_while(engine, lambda: time.sleep(1.0))
        peak_rss, busy, job = measure_while(engine, lambda: submit_huge(engine, shot, args.frames))
    finally:
        engine.stop()
    small, huge = [], []
    for _ in range(args.runs):  # in turn, so both see the same load
        small.append(cli_seconds(shot, "2000-2001")[0])
        took, line = cli_seconds(shot, HUGE_CLI)
        huge.append(took)
    small_s, huge_s = statistics.median(small), statistics.median(huge)
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    if job["status"] != "failed":
        raise SystemExit(f"the render of {args.frames} on a 4-frame shot ended {job['status']}, expected failed")
    health_p99 = percentile(busy, 0.99) * 1000
    print(
        f"server idle: peak RSS {idle_rss:.0f} MB, health p50 {percentile(idle, 0.5) * 1000:.1f} ms, "
        f"max {max(idle) * 1000:.1f} ms ({len(idle)} requests)"
    )
    print(
        f"server given render frames {args.frames}: job {job['status']} ({job['error']}); "
        f"peak RSS {peak_rss:.0f} MB, "
        f"health p50 {percentile(busy, 0.5) * 1000:.1f} ms, p99 {health_p99:.1f} ms, max {max(busy) * 1000:.1f} ms "
        f"({len(busy)} requests)"
    )
    print(
        f"CLI, median of {args.runs}: render --frames 2000-2001 (baseline) {small_s:.2f} s; "
        f"--frames {HUGE_CLI} {huge_s:.2f} s "
        f"(ratio {huge_s / small_s:.2f}): {line}"
    )
    print(f"RESULT server_peak_rss_mb={peak_rss:.0f} target=300 {'PASS' if peak_rss < 300 else 'FAIL'}")
    print(f"RESULT health_p99_ms={health_p99:.1f} target=50 {'PASS' if health_p99 < 50 else 'FAIL'}")
    ratio = huge_s / small_s
    print(f"RESULT cli_huge_frames_ratio={ratio:.2f} target=1.2 {'PASS' if ratio <= 1.2 else 'FAIL'}")
    print(f"RESULT cli_huge_frames_s={huge_s:.2f} target=1.0 {'PASS' if huge_s < 1.0 else 'FAIL'}")


if __name__ == "__main__":
    main()
