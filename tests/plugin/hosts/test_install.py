"""`faceplate plugin install` writes each host's files where that host looks (a temporary HOME here), and
`faceplate plugin doctor` reports each problem in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from host_helpers import faceplate
from server_helpers import free_port

import faceplate_host
from faceplate_host.client import EngineClient
from faceplate_host.doctor import run_checks
from faceplate_host.install import default_dest


def bare_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """A Python that sees neither this repository nor the venv's site-packages (-I, -S): only what the host file adds."""
    return subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_nuke_install_puts_init_and_menu_on_a_nuke_path_folder(tmp_path):
    done = faceplate("plugin", "install", "nuke", home=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / ".nuke" / "faceplate"
    assert (folder / "init.py").is_file() and (folder / "menu.py").is_file()
    assert (folder / "python" / "faceplate_host" / "hosts" / "nuke" / "adapter.py").is_file()
    assert f'export NUKE_PATH="{folder}"' in done.stdout
    # Nuke runs init.py in every session: afterwards the copied package imports, without the repo or a GUI
    imported = bare_python(
        f"exec(open({str(folder / 'init.py')!r}).read())\nimport faceplate_host.hosts.nuke.runner\n"
        "print(faceplate_host.__file__)",
        cwd=tmp_path,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == str(folder / "python" / "faceplate_host" / "__init__.py")


def test_resolve_install_puts_the_script_in_the_per_user_utility_folder(tmp_path):
    done = faceplate("plugin", "install", "resolve", home=tmp_path)
    assert done.returncode == 0, done.stderr
    scripts = tmp_path / ".local" / "share" / "DaVinciResolve" / "Fusion" / "Scripts"
    script = scripts / "Utility" / "Faceplate.py"
    assert script.is_file() and f"PACKAGE_DIR = {str(scripts.parent / 'Faceplate' / 'python')!r}" in script.read_text()
    assert not list((scripts / "Utility").glob("faceplate_host*"))  # nothing else shows up in the Scripts menu
    # run outside Resolve: it finds its package, then says in one line that Resolve is not reachable
    ran = bare_python(f"exec(open({str(script)!r}).read())", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("Faceplate: cannot reach DaVinci Resolve: run this from Workspace > Scripts")
    follow = scripts / "Utility" / "Faceplate Follow.py"  # the re-attach script, beside it in the menu
    ran = bare_python(f"exec(open({str(follow)!r}).read())", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("Faceplate: cannot reach DaVinci Resolve: run this from Workspace > Scripts")


def test_blender_install_puts_the_add_on_in_the_per_user_addons_folder(tmp_path):
    done = faceplate("plugin", "install", "blender", home=tmp_path)
    assert done.returncode == 0, done.stderr
    addon = tmp_path / ".config" / "blender" / "4.2" / "scripts" / "addons" / "faceplate_blender"
    assert "bl_info" in (addon / "__init__.py").read_text()
    assert (addon / "python" / "faceplate_host" / "hosts" / "blender" / "addon.py").is_file()
    assert "Edit > Preferences > Add-ons > Faceplate" in done.stdout


def test_a_second_install_replaces_the_old_copy(tmp_path):
    faceplate("plugin", "install", "nuke", "--dest", str(tmp_path / "np"), home=tmp_path)
    stale = tmp_path / "np" / "python" / "faceplate_host" / "stale_module.py"
    stale.write_text("raise ImportError('an old copy')\n")
    assert faceplate("plugin", "install", "nuke", "--dest", str(tmp_path / "np"), home=tmp_path).returncode == 0
    assert not stale.exists()


def test_an_unwritable_destination_is_one_line(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    done = faceplate("plugin", "install", "blender", "--dest", str(blocker / "addons"), home=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("faceplate: error: cannot write the blender files")
    assert "--dest" in done.stderr


def test_per_user_folders_on_macos_and_windows(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    appdata = tmp_path / "AppData" / "Roaming"
    assert default_dest("resolve", "darwin") == tmp_path / (
        "Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"
    )
    assert default_dest("resolve", "win32", {"APPDATA": str(appdata)}) == appdata / (
        "Blackmagic Design/DaVinci Resolve/Support/Fusion/Scripts"
    )
    assert default_dest("blender", "darwin", blender_version="4.2") == tmp_path / (
        "Library/Application Support/Blender/4.2/scripts/addons"
    )
    assert default_dest("blender", "win32", {"APPDATA": str(appdata)}) == appdata / (
        "Blender Foundation/Blender/4.2/scripts/addons"
    )
    assert default_dest("nuke", "win32") == tmp_path / ".nuke" / "faceplate"


def problems(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("PROBLEM: ")]


def test_doctor_engine_down_and_no_token_are_one_line_each(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    done = faceplate("plugin", "doctor", home=tmp_path, FACEPLATE_URL=url, FACEPLATE_DATA=str(tmp_path / "data"))
    assert done.returncode == 1
    assert problems(done.stdout) == [
        f"PROBLEM: token: cannot read {tmp_path / 'data' / 'token'} (No such file or directory); start the engine "
        "once (`faceplate serve`) or set FACEPLATE_TOKEN",
        f"PROBLEM: engine: no Faceplate engine answers at {url} ([Errno 111] Connection refused) (start it with "
        "`faceplate serve --roots <folder with your media and shots>`)",
    ]
    assert done.stdout.splitlines()[0].startswith("ok: host package: faceplate-host 0.1.0 at ")
    assert done.stderr == "faceplate: error: 2 problems found (see the lines above)\n"


@pytest.mark.slow
def test_doctor_against_a_real_engine_all_ok_then_a_version_mismatch(tmp_path, engine, monkeypatch):
    done = faceplate("plugin", "doctor", home=tmp_path, FACEPLATE_URL=engine.url, FACEPLATE_DATA=str(engine.data))
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(":")[1].strip() for line in done.stdout.splitlines()] == [
        "host package",
        "token",
        "engine",
        "versions",
        "token",
    ]
    monkeypatch.setattr(faceplate_host, "__version__", "0.0.9")  # an older plug-in copy in the host
    results = run_checks(EngineClient(engine.url, token_file=engine.data / "token"))
    failed = [line for passed, line in results if not passed]
    assert failed == [
        f"version mismatch: the engine is faceplate 0.1.0 (API 1), this plug-in is faceplate-host "
        f"0.0.9 (API 1); install faceplate-host==0.1.0 into {sys.executable}"
    ]
