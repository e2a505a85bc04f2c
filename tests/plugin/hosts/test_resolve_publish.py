"""Resolve through the shared pyblish publish (what Workspace > Scripts > Faceplate runs): the stand-in's
marked clip → validation → a real engine job → the layer imported and appended at the clip's record frames."""

from __future__ import annotations

from pathlib import Path

import pytest
from host_helpers import publish_from_resolve, resolve_interview
from server_helpers import QUICK_SETTINGS

pytestmark = pytest.mark.slow


def marked_interview(engine, monkeypatch):
    """A Resolve stand-in whose timeline marks 108010-108013, a 30 fps clip (media 1021-1024); the source."""
    resolve, _, source = resolve_interview(engine, monkeypatch)
    resolve.timeline.marks = {"video": {"in": 10, "out": 13}}
    return resolve, source


def test_the_marked_clip_comes_back_on_a_new_track_at_its_record_frames(engine, monkeypatch):
    resolve, source = marked_interview(engine, monkeypatch)
    lines = publish_from_resolve(engine, resolve, source, settings=QUICK_SETTINGS, poll_s=0.2)
    [line] = lines  # which version was placed, and QC's verdict on it
    assert line.startswith("Faceplate: interview: layer v001 placed at 108010-108013 on track 'faceplate'; QC "), line
    [(imported,)] = resolve.calls("ImportMedia")
    assert imported[0]["FilePath"].endswith("render/v001/layer/faceplate.%04d.exr")
    assert (imported[0]["StartIndex"], imported[0]["EndIndex"]) == (1021, 1024)
    assert all(Path(imported[0]["FilePath"] % f).is_file() for f in range(1021, 1025))
    [layer] = resolve.timeline.tracks[2]
    assert (layer.GetStart(), layer.GetDuration()) == (108010, 4) and resolve.timeline.track_names[2] == "faceplate"


def test_without_a_consent_reference_nothing_is_submitted(engine, monkeypatch):
    resolve, clip, source = resolve_interview(engine, monkeypatch)
    resolve.timeline.current = clip
    lines = publish_from_resolve(engine, resolve, source, consent_ref="")
    assert len(lines) == 1 and "no consent reference" in lines[0] and "\n" not in lines[0]
    assert engine.client.jobs() == [] and not resolve.calls("ImportMedia")
