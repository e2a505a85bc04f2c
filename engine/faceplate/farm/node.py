"""The engine on a node: a job environment that finds it before any step runs.

With ``--venv DIR`` the job gets an ``EngineVenv`` PATH parameter (the virtual environment holding
the engine on the nodes: on shared storage the exporter's own, mapped like any path) and an
environment whose ``onEnter`` makes the venv where it is missing (``python3 -m venv``, then ``pip
install`` the ``EngineInstall`` arguments, ``faceplate==VERSION`` by default; under ``flock`` where the
node has it, so one node makes a shared venv), checks that ``EngineVenv/bin/faceplate --version`` is the exporting
engine's version, then puts that ``bin`` first on the session's PATH (``openjd_env``), so every step's
``faceplate`` is that engine. A missing or different engine fails the session with one line before
any step runs. POSIX nodes (bash); a Windows pool runs the job without ``--venv``, with
``Faceplate`` naming the engine's command.
"""

from __future__ import annotations

from faceplate import __version__

ENVIRONMENT = "FaceplateEngine"
_CHECK = """set -u
venv='{{Param.EngineVenv}}'
install='{{Param.EngineInstall}}'
want='faceplate VERSION'
if command -v flock >/dev/null; then exec 9>"$venv.lock" && flock 9; fi  # one node makes a shared venv
if [ ! -x "$venv/bin/faceplate" ] && [ -n "$install" ]; then
  echo "faceplate: making the engine's venv at $venv: pip install $install"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q $install; }; then
    echo "openjd_fail: could not make the engine's venv at $venv on $(hostname) (python3 -m venv, pip install \
$install): see the lines above"
    exit 1
  fi
fi
if [ ! -x "$venv/bin/faceplate" ]; then
  echo "openjd_fail: no Faceplate engine at $venv/bin/faceplate on $(hostname): make the venv there and \
pip install faceplate==VERSION, or give the job's EngineVenv"
  exit 1
fi
got=$("$venv/bin/faceplate" --version 2>/dev/null)
if [ "$got" != "$want" ]; then
  echo "openjd_fail: the engine at $venv is ${got:-unreadable} on $(hostname), the job was exported by $want: \
pip install faceplate==VERSION there"
  exit 1
fi
echo "faceplate: engine $got at $venv"
echo "openjd_env: PATH=$venv/bin:$PATH"
"""


def venv_parameters() -> list[dict]:
    # dataFlow NONE: path-mapped like any PATH, never carried by Deadline Cloud's job attachments
    return [
        {
            "name": "EngineVenv",
            "type": "PATH",
            "objectType": "DIRECTORY",
            "dataFlow": "NONE",
            "description": f"the virtual environment holding faceplate {__version__} on the nodes",
            "userInterface": {"control": "CHOOSE_DIRECTORY", "label": "Engine venv", "groupLabel": "Nodes"},
        },
        {
            "name": "EngineInstall",
            "type": "STRING",
            "default": f"faceplate=={__version__}",
            "maxLength": 1024,
            "description": "pip install arguments that make the venv where it is missing (empty: never make it)",
            "userInterface": {"control": "LINE_EDIT", "label": "Engine install (pip)", "groupLabel": "Nodes"},
        },
    ]


def engine_environment() -> dict:
    """The job environment that checks the engine and puts it on PATH."""
    return {
        "name": ENVIRONMENT,
        "description": f"faceplate {__version__} from EngineVenv, checked before any step",
        "script": {
            "actions": {"onEnter": {"command": "bash", "args": ["{{Env.File.Check}}"], "timeout": 120}},
            "embeddedFiles": [{"name": "Check", "type": "TEXT", "data": _CHECK.replace("VERSION", __version__)}],
        },
    }
