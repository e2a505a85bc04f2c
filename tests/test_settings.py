"""Stage settings: validation names the field, value and allowed range; the shot remembers what
the artist set; flags are generated from the fields."""

from __future__ import annotations

import argparse
from typing import Literal

import pytest

from faceplate.cli.flags import add_setting_flags, changes_from
from faceplate.errors import SettingsError
from faceplate.settings import merge_settings, remembered, setting, stage_settings


@stage_settings
class Inner:
    feather_px: float = setting(8.0, "matte feather", ge=0, le=1000, flag="--feather")
    blend: Literal["overlay", "seamless"] = setting("overlay", "blend mode")


@stage_settings
class Toy:
    inner: Inner = setting(default_factory=Inner)
    batch: int = setting(8, "faces per batch", ge=1, le=256)
    preview: bool = setting(True, "write previews")
    frames: str | None = setting(None, "subset", remember=False)

    def __post_init__(self) -> None:
        if self.batch == 13:
            raise ValueError("batch 13 is unlucky; pick another")


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"inner.feather_px": "nan"}, "inner.feather_px", ["nan", "finite", "0 to 1000"]),
        ({"inner.feather_px": float("inf")}, "inner.feather_px", ["inf", "0 to 1000"]),
        ({"inner.feather_px": -1}, "inner.feather_px", ["-1", "0 to 1000"]),
        ({"batch": "abc"}, "batch", ["'abc'", "1 to 256"]),
        ({"batch": 0}, "batch", ["0", "1 to 256"]),
        ({"inner.blend": "add"}, "inner.blend", ["'add'", "one of overlay, seamless"]),
        ({"colour": 1}, "colour", ["unknown setting", "inner.feather_px", "batch"]),
        ({"batch": 13}, "", ["unlucky"]),
    ],
)
def test_bad_values_name_the_field_the_value_and_what_is_allowed(changes, field, words):
    with pytest.raises(SettingsError) as caught:
        merge_settings(Toy, {}, changes, "toy")
    assert caught.value.field == field
    text = str(caught.value)
    assert text.startswith(f"bad toy setting toy.{field}" if field else "bad toy setting")
    for word in words:
        assert word in text


def test_changes_go_on_top_of_what_the_shot_remembers_and_per_run_fields_are_not_kept():
    stored = remembered(merge_settings(Toy, {}, {"inner.feather_px": "4", "frames": "1001-1010"}, "toy"))
    assert stored == {"inner": {"feather_px": 4.0, "blend": "overlay"}, "batch": 8, "preview": True}
    again = merge_settings(Toy, stored, {"batch": 2}, "toy")
    assert (again.inner.feather_px, again.batch, again.frames) == (4.0, 2, None)


def test_flags_are_generated_from_the_fields_and_only_given_ones_become_changes():
    parser = argparse.ArgumentParser()
    dests = add_setting_flags(parser, Toy)
    assert changes_from(parser.parse_args([]), dests) == {}
    args = parser.parse_args(["--feather", "3", "--blend", "seamless", "--no-preview"])
    assert changes_from(args, dests) == {"inner.feather_px": "3", "inner.blend": "seamless", "preview": False}
    settings = merge_settings(Toy, {"preview": False}, changes_from(parser.parse_args(["--preview"]), dests), "toy")
    assert settings.preview is True, "a remembered --no-preview can be turned back on"
    assert "matte feather (default 8.0); remembered by the shot" in " ".join(parser.format_help().split())


def test_the_cli_names_the_flag_not_the_field():
    from faceplate.cli.main import error_line

    with pytest.raises(SettingsError) as caught:
        merge_settings(
            __import__("faceplate.export.contract", fromlist=["x"]).ExportSettings, {}, {"fp16": "maybe"}, "export"
        )
    assert error_line(caught.value).startswith("bad export setting --fp16: 'maybe' is not allowed")
