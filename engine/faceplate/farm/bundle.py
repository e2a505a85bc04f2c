"""A Deadline Cloud job bundle: the job template with its parameter values and asset references.

``DIR/template.yaml`` is the same OpenJD template every scheduler runs; ``parameter_values.yaml``
(``parameterValues: [{name, value}]``) holds the values on the exporting machine, and
``asset_references.yaml`` names what the job reads (every plate, source, the identity's faces and
library) and writes (each shot's ``render`` folder, where its layer versions go; the library), so
Deadline Cloud's job attachments can carry them when the farm has no shared storage. A numbered
sequence (``plate.####.exr``) is referenced by its folder.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from faceplate.atomic import write_text_atomic
from faceplate.farm.template import FarmShot, JobOptions
from faceplate.media.plate import is_sequence_pattern

PARAMETER_VALUES_NAME = "parameter_values.yaml"
ASSET_REFERENCES_NAME = "asset_references.yaml"
LAYER_FOLDER = "render"  # a shot's layer versions: render/vNNN, render/latest.json


def bundle_parameter_values(values: dict) -> dict:
    """The bundle's parameter values document (the values as OpenJD takes them: strings and numbers)."""
    return {"parameterValues": [{"name": name, "value": value} for name, value in values.items()]}


def asset_references(shots: list[FarmShot], options: JobOptions) -> dict:
    """What the job reads and writes, as absolute paths on the exporting machine."""
    files: set[str] = set()
    folders: set[str] = set()
    media = [p for shot in shots for p in (shot.plate, *shot.sources)]
    if options.identity:
        media.append(str(options.identity.source))
    for path in media:
        _add_input(str(path), files, folders)
    outputs = {str(shot.workspace / LAYER_FOLDER) for shot in shots}
    if options.identity:
        outputs.add(str(options.identity.library))
        if options.identity.library.is_dir():
            folders.add(str(options.identity.library))
    return {
        "assetReferences": {
            "inputs": {"filenames": sorted(files), "directories": sorted(folders)},
            "outputs": {"directories": sorted(outputs)},
            "referencedPaths": [],
        }
    }


def _add_input(path: str, files: set[str], folders: set[str]) -> None:
    if is_sequence_pattern(path):
        folders.add(str(Path(path).parent))
    elif Path(path).is_dir():
        folders.add(path)
    else:
        files.add(path)


def write_bundle_files(folder: Path, shots: list[FarmShot], options: JobOptions, values: dict) -> list[Path]:
    """Write the bundle's two files beside its template.yaml (each atomically); returns their paths."""
    written = []
    for name, document in (
        (PARAMETER_VALUES_NAME, bundle_parameter_values(values)),
        (ASSET_REFERENCES_NAME, asset_references(shots, options)),
    ):
        write_text_atomic(folder / name, yaml.safe_dump(document, sort_keys=False, width=120))
        written.append(folder / name)
    return written
