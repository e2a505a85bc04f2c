"""The artist's loop from Blender against the same stages run directly, in one run.

    python bench/loop.py [--budget 100it] [--keep DIR]

The bundled example (``faceplate demo``'s astronaut plate, 24 frames, and its source), two shots
initialised alike with the demo's settings remembered (its small model, landmark masks, curate rules);
each runs extract -> curate -> mask -> train -> export -> render -> qc -> report under ``--budget``:
(b) the loop, run first: a real ``faceplate serve`` on loopback, Blender (real ``bpy``) with the installed add-on and
    the plate as an image strip; the add-on's send operator with Budget B, the job followed to its end and
    its layer placed on a new channel (bench/loop_blender.py). Timed from the operator's call to the strip.
(a) directly: ``faceplate run SHOT --budget B`` (one process, what the engine's stages cost).
``RESULT loop_overhead=(b)/(a) target=1.1``. A full ``preview`` budget is 15 CPU minutes of training;
the default keeps both runs to a few minutes on 2 CPU cores: the ratio is what matters, not the times
(the loop's own cost - HTTP, the job store, the worker's start, the follow and the placing - is the
same whatever the budget, so a larger budget only lowers the ratio).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract import verdict  # noqa: E402
from faceplate.demo import CONSENT_REF, PLATE_RANGE, PLATE_SPACE, build_example, demo_changes
from faceplate.demo.editorial import engine_process
from faceplate.farm.local import beside_python, remember_settings
from faceplate.workspace import init_workspace
from server import work_folders  # noqa: E402

BLENDER = Path(__file__).with_name("loop_blender.py")
TARGET = 1.1


def prepared_shot(folder: Path, plate: str, source: str) -> Path:
    """A shot of the example with the demo's settings (its train target left to the budget)."""
    workspace = init_workspace(
        folder, plate, str(PLATE_RANGE), [source], colour_space=PLATE_SPACE, fps="24", consent_ref=CONSENT_REF
    )
    remember_settings(workspace, demo_changes(targets=False))
    return workspace.root


def run_checked(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"bench/loop.py: {' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}")
    return done


def in_blender(home: Path, *args, **env: str) -> dict:
    """loop_blender.py in real bpy, without this repository on the path: the add-on uses its installed copy."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"HOME": str(home)} | env
    answer = home / f"{args[0]}.json"
    run_checked([sys.executable, str(BLENDER), answer, *map(str, args)], env=environment)
    return json.loads(answer.read_text())


def time_direct(shot: Path, budget: str) -> float:
    start = time.perf_counter()
    run_checked([beside_python("faceplate"), "--quiet", "run", str(shot), "--budget", budget])
    return time.perf_counter() - start


def time_loop(folder: Path, roots: Path, plate: str, source: str, budget: str) -> dict:
    from faceplate_host.jobs import workspace_for
    from faceplate_host.shots import Shot

    home = folder / "home"
    run_checked(
        [sys.executable, "-m", "faceplate.cli.main", "plugin", "install", "blender"],
        env=dict(os.environ, HOME=str(home)),
    )
    addons = next(home.glob(".config/blender/*/scripts/addons"))
    blend = folder / "edit.blend"
    [described] = in_blender(home, "scene", addons, blend, Path(plate).parent)
    prepared_shot(workspace_for(Shot.from_dict(described), roots / "shots"), plate, source)
    with engine_process(roots) as client:
        return in_blender(
            home,
            "send",
            addons,
            blend,
            source,
            CONSENT_REF,
            budget,
            FACEPLATE_URL=client.url,
            FACEPLATE_TOKEN=client.token_file.read_text().strip(),
            FACEPLATE_SHOTS=str(roots / "shots"),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", default="100it", help="the job's budget (preview, 30m, 100it...; default 100it)")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    folder, roots = work_folders(args.keep, "loop")
    plate, source = build_example(roots / "example")

    loop = time_loop(folder, roots, plate, source, args.budget)  # first: what the disk cache warms favours (a)
    direct = time_direct(prepared_shot(folder / "direct", plate, source), args.budget)
    print(f"(a) faceplate run --budget {args.budget}: {direct:.1f} s")
    print(
        f"(b) Blender send -> layer placed (job {loop['job']}, budget {loop['budget']}): {loop['seconds']:.1f} s; "
        f"placed {loop['placed']}; {loop['verdict']}"
    )
    print(
        json.dumps(
            {
                "budget": args.budget,
                "direct_s": round(direct, 2),
                "loop_s": round(loop["seconds"], 2),
                "work": str(folder),
            }
        )
    )
    ratio = loop["seconds"] / direct
    print(f"RESULT loop_overhead={ratio:.3f} target={TARGET} {verdict(ratio <= TARGET)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
