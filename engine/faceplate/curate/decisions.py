"""Manual curate decisions: ``facesets/<role>/decisions.json``, which win over every rule.

    {"schema": "Decisions.1",
     "decisions": {"plate_1001_00": {"status": "rejected", "note": "hand over mouth", "at": "2024-..."}}}

``status`` is ``rejected`` (manual reject) or ``kept`` (manual restore). A decisions *input* file
(``--decisions FILE``) is either that JSON or plain text, one face a line: ``reject ID [note]``,
``restore ID [note]``, ``forget ID`` (drop the manual decision: the rules decide again) or a bare
``ID`` (= reject); ``#`` starts a comment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from faceplate.atomic import write_text_atomic
from faceplate.errors import CurateError, FaceplateError
from faceplate.faces.faceset import INDEX_NAME, FaceRecord, Faceset, read_shot_faceset
from faceplate.faces.roles import BOTH, ROLES_HELP, Roles
from faceplate.settings import RootedPath, setting, stage_settings
from faceplate.workspace import Workspace
from faceplate.workspace.manifest import now_iso

SCHEMA = "Decisions.1"
DECISIONS_NAME = "decisions.json"
MANUAL = "manual"  # every reason a decision adds starts with this word
FORGET = "forget"
_VERBS = {
    "reject": "rejected",
    "rejected": "rejected",
    "restore": "kept",
    "kept": "kept",
    "keep": "kept",
    "forget": FORGET,
}


@dataclass
class Decision:
    id: str
    status: str  # "rejected", "kept", or "forget" (remove an earlier decision)
    note: str = ""


@stage_settings
class DecisionSettings:
    """What curate and review share: the facesets to work on and this run's manual decisions
    (stored in ``decisions.json``, so none of them is remembered as a setting)."""

    roles: Roles = setting(BOTH, ROLES_HELP, flag="--role", remember=False, min_length=1)
    reject: tuple[str, ...] = setting((), "reject these faces by hand (e.g. plate_1001_00)", remember=False)
    restore: tuple[str, ...] = setting((), "restore these faces by hand", remember=False)
    forget: tuple[str, ...] = setting((), "drop earlier manual decisions: the rules decide again", remember=False)
    note: str = setting("", "note stored with --reject/--restore decisions", remember=False)
    decisions: RootedPath | None = setting(
        None, "file of decisions: 'reject ID', 'restore ID', 'forget ID' or 'ID' per line, or JSON", remember=False
    )


@stage_settings
class ReviewSettings(DecisionSettings):
    out: RootedPath | None = setting(None, "folder for the contact sheet (default SHOT/review)", remember=False)


def collect_decisions(settings: DecisionSettings) -> list[Decision]:
    """The decisions this run was given: the file's first, then --reject, --restore, --forget."""
    found = parse_decision_file(settings.decisions) if settings.decisions else []
    found += [Decision(i, "rejected", settings.note) for i in settings.reject]
    found += [Decision(i, "kept", settings.note) for i in settings.restore]
    return found + [Decision(i, FORGET) for i in settings.forget]


def read_decisions(folder: Path) -> dict[str, dict]:
    """The decisions stored in ``folder``: {id: {"status": "rejected"|"kept", "note", "at"}}."""
    path = Path(folder) / DECISIONS_NAME
    if not path.is_file():
        return {}
    data = _read_json(path, "fix or delete it (deleting loses the manual decisions)")
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        schema = data.get("schema") if isinstance(data, dict) else None
        raise CurateError(f"{path} has schema {schema!r}, this engine reads {SCHEMA}; fix or delete it")
    return {i: dict(entry, status=_VERBS[entry["status"]]) for i, entry in _entries(path, data).items()}


def write_decisions(folder: Path, decisions: dict[str, dict]) -> Path:
    path = Path(folder) / DECISIONS_NAME
    write_text_atomic(path, json.dumps({"schema": SCHEMA, "decisions": decisions}, indent=1, sort_keys=True) + "\n")
    return path


def merge_decisions(existing: dict[str, dict], new: list[Decision]) -> dict[str, dict]:
    merged = dict(existing)
    for d in new:
        if d.status == FORGET:
            merged.pop(d.id, None)
        else:
            merged[d.id] = {"status": d.status, "note": d.note, "at": now_iso()}
    return merged


def parse_decision_file(path: str | Path) -> list[Decision]:
    path = Path(path)
    if not path.is_file():
        raise CurateError(f"decisions file {path} does not exist")
    text = _read_text(path, f"give a {SCHEMA} JSON file or 'reject ID' lines")
    if text.lstrip().startswith("{"):
        return _from_json(path, text)
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split(maxsplit=2)
        if not words:
            continue
        if words[0].lower() in _VERBS and len(words) >= 2:
            found.append(Decision(words[1], _VERBS[words[0].lower()], words[2] if len(words) > 2 else ""))
        elif len(words) == 1:
            found.append(Decision(words[0], "rejected"))
        else:
            raise CurateError(f"{path} line {number}: expected 'reject ID', 'restore ID' or 'ID', got {line.strip()!r}")
    return found


def _from_json(path: Path, text: str) -> list[Decision]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CurateError(f"{path} is not valid JSON ({exc}); see docs/curate_and_mask.md") from None
    return [Decision(i, _VERBS[d["status"]], str(d.get("note") or "")) for i, d in _entries(path, data).items()]


def _read_text(path: Path, what_to_do: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CurateError(f"{path} is not text (binary bytes); {what_to_do}") from None
    except OSError as exc:
        raise CurateError(f"cannot read {path}: {exc.strerror}") from None


def _read_json(path: Path, what_to_do: str):
    try:
        return json.loads(_read_text(path, what_to_do))
    except ValueError as exc:
        raise CurateError(f"{path} is not valid JSON ({exc}); {what_to_do}") from None


def _entries(path: Path, data) -> dict[str, dict]:
    """``data["decisions"]`` checked entry by entry: {id: {"status": reject/restore word, "note": text}}."""
    entries = data.get("decisions", {}) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise CurateError(
            f'{path}: \'decisions\' must map face ids to {{"status": "rejected" or "kept"}}; '
            "see docs/curate_and_mask.md"
        )
    for face, entry in entries.items():
        if not isinstance(entry, dict) or entry.get("status") not in _VERBS or entry["status"] == FORGET:
            shown = repr(entry)[:60]
            raise CurateError(
                f'{path}: decision for {face[:60]!r} is {shown}, expected {{"status": "rejected" or '
                '"kept"}; see docs/curate_and_mask.md'
            )
    return entries


def apply_decisions(records: list[FaceRecord], decisions: dict[str, dict]) -> None:
    """Set each record's status from its rule reasons, then let a manual decision override it."""
    for record in records:
        rules = [r for r in record.reasons if not r.startswith(MANUAL)]
        decision = decisions.get(record.id)
        if decision is None:
            record.status, record.reasons = ("rejected" if rules else "kept"), rules
            continue
        verb = "reject" if decision["status"] == "rejected" else "restore"
        note = f": {decision['note']}" if decision.get("note") else ""
        record.status, record.reasons = decision["status"], [f"{MANUAL} {verb}{note}"] + rules


def load_facesets(
    workspace: Workspace, roles: tuple[str, ...], error: type[FaceplateError] = CurateError
) -> dict[str, Faceset]:
    """The facesets of ``roles`` that were extracted; ``error`` (the calling stage's) when none was."""
    found = {r: read_shot_faceset(workspace, r) for r in roles if (workspace.faceset_dir(r) / INDEX_NAME).is_file()}
    if not found:
        raise error(f"no faceset ({', '.join(roles)}) in {workspace.root}; run `faceplate extract` first")
    return found


def route_decisions(facesets: dict[str, Faceset], decisions: list[Decision]) -> dict[str, list[Decision]]:
    """Decisions grouped by the role whose faceset holds the id; CurateError naming unknown ids."""
    owner = {r.id: role for role, fs in facesets.items() for r in fs.records}
    unknown = sorted({d.id for d in decisions if d.id not in owner})
    if unknown:
        raise CurateError(
            f"{len(unknown)} face id(s) not in the facesets ({', '.join(facesets)}): "
            f"{', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}; ids look like plate_1001_00"
        )
    routed: dict[str, list[Decision]] = {role: [] for role in facesets}
    for d in decisions:
        routed[owner[d.id]].append(d)
    return routed


def merged_decisions(facesets: dict[str, Faceset], decisions: list[Decision]) -> tuple[dict, dict]:
    """(new decisions per role, each role's stored decisions with the new ones merged in)."""
    routed = route_decisions(facesets, list(decisions))
    return routed, {role: merge_decisions(read_decisions(fs.folder), routed[role]) for role, fs in facesets.items()}
