"""`faceplate` command: one subcommand per stage, the shot workspace first.

Library code raises FaceplateError; only here is it turned into one line on stderr and a
non-zero exit code (1 for errors, 130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from faceplate import __version__
from faceplate.errors import FaceplateError

# One module per group of subcommands, each with register(subparsers); order = help order.
COMMAND_MODULES = [
    "faceplate.cli.commands",
    "faceplate.cli.curate_command",
    "faceplate.cli.mask_command",
    "faceplate.cli.train_command",
    "faceplate.cli.render_command",
    "faceplate.cli.run_command",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faceplate", description="Per-shot face replacement for post-production.")
    parser.add_argument("--version", action="version", version=f"faceplate {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars, warnings only")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="faceplate: %(message)s",
                        stream=sys.stderr)
    for chatty in ("torch", "onnxscript", "onnx_ir"):  # exporter internals: their INFO is not for artists
        logging.getLogger(chatty).setLevel(logging.ERROR)
    try:
        args.run(args)
    except FaceplateError as exc:
        print(f"faceplate: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("faceplate: interrupted; finished work is kept and the next run resumes", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
