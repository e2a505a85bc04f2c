"""Running the pyblish publish (Collect → Validate → Extract → Integrate) for any host adapter.

    from faceplate_host.publishing import PublishOptions, publish, failures
    context = publish(adapter, PublishOptions(sources=["/shots/actor/"], consent_ref="release 114",
                                              shots_dir="/shots/faceswap"))
    for line in failures(context): print(line)

The plug-ins live in ``faceplate_host/publish/`` (``PLUGIN_PATH``), found by pyblish through
``register_plugin_path`` (``register()`` does it) or ``PYBLISHPLUGINPATH``. Everything a run needs
travels in the pyblish context (``context.data["faceplate"]`` = the options, ``["faceplate_adapter"]``
= the host adapter): no module state. A failed validation stops pyblish before Extract (its own
rule), and Extract checks ``context.data["results"]`` itself too before it submits anything.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pyblish.api
import pyblish.util

from faceplate_host.client import EngineClient

PLUGIN_PATH = str(Path(__file__).resolve().parent / "publish")
FAMILY = "faceswap"
HOSTS = ["otio", "nuke", "resolve", "blender", "standalone"]


@dataclass
class PublishOptions:
    sources: list = field(default_factory=list)  # the identity to put in: clips, sequences, still folders
    consent_ref: str = ""  # the performer's consent / release reference
    no_consent_ref: bool = False  # the artist said explicitly that none is needed (e.g. a stand-in test)
    shots_dir: str = ""  # where the engine makes the shot workspaces (inside its --roots)
    engine_url: Optional[str] = None  # default FACEPLATE_URL or 127.0.0.1:8571
    token_file: Optional[str] = None
    token: Optional[str] = None
    settings: dict = field(default_factory=dict)  # stage settings for the jobs
    budget: str = ""  # preview | review | final | 30m | 2h | 5000it (shots.BUDGETS); "": each shot's own, else preview
    stages: Optional[list] = None  # default: the engine's whole pipeline
    track_name: str = "faceplate"
    cancel: threading.Event = field(default_factory=threading.Event)  # set it to cancel the running jobs
    poll_s: float = 0.5

    def client(self) -> EngineClient:
        token_file = Path(self.token_file) if self.token_file else None
        if self.engine_url:
            return EngineClient(self.engine_url, token=self.token, token_file=token_file)
        return (
            EngineClient.local(token_file=token_file)
            if not self.token
            else EngineClient(
                os.environ.get("FACEPLATE_URL", "http://127.0.0.1:8571"), token=self.token, token_file=token_file
            )
        )


def register(host: str = "otio") -> None:
    """Make pyblish find the Faceplate plug-ins and run them for ``host``."""
    pyblish.api.register_plugin_path(PLUGIN_PATH)
    pyblish.api.register_host(host)


def new_context(adapter, options: PublishOptions) -> "pyblish.api.Context":
    context = pyblish.api.Context()
    context.data["faceplate"] = options
    context.data["faceplate_adapter"] = adapter
    return context


def publish(adapter, options: PublishOptions, plugins=None) -> "pyblish.api.Context":
    """Collect, validate, extract and integrate; returns the context (its ``results`` say what happened)."""
    register(adapter.host)
    context = new_context(adapter, options)
    pyblish.util.publish(context, plugins=plugins if plugins is not None else pyblish.api.discover(paths=[PLUGIN_PATH]))
    return context


def failures(context) -> list[str]:
    """One line per failed plug-in/instance: ``Plug-in label: message``."""
    lines = []
    for result in context.data.get("results", []):
        if result["error"] is not None:
            label = result["plugin"].label or result["plugin"].__name__
            lines.append(f"{label}: {' '.join(str(result['error']).split())}")
    return lines


def validation_failed(context) -> bool:
    """Whether any validator failed (pyblish's results): nothing may be submitted then."""
    return any(
        result["error"] is not None
        and pyblish.api.ValidatorOrder - 0.5 <= result["plugin"].order < pyblish.api.ValidatorOrder + 0.5
        for result in context.data.get("results", [])
    )


def failed_instances(context, plugin) -> list:
    """The instances ``plugin`` failed on (for a pyblish Action)."""
    return [
        r["instance"]
        for r in context.data.get("results", [])
        if r["error"] is not None and r["plugin"] is plugin and r["instance"] is not None
    ]


class SelectClip(pyblish.api.Action):
    """Show the artist the clip a validation failed on (the host adapter's ``select``)."""

    label = "Select the clip"
    on = "failed"
    icon = "hand-o-up"

    def process(self, context, plugin):
        adapter = context.data["faceplate_adapter"]
        for instance in failed_instances(context, plugin):
            adapter.select(instance.data["shot"])


class ShotValidator(pyblish.api.InstancePlugin):
    """A check on each shot: ``find_problem(shot)`` says what is wrong and what to do (the clip's name is put
    in front), or None. Plug-in modules subclass it as ``publishing.ShotValidator``: a class imported by name
    into a plug-in module would be found by pyblish as a plug-in of its own."""

    order = pyblish.api.ValidatorOrder
    families = [FAMILY]
    hosts = HOSTS
    actions = [SelectClip]

    def process(self, instance):
        shot = instance.data["shot"]
        problem = self.find_problem(shot)
        if problem:
            raise ValueError(f"clip {shot.name!r}: {problem}")

    def find_problem(self, shot) -> Optional[str]:
        raise NotImplementedError


class SessionValidator(pyblish.api.ContextPlugin):
    """A check on what every shot shares: ``find_problem(options)`` (the ``PublishOptions``) says what is wrong
    and what to do (the clips' names are put in front), or None. Subclassed as ``publishing.SessionValidator``
    (see ``ShotValidator``)."""

    order = pyblish.api.ValidatorOrder
    hosts = HOSTS

    def process(self, context):
        problem = self.find_problem(context.data["faceplate"])
        if problem:
            names = ", ".join(repr(instance.data["shot"].name) for instance in context) or "no clip"
            raise ValueError(f"clips {names}: {problem}")

    def find_problem(self, options: PublishOptions) -> Optional[str]:
        raise NotImplementedError


class OpenEngineDashboard(pyblish.api.Action):
    """Open the engine's dashboard (its job log) in the browser, or say how to start the engine."""

    label = "Open the engine dashboard"
    on = "failed"
    icon = "external-link"

    def process(self, context, plugin):
        import webbrowser

        url = context.data["faceplate"].client().url
        self.log.info("engine dashboard: %s/ (start the engine with `faceplate serve --roots <folder>`)", url)
        webbrowser.open(url + "/")
