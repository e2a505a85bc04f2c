"""Media paths as this machine sees them: OpenJD path mapping rules (`pathmapping-1.0`), read from the file a farm
session names and made from `farm export --map FROM=TO`, applied with OpenJD's own semantics."""

from __future__ import annotations

import json

import pytest

from faceplate.errors import MediaError
from faceplate.media.pathmap import RULES_ENV, map_path, read_rules, rule_for, session_rules


def write_rules(path, rules) -> str:
    path.write_text(json.dumps({"version": "pathmapping-1.0", "path_mapping_rules": rules}))
    return str(path)


def test_the_longest_matching_source_wins_whatever_the_order_of_the_rules(tmp_path):
    rules = read_rules(
        write_rules(
            tmp_path / "rules.json",
            [
                {"source_path_format": "POSIX", "source_path": "/Volumes/shows", "destination_path": "/mnt/shows"},
                {"source_path_format": "POSIX", "source_path": "/Volumes/shows/sq01", "destination_path": "/fast/sq01"},
            ],
        )
    )
    assert map_path("/Volumes/shows/sq01/plate.####.exr", rules) == "/fast/sq01/plate.####.exr"
    assert map_path("/Volumes/shows/sq02/a.mov", rules) == "/mnt/shows/sq02/a.mov"
    assert map_path("/Volumes/showsX/a.mov", rules) == "/Volumes/showsX/a.mov", "whole folders only"
    assert map_path("/elsewhere/a.mov", rules) == "/elsewhere/a.mov"


def test_a_windows_source_matches_either_slash_and_any_case():
    rules = (rule_for("C:\\Shows", "/mnt/shows"),)
    assert map_path("c:/shows/sh010/Plate 01.mov", rules) == "/mnt/shows/sh010/Plate 01.mov"
    assert map_path("C:\\SHOWS\\sh010\\a.mov", rules) == "/mnt/shows/sh010/a.mov"
    assert map_path("D:\\shows\\a.mov", rules) == "D:\\shows\\a.mov"


def test_a_session_without_rules_maps_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(RULES_ENV, raising=False)
    assert session_rules() == ()
    empty = tmp_path / "empty.json"
    empty.write_text("{}")  # what OpenJD writes for a session without rules
    monkeypatch.setenv(RULES_ENV, str(empty))
    assert session_rules() == ()


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, "cannot read it"),
        ('{"version": "pathmapping-2.0", "path_mapping_rules": []}', "not a pathmapping-1.0 document"),
        ('{"version": "pathmapping-1.0", "path_mapping_rules": [{"source_path": "/a"}]}', "not a pathmapping-1.0"),
        ("[1, 2", "not a pathmapping-1.0 document"),
    ],
)
def test_a_bad_rules_file_is_one_line_naming_it(tmp_path, text, expected):
    path = tmp_path / "rules.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(MediaError) as caught:
        read_rules(path)
    message = str(caught.value)
    assert message.startswith(f"path mapping rules {path} ({RULES_ENV}): ") and expected in message, message
    assert "\n" not in message


def test_export_maps_are_the_same_rules_longest_first():
    from faceplate.farm.mapping import parse_maps

    rules = parse_maps(["/Volumes/shows=/mnt/shows", "/Volumes/shows/sq01/=/fast/sq01", "C:\\shows=/mnt/win"])
    assert map_path("/Volumes/shows/sq01/a.mov", rules) == "/fast/sq01/a.mov"
    assert map_path("/Volumes/shows/sq02/a.mov", rules) == "/mnt/shows/sq02/a.mov"
    assert map_path("c:/Shows/a b/c.mov", rules) == "/mnt/win/a b/c.mov"
