"""`faceplate farm export`: check the shots, build the job, validate it with openjd-model, write it.

Everything a farm would trip over is refused here, with one line, before a file is written: a
path that is not a shot workspace, a shot without frames to render, frames outside the shot's
plate range. The template and its parameter file are each written atomically, and only after
the template has passed openjd-model's checks (the same ones `openjd check` runs).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from faceplate.atomic import write_text_atomic
from faceplate.errors import FaceplateError, FarmError
from faceplate.farm.limits import remembered_budget
from faceplate.farm.template import EXTENSIONS, FarmShot, Identity, JobOptions, build_template, parameter_values
from faceplate.media import FrameRange
from faceplate.media.frames import spans_outside, spans_text
from faceplate.media.pathmap import PathMap, map_path
from faceplate.workspace import open_workspace
from faceplate.workspace.consent import check_consent

TEMPLATE_NAME = "template.yaml"
PARAMETERS_NAME = "parameters.json"
_STEP_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_SHOT_NAME = 48  # a step is named SHOT:stage, and OpenJD allows 64 characters


def shot_from_workspace(
    path: str | Path, frames: str | None = None, waive_consent: bool = False, maps: PathMap = ()
) -> FarmShot:
    """The farm view of one workspace: its name, the frames to render (``frames``, else its range) and
    the media it records (as ``maps`` puts them on this machine; the media step relinks them). Refused with one line: no workspace, no range, frames outside the plate, no
    consent reference (unless ``waive_consent``: render would refuse it after the farm trained it)."""
    path = Path(path)
    if not path.exists():
        raise FarmError(f"shot {path}: no such folder; create the shot with `faceplate init {path} --plate ...` first")
    try:
        workspace = open_workspace(path)
    except FaceplateError as exc:
        raise FarmError(f"shot {path}: {exc}") from None
    manifest = workspace.manifest
    if not manifest.range:
        raise FarmError(
            f"shot {path} has no frame range; give it one with `faceplate init {path} --range FIRST-LAST --force`"
        )
    shot_range = workspace.frame_range
    render = _render_frames(path, frames, shot_range, FrameRange.parse(manifest.plate.frame_range))
    check_consent(manifest.consent_ref, waive_consent, manifest.shot)
    name = (_STEP_NAME.sub("_", workspace.root.name).strip("_") or "shot")[:MAX_SHOT_NAME]
    return FarmShot(
        name,
        workspace.root,
        render,
        map_path(manifest.plate.path, maps),
        tuple(map_path(c.path, maps) for c in manifest.sources),
        waive_consent=waive_consent and not manifest.consent_ref,
        budget=remembered_budget(manifest.settings.get("train", {})),
    )


def _render_frames(path: Path, frames: str | None, shot_range: FrameRange, plate_range: FrameRange) -> FrameRange:
    if frames is None:
        return shot_range
    try:
        wanted = FrameRange.parse(frames)
    except FaceplateError as exc:
        raise FarmError(f"shot {path}: --frames {frames!r}: {exc}") from None
    outside = spans_outside([wanted], plate_range)
    if outside:
        raise FarmError(
            f"shot {path}: frames {spans_text(outside)} are outside the plate, which holds "
            f"{plate_range}; pick frames inside the shot range {shot_range}"
        )
    outside = spans_outside([wanted], shot_range)
    if outside:
        raise FarmError(
            f"shot {path}: frames {spans_text(outside)} are outside the shot range {shot_range}; "
            "widen it with `faceplate init --range ... --force` or pick frames inside it"
        )
    return wanted


def unique_names(shots: list[FarmShot]) -> list[FarmShot]:
    """Two shots named alike (``sh010`` in two folders) would give two steps one name: refused."""
    seen: dict[str, Path] = {}
    for shot in shots:
        if shot.name in seen:
            raise FarmError(
                f"shots {seen[shot.name]} and {shot.workspace} have the same name {shot.name!r}; "
                "a job needs one name per shot: rename one folder"
            )
        seen[shot.name] = shot.workspace
    return shots


def validate_template(template: dict, values: dict, folder: Path) -> None:
    """openjd-model's checks of the template and of a job made from it with ``values`` (FarmError if either fails:
    a bug here, never the artist's input, but the farm must not be the first to find it)."""
    from openjd.model import DecodeValidationError, create_job, decode_job_template, preprocess_job_parameters

    try:
        decoded = decode_job_template(template=template, supported_extensions=EXTENSIONS)
        parameters = preprocess_job_parameters(
            job_template=decoded,
            job_parameter_values={k: str(v) for k, v in values.items()},
            job_template_dir=folder,
            current_working_dir=folder,
            allow_job_template_dir_walk_up=True,
        )
        create_job(job_template=decoded, job_parameter_values=parameters)
    except (DecodeValidationError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        raise FarmError(
            f"internal: the exported job does not pass openjd-model's checks: {' '.join(first[:3])}"
        ) from exc


def export_job(shots: list[FarmShot], out: str | Path, options: JobOptions, bundle: bool = False) -> tuple[Path, Path]:
    """Write ``out/template.yaml`` and ``out/parameters.json`` for ``shots``, and with ``bundle`` the Deadline
    Cloud job bundle's ``parameter_values.yaml`` and ``asset_references.yaml`` beside them; returns the first two."""
    if not shots:
        raise FarmError("no shots to export: give shot workspaces, or --timeline with --marker")
    unique_names(shots)
    template = build_template(shots, options)
    values = parameter_values(shots, options)
    out = Path(out).absolute()
    validate_template(template, values, out)
    out.mkdir(parents=True, exist_ok=True)
    template_path, parameters_path = out / TEMPLATE_NAME, out / PARAMETERS_NAME
    write_text_atomic(template_path, yaml.safe_dump(template, sort_keys=False, width=120))
    write_text_atomic(parameters_path, json.dumps(values, indent=2) + "\n")
    if bundle:
        from faceplate.farm.bundle import write_bundle_files

        write_bundle_files(out, shots, options, values)
    return template_path, parameters_path


def identity_for(library: str | Path, source: str | Path) -> Identity:
    """The identity step: train ``source`` (the actor's clip, sequence or stills) once into ``library``."""
    if not Path(source).exists():
        raise FarmError(f"--source {source}: no such file or folder; give the actor's clip, sequence or stills folder")
    return Identity(Path(library).absolute(), Path(source).absolute())
