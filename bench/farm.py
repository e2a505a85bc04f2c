"""What rendering a shot as farm tasks costs against one `faceplate render`, in one run.

    python bench/farm.py [--frames 96] [--chunks 4] [--workspace DIR] [--venv DIR] [--data ../shared/data]

The 1920x1080 plate and its extraction as bench/render.py makes them, the default model size
(res 128 liae, random weights: speed does not depend on training) exported to ONNX. Then:
(a) `faceplate render SHOT` once, as an artist runs it (one process, every frame);
(b) the job's render step (`faceplate farm export`, CHUNK[INT] over the range in --chunks contiguous
    chunks) through the OpenJD reference runtime, `openjd run --step render`: one session, the
    chunks one after another, as a single farm node would run them;
(c) the start-up cost of one render task: the same step run again, every frame up to date, so
    each task only starts, loads and checks.
The job has the engine environment (`--venv`): each session checks the engine's version and puts it on PATH
before its tasks. By default the venv is a new folder the job makes on a node with no engine (tests/farm's
fresh_node: its python3, the engine's dependencies importable, pip installing this checkout without them), so
the node set-up is printed twice: cold (the job's first session, `--step media`, makes the venv) and warm
(the render step's session reuses it). With `--venv DIR` (an existing venv) only the warm set-up is measured.
Preview is off in all three (bench/render.py's setting), so each writes the same layer and matte.
Target: (b) / (a) <= 1.3 (`RESULT farm_overhead=...`). On N nodes a shot's render then costs about
(a) / N + (c) / --chunks per task.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests" / "farm"))
from farm_helpers import NODE_INSTALL, fresh_node, openjd_on  # noqa: E402  (a node with no engine, as the tests make it)

from extract import verdict  # noqa: E402
from faceplate.farm.export import export_job, shot_from_workspace
from faceplate.farm.local import beside_python, remember_settings
from faceplate.farm.node import ENVIRONMENT
from faceplate.farm.template import JobOptions
from render import export_default_model, plate_parser, plate_shot  # noqa: E402  (the same 1080p plate and extraction)


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench/farm.py: {' '.join(command)} failed:\n{done.stdout[-3000:]}")
    return seconds


def timed_step(template: Path, parameters: Path, env: dict[str, str], step: str = "render", *extra: str):
    """Seconds of `openjd run --step STEP` on a node with ``env``, and of its engine environment's set-up (from the
    session's log)."""
    start = time.perf_counter()
    done = openjd_on(env, "run", template, "--job-param", f"file://{parameters}", "--step", step, *extra)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench/farm.py: openjd run failed:\n{done.stdout[-3000:]}")
    return seconds, setup_seconds(done.stdout)


def setup_seconds(log: str) -> float:
    """From entering the engine environment to the first task starting, by the runtime's own timestamps."""
    stamps = [
        (float(h) * 3600 + float(m) * 60 + float(s), text)
        for h, m, s, text in re.findall(r"^(\d+):(\d+):([\d.]+)\s+(.*)$", log, re.MULTILINE)
    ]
    entered = next(t for t, text in stamps if f"Entering Environment: {ENVIRONMENT}" in text)
    return next(t for t, text in stamps if t >= entered and "Running Task" in text) - entered


def main() -> int:
    parser = plate_parser(__doc__, frames=96)
    parser.add_argument("--chunks", type=int, default=4, help="render tasks the range is split into")
    parser.add_argument(
        "--venv",
        type=Path,
        help="an existing venv holding the engine on the node (default: a new one the job makes, cold then warm)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with plate_shot(args, "bench/farm.py") as (ws, frames, tmp):
        export_default_model(ws)
        remember_settings(ws, {"render": {"preview": False, "batch": 8}})
        faceplate = beside_python("faceplate")

        shutil.rmtree(ws.root / "render", ignore_errors=True)
        direct = timed([faceplate, "--quiet", "render", str(ws.root)])
        print(f"(a) faceplate render: {direct:.1f} s for {len(frames)} frames ({len(frames) / direct:.2f} frames/s)")

        chunk = math.ceil(len(frames) / args.chunks)
        venv = args.venv.absolute() if args.venv else tmp / "node" / "venv"
        options = JobOptions(name="bench farm", chunk_size=chunk, train_gpus=0, faceplate="faceplate", venv=venv)
        template, parameters = export_job([shot_from_workspace(ws.root)], tmp / "job", options)
        env = dict(os.environ) if args.venv else fresh_node(tmp / "node")
        cold = None
        if not args.venv:
            _, cold = timed_step(template, parameters, env, "media", "--job-param", f"EngineInstall={NODE_INSTALL}")
            print(f"node set-up, cold (the job made the venv {venv}: python3 -m venv, pip install): {cold:.2f} s")
        shutil.rmtree(ws.root / "render", ignore_errors=True)
        chunked, setup = timed_step(template, parameters, env)
        tasks = math.ceil(len(frames) / chunk)
        print(f"(b) openjd run, render step in {tasks} chunks of {chunk}: {chunked:.1f} s")
        print(f"node set-up, warm (the venv reused: engine checked in {venv}, put on PATH): {setup:.2f} s of it")
        up_to_date, _ = timed_step(template, parameters, env)
        print(
            f"(c) start-up per render task (all frames up to date): {up_to_date / tasks:.2f} s "
            f"({up_to_date:.1f} s for {tasks} tasks)"
        )
        figures = {
            "frames": len(frames),
            "chunks": tasks,
            "direct_s": round(direct, 2),
            "chunked_s": round(chunked, 2),
            "startup_per_task_s": round(up_to_date / tasks, 2),
            "node_setup_cold_s": round(cold, 2) if cold is not None else None,
            "node_setup_warm_s": round(setup, 2),
        }
        print(json.dumps(figures))

    ratio = chunked / direct
    print(f"RESULT farm_overhead={ratio:.3f} target=1.3 {verdict(ratio <= 1.3)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
