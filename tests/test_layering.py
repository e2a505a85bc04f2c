"""The engine's floors, written once: a module imports only from its own floor or below, and a stage module
imports no other stage module (what stages share lives a floor down). Read from the source (AST), so a lazy
import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine" / "faceplate"

FLOORS = (  # lowest first; a top-level module or package of faceplate sits on exactly one floor
    {"faceplate", "errors", "reporting", "atomic", "settings", "lazy", "prefetch", "budget", "credentials"},
    {"media", "models", "runtime"},
    {"workspace", "provenance"},
    {"faces", "export"},
    {"masks"},
    {"quality"},
    {"curate", "training", "render"},
    {"qc"},
    {"stages"},
    {"server", "farm", "demo"},
    {"cli"},
)
STAGE_PACKAGE = "faceplate.stages"
STAGE_SHARED = {"faceplate.stages", "faceplate.stages.runner"}  # the record and its runner, not a stage


def floor_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else module
    found = [i for i, names in enumerate(FLOORS) if part in names]
    assert found, f"{module} sits on no floor: add {part!r} to FLOORS in {__file__}"
    return found[0]


def module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str) -> list[tuple[int, str]]:
    """(line, faceplate module) of every faceplate import in ``source``, relative ones resolved."""
    package = module.split(".")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "faceplate"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level] + ([base] if base else []))
            if base.split(".")[0] != "faceplate":
                continue
            # `from faceplate.stages import extract` names a module: count the module, not the package
            found += [(node.lineno, f"{base}.{a.name}" if is_module(f"{base}.{a.name}") else base) for a in node.names]
    return sorted(set(found))


def is_module(name: str) -> bool:
    path = ENGINE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def wrong_imports(module: str, source: str) -> list[str]:
    """Every import of ``module`` that goes up a floor, or from one stage module to another."""
    wrong = []
    for line, target in imports_of(source, module):
        if floor_of(target) > floor_of(module):
            wrong.append(f"{module}:{line} imports {target} (a higher floor)")
        elif (
            module.startswith(STAGE_PACKAGE + ".")
            and module not in STAGE_SHARED
            and target.startswith(STAGE_PACKAGE + ".")
            and target not in STAGE_SHARED
            and target != module
        ):
            wrong.append(f"{module}:{line} imports {target} (stage modules are leaves)")
    return wrong


def test_every_engine_import_goes_down_a_floor_or_stays_on_it():
    sources = sorted(ENGINE.rglob("*.py"))
    assert len(sources) > 100
    wrong = [w for path in sources for w in wrong_imports(module_name(path), path.read_text(encoding="utf-8"))]
    assert not wrong, "imports against the floors (tests/test_layering.py FLOORS):\n" + "\n".join(wrong)


def test_the_test_catches_an_import_up_a_floor_and_between_stages():
    assert wrong_imports("faceplate.media.video", "from faceplate.stages.train import run\n") == [
        "faceplate.media.video:1 imports faceplate.stages.train (a higher floor)"
    ]
    assert wrong_imports("faceplate.faces.check", "def f():\n    import faceplate.curate.rules\n") == [
        "faceplate.faces.check:2 imports faceplate.curate.rules (a higher floor)"
    ]
    assert wrong_imports("faceplate.stages.mask", "from faceplate.stages import curate\n") == [
        "faceplate.stages.mask:1 imports faceplate.stages.curate (stage modules are leaves)"
    ]
    assert wrong_imports("faceplate.stages.mask", "from faceplate.stages import STAGES\n") == []
    assert wrong_imports("faceplate.qc.report", "from ..render import versions\n") == []
    assert wrong_imports("faceplate.qc.report", "from ..stages import qc\n") == [
        "faceplate.qc.report:1 imports faceplate.stages.qc (a higher floor)"
    ]
