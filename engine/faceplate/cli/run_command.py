"""`faceplate run`: all stages on one workspace (extract, curate, mask, train, export, render)."""

from __future__ import annotations

from pathlib import Path

from faceplate.budget import BUDGET_HELP, budget_changes, check_budget_flag
from faceplate.cli.render_flags import add_consent_waiver
from faceplate.stages import PIPELINE, consent_stages, settings_classes
from faceplate.workspace import open_workspace


def register(sub) -> None:
    p = sub.add_parser("run", help="run every stage on a workspace, skipping work already done")
    p.add_argument("shot", type=Path)
    p.add_argument("--budget", help=BUDGET_HELP.replace("%", "%%") + "; default: what the shot remembers, else preview")
    p.add_argument(
        "--iterations",
        help="training target (total iterations; wins over the budget's; default: what "
        "the shot remembers, else the budget's)",
    )
    p.add_argument("--minutes", help="training wall-time limit for each run (remembered, like --iterations)")
    p.add_argument("--resolution", help="model resolution for a new model (64-512, multiple of 16)")
    p.add_argument("--landmark-masks-only", action="store_true", help="skip the learned mask model")
    add_consent_waiver(p)
    p.add_argument(
        "--via-server",
        action="store_true",
        help="hand the shot to the running engine (`faceplate serve`; FACEPLATE_URL, default "
        "127.0.0.1:8571) and show its progress here; Ctrl-C cancels the job",
    )
    p.set_defaults(run=run)


def run(args) -> None:
    args.budget = check_budget_flag(args.budget)  # refused before the first stage runs
    changes = {"train": train_changes(args)}
    if args.landmark_masks_only:
        changes["mask"] = {"landmark_only": True}
    if args.waive_consent:
        changes |= {stage.name: {"waive_consent": True} for stage in consent_stages(PIPELINE)}
    if args.via_server:
        from faceplate.cli.via_server import run_via_server

        run_via_server(args.shot, changes, args.reporter, budget=args.budget)  # the engine applies it
        return
    from faceplate.stages.run_all import run_all

    if args.budget is not None:  # what the flags set goes on top of the budget's
        budgeted = budget_changes(args.budget, settings_classes(PIPELINE))
        changes = {name: budgeted.get(name, {}) | changes.get(name, {}) for name in {*budgeted, *changes}}
    run_all(open_workspace(args.shot), changes, args.reporter)


def train_changes(args) -> dict:
    """The train settings given here (validated by the stage, named by these flags); targets given replace
    the remembered ones, as with `faceplate train`."""
    changes = {"model.resolution": args.resolution} if args.resolution is not None else {}
    targets = {"iterations": args.iterations, "minutes": args.minutes}
    if any(v is not None for v in targets.values()):
        changes |= {f"train.{k}": v for k, v in targets.items()} | {"train.until_plateau": False}
    return changes
