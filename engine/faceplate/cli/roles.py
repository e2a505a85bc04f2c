"""The ``--role`` flag shared by the subcommands that work on facesets (extract, curate, review, mask)."""

from __future__ import annotations

import argparse

ROLES = {"destination": ("destination",), "source": ("source",), "both": ("destination", "source")}


def add_role_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", choices=list(ROLES), default="both")


def roles_from(args) -> tuple[str, ...]:
    return ROLES[args.role]
