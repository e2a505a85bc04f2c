"""`faceplate` command: one subcommand per stage, the shot workspace first.

Library code raises FaceplateError; only here is it turned into one line on stderr and a
non-zero exit code (1 for errors, 130 for a cancelled or interrupted stage).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys

from rich.console import Console

from faceplate import __version__
from faceplate.cli.parser import FaceplateParser
from faceplate.errors import FaceplateError, SettingsError, StageCancelled

# One module per group of subcommands, each with register(subparsers); order = help order.
COMMAND_MODULES = [
    "faceplate.cli.commands",
    "faceplate.cli.stage_commands",
    "faceplate.cli.run_command",
    "faceplate.cli.serve_command",
    "faceplate.cli.farm_command",
    "faceplate.cli.plugin_command",
]


def build_parser() -> argparse.ArgumentParser:
    parser = FaceplateParser(prog="faceplate", description="Per-shot face replacement for post-production.")
    parser.add_argument("--version", action="version", version=f"faceplate {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars, warnings only")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def error_line(exc: FaceplateError) -> str:
    """The one line an artist reads; a setting is named by its CLI flag."""
    if isinstance(exc, SettingsError):
        from faceplate.settings import field_info, flag_name
        from faceplate.stages import STAGES

        cls = STAGES[exc.stage].settings_class if exc.stage in STAGES else None
        return exc.describe(lambda path: flag_name(path, field_info(cls, path) if cls else None) if path else "")
    return str(exc)


@contextlib.contextmanager
def _console_logging(console: Console, quiet: bool):
    """Engine log lines printed through the bars' console for this command; put back afterwards
    (tests and embedding programs call ``main`` more than once in one process)."""
    from faceplate.cli.reporter import ConsoleLogHandler

    logger = logging.getLogger("faceplate")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    logger.handlers[:] = [ConsoleLogHandler(console, logging.WARNING if quiet else logging.INFO)]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for chatty in ("torch", "onnxscript", "onnx_ir"):  # exporter internals: their INFO is not for artists
        logging.getLogger(chatty).setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved


def main(argv: list[str] | None = None) -> int:
    from faceplate.cli.reporter import ConsoleReporter, OpenJDReporter, cancel_on_signals
    from faceplate.farm import OPENJD_ENV

    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(file=sys.stderr)
    under_openjd = os.environ.get(OPENJD_ENV) == "1"
    # bars need a terminal: in a log file or pipe they would only print once, cut, at the end
    args.reporter = (
        OpenJDReporter(console)
        if under_openjd
        else ConsoleReporter(console, show_progress=console.is_terminal and not args.quiet)
    )
    try:
        try:
            with _console_logging(console, args.quiet), cancel_on_signals(args.reporter):
                args.run(args)
        finally:
            args.reporter.close()  # bars stop before the last line is printed
    except StageCancelled as exc:
        print(f"faceplate: {exc}", file=sys.stderr)
        return 130
    except FaceplateError as exc:
        print(f"faceplate: error: {error_line(exc)}", file=sys.stderr)
        if under_openjd:
            OpenJDReporter.fail(error_line(exc))
        return 1
    except KeyboardInterrupt:
        print("faceplate: interrupted; finished work is kept and the next run resumes", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
