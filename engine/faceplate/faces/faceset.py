"""A faceset on disk: aligned crops as image files plus one JSON Lines index.

``index.jsonl``: the first line is a header (schema label, face type, crop size, template,
working colour space); every further line is one face. JSON Lines keeps the index readable
with any tool and lets extraction append as it goes, so an interrupted run can resume.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from faceplate.atomic import write_text_atomic
from faceplate.errors import FaceplateError, WorkspaceError
from faceplate.faces.align import transform_points
from faceplate.workspace.freshness import check_faceset_media
from faceplate.workspace.workspace import path_inside

SCHEMA = "Faceset.1"
INDEX_NAME = "index.jsonl"


@dataclass
class FaceRecord:
    """One aligned face. Coordinates are plate pixels; ``frame`` is the plate frame number."""

    id: str
    source: str  # which clip it came from: "plate" or "source0", "source1", ...
    frame: int
    face: int  # index among the faces kept in this frame
    track: int
    image: str  # crop path relative to the faceset folder
    box: list[float]
    landmarks: list[list[float]]  # [68][2]
    matrix: list[list[float]]  # [2][3] plate -> crop
    detector_score: float | None  # None: followed from the previous frame, not detected
    blur: float  # variance of the Laplacian of the crop at 256 px; higher = sharper
    embedding: list[float]  # [128]
    embedding_frame: int  # frame the embedding was computed on (identity re-checked every N frames)
    status: str = "kept"  # "kept" or "rejected" (curate); the trainer reads only kept faces
    reasons: list[str] = field(default_factory=list)  # why curate rejected (or a hand restored) this face
    pose: list[float] | None = None  # [yaw, pitch, roll] degrees, set by curate
    scores: dict[str, float] | None = None  # curate's measurements (identity distance, landmark error, ...)
    mask: str | None = None  # 8-bit mask PNG (crop size) relative to the faceset folder, set by mask
    eyes_mouth_mask: str | None = None  # 8-bit eyes+mouth PNG for priority losses, set by mask

    @property
    def matrix_array(self) -> np.ndarray:
        return np.asarray(self.matrix, np.float64)

    @property
    def landmarks_array(self) -> np.ndarray:
        return np.asarray(self.landmarks, np.float64)

    @property
    def kept(self) -> bool:
        return self.status == "kept"

    @property
    def crop_landmarks(self) -> np.ndarray:
        """Landmarks ``[68, 2]`` in crop pixels."""
        return transform_points(self.landmarks_array, self.matrix_array)

    def to_json(self) -> str:
        return json.dumps(vars(self), separators=(",", ":"))  # fields are plain JSON types already


def read_image_file(path: Path, flags: int) -> np.ndarray | None:
    """``cv2.imread`` without its stderr warning: None for a missing or unreadable file (the caller's error
    names it, in one line)."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError:
        return None
    return cv2.imdecode(data, flags) if data.size else None


def face_id(source: str, frame: int, face: int) -> str:
    return f"{source}_{frame}_{face:02d}"


@dataclass
class Faceset:
    folder: Path
    header: dict
    records: list[FaceRecord]

    @property
    def frames(self) -> list[int]:
        return sorted({r.frame for r in self.records})

    @property
    def crop_size(self) -> int:
        return int(self.header["crop_size"])

    @property
    def kept(self) -> list[FaceRecord]:
        return [r for r in self.records if r.kept]

    def crop_path(self, record: FaceRecord) -> Path:
        return path_inside(self.folder, record.image, self.folder)

    def read_crop(self, record: FaceRecord, error: type[FaceplateError] = WorkspaceError) -> np.ndarray:
        """The record's crop, RGB uint8; ``error`` (the calling stage's) names the file when it is
        missing or unreadable."""
        path = self.crop_path(record)
        image = read_image_file(path, cv2.IMREAD_COLOR)
        if image is None:
            raise error(f"face crop {path} of {record.id} is missing or unreadable; re-run `faceplate extract --force`")
        return np.ascontiguousarray(image[..., ::-1])

    def mask_path(self, record: FaceRecord) -> Path | None:
        return path_inside(self.folder, record.mask, self.folder) if record.mask else None

    def save(self) -> Path:
        """Rewrite the index in place (same header, so extraction still sees it as up to date)."""
        return write_faceset(self.folder, self.header, self.records)


def make_header(name: str, face_type: str, crop_size: int, template: str, working_space: str, **extra) -> dict:
    return {
        "schema": SCHEMA,
        "name": name,
        "face_type": face_type,
        "crop_size": crop_size,
        "template": template,
        "working_space": working_space,
        **extra,
    }


def write_faceset(folder: Path, header: dict, records: list[FaceRecord]) -> Path:
    """Write the whole index atomically (header line + one line per record)."""
    lines = [json.dumps(header, separators=(",", ":"))] + [r.to_json() for r in records]
    path = Path(folder) / INDEX_NAME
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


def read_faceset(folder: str | Path) -> Faceset:
    folder = Path(folder)
    path = folder / INDEX_NAME
    if not path.is_file():
        raise WorkspaceError(f"no faceset index at {path}; run `faceplate extract` first")
    header, records = _parse_lines(path, path.read_text(encoding="utf-8").splitlines())
    return Faceset(folder, header, records)


def read_shot_faceset(workspace, role: str) -> Faceset:
    """The shot's faceset of ``role``, refused (WorkspaceError naming the stage to re-run) when it was extracted
    from other footage than the shot's plate and sources now."""
    faceset = read_faceset(workspace.faceset_dir(role))
    check_faceset_media(workspace.manifest, faceset.header, faceset.folder, workspace.root)
    return faceset


def _parse_lines(path: Path, lines: list[str]) -> tuple[dict, list[FaceRecord]]:
    try:
        header = json.loads(lines[0])
    except (IndexError, ValueError) as exc:
        raise WorkspaceError(f"faceset index {path} is damaged ({exc}); re-run `faceplate extract --force`") from exc
    if not isinstance(header, dict) or header.get("schema") != SCHEMA:
        schema = header.get("schema") if isinstance(header, dict) else None
        raise WorkspaceError(
            f"{path} has schema {schema!r}, this engine reads {SCHEMA}; re-run `faceplate extract --force`"
        )
    records = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        where = f"faceset index {path} line {number}"
        try:
            record = FaceRecord(**json.loads(line))
        except (ValueError, TypeError) as exc:
            raise WorkspaceError(f"{where} is damaged ({exc}); re-run `faceplate extract --force`") from exc
        check_record_paths(record, path.parent, where)
        records.append(record)
    return header, records


_PATH_FIELDS = ("image", "mask", "eyes_mouth_mask")


def check_record_paths(record: FaceRecord, folder: Path, where: str) -> None:
    """Refuse a record whose id or files would lead outside its faceset folder (an edited or hostile
    index): stages build file names from ids and open the paths it names, for reading and writing."""
    named = [("id", record.id)] + [(name, getattr(record, name)) for name in _PATH_FIELDS if getattr(record, name)]
    for name, value in named:
        plain_id = name != "id" or (
            isinstance(value, str) and value and "/" not in value and "\\" not in value and value not in (".", "..")
        )
        if not isinstance(value, str) or not plain_id or not _inside(folder, value):
            raise WorkspaceError(
                f"{where}: {name} {value!r} points outside the faceset {folder}; the index was "
                "edited or damaged: re-run `faceplate extract --force`"
            )


def _inside(folder: Path, relative: str) -> bool:
    try:
        path_inside(folder, relative, folder)
    except WorkspaceError:
        return False
    return True
