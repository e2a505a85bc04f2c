"""`faceplate curate` and `faceplate review`: rules, sorts, manual decisions and the contact sheet."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from faceplate.cli.roles import add_role_flag, roles_from
from faceplate.errors import CurateError

log = logging.getLogger("faceplate")


def add_decision_flags(p: argparse.ArgumentParser) -> None:
    add_role_flag(p)
    p.add_argument("--reject", nargs="+", default=[], metavar="ID", help="reject these faces by hand (e.g. plate_1001_00)")
    p.add_argument("--restore", nargs="+", default=[], metavar="ID", help="restore these faces by hand")
    p.add_argument("--forget", nargs="+", default=[], metavar="ID", help="drop earlier manual decisions: the rules decide again")
    p.add_argument("--note", default="", help="note stored with --reject/--restore decisions")
    p.add_argument("--decisions", type=Path, help="file of decisions: 'reject ID', 'restore ID', 'forget ID' or 'ID' per line, or JSON")


def collect_decisions(args) -> list:
    from faceplate.curate.decisions import Decision, parse_decision_file

    found = parse_decision_file(args.decisions) if args.decisions else []
    found += [Decision(i, "rejected", args.note) for i in args.reject]
    found += [Decision(i, "kept", args.note) for i in args.restore]
    return found + [Decision(i, "forget") for i in args.forget]


def register_curate(sub) -> None:
    from faceplate.curate.order import SORT_KEYS
    from faceplate.curate.rules import RULES, CurateSettings

    d = CurateSettings()
    p = sub.add_parser("curate", help="score faces and reject blurred, wrong-identity, bad-landmark, duplicate faces")
    p.add_argument("shot", type=Path)
    add_decision_flags(p)
    p.add_argument("--sort", choices=SORT_KEYS, help="reorder the faceset index (and the review sheet)")
    p.add_argument("--rules", nargs="+", choices=RULES, default=list(d.rules), help="rules to apply (default: all)")
    p.add_argument("--blur-fraction", type=float, default=d.blur_fraction, help="reject below this x the median blur")
    p.add_argument("--identity-distance", type=float, default=d.identity_distance, help="max embedding distance to the main identity")
    p.add_argument("--refit-max", type=float, default=d.refit_max, help="max landmark re-fit disagreement (eye distances)")
    p.add_argument("--duplicate-similarity", type=float, default=d.duplicate_similarity, help="thumbnail correlation of a duplicate")
    p.add_argument("--pose-margin", type=float, default=d.pose_margin, help="degrees beyond the other faceset's poses")
    p.set_defaults(run=run_curate)


def run_curate(args) -> None:
    from faceplate.curate.coverage import format_coverage
    from faceplate.curate.rules import CurateSettings
    from faceplate.stages.curate import COVERAGE_NAME, curate
    from faceplate.workspace import open_workspace

    try:
        settings = CurateSettings(roles=roles_from(args), rules=tuple(args.rules), blur_fraction=args.blur_fraction,
                                  identity_distance=args.identity_distance, refit_max=args.refit_max,
                                  duplicate_similarity=args.duplicate_similarity, pose_margin=args.pose_margin, sort=args.sort)
    except ValueError as exc:
        raise CurateError(f"bad curate setting: {exc}") from exc
    ws = open_workspace(args.shot)
    for role, result in curate(ws, settings, collect_decisions(args)).items():
        s = result.summary()
        why = ", ".join(f"{k} {v}" for k, v in s["reasons"].items()) or "none"
        log.info("%s: kept %d of %d faces; rejected: %s (%.0f faces/s)", role, s["kept"], s["faces"], why, s["faces_per_second"])
    coverage = ws.root / "facesets" / COVERAGE_NAME
    if coverage.is_file() and not args.quiet:
        log.info("pose coverage (yaw x pitch):\n%s", format_coverage(json.loads(coverage.read_text())))
    log.info("look at the faces: faceplate review %s", args.shot)


def register_review(sub) -> None:
    p = sub.add_parser("review", help="contact sheet (HTML + PNG grids) of curated faces; manual reject/restore")
    p.add_argument("shot", type=Path)
    add_decision_flags(p)
    p.add_argument("--out", type=Path, help="folder for the sheet (default SHOT/review)")
    p.set_defaults(run=run_review)


def run_review(args) -> None:
    from faceplate.stages.review import review
    from faceplate.workspace import open_workspace

    page = review(open_workspace(args.shot), roles_from(args), collect_decisions(args), args.out)
    log.info("review sheet: %s", page)


def register(sub) -> None:
    register_curate(sub)
    register_review(sub)
