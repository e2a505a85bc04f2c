"""The provenance record of a shot's output: version, model, plate and sources with fingerprints, the stage
history and the consent (reference, waiver or none), and the same record as flat attributes."""

from __future__ import annotations

import json

import numpy as np

from faceplate import __version__
from faceplate.media import write_image
from faceplate.provenance import (
    RECORD_KEY,
    model_identity,
    provenance_attributes,
    provenance_record,
    record_from_attributes,
)
from faceplate.workspace import init_workspace
from faceplate.workspace.consent import Consent, check_consent, set_consent_ref


def test_record_names_the_shot_media_model_history_and_consent(tmp_path):
    for frame in range(1001, 1005):
        write_image(tmp_path / "plate" / f"p.{frame:04d}.png", np.full((8, 12, 3), frame - 1000, np.uint8))
    ws = init_workspace(
        tmp_path / "shot",
        str(tmp_path / "plate" / "p.####.png"),
        "1002-1003",
        sources=[str(tmp_path / "plate" / "p.####.png")],
    )
    waived = check_consent(ws.manifest.consent_ref, True, ws.manifest.shot)
    model = model_identity(
        tmp_path / "g.onnx", {"config_hash": "abc123", "iterations": "300", "run_id": "r1"}, "f" * 64
    )
    record = provenance_record(ws.manifest, waived, model)
    assert record["faceplate_version"] == __version__ and record["shot"] == "shot"
    assert record["model"] == {
        "path": str(tmp_path / "g.onnx"),
        "sha256": "f" * 64,
        "config_hash": "abc123",
        "iteration": 300,
        "train_run": "r1",
        "precision": None,
    }
    plate = record["plate"]
    assert plate["path"].endswith("p.####.png") and plate["range"] == "1002-1003"
    assert plate["fingerprint"] == f"bytes={plate['size_bytes']} frames=4 size=12x8" and plate["size_bytes"] > 0
    assert [s["fingerprint"] for s in record["sources"]] == [plate["fingerprint"]]
    assert [s["stage"] for s in record["stages"]] == ["init"]
    assert record["consent"] == {
        "ref": None,
        "waived": True,
        "text": "WAIVED: rendered with --no-consent-ref; no consent reference recorded",
    }

    attributes = provenance_attributes(record)
    assert attributes["faceplate/version"] == __version__ and attributes["faceplate/checkpoint_iteration"] == "300"
    assert attributes["faceplate/consent_waived"] == "true" and "faceplate/consent_ref" not in attributes
    assert attributes["faceplate/plate_fingerprint"] == plate["fingerprint"]
    assert all(isinstance(v, str) for v in attributes.values())
    assert record_from_attributes(attributes) == json.loads(attributes[RECORD_KEY]) == record

    set_consent_ref(ws, "CF-9")
    after = provenance_record(ws.manifest, check_consent(ws.manifest.consent_ref, True, ws.manifest.shot))
    assert after["consent"] == {"ref": "CF-9", "waived": False, "text": "CF-9"}, "a reference beats a waiver"
    assert [s["stage"] for s in after["stages"]] == ["init", "consent"] and after["model"] is None
    assert "faceplate/model_sha256" not in provenance_attributes(after)
    assert Consent(None).text.startswith("NONE")
