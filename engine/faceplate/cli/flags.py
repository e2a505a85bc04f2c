"""CLI flags generated from a stage's settings class: one place, so flags never drift from settings.

Every flag is optional and defaults to "what the shot remembers"; only the flags given become
changes. Values go to the settings class as text and are validated there (one error naming the
flag, the value and what is allowed), so argparse never answers with its own usage dump.
"""

from __future__ import annotations

import argparse
import types
import typing

from pydantic.fields import FieldInfo

from faceplate.settings import choices_of, flag_name, flat_fields


def _is_bool(info: FieldInfo) -> bool:
    return info.annotation is bool or (
        typing.get_origin(info.annotation) in (typing.Union, types.UnionType)
        and set(typing.get_args(info.annotation)) == {bool, type(None)}
    )


def _is_sequence(info: FieldInfo) -> bool:
    origin = typing.get_origin(info.annotation)
    return origin in (tuple, list) or any(
        typing.get_origin(a) in (tuple, list) for a in typing.get_args(info.annotation)
    )


def _default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        return ""
    value = info.default
    if isinstance(value, tuple):
        value = ",".join(map(str, value))
    return f" (default {value})" if value not in (None, "", ()) else ""


def add_setting_flags(parser: argparse.ArgumentParser, settings_class, hidden: tuple[str, ...] = ()) -> dict[str, str]:
    """Add a flag per leaf setting; returns ``{argparse dest: settings path}``."""
    dests = {}
    for path, info in flat_fields(settings_class):
        if path in hidden or path.rsplit(".", 1)[-1] in hidden:
            continue
        flag = flag_name(path, info)
        dest = "setting__" + path.replace(".", "__")
        help_text = (
            (info.description or "")
            + _default_text(info)
            + "; remembered by the shot" * bool((info.json_schema_extra or {}).get("remember", True))
        )
        kwargs: dict = {"dest": dest, "default": argparse.SUPPRESS, "help": help_text.replace("%", "%%")}
        if _is_bool(info):
            kwargs["action"] = argparse.BooleanOptionalAction
        elif _is_sequence(info):
            kwargs.update(nargs="+", metavar="VALUE")
        else:
            choices = choices_of(info)
            kwargs["metavar"] = "{" + ",".join(str(c) for c in choices if c is not None) + "}" if choices else "VALUE"
        parser.add_argument(flag, **kwargs)
        dests[dest] = path
    return dests


def changes_from(args: argparse.Namespace, dests: dict[str, str]) -> dict:
    """``{settings path: value}`` for the flags given on the command line."""
    return {path: getattr(args, dest) for dest, path in dests.items() if hasattr(args, dest)}
