"""Stage settings: validated on construction, remembered by the shot, the same for every caller.

Each stage declares one settings class with :func:`stage_settings` (a pydantic dataclass: types
checked, NaN/inf and unknown keys refused) and its fields with :func:`setting` (help text, range,
CLI flag, whether the shot remembers it). The workspace stores the remembered fields, so
``faceplate run``, the server and farm tasks get exactly what the artist set; a caller's changes
are applied on top with :func:`merge_settings`. The CLI builds its flags from :func:`flat_fields`.
A field that names a file or folder is a :data:`RootedPath`: the server resolves every one under its
roots (:func:`map_paths`); the CLI, run by the artist on their own files, takes it as given.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any, Callable, Iterator, Literal

import annotated_types
import pydantic
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.fields import FieldInfo

from faceplate.errors import SettingsError

CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=False)


@dataclasses.dataclass(frozen=True)
class Rooted:
    """Marks a field that names a file or folder (see :data:`RootedPath`)."""


def _no_nul(value: str) -> str:
    if "\0" in value:
        raise ValueError("a path cannot hold a NUL character")
    return value


# every setting or API field naming a file or folder has this type: a server checks each against its roots
RootedPath = Annotated[str, Rooted(), StringConstraints(min_length=1, max_length=4096), AfterValidator(_no_nul)]


def is_rooted(info: FieldInfo) -> bool:
    """Whether a field's type is (or holds, as in ``RootedPath | None``) a :data:`RootedPath` (pydantic moves
    a bare one's marker into the field's metadata)."""
    return any(isinstance(m, Rooted) for m in info.metadata) or _holds_rooted(info.annotation)


def _holds_rooted(annotation) -> bool:
    return isinstance(annotation, Rooted) or any(_holds_rooted(a) for a in typing.get_args(annotation))


def stage_settings(cls=None, *, frozen: bool = False):
    """Class decorator: a validating dataclass (``dataclasses.replace``/``asdict`` still work)."""

    def wrap(c):
        return pydantic.dataclasses.dataclass(c, config=CONFIG, frozen=frozen)

    return wrap if cls is None else wrap(cls)


def setting(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    flag: str | None = None,
    remember: bool = True,
    default_factory=None,
    **constraints,
) -> Any:
    """A settings field: ``help`` for flags and API docs, ``ge``/``le``/``gt``/``lt`` bounds,
    ``flag`` to name the CLI flag (default: ``--field-name``), ``remember=False`` for what applies to
    one run only (a frame subset, ``--force``)."""
    extra = {"flag": flag, "remember": remember}
    if default_factory is not None:
        return Field(default_factory=default_factory, description=help, json_schema_extra=extra, **constraints)
    return Field(default=default, description=help, json_schema_extra=extra, **constraints)


def _fields(cls) -> dict[str, FieldInfo]:
    return getattr(cls, "__pydantic_fields__", {})


def _extra(info: FieldInfo, key: str, default=None):
    return (info.json_schema_extra or {}).get(key, default) if isinstance(info.json_schema_extra, dict) else default


def _nested_class(info: FieldInfo):
    annotation = info.annotation
    return annotation if isinstance(annotation, type) and _fields(annotation) else None


def flat_fields(cls, prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """``(dotted path, field)`` for every leaf setting, nested settings classes flattened."""
    for name, info in _fields(cls).items():
        nested = _nested_class(info)
        if nested is not None:
            yield from flat_fields(nested, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", info


def map_paths(settings, change: Callable[[str, str], str], prefix: str = ""):
    """``settings`` with each file or folder it names replaced by ``change(dotted field, value)`` (unset
    ones left out), nested settings included; ``change`` may raise to refuse one."""
    updates = {}
    for name, info in _fields(type(settings)).items():
        value = getattr(settings, name)
        if _fields(type(value)):
            nested = map_paths(value, change, f"{prefix}{name}.")
            if nested is not value:
                updates[name] = nested
        elif value is not None and is_rooted(info):
            path = f"{prefix}{name}"
            updates[name] = tuple(change(path, v) for v in value) if isinstance(value, tuple) else change(path, value)
    return dataclasses.replace(settings, **updates) if updates else settings


def field_info(cls, path: str) -> FieldInfo | None:
    for candidate, info in flat_fields(cls):
        if candidate == path:
            return info
    return None


def flag_name(path: str, info: FieldInfo | None) -> str:
    return (_extra(info, "flag") if info is not None else None) or "--" + path.rsplit(".", 1)[-1].replace("_", "-")


def choices_of(info: FieldInfo) -> tuple | None:
    annotation = info.annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is Literal:
            return typing.get_args(candidate)
    return None


def allowed_text(info: FieldInfo | None) -> str:
    """'0 to 500', 'one of exr, png, tif', 'at least 1' ... from the field's declaration."""
    if info is None:
        return ""
    choices = choices_of(info)
    if choices:
        return "one of " + ", ".join(str(c) for c in choices if c is not None)
    low = high = None
    for m in info.metadata:
        if isinstance(m, (annotated_types.Ge, annotated_types.Gt)):
            low = (m.ge if isinstance(m, annotated_types.Ge) else m.gt, isinstance(m, annotated_types.Gt))
        if isinstance(m, (annotated_types.Le, annotated_types.Lt)):
            high = (m.le if isinstance(m, annotated_types.Le) else m.lt, isinstance(m, annotated_types.Lt))
    if low and high:
        return f"{low[0]} to {high[0]}" + (" (exclusive)" if low[1] or high[1] else "")
    if low:
        return f"{'more than' if low[1] else 'at least'} {low[0]}"
    if high:
        return f"{'less than' if high[1] else 'at most'} {high[0]}"
    return ""


def build_settings(cls, values: dict, stage: str):
    """``cls(**values)`` with nested dicts; any problem becomes a SettingsError naming the field,
    the value and what is allowed."""
    try:
        return cls(**values)
    except ValidationError as exc:
        raise _settings_error(cls, stage, exc.errors()[0]) from None
    except (ValueError, TypeError) as exc:  # a cross-field check in __post_init__
        raise SettingsError(stage, "", str(exc)) from None


def _settings_error(cls, stage: str, error: dict) -> SettingsError:
    path = ".".join(str(p) for p in error.get("loc", ()) if not isinstance(p, int))
    if error.get("type") == "unexpected_keyword_argument":
        known = ", ".join(p for p, _ in flat_fields(cls))
        return SettingsError(stage, path, f"unknown setting; known: {known}")
    if error.get("type") == "value_error" or not path:
        return SettingsError(stage, path, str(error.get("msg", "")).removeprefix("Value error, "))
    allowed = allowed_text(field_info(cls, path))
    problem = f"{error.get('input')!r} is not allowed ({error.get('msg', '').lower()})"
    return SettingsError(stage, path, problem + (f"; allowed: {allowed}" if allowed else ""))


def nest(changes: dict) -> dict:
    """``{"merge.feather_px": 4}`` -> ``{"merge": {"feather_px": 4}}`` (dicts are kept as they are)."""
    nested: dict = {}
    for key, value in changes.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})
            nested[head] = _deep_update(nested[head], nest({rest: value}))
        elif isinstance(value, dict) and isinstance(nested.get(head), dict):
            nested[head] = _deep_update(nested[head], value)
        else:
            nested[head] = value
    return nested


def _deep_update(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        out[key] = (
            _deep_update(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def merge_settings(cls, stored: dict | None, changes: dict | None, stage: str):
    """The shot's stored settings with ``changes`` (dotted or nested keys) on top, validated."""
    return build_settings(cls, _deep_update(stored or {}, nest(changes or {})), stage)


def remembered(settings) -> dict:
    """The fields a shot keeps for its next run (``remember=False`` ones dropped), JSON-ready."""
    out = {}
    for name, info in _fields(type(settings)).items():
        if not _extra(info, "remember", True):
            continue
        value = getattr(settings, name)
        out[name] = remembered(value) if _fields(type(value)) else _plain(value)
    return out


def as_plain_dict(settings) -> dict:
    """Every field, JSON-ready (for a run record)."""
    return {
        name: as_plain_dict(v) if _fields(type(v)) else _plain(v)
        for name, v in ((n, getattr(settings, n)) for n in _fields(type(settings)))
    }


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return value
