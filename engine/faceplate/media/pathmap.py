"""Media paths as this machine sees them: OpenJD path mapping rules (``pathmapping-1.0``).

A cut or shot made on another machine names its media there (``/Volumes/shows/...`` on a Mac,
``C:\\shows\\...`` on Windows). One rule replaces a leading folder with where it is here, with OpenJD's
own semantics (``openjd.sessions.PathMappingRule``: whole path components, a Windows source matched
in any letter case and with either slash, the longest source first), so ``farm export --map FROM=TO``
and a farm node's session rules map a path alike. Under a farm job, ``FACEPLATE_PATH_MAPPING`` names
the session's rules file (``{{Session.PathMappingRulesFile}}``, set by the job) and the workspace maps
the media its manifest records when it reads it (``faceplate.workspace.workspace``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from faceplate.errors import MediaError

if TYPE_CHECKING:
    from openjd.sessions import PathMappingRule

RULES_ENV = "FACEPLATE_PATH_MAPPING"  # a pathmapping-1.0 file: the farm session's rules
RULES_VERSION = "pathmapping-1.0"
PathMap = tuple["PathMappingRule", ...]
_WINDOWS = re.compile(r"^(?:[A-Za-z]:|\\\\|//)")


def rule_for(source: str, destination: str) -> PathMappingRule:
    """One rule: ``source`` (a Windows path when it starts with a drive or ``\\\\``) is ``destination`` here."""
    from openjd.sessions import PathMappingRule

    windows = bool(_WINDOWS.match(source))
    return PathMappingRule.from_dict(
        {
            "source_path_format": "WINDOWS" if windows else "POSIX",
            "source_path": source.replace("/", "\\") if windows else source,
            "destination_path": destination,
        }
    )


def ordered(rules) -> PathMap:
    """The rules as OpenJD applies them: the longest source path first (a stable sort keeps the given order)."""
    return tuple(sorted(rules, key=lambda r: -len(PurePath(str(r.source_path)).parts)))


def map_path(path: str, rules: PathMap) -> str:
    """``path`` as the first matching rule maps it (unchanged when none matches)."""
    for rule in rules:
        matched, mapped = rule.apply(path=path)
        if matched:
            return mapped
    return path


def read_rules(path: str | Path) -> PathMap:
    """The rules of a ``pathmapping-1.0`` file (``{}``: none, as OpenJD writes it for a session without rules)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        if not document:
            return ()
        from openjd.sessions import PathMappingRule  # only with rules: a task without them skips the import

        if document.get("version") != RULES_VERSION:
            raise ValueError(f"version {document.get('version')!r}, not {RULES_VERSION}")
        return ordered(PathMappingRule.from_dict(rule) for rule in document["path_mapping_rules"])
    except OSError as exc:
        raise MediaError(f"path mapping rules {path} ({RULES_ENV}): cannot read it: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MediaError(
            f"path mapping rules {path} ({RULES_ENV}): not a {RULES_VERSION} document ({exc}); "
            "give the file OpenJD writes ({{Session.PathMappingRulesFile}})"
        ) from None


def session_rules() -> PathMap:
    """The farm session's rules (``FACEPLATE_PATH_MAPPING``), none outside a farm job."""
    path = os.environ.get(RULES_ENV)
    return read_rules(path) if path else ()
