"""What one render does with each frame of the shot, and into which version of the layer.

Each frame has the record its files would carry if rendered now (engine version, model, settings digest,
faces, consent). Against the shot's versions (``render.versions``) a frame is

- **skipped**: already in the target version with that record (another chunk, or an earlier try);
- **carried**: an earlier published version holds it with that record (linked, not rendered);
- **rendered**: requested and in neither (with the reason, against the base version's record);
- **missing**: not requested and in neither: the version waits for another render to publish it.

Nothing happens (no version is opened) when the latest version already holds every requested frame
with its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from faceplate.render.outputs import RenderPaths
from faceplate.render.versions import (
    latest_version,
    list_versions,
    open_version,
    published_versions,
    read_json,
    read_version,
    version_paths,
)


@dataclass
class Plan:
    records: dict[int, dict]  # every shot frame's record as it would be now
    version: str | None  # where this render writes (None: the shot has nothing and needs nothing)
    base: str | None  # the latest published version when the render started
    paths: RenderPaths | None
    todo: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    carried: dict[int, str] = field(default_factory=dict)  # frame -> the version it comes from
    missing: list[int] = field(default_factory=list)
    reasons: dict[str, list[int]] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        """Whether this render adds to a version (False: the latest version is up to date)."""
        return bool(self.todo or self.carried or self.missing)


def plan_render(
    render_dir: Path, records: dict[int, dict], requested: list[int], made_with: dict, preview: bool
) -> Plan:
    """Choose the version and sort every frame; opens the next version when one is needed (call under the
    shot's files lock, so chunks starting together agree)."""
    base = latest_version(render_dir)
    base_paths = version_paths(render_dir, base, made_with) if base else None
    if base_paths and all(_holds(base_paths, records, f, preview) for f in requested):
        return Plan(records, base, base, base_paths, skipped=list(requested))
    version = _joinable(render_dir, records, made_with) or open_version(
        render_dir, base, made_with["name"], made_with["layer_format"]
    )
    plan = Plan(records, version, base, version_paths(render_dir, version, made_with))
    sources = [version_paths(render_dir, v, made_with) for v in published_versions(render_dir)]
    wanted = set(requested)
    for frame in records:
        if _holds(plan.paths, records, frame, preview):
            if frame in wanted:
                plan.skipped.append(frame)
        elif (source := next((s for s in sources if _holds(s, records, frame, preview)), None)) is not None:
            plan.carried[frame] = source.root.name
        elif frame in wanted:
            plan.todo.append(frame)
            plan.reasons.setdefault(_reason(plan.paths, base_paths, records[frame], frame), []).append(frame)
        else:
            plan.missing.append(frame)
    return plan


def _joinable(render_dir: Path, records: dict[int, dict], made_with: dict) -> str | None:
    """The newest version when it is unpublished, named alike and every frame record in it is this render's."""
    versions = list_versions(render_dir)
    if not versions:
        return None
    newest = versions[-1]
    info = read_version(render_dir, newest) or {}
    if info.get("published") or (info.get("name"), info.get("layer_format")) != (
        made_with["name"],
        made_with["layer_format"],
    ):
        return None
    paths = version_paths(render_dir, newest, made_with)
    for frame, wanted in records.items():
        had = read_json(paths.record(frame))
        if had is not None and had != wanted:
            return None
    return newest


def _holds(paths: RenderPaths, records: dict[int, dict], frame: int, preview: bool) -> bool:
    return read_json(paths.record(frame)) == records[frame] and paths.done(frame, preview)


def _reason(target: RenderPaths, base: RenderPaths | None, wanted: dict, frame: int) -> str:
    if target.layer(frame).is_file():
        return "files without a record"
    had = read_json(base.record(frame)) if base else None
    if had is None:
        return "not rendered before"
    for key, why in (
        ("engine", "engine version changed"),
        ("model", "model changed"),
        ("settings", "settings changed"),
        ("faces", "faces changed (extracted again)"),
        ("consent", "consent reference changed"),
    ):
        if had.get(key) != wanted[key]:
            return why
    return "files missing" if had == wanted else "record from another version"


def missing_frames(paths: RenderPaths, records: dict[int, dict], preview: bool) -> list[int]:
    """The frames of the shot the version does not yet hold with this render's record."""
    return [f for f in records if not _holds(paths, records, f, preview)]
