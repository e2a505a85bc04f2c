"""How an output was made, and under what consent: one record, written into every output.

:func:`provenance_record` builds it from the shot's manifest (plate and sources with their
fingerprints, the stage history, the consent reference or waiver), the model that made the output
(sha256 of the ONNX file, its config hash, checkpoint iteration and training run) and the run
writing it. :func:`provenance_attributes` flattens it into string attributes under one set of names,
used unchanged for EXR headers (layer, matte and preview frames), ONNX ``metadata_props``, the review
movie's container metadata, and the manifest's run record. docs/provenance.md lists the fields.

Imports no torch: render nodes and the report read it too.
"""

from __future__ import annotations

import json
from typing import Any

from faceplate import __version__
from faceplate.workspace.consent import Consent

SCHEMA = "FaceplateProvenance.1"
PREFIX = "faceplate/"  # every attribute name starts with it; "faceplate/provenance" holds the whole record as JSON
RECORD_KEY = PREFIX + "provenance"


def clip_identity(clip) -> dict[str, Any]:
    """A plate or source: its path and the fingerprint init took (bytes, frames, resolution)."""
    return {
        "path": clip.path,
        "kind": clip.kind,
        "fingerprint": fingerprint_text(clip),
        "size_bytes": clip.size_bytes,
        "frame_count": clip.frame_count,
        "width": clip.width,
        "height": clip.height,
    }


def fingerprint_text(clip) -> str:
    """The fingerprint as one comparable token, e.g. ``bytes=1843200 frames=24 size=960x540``."""
    return f"bytes={clip.size_bytes} frames={clip.frame_count} size={clip.width}x{clip.height}"


def model_identity(path, metadata: dict[str, str], sha256: str | None) -> dict[str, Any]:
    """The generator that made an output, from its file and the metadata export wrote into it."""
    iterations = metadata.get("iterations")
    return {
        "path": str(path) if path else None,
        "sha256": sha256,
        "config_hash": metadata.get("config_hash") or None,
        "iteration": int(iterations) if iterations and iterations.isdigit() else None,
        "train_run": metadata.get("run_id") or None,
        "precision": metadata.get("precision"),
    }


def stage_history(manifest, exclude: str | None = None) -> list[dict[str, str]]:
    """Every finished stage run that left its work in the shot (done), oldest first."""
    return [
        {"stage": r.stage, "run": r.id, "finished": r.finished or ""}
        for r in manifest.stages
        if r.status == "done" and r.id != exclude
    ]


def provenance_record(manifest, consent: Consent, model: dict[str, Any] | None = None, run=None) -> dict[str, Any]:
    """The provenance of what ``run`` (a StageRun, e.g. this render) writes for the shot of ``manifest``."""
    made_by = {"stage": run.stage, "run": run.id, "started": run.started, "host": run.host} if run else None
    return {
        "schema": SCHEMA,
        "faceplate_version": __version__,
        "shot": manifest.shot,
        "made_by": made_by,
        "model": model,
        "plate": {**clip_identity(manifest.plate), "range": manifest.range},
        "sources": [clip_identity(c) for c in manifest.sources],
        "stages": stage_history(manifest, exclude=run.id if run else None),
        "consent": {**consent.as_dict(), "text": consent.text},
    }


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def provenance_attributes(record: dict[str, Any]) -> dict[str, str]:
    """The record as flat string attributes (names in docs/provenance.md), for headers and metadata; one that
    does not apply (no model yet, no consent reference under a waiver) is left out."""
    model = record.get("model") or {}
    made_by = record.get("made_by") or {}
    consent = record["consent"]
    plate = record["plate"]
    flat = {
        "schema": record["schema"],
        "version": record["faceplate_version"],
        "shot": record["shot"],
        "made_by": f"{made_by['stage']} run {made_by['run']}" if made_by else "",
        "model_sha256": model.get("sha256") or "",
        "model_config_hash": model.get("config_hash") or "",
        "checkpoint_iteration": "" if model.get("iteration") is None else str(model["iteration"]),
        "train_run": model.get("train_run") or "",
        "plate": plate["path"],
        "plate_fingerprint": plate["fingerprint"],
        "plate_range": plate["range"],
        "sources": _compact([{"path": s["path"], "fingerprint": s["fingerprint"]} for s in record["sources"]]),
        "stages": " ".join(f"{s['stage']}:{s['run']}" for s in record["stages"]),
        "consent": consent["text"],
        "consent_ref": consent["ref"] or "",
        "consent_waived": "true" if consent["waived"] else "false",
    }
    # an empty string attribute does not survive every format (EXR drops it): what is unknown is left out
    return {PREFIX + key: value for key, value in flat.items() if value} | {RECORD_KEY: _compact(record)}


def record_from_attributes(attributes: dict[str, Any]) -> dict[str, Any] | None:
    """The record read back from a file's attributes (None when it carries none)."""
    text = attributes.get(RECORD_KEY)
    return json.loads(text) if text else None


def read_provenance(path) -> dict[str, Any] | None:
    """The record a written file carries: a movie's container metadata, an image's header (a TIFF's
    ImageDescription); None when it carries none or cannot be read."""
    path = str(path)
    try:
        if path.lower().endswith((".mp4", ".mov")):
            import av

            with av.open(path) as movie:
                return record_from_attributes(dict(movie.metadata))
        import OpenImageIO as oiio

        image = oiio.ImageInput.open(path)
        if image is None:
            return None
        spec = image.spec()
        image.close()
        text = spec.getattribute(RECORD_KEY) or spec.getattribute("ImageDescription")
        return json.loads(text) if text and text.startswith("{") else None
    except (OSError, ValueError):  # av.error.* are OSErrors; damaged JSON is a ValueError
        return None
