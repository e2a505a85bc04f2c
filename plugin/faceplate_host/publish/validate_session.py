"""Validate what every shot shares: output folder, engine, source identity, consent reference."""

import os
from pathlib import Path

from faceplate_host import publishing
from faceplate_host.client import EngineError
from faceplate_host.publishing import OpenEngineDashboard
from faceplate_host.shots import is_sequence


class ValidateOutputWritable(publishing.SessionValidator):
    label = "Output folder writable"

    def find_problem(self, options):
        if not options.shots_dir:
            return "no output folder for the shot workspaces; set shots_dir to a folder inside the engine's --roots"
        folder = Path(options.shots_dir)
        existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
        if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            return (
                f"cannot write the shot workspaces in {folder} ({existing} is not a writable folder); "
                f"choose a writable shots folder"
            )
        return None


class ValidateEngine(publishing.SessionValidator):
    label = "Engine reachable with a valid token"
    actions = [OpenEngineDashboard]

    def find_problem(self, options):
        client = options.client()
        try:
            client.check_version()
            client.jobs("running")  # an authenticated call: proves the token
        except EngineError as exc:
            return str(exc)
        return None


class ValidateSourceChosen(publishing.SessionValidator):
    label = "Source identity chosen"

    def find_problem(self, options):
        if not options.sources:
            return "no source identity chosen; pick the actor's clip, sequence or stills folder to put in"
        gone = [
            s
            for s in options.sources
            if not (os.path.isdir(os.path.dirname(s) or ".") if is_sequence(s) else os.path.exists(s))
        ]
        return f"source {gone[0]} does not exist; choose the source again" if gone else None


class ValidateConsentReference(publishing.SessionValidator):
    label = "Consent reference given"

    def find_problem(self, options):
        if not options.consent_ref.strip() and not options.no_consent_ref:
            return (
                "no consent reference; enter the performer's consent or release reference "
                "(e.g. the signed release's number) before publishing"
            )
        return None
