"""`faceplate run`: all stages on one workspace (extract, curate, mask, train, export, render)."""

from __future__ import annotations

from pathlib import Path

from faceplate.workspace import open_workspace


def register(sub) -> None:
    p = sub.add_parser("run", help="run every stage on a workspace, skipping work already done")
    p.add_argument("shot", type=Path)
    p.add_argument("--iterations", type=int, default=20_000, help="training target (total iterations)")
    p.add_argument("--minutes", type=float, help="training wall-time limit for this run")
    p.add_argument("--resolution", type=int, default=128, help="model resolution (64-512, multiple of 16)")
    p.add_argument("--landmark-masks-only", action="store_true", help="skip the learned mask model")
    p.set_defaults(run=run)


def run(args) -> None:
    from dataclasses import replace

    from faceplate.stages.run_all import RunSettings, run_all

    defaults = RunSettings()
    settings = RunSettings(train=replace(defaults.train, iterations=args.iterations, minutes=args.minutes),
                           model=replace(defaults.model, resolution=args.resolution),
                           learned_masks=not args.landmark_masks_only)
    run_all(open_workspace(args.shot), settings, show_progress=not args.quiet)
