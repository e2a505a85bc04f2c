"""``faceplate plugin install nuke|resolve|blender``: the host's start-up files where the host looks, plus a copy
of this package beside them, and the line the artist still has to set.

Per-user folders: Nuke reads ``~/.nuke`` and every folder on ``NUKE_PATH``; Resolve's scripting README
lists the per-user Fusion/Scripts folder per OS ("Specific user": macOS ~/Library/Application
Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts, Windows %APPDATA%\\Blackmagic Design\\DaVinci
Resolve\\Support\\Fusion\\Scripts, Linux $HOME/.local/share/DaVinciResolve/Fusion/Scripts) and shows
scripts in its Utility subfolder on every page; Blender loads add-ons from its per-user
``<version>/scripts/addons`` folder.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from faceplate_host.atomic import write_text_atomically
from faceplate_host.errors import InstallError

HOSTS = ("nuke", "resolve", "blender")
PACKAGE = Path(__file__).resolve().parent  # faceplate_host
HOST_FILES = PACKAGE / "hosts"
_PACKAGE_LINE = re.compile(r'^PACKAGE_DIR = "".*$', re.M)


@dataclass(frozen=True)
class Installed:
    host: str
    dest: Path
    files: tuple
    package_dir: Path  # the folder holding the faceplate_host copy the host imports
    instructions: tuple


def default_dest(
    host: str, platform: str = sys.platform, env: Optional[Mapping[str, str]] = None, blender_version: str = "4.2"
) -> Path:
    env = os.environ if env is None else env
    home = Path.home()
    if host == "nuke":
        return home / ".nuke" / "faceplate"
    if host == "resolve":
        if platform == "win32":
            return (
                Path(env.get("APPDATA") or home / "AppData" / "Roaming")
                / "Blackmagic Design"
                / "DaVinci Resolve"
                / "Support"
                / "Fusion"
                / "Scripts"
            )
        if platform == "darwin":
            return home / "Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"
        return home / ".local/share/DaVinciResolve/Fusion/Scripts"
    if host == "blender":
        if platform == "win32":
            base = Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Blender Foundation" / "Blender"
        elif platform == "darwin":
            base = home / "Library/Application Support/Blender"
        else:
            base = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "blender"
        return base / blender_version / "scripts" / "addons"
    raise InstallError(f"unknown host {host!r}: choose one of {', '.join(HOSTS)}")


def install(
    host: str,
    dest: Optional[Path] = None,
    link: bool = False,
    platform: str = sys.platform,
    blender_version: str = "4.2",
) -> Installed:
    dest = Path(dest).expanduser().resolve() if dest else default_dest(host, platform, blender_version=blender_version)
    layout = {"nuke": _nuke_layout, "resolve": _resolve_layout, "blender": _blender_layout}
    if host not in layout:
        raise InstallError(f"unknown host {host!r}: choose one of {', '.join(HOSTS)}")
    copies, package_dir, instructions = layout[host](dest, platform)
    try:
        _place_package(package_dir, link)
        written = tuple(_write_startup(source, target, package_dir) for source, target in copies)
    except OSError as exc:
        raise InstallError(
            f"cannot write the {host} files into {dest}: {exc.strerror} ({exc.filename}); "
            "give a folder you can write with --dest"
        ) from None
    return Installed(host, dest, written, package_dir, tuple(instructions))


def _nuke_layout(dest: Path, platform: str):
    startup = HOST_FILES / "nuke" / "startup"
    setting = f"set NUKE_PATH={dest}" if platform == "win32" else f'export NUKE_PATH="{dest}"'
    return (
        [(startup / "init.py", dest / "init.py"), (startup / "menu.py", dest / "menu.py")],
        dest / "python",
        [
            f"{setting}   (or add nuke.pluginAddPath(r'{dest}') to ~/.nuke/init.py)",
            "restart Nuke: the Faceplate menu is in the menu bar; select the plate's Read and send it",
        ],
    )


def _resolve_layout(dest: Path, platform: str):
    scripts = ("Faceplate.py", "Faceplate Follow.py")  # send; follow and place the project's unplaced jobs
    return (
        [(HOST_FILES / "resolve" / "scripts" / name, dest / "Utility" / name) for name in scripts],
        dest.parent / "Faceplate" / "python",
        [
            "restart Resolve: Workspace > Scripts > Faceplate sends the marked range (or the clip under the playhead);"
            " Faceplate Follow places the jobs a closed window or a restart left unplaced",
            "set FACEPLATE_SOURCE (the identity to put in: clip, sequence or folder of stills) and "
            "FACEPLATE_CONSENT_REF (the performer's consent reference) before starting Resolve",
        ],
    )


def _blender_layout(dest: Path, platform: str):
    addon = dest / "faceplate_blender"
    return (
        [(HOST_FILES / "blender" / "startup" / "faceplate_blender" / "__init__.py", addon / "__init__.py")],
        addon / "python",
        [
            "enable it: Edit > Preferences > Add-ons > Faceplate (or start Blender with --addons faceplate_blender)",
            "in the Video Sequencer: select the plate strip, Strip > Faceplate: Swap Face in Selected Strips",
        ],
    )


def _place_package(package_dir: Path, link: bool) -> None:
    """A fresh copy (or a link, for development) of faceplate_host at ``package_dir/faceplate_host``."""
    target = package_dir / "faceplate_host"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    package_dir.mkdir(parents=True, exist_ok=True)
    if link:
        target.symlink_to(PACKAGE, target_is_directory=True)
    else:
        shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _write_startup(source: Path, target: Path, package_dir: Path) -> Path:
    """The start-up file with its PACKAGE_DIR line naming where the package copy is."""
    text = _PACKAGE_LINE.sub(
        lambda _: f"PACKAGE_DIR = {str(package_dir)!r}", source.read_text(encoding="utf-8"), count=1
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomically(target, text)  # never a half-written start-up file for the host to load
