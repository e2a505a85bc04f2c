"""Which facesets a stage works on: ``destination`` (the plate's faces), ``source`` (the identity
put in) or ``both``. One settings type, so every stage's ``--role`` flag reads the same."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator

Role = Literal["destination", "source"]
BOTH: tuple[str, ...] = ("destination", "source")


def expand_roles(value):
    """'both' (or ['both']) -> both roles; 'destination' -> ('destination',); lists pass through."""
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else value
    if not isinstance(items, list):
        return value  # let the type check name it
    out: list = []
    for item in items:
        for role in BOTH if item == "both" else (item,):
            if role not in out:
                out.append(role)
    return tuple(out)


# A settings field type: ``roles: Roles = setting(BOTH, ROLES_HELP, flag="--role", remember=False)``.
# 'both' is expanded before the type check; it is listed so a refusal names it among the choices.
Roles = Annotated[tuple[Literal["destination", "source", "both"], ...], BeforeValidator(expand_roles)]
ROLES_HELP = "facesets to work on: destination, source or both"
