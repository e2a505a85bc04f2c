"""One error family for the host package: every error it defines descends from FaceplateHostError, and the
command lines print each as one line in one style."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import faceplate_host
from faceplate_host.errors import FaceplateHostError, error_line
from faceplate_host.otio_cli import main as otio_main


def host_exceptions() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(faceplate_host.__path__, "faceplate_host."):
        if ".hosts.blender" in info.name:  # needs bpy
            continue
        module = importlib.import_module(info.name)
        found += [
            c
            for _, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, BaseException) and c.__module__.startswith("faceplate_host")
        ]
    return sorted(set(found), key=lambda c: c.__qualname__)


def test_every_host_error_descends_from_the_one_root():
    errors = host_exceptions()
    names = {c.__name__ for c in errors}
    assert {
        "ShotError",
        "EngineError",
        "InstallError",
        "PluginCommandError",
        "NkError",
        "TimelineError",
        "JobFailed",
        "EngineNotRunning",
    } <= names, names
    strays = [c.__qualname__ for c in errors if not issubclass(c, FaceplateHostError)]
    assert not strays, f"host errors outside FaceplateHostError: {strays}"


def test_an_error_is_one_line_naming_the_program():
    assert (
        error_line("faceplate-otio", FaceplateHostError("clip A:\n  no media"))
        == "faceplate-otio: error: clip A: no media"
    )


def test_a_missing_timeline_is_one_line_on_stderr(tmp_path, capsys):
    assert otio_main(["shots", str(tmp_path / "missing.otio")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("faceplate-otio: error: ") and "missing.otio" in err[0], err
