"""``faceplate-host plugin install|doctor`` (and ``faceplate plugin ...``, which calls the same functions).

Standard library only, so it also runs inside a host's Python: ``python -m faceplate_host.cli plugin doctor``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from faceplate_host.errors import FaceplateHostError, InstallError, PluginCommandError, error_line
from faceplate_host.install import HOSTS, install


def add_plugin_parser(sub, wrap=lambda run: run) -> argparse.ArgumentParser:
    """The ``plugin`` subcommand; ``wrap`` lets a caller (the engine CLI) turn its errors into its own."""
    plugin = sub.add_parser("plugin", help="install the host plug-ins (Nuke, Resolve, Blender) and check them")
    actions = plugin.add_subparsers(dest="plugin_action", required=True, metavar="ACTION")
    p = actions.add_parser("install", help="copy the plug-in into the host's per-user folder")
    p.add_argument("host", choices=HOSTS)
    p.add_argument("--dest", type=Path, help="install here instead of the host's per-user folder")
    p.add_argument("--link", action="store_true", help="link this package instead of copying it (development)")
    p.add_argument("--blender-version", default="4.2", help="Blender's version folder (default 4.2)")
    p.set_defaults(run=wrap(run_install))
    d = actions.add_parser("doctor", help="check the plug-in's side: package, token, engine, versions")
    d.set_defaults(run=wrap(run_doctor))
    return plugin


def run_install(args) -> None:
    try:
        done = install(args.host, args.dest, args.link, blender_version=args.blender_version)
    except InstallError as exc:
        raise PluginCommandError(str(exc)) from None
    print(f"installed the {done.host} plug-in:")
    for path in done.files:
        print(f"  {path}")
    print(f"  {done.package_dir / 'faceplate_host'} ({'link' if args.link else 'copy'} of faceplate-host)")
    print("then:")
    for line in done.instructions:
        print(f"  {line}")


def run_doctor(args) -> None:
    from faceplate_host.doctor import run_checks

    results = run_checks()
    for passed, line in results:
        print(f"{'ok' if passed else 'PROBLEM'}: {line}")
    problems = sum(1 for passed, _ in results if not passed)
    if problems:
        raise PluginCommandError(f"{problems} problem{'s' if problems > 1 else ''} found (see the lines above)")


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog="faceplate-host", description="Faceplate's host side.")
    add_plugin_parser(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except FaceplateHostError as exc:
        print(error_line("faceplate-host", exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
