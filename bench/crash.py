"""Crash and resume: SIGKILL extract, train and render at random moments, resume, compare.

    python bench/crash.py [--trials 10] [--seed 0] [--keep DIR]

For each stage, ``--trials`` times (seeded): start the stage as an artist would (the
``faceplate`` command, in its own process), kill it with SIGKILL after a random delay within the
time an uninterrupted run takes, run the same command again, and check what a supervisor would:
- extract: the faceset holds the same face ids as an uninterrupted run;
- train: the resumed run starts at or after the last checkpoint written before the kill, ends
  at the target, and that checkpoint loads;
- render: every layer frame of the range reads back, and all were made by one model and one
  settings digest (the per-frame render records);
- always: the shot's lock is free, no run is left 'running', and no temporary file is left.
Ends with ``RESULT crash_resume_ok=<n>/<n> target=<n>/<n> PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from faceplate.atomic import TEMP_FOLDER, TEMP_NAME
from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.faces.faceset import read_faceset
from faceplate.media import read_image
from faceplate.workspace import init_workspace, open_workspace

RANGE = "1001-1024"
TINY_MODEL = ["--resolution", "64", "--ae-dims", "32", "--e-dims", "8", "--d-dims", "8", "--d-mask-dims", "4"]
TARGET = 60
TRAIN = ["--checkpoint-every", "5", "--preview-every", "1000", "--batch", "2", "--min-faces", "4", *TINY_MODEL]


def faceplate(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "--quiet", *args], capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise SystemExit(f"faceplate {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def timed(*args: str) -> float:
    started = time.perf_counter()
    faceplate(*args)
    return time.perf_counter() - started


def killed_after(delay: float, *args: str) -> bool:
    """Start ``faceplate args`` and SIGKILL it after ``delay`` s; False when it finished first."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "faceplate.cli.main", "--quiet", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
        print(f"  (faceplate {args[0]} finished before the kill at {delay:.2f} s)")
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def leftovers(shot: Path) -> list[str]:
    """Temp files and folders, runs still 'running': what a crash must not leave after a resume."""
    found = [
        str(p.relative_to(shot))
        for p in shot.rglob("*")
        if TEMP_NAME.match(p.name) or (p.is_dir() and TEMP_FOLDER.match(p.name))
    ]
    found += [
        f"run {r.stage} {r.id} still running" for r in open_workspace(shot).manifest.stages if r.status == "running"
    ]
    return found


def face_ids(shot: Path) -> dict[str, list[str]]:
    return {
        role: sorted(r.id for r in read_faceset(shot / "facesets" / role).records) for role in ("destination", "source")
    }


def last_checkpoint(shot: Path) -> int:
    pointer = shot / "model" / "latest.json"
    return json.loads(pointer.read_text())["iteration"] if pointer.is_file() else -1


def render_records(shot: Path) -> tuple[set, list[int]]:
    """(distinct (model, settings) pairs of the newest layer version's frames, frames without a record or a
    readable layer)."""
    from faceplate.render.outputs import RenderPaths
    from faceplate.render.versions import list_versions

    versions = list_versions(shot / "render")
    paths = RenderPaths(shot / "render" / (versions[-1] if versions else "v001"), "faceplate", "exr")
    makers, bad = set(), []
    for frame in open_workspace(shot).frame_range:
        try:
            record = json.loads(paths.record(frame).read_text())
            read_image(paths.layer(frame))
            makers.add((record["model"], record["settings"]))
        except Exception:  # noqa: BLE001 - any failure to read is what we count
            bad.append(frame)
    return makers, bad


def prepare(base: Path) -> tuple[Path, Path]:
    """A pristine shot (init only) and a trained, exported one."""
    plate, source = build_example(base / "example")
    pristine = init_workspace(
        base / "pristine", plate, RANGE, [source], colour_space=PLATE_SPACE, fps="24", consent_ref=CONSENT_REF
    ).root
    trained = base / "trained"
    shutil.copytree(pristine, trained)
    faceplate("extract", str(trained))
    faceplate("curate", str(trained), "--rules", "identity", "blur")
    faceplate("mask", str(trained), "--landmark-only")
    faceplate("train", str(trained), "--iterations", "10", *TRAIN)
    faceplate("export", str(trained))
    return pristine, trained


def trial_extract(pristine: Path, shot: Path, delay: float, reference: dict) -> list[str]:
    shutil.copytree(pristine, shot)
    killed_after(delay, "extract", str(shot))
    faceplate("extract", str(shot))
    problems = leftovers(shot)
    if face_ids(shot) != reference:
        problems.append("face ids differ from the uninterrupted run")
    return problems


def trial_train(trained: Path, shot: Path, delay: float) -> list[str]:
    shutil.copytree(trained, shot, ignore=shutil.ignore_patterns("model", "export"))
    killed_after(delay, "train", str(shot), "--iterations", str(TARGET), *TRAIN)
    saved = last_checkpoint(shot)
    faceplate("train", str(shot))  # the remembered settings: same target, resumes
    problems = leftovers(shot)
    run = open_workspace(shot).manifest.last_run("train")
    start, end = run.summary.get("start_iteration", -1), run.summary.get("iterations", -1)
    if start < saved:
        problems.append(f"resumed at iteration {start}, before the last checkpoint {saved}")
    if end != TARGET:
        problems.append(f"ended at iteration {end}, not the target {TARGET}")
    return problems


def trial_render(trained: Path, shot: Path, delay: float) -> list[str]:
    shutil.copytree(trained, shot)
    killed_after(delay, "render", str(shot))
    faceplate("render", str(shot))
    problems = leftovers(shot)
    makers, unreadable = render_records(shot)
    if len(makers) != 1:
        problems.append(f"layer frames made by {len(makers)} model/settings pairs")
    if unreadable:
        problems.append(f"unreadable layer frames {unreadable}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the shots in this folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = args.keep or Path(tempfile.mkdtemp(prefix="faceplate-crash-"))
    pristine, trained = prepare(base)
    reference_shot = base / "reference"
    shutil.copytree(pristine, reference_shot)
    durations = {"extract": timed("extract", str(reference_shot))}
    reference = face_ids(reference_shot)
    probe = base / "probe"
    shutil.copytree(trained, probe, ignore=shutil.ignore_patterns("model", "export"))
    durations["train"] = timed("train", str(probe), "--iterations", str(TARGET), *TRAIN)
    shutil.rmtree(probe)
    shutil.copytree(trained, probe)
    durations["render"] = timed("render", str(probe))
    print("uninterrupted runs: " + ", ".join(f"{k} {v:.1f} s" for k, v in durations.items()))
    ok = total = 0
    trials = {
        "extract": lambda shot, delay: trial_extract(pristine, shot, delay, reference),
        "train": lambda shot, delay: trial_train(trained, shot, delay),
        "render": lambda shot, delay: trial_render(trained, shot, delay),
    }
    landed = dict.fromkeys(trials, 0)  # kills that hit a running stage (recorded 'interrupted')
    for stage, trial in trials.items():
        for i in range(args.trials):
            delay = rng.uniform(0.3, 0.95 * durations[stage])  # from start-up to the last frames
            shot = base / f"{stage}_{i:02d}"
            problems = trial(shot, delay)
            total += 1
            ok += not problems
            inside = any(r.stage == stage and r.status == "interrupted" for r in open_workspace(shot).manifest.stages)
            landed[stage] += inside
            print(
                f"{stage} trial {i}: killed after {delay:.2f} s ({'inside the stage' if inside else 'outside the stage: start-up or exit'}): "
                f"{'ok' if not problems else '; '.join(problems)}"
            )
            if not args.keep:
                shutil.rmtree(shot, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    print("kills inside a running stage: " + ", ".join(f"{k} {v}/{args.trials}" for k, v in landed.items()))
    print(f"RESULT crash_resume_ok={ok}/{total} target={total}/{total} {'PASS' if ok == total else 'FAIL'}")
    return 0 if ok == total else 1


if __name__ == "__main__":
    sys.exit(main())
