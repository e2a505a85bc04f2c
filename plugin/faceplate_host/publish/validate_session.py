"""Validate what every shot shares: output folder, engine, source identity, consent reference."""

import os
from pathlib import Path

import pyblish.api

from faceplate_host.client import EngineError
from faceplate_host.publishing import HOSTS, OpenEngineDashboard
from faceplate_host.shots import is_sequence


def _clips(context) -> str:
    names = [instance.data["shot"].name for instance in context]
    return ", ".join(repr(n) for n in names) or "no clip"


class ValidateOutputWritable(pyblish.api.ContextPlugin):
    label = "Output folder writable"
    order = pyblish.api.ValidatorOrder
    hosts = HOSTS

    def process(self, context):
        options = context.data["faceplate"]
        if not options.shots_dir:
            raise ValueError(
                f"clips {_clips(context)}: no output folder for the shot workspaces; set shots_dir "
                f"to a folder inside the engine's --roots"
            )
        folder = Path(options.shots_dir)
        existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
        if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise ValueError(
                f"clips {_clips(context)}: cannot write the shot workspaces in {folder} "
                f"({existing} is not a writable folder); choose a writable shots folder"
            )


class ValidateEngine(pyblish.api.ContextPlugin):
    label = "Engine reachable with a valid token"
    order = pyblish.api.ValidatorOrder
    hosts = HOSTS
    actions = [OpenEngineDashboard]

    def process(self, context):
        client = context.data["faceplate"].client()
        try:
            client.check_version()
            client.jobs("running")  # an authenticated call: proves the token
        except EngineError as exc:
            raise ValueError(f"clips {_clips(context)}: {exc}") from None


class ValidateSourceChosen(pyblish.api.ContextPlugin):
    label = "Source identity chosen"
    order = pyblish.api.ValidatorOrder
    hosts = HOSTS

    def process(self, context):
        sources = context.data["faceplate"].sources
        if not sources:
            raise ValueError(
                f"clips {_clips(context)}: no source identity chosen; pick the actor's clip, "
                f"sequence or stills folder to put in"
            )
        gone = [
            s
            for s in sources
            if not (os.path.isdir(os.path.dirname(s) or ".") if is_sequence(s) else os.path.exists(s))
        ]
        if gone:
            raise ValueError(f"clips {_clips(context)}: source {gone[0]} does not exist; choose the source again")


class ValidateConsentReference(pyblish.api.ContextPlugin):
    label = "Consent reference given"
    order = pyblish.api.ValidatorOrder
    hosts = HOSTS

    def process(self, context):
        options = context.data["faceplate"]
        if not options.consent_ref.strip() and not options.no_consent_ref:
            raise ValueError(
                f"clips {_clips(context)}: no consent reference; enter the performer's consent or "
                f"release reference (e.g. the signed release's number) before publishing"
            )
