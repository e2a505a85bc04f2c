"""`faceplate farm export SHOT... [--out DIR]`: the shots as one Open Job Description job;
`faceplate farm run [OUT]`: the bundled example through the OpenJD runtime (`openjd run`)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("faceplate")


def register(sub) -> None:
    farm = sub.add_parser("farm", help="shots as Open Job Description jobs for a render farm (export, run)")
    verbs = farm.add_subparsers(dest="farm_command", required=True, metavar="ACTION")
    register_export(verbs)
    register_run(verbs)


def register_export(verbs) -> None:
    p = verbs.add_parser("export", help="write an OpenJD job template and its parameter file for shot workspaces",
                         description="Write DIR/template.yaml (jobtemplate-2023-09) and DIR/parameters.json; run it "
                         "with `openjd run DIR/template.yaml -p file://DIR/parameters.json` or submit it to a farm.")
    p.add_argument("shots", type=Path, nargs="*", metavar="SHOT", help="shot workspaces (made with `faceplate init`)")
    p.add_argument("--out", type=Path, default=Path("farm_job"), help="folder for the job files (default farm_job)")
    p.add_argument("--frames", help="render only these frames, FIRST-LAST inside the shot range (one shot only)")
    p.add_argument("--chunk-size", type=int, default=10, help="frames per render task (default 10)")
    p.add_argument("--train-gpus", type=int, default=1,
                   help="GPUs a train node must have (default 1); 0 lets CPU-only nodes train")
    p.add_argument("--faceplate", default="faceplate", help="the faceplate command on the nodes (default faceplate)")
    p.add_argument("--identity", type=Path, metavar="LIBRARY",
                   help="add an identity step: train --source once into LIBRARY (faceplate pretrain); every shot's "
                        "train starts from it (--init-from)")
    p.add_argument("--source", type=Path, metavar="FACES", help="the actor's faces for --identity: clip, sequence or "
                   "folder of stills")
    p.add_argument("--name", help="job name (default: Faceplate and the shot names)")
    p.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> None:
    from faceplate.errors import FarmError
    from faceplate.farm.export import export_job, identity_for, shot_from_workspace
    from faceplate.farm.template import JobOptions

    if not args.shots:
        raise FarmError("give the shot workspaces to export: faceplate farm export SHOT [SHOT ...] --out DIR")
    if args.frames and len(args.shots) > 1:
        raise FarmError("--frames applies to one shot; export shots with their own frames one at a time")
    if not 1 <= args.chunk_size <= 150:
        raise FarmError(f"--chunk-size {args.chunk_size}: give 1 to 150 frames per render task")
    if not 0 <= args.train_gpus <= 16:
        raise FarmError(f"--train-gpus {args.train_gpus}: give 0 to 16")
    shots = [shot_from_workspace(path, args.frames) for path in args.shots]
    options = JobOptions(name=args.name or "Faceplate " + " ".join(s.name for s in shots)[:100],
                         chunk_size=args.chunk_size, train_gpus=args.train_gpus, faceplate=args.faceplate,
                         identity=identity_for(args.identity, args.source))
    template, parameters = export_job(shots, args.out, options)
    log.info("job %s for %d shot(s)%s; parameters %s", template, len(shots),
             " with an identity step" if options.identity else "", parameters)
    log.info("run it here: openjd run %s --job-param file://%s", template, parameters)


def register_run(verbs) -> None:
    p = verbs.add_parser("run", help="run the bundled example as a farm job through the OpenJD runtime (openjd run)")
    p.add_argument("out", type=Path, nargs="?", default=Path("farm_demo"), help="folder for the example, its shot "
                   "and the job (default farm_demo)")
    p.set_defaults(run=lambda a: __import__("faceplate.farm.local", fromlist=["run_demo_job"]).run_demo_job(a.out))
