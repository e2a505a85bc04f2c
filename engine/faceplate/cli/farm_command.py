"""`faceplate farm export SHOT... [--out DIR]`: the shots as one Open Job Description job;
`faceplate farm run [OUT]`: the bundled example through the OpenJD runtime (`openjd run`)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from faceplate.farm.parameters import MASK_MODES

log = logging.getLogger("faceplate")


def register(sub) -> None:
    farm = sub.add_parser("farm", help="shots as Open Job Description jobs for a render farm (export, run)")
    verbs = farm.add_subparsers(dest="farm_command", required=True, metavar="ACTION")
    register_export(verbs)
    register_run(verbs)


def register_export(verbs) -> None:
    p = verbs.add_parser(
        "export",
        help="write an OpenJD job template and its parameter file for shot workspaces "
        "or the marked clips of a timeline",
        description="Write DIR/template.yaml (jobtemplate-2023-09) and DIR/parameters.json; run it "
        "with `openjd run DIR/template.yaml -p file://DIR/parameters.json` or submit it to a farm.",
    )
    p.add_argument("shots", type=Path, nargs="*", metavar="SHOT", help="shot workspaces (made with `faceplate init`)")
    p.add_argument("--out", type=Path, help="folder for the job files (default farm_job)")
    p.add_argument(
        "--bundle",
        type=Path,
        metavar="DIR",
        help="write a Deadline Cloud job bundle in DIR: the template, "
        "parameter_values.yaml, asset_references.yaml (and parameters.json for `openjd run`)",
    )
    p.add_argument(
        "--timeline",
        type=Path,
        metavar="CUT",
        help="an OTIO cut: one shot per marked clip (its workspace is made under --shots-dir unless it exists)",
    )
    p.add_argument("--marker", help="with --timeline: the clips carrying this marker (default: every video clip)")
    p.add_argument(
        "--shots-dir",
        type=Path,
        help="with --timeline: where the shot workspaces go (default: "
        "<timeline folder>/faceplate_shots, as faceplate-otio submit)",
    )
    p.add_argument(
        "--source",
        type=Path,
        metavar="FACES",
        help="the actor's faces (clip, sequence or folder of "
        "stills): the identity put into --timeline's shots, and what --identity trains on",
    )
    p.add_argument("--consent-ref", help="with --timeline: the consent/rights reference recorded by the new shots")
    p.add_argument(
        "--no-consent-ref",
        dest="waive_consent",
        action="store_true",
        help="render shots that have no consent reference; the waiver is written into every output",
    )
    p.add_argument("--frames", help="render only these frames, FIRST-LAST inside the shot range (one shot only)")
    p.add_argument("--chunk-size", type=int, default=10, help="frames per render task (default 10)")
    p.add_argument(
        "--train-gpus", type=int, default=1, help="GPUs a train node must have (default 1); 0 lets CPU-only nodes train"
    )
    p.add_argument("--faceplate", default="faceplate", help="the faceplate command on the nodes (default faceplate)")
    p.add_argument(
        "--identity",
        type=Path,
        metavar="LIBRARY",
        help="add an identity step: train --source once into LIBRARY (faceplate pretrain); every shot's "
        "train starts from it (--init-from)",
    )
    p.add_argument(
        "--budget",
        help="how long or how good the shots train (the mask, train and identity steps): "
        "preview, review, final, or 30m, 2h, 5000it; a job parameter (default: what each shot remembers, "
        "else preview; see docs/budget.md)",
    )
    p.add_argument(
        "--mask-mode",
        choices=MASK_MODES,
        help="a MaskMode job parameter for the mask step: "
        "landmark-only, or no-landmark-only (the learned mask model where the budget trains it); default: "
        "what each shot remembers",
    )
    p.add_argument(
        "--gate",
        action="store_true",
        help="the QcGate parameter's default on: a shot that fails QC "
        "fails its qc task (and the job) with the verdict line; off, the verdict is only in the log",
    )
    p.add_argument(
        "--os",
        dest="os_family",
        choices=("linux", "windows", "macos"),
        default="linux",
        help="the nodes' OS family (a host requirement of every step; default linux)",
    )
    p.add_argument(
        "--gpu-memory",
        type=int,
        default=8192,
        metavar="MIB",
        help="GPU memory a train node must have, MiB (default 8192; 0 with --train-gpus 0)",
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FROM=TO",
        help="media made on another machine: "
        "FROM (as the cut, --source, --identity or the shots name it) is TO here, e.g. "
        "/Volumes/shows=/mnt/shows or 'C:\\shows=/mnt/shows' (repeatable)",
    )
    p.add_argument(
        "--venv",
        type=Path,
        metavar="DIR",
        help="the engine's virtual environment on the nodes (an "
        "EngineVenv parameter): made where missing (pip install, EngineInstall), checked to hold this "
        "faceplate version before any step runs, then put first on PATH (POSIX nodes; docs/farm.md)",
    )
    p.add_argument("--name", help="job name (default: Faceplate and the shot names)")
    p.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> None:
    from faceplate.farm.export import export_job, identity_for, shot_from_workspace
    from faceplate.farm.template import JobOptions

    check_export_args(args)
    paths = list(args.shots)
    if args.timeline:
        from faceplate.farm.timeline import workspaces_from_timeline

        shots_dir = args.shots_dir or args.timeline.absolute().parent / "faceplate_shots"
        paths += workspaces_from_timeline(
            args.timeline, args.marker, [args.source], shots_dir, args.consent_ref, args.maps
        )
    shots = [shot_from_workspace(path, args.frames, args.waive_consent, args.maps) for path in paths]
    options = JobOptions(
        name=args.name or ("Faceplate " + " ".join(s.name for s in shots))[:120],
        chunk_size=args.chunk_size,
        train_gpus=args.train_gpus,
        faceplate=args.faceplate,
        identity=identity_for(args.identity, args.source) if args.identity else None,
        budget=args.budget,
        mask_mode=args.mask_mode,
        gate=args.gate,
        os_family=args.os_family,
        gpu_memory_mib=args.gpu_memory,
        venv=args.venv.absolute() if args.venv else None,
    )
    template, parameters = export_job(
        shots, args.bundle or args.out or Path("farm_job"), options, bundle=args.bundle is not None
    )
    log.info(
        "job %s for %d shot(s)%s; parameters %s",
        template,
        len(shots),
        " with an identity step" if options.identity else "",
        parameters,
    )
    log.info("run it here: openjd run %s --job-param file://%s", template, parameters)
    if args.bundle:
        log.info("submit it: deadline bundle submit %s", args.bundle)


def check_export_args(args: argparse.Namespace) -> None:
    """What can be refused from the command line alone, before any shot is read or made."""
    from faceplate.budget import check_budget_flag
    from faceplate.errors import FarmError

    if not args.shots and not args.timeline:
        raise FarmError(
            "give the shot workspaces to export (faceplate farm export SHOT [SHOT ...] --out DIR) "
            "or a cut (--timeline cut.otio --marker NAME --source FACES)"
        )
    if args.frames and (len(args.shots) > 1 or args.timeline):
        raise FarmError("--frames applies to one shot; export shots with their own frames one at a time")
    if not 1 <= args.chunk_size <= 150:
        raise FarmError(f"--chunk-size {args.chunk_size}: give 1 to 150 frames per render task")
    if args.bundle and args.out:
        raise FarmError(
            "give --out DIR (template and parameters) or --bundle DIR (a Deadline Cloud job bundle, "
            "which holds both), not both"
        )
    if args.venv and args.os_family == "windows":
        raise FarmError(
            "--venv sets the engine up with bash (POSIX nodes); for --os windows leave it out and give "
            "--faceplate with the engine's command on the nodes"
        )
    if not 0 <= args.gpu_memory <= 1_048_576:
        raise FarmError(f"--gpu-memory {args.gpu_memory}: give 0 to 1048576 MiB")
    if not 0 <= args.train_gpus <= 16:
        raise FarmError(f"--train-gpus {args.train_gpus}: give 0 to 16")
    args.budget = check_budget_flag(args.budget)
    map_arguments(args)
    if (args.timeline or args.identity) and args.source is None:
        raise FarmError("--timeline and --identity need --source FACES: the actor's clip, sequence or stills folder")
    if args.source is not None and not args.source.exists():
        raise FarmError(f"--source {args.source}: no such file or folder; give the actor's clip, sequence or stills")
    for flag in ("marker", "shots_dir", "consent_ref"):
        if getattr(args, flag) is not None and not args.timeline:
            raise FarmError(f"--{flag.replace('_', '-')} goes with --timeline")


def map_arguments(args: argparse.Namespace) -> None:
    """``--map`` parsed into ``args.maps`` and applied to --source and --identity."""
    from faceplate.farm.mapping import parse_maps
    from faceplate.media.pathmap import map_path

    args.maps = parse_maps(args.map)
    for flag in ("source", "identity"):
        if getattr(args, flag) is not None:
            setattr(args, flag, Path(map_path(str(getattr(args, flag)), args.maps)))


def register_run(verbs) -> None:
    p = verbs.add_parser("run", help="run the bundled example as a farm job through the OpenJD runtime (openjd run)")
    p.add_argument(
        "out",
        type=Path,
        nargs="?",
        default=Path("farm_demo"),
        help="folder for the example, its shot and the job (default farm_demo)",
    )
    p.set_defaults(run=lambda a: __import__("faceplate.farm.local", fromlist=["run_demo_job"]).run_demo_job(a.out))
