"""Every setting and API field that names a file or folder is a RootedPath, so the server checks it against its
roots: a new field that holds text must be one, or be listed here as text with the reason it names no file."""

from __future__ import annotations

import re
import typing
from pathlib import PurePath

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from faceplate.errors import SettingsError
from faceplate.render.settings import RenderSettings
from faceplate.server.schemas import Strict
from faceplate.settings import build_settings, flat_fields, is_rooted, map_paths
from faceplate.stages import STAGES

# text that is not a path, and why; a field named or described like a path is never allowed here
TEXT = {
    "curate.reject": "face ids",
    "curate.restore": "face ids",
    "curate.forget": "face ids",
    "curate.note": "a note",
    "review.reject": "face ids",
    "review.restore": "face ids",
    "review.forget": "face ids",
    "review.note": "a note",
    "mask.device": "a torch device name",
    "render.merge.mask": "mask names joined by '+'",
    "render.frames": "plate frame numbers",
    "qc.frames": "plate frame numbers",
    "render.name": "a file prefix inside the shot; RenderSettings refuses separators and a leading dot",
    "api.JobSubmit.schema": "a schema label",
    "api.JobSubmit.stages": "stage names",
    "api.JobSubmit.settings": "the stages' settings, walked field by field above",
    "api.NewShot.range": "plate frame numbers",
    "api.NewShot.colour_space": "an OCIO colour space name",
    "api.NewShot.fps": "a frame rate",
    "api.NewShot.consent_ref": "a consent reference",
    "api.Retry.from_stage": "a stage name",
    "api.Session.token": "the engine's token",
    "api.JobSubmit.budget": "a budget tier or figure (preview, 30m, 5000it)",
    "mask.budget": "a budget tier or figure",
    "train.budget": "a budget tier or figure",
    "train.preview_layer_every": "an interval (10m, 500it)",
    "pretrain.budget": "a budget tier or figure",
}
PATH_WORDS = {
    "file",
    "folder",
    "path",
    "dir",
    "directory",
    "model",
    "out",
    "output",
    "labels",
    "reference",
    "decisions",
    "init",
    "cert",
    "key",
    "workspace",
    "plate",
    "sources",
    "root",
    "roots",
}
# text fields whose name or help reads like a path but names none
NAMES_NO_FILE = {
    "render.name": "a plain file prefix (checked by its own test below)",
    "train.preview_layer_every": "an interval; its help names the checkpoint it renders and where",
}
PATH_HELP = re.compile(r"\b(file|folder|directory|path|\.onnx|checkpoint)\b", re.I)


def holds_text(annotation) -> bool:
    """A str or a path type anywhere in the annotation (a Literal's fixed choices are not free text)."""
    if typing.get_origin(annotation) is typing.Literal:
        return False
    if annotation is str or (isinstance(annotation, type) and issubclass(annotation, PurePath)):
        return True
    return any(holds_text(a) for a in typing.get_args(annotation))


def request_models(base: type[BaseModel] = Strict) -> list[type[BaseModel]]:
    """Every request body the API reads (each a Strict model), however deep the subclassing."""
    return [m for sub in base.__subclasses__() for m in [sub, *request_models(sub)]]


def api_fields() -> typing.Iterator[tuple[str, FieldInfo, str]]:
    for model in request_models():
        for name, info in model.model_fields.items():
            if not holds_model(info.annotation):  # a nested body (JobSubmit.shot) is walked as its own model
                yield f"api.{model.__name__}.{info.alias or name}", info, info.description or ""


def holds_model(annotation) -> bool:
    return (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or any(
        holds_model(a) for a in typing.get_args(annotation)
    )


def every_field() -> list[tuple[str, FieldInfo, str]]:
    """(name, field, help) of every stage setting and every job-submission field."""
    stages = [
        (f"{stage}.{path}", info, info.description or "")
        for stage, s in STAGES.items()
        for path, info in flat_fields(s.settings_class)
    ]
    return stages + list(api_fields())


def test_every_field_holding_text_is_a_rooted_path_or_named_as_text():
    unchecked = [
        name
        for name, info, _ in every_field()
        if holds_text(info.annotation) and not is_rooted(info) and name not in TEXT
    ]
    assert unchecked == [], "give these the RootedPath type (or add them to TEXT with why they name no file)"


def test_no_field_that_looks_like_a_path_is_listed_as_text():
    fields = {name: help_text for name, _, help_text in every_field()}
    assert set(TEXT) <= set(fields), f"TEXT names fields that are gone: {sorted(set(TEXT) - set(fields))}"
    looks_like_a_path = [
        name
        for name in TEXT
        if name not in NAMES_NO_FILE
        and (set(re.split(r"[._]", name.rsplit(".", 1)[-1])) & PATH_WORDS or PATH_HELP.search(fields[name]))
    ]
    assert looks_like_a_path == []


def test_the_path_fields_found_are_the_known_ones():
    """A guard on the walk itself: it finds the fields known to name files (so it does not pass by finding none)."""
    found = {name for name, info, _ in every_field() if is_rooted(info)}
    assert {
        "extract.reference",
        "curate.decisions",
        "review.decisions",
        "review.out",
        "mask.labels",
        "train.init_from",
        "export.model",
        "render.model",
        "render.sign_cert",
        "render.sign_key",
        "api.JobSubmit.workspace",
        "api.NewShot.plate",
        "api.NewShot.sources",
    } <= found


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden", "a\\b"])
def test_the_render_file_prefix_cannot_name_a_path(name):
    with pytest.raises(SettingsError, match="plain file prefix"):
        build_settings(RenderSettings, {"name": name}, "render")


def test_a_path_setting_refuses_a_nul_and_an_empty_value():
    for value in ("", "a\0b"):
        with pytest.raises(SettingsError, match="render.model"):
            build_settings(RenderSettings, {"model": value}, "render")


def test_map_paths_reaches_every_path_setting_and_nothing_else():
    settings = build_settings(RenderSettings, {"model": "m.onnx", "sign_cert": "c.pem", "sign_key": "k.pem"}, "render")
    seen = []
    mapped = map_paths(settings, lambda field, value: seen.append(field) or f"/checked/{value}")
    assert sorted(seen) == ["model", "sign_cert", "sign_key"]
    assert (mapped.model, mapped.sign_cert, mapped.sign_key, mapped.name) == (
        "/checked/m.onnx",
        "/checked/c.pem",
        "/checked/k.pem",
        "faceplate",
    )
