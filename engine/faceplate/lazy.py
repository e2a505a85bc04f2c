"""Package namespaces whose names load on first use (PEP 562), so a light submodule (a config, a
settings dataclass) can be imported where the heavy ones (torch) are not installed."""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_names(package: str, where: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``where`` maps each public name to its submodule."""

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{where[name]}"), name)

    return __getattr__
