"""faceplate-host installs on its own into a bare Python holding only pyblish-base and opentimelineio.

This is what a host (Resolve, Nuke, Blender) gets: `pip install ./plugin` into its Python, with
no torch, numpy, OpenCV or engine there. Runs offline: the plugin is built into a wheel here, and
its two requirements are copied from this environment's installed files.
"""

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ABSENT = ["numpy", "torch", "cv2", "faceplate"]
IMPORT_ALL = (
    "import importlib, importlib.util, pkgutil, faceplate_host\n"
    "for mod in pkgutil.walk_packages(faceplate_host.__path__, 'faceplate_host.'):\n"
    "    importlib.import_module(mod.name)\n"
    "print('imported', faceplate_host.__file__)\n"
    f"for name in {ABSENT!r}:\n"
    "    print(name, 'importable' if importlib.util.find_spec(name) else 'absent')\n"
)


def offline_env() -> dict[str, str]:
    """No PYTHONPATH (the repo must not leak in) and no pip configuration (no index, no find-links)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PIP_")}
    return env | {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def run(command: list, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env=offline_env(), cwd=cwd, timeout=300
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def copy_installed(distribution: str, site_packages: Path) -> None:
    """Copy one installed distribution (its package files and dist-info) into another site-packages."""
    dist = metadata.distribution(distribution)
    root = Path(dist.locate_file("")).resolve()
    for entry in dist.files or []:
        source = Path(dist.locate_file(entry)).resolve()
        if root not in source.parents or not source.is_file():
            continue  # console scripts live outside site-packages; bytecode may be absent
        target = site_packages / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def venv_site_packages(venv: Path) -> Path:
    """Asked of the venv's own Python: a distribution's patched sysconfig may differ from ours."""
    return Path(
        run([venv / "bin" / "python", "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    )


@pytest.fixture(scope="module")
def host_venv(tmp_path_factory) -> Path:
    """A bare venv: pyblish-base and opentimelineio copied in, then the plugin's wheel installed."""
    work = tmp_path_factory.mktemp("host")
    source = work / "plugin"
    # Build from a copy so setuptools' build/ and egg-info never land in the repo.
    shutil.copytree(REPO / "plugin", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", work / "wheels", source])
    wheel = next((work / "wheels").glob("faceplate_host-*.whl"))
    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv])
    site_packages = venv_site_packages(venv)
    assert site_packages.is_dir(), site_packages
    for requirement in ("pyblish-base", "opentimelineio"):
        copy_installed(requirement, site_packages)
    run([venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", wheel])
    return venv


@pytest.mark.slow
def test_every_host_module_imports_in_a_bare_python(host_venv):
    out = run([host_venv / "bin" / "python", "-I", "-c", IMPORT_ALL], cwd=host_venv)
    lines = out.splitlines()
    installed = Path(lines[0].removeprefix("imported ")).resolve()
    assert venv_site_packages(host_venv).resolve() in installed.parents, f"imported from {installed}, not the venv"
    assert lines[1:] == [f"{name} absent" for name in ABSENT]


@pytest.mark.slow
def test_host_distribution_requires_only_pyblish_and_otio(host_venv):
    pip = [host_venv / "bin" / "python", "-m", "pip"]
    shown = run(pip + ["show", "faceplate-host"])
    assert re.search(r"^Version: 0\.1\.0$", shown, re.M), shown
    requires = re.search(r"^Requires: (.*)$", shown, re.M).group(1)
    assert sorted(r.strip() for r in requires.split(",")) == ["opentimelineio", "pyblish-base"]
    # Every requirement of everything installed is satisfied by what is there: nothing else is needed.
    assert "No broken requirements" in run(pip + ["check"])


def test_engine_pins_the_host_version_it_ships_with():
    """setup.py's faceplate-host pin must name plugin's version, or `make install` cannot resolve."""
    version = re.search(r'__version__ = "([^"]+)"', (REPO / "plugin/faceplate_host/__init__.py").read_text())
    pins = re.findall(r'"faceplate-host==([^"]+)"', (REPO / "setup.py").read_text())
    assert pins == [version.group(1)]


CUT_AND_DISCOVER = (
    "import os, sys, opentimelineio as otio\n"
    "RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange\n"
    "ref = otio.schema.ExternalReference(target_url='/media/a.mov', available_range=TR(RT(0, 24), RT(100, 24)))\n"
    "clip = otio.schema.Clip(name='sh010', media_reference=ref, source_range=TR(RT(10, 24), RT(5, 24)))\n"
    "clip.markers.append(otio.schema.Marker(name='FACE', marked_range=TR(RT(10, 24), RT(1, 24))))\n"
    "timeline = otio.schema.Timeline(name='cut', global_start_time=RT(86400, 24))\n"
    "track = otio.schema.Track(name='V1')\n"
    "track.append(clip)\n"
    "timeline.tracks.append(track)\n"
    "otio.adapters.write_to_file(timeline, sys.argv[1])\n"
    "import faceplate_host.publish, pyblish.api\n"
    "os.environ['PYBLISHPLUGINPATH'] = os.path.dirname(faceplate_host.publish.__file__)\n"
    "pyblish.api.register_host('otio')\n"
    "print(' '.join(sorted(p.__name__ for p in pyblish.api.discover())))\n"
)


@pytest.mark.slow
def test_faceplate_otio_and_the_pyblish_plugins_work_in_a_bare_python(host_venv, tmp_path):
    """The console script is installed and reads a cut; pyblish finds every plug-in through PYBLISHPLUGINPATH."""
    cut = tmp_path / "cut.otio"
    found = run([host_venv / "bin" / "python", "-I", "-c", CUT_AND_DISCOVER, cut], cwd=host_venv).split()
    assert {
        "CollectFaceplateShots",
        "ValidateConsentReference",
        "ValidateEngine",
        "ValidateNoMissingFrames",
        "ExtractSubmitShots",
        "ExtractWaitForLayer",
        "IntegrateLayer",
    } <= set(found), found
    listed = run([host_venv / "bin" / "faceplate-otio", "shots", cut, "--marker", "FACE"], cwd=host_venv)
    assert "sh010" in listed and "source 1011-1015" in listed and "record 86400-86404" in listed, listed


@pytest.mark.slow
def test_faceplate_host_installs_each_editors_files_from_the_installed_wheel(host_venv, tmp_path):
    """The start-up files ship in the wheel (find namespaces = true takes the folders without __init__.py):
    `faceplate-host plugin install` works from an installed faceplate-host, without the repository."""
    for host, expected in (
        ("nuke", "init.py"),
        ("resolve", "Utility/Faceplate.py"),
        ("blender", "faceplate_blender/__init__.py"),
    ):
        out = run(
            [host_venv / "bin" / "faceplate-host", "plugin", "install", host, "--dest", tmp_path / host], cwd=host_venv
        )
        assert (tmp_path / host / expected).is_file(), out
