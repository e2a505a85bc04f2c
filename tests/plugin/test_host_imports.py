"""The host package must import inside Resolve's / Nuke's Python: no torch, OpenCV, numpy, dlib."""

import ast
import subprocess
import sys
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "plugin" / "faceplate_host"
HEAVY = ["torch", "cv2", "numpy", "dlib", "onnxruntime", "av", "OpenImageIO", "PyOpenColorIO", "faceplate"]
# What a host's Python offers besides the standard library (faceplate-host's install_requires).
ALLOWED = {"faceplate_host", "pyblish", "opentimelineio"}
# Each editor's own module, allowed only in that editor's folder (and imported lazily there: the
# import-everything test below fails on a module-level import).
HOST_MODULES = {"nuke": {"nuke", "nukescripts"}, "resolve": {"DaVinciResolveScript"}, "blender": {"bpy"}}


def allowed_in(path: Path) -> set:
    parts = path.relative_to(PLUGIN).parts
    return ALLOWED | (HOST_MODULES.get(parts[1], set()) if parts[0] == "hosts" and len(parts) > 2 else set())


def imported_roots(source: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every absolute import in one file; relative ones stay inside the package."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def test_every_host_import_is_stdlib_pyblish_or_otio():
    sources = sorted(PLUGIN.rglob("*.py"))
    assert PLUGIN / "__init__.py" in sources
    foreign = [
        f"{path.relative_to(PLUGIN.parent)}:{line} imports {name}"
        for path in sources
        for line, name in imported_roots(path)
        if name not in allowed_in(path) and name not in sys.stdlib_module_names
    ]
    assert not foreign, "faceplate_host may import only stdlib, pyblish, opentimelineio:\n" + "\n".join(foreign)


def test_faceplate_host_imports_without_the_engine_stack():
    blocker = (
        "import sys\n"
        f"for name in {HEAVY!r}:\n"
        "    sys.modules[name] = None  # any import of these now fails\n"
        "import faceplate_host, pkgutil, importlib\n"
        "for mod in pkgutil.walk_packages(faceplate_host.__path__, 'faceplate_host.'):\n"
        "    importlib.import_module(mod.name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
