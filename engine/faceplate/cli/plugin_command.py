"""`faceplate plugin install|doctor`: the host side's own commands (faceplate_host.cli), with their errors as
the CLI's one line."""

from __future__ import annotations

from faceplate.errors import FaceplateError


def register(sub) -> None:
    from faceplate_host.cli import add_plugin_parser

    add_plugin_parser(sub, wrap=_one_line)


def _one_line(run):
    def wrapped(args) -> None:
        from faceplate_host.cli import PluginCommandError

        try:
            run(args)
        except PluginCommandError as exc:
            raise FaceplateError(str(exc)) from None

    return wrapped
