"""The engine on a node: a job environment that finds it before any step runs.

With ``--venv DIR`` the job gets an ``EngineVenv`` PATH parameter (the virtual environment holding
the engine on the nodes: on shared storage the exporter's own, mapped like any path) and an
environment whose ``onEnter`` checks that ``EngineVenv/bin/faceplate --version`` is the exporting
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
want='faceplate VERSION'
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


def venv_parameter() -> dict:
    return {"name": "EngineVenv", "type": "PATH", "objectType": "DIRECTORY", "dataFlow": "IN",
            "description": f"the virtual environment holding faceplate {__version__} on the nodes",
            "userInterface": {"control": "CHOOSE_DIRECTORY", "label": "Engine venv", "groupLabel": "Nodes"}}


def engine_environment() -> dict:
    """The job environment that checks the engine and puts it on PATH."""
    return {"name": ENVIRONMENT, "description": f"faceplate {__version__} from EngineVenv, checked before any step",
            "script": {"actions": {"onEnter": {"command": "bash", "args": ["{{Env.File.Check}}"], "timeout": 120}},
                       "embeddedFiles": [{"name": "Check", "type": "TEXT",
                                          "data": _CHECK.replace("VERSION", __version__)}]}}
