"""A faceset staged beside the one it replaces: built in ``<role>.partial/``, swapped into place only when
complete, so a failed, cancelled or killed run never damages the faceset a previous run made.

Frames already done in ``.partial`` are kept (its work log, ``records.partial.jsonl``, under the header of
the settings that made them): re-running resumes where it stopped. The swap itself is recoverable: a run
killed between its two renames is finished (or undone) by the next one.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from faceplate.atomic import read_json, write_bytes_atomic, write_text_atomic
from faceplate.errors import WorkspaceError
from faceplate.faces.faceset import INDEX_NAME, FaceRecord, check_record_paths, write_faceset

log = logging.getLogger(__name__)
PARTIAL_LOG = "records.partial.jsonl"
HEADER = "header.json"


def staging_dir(final: Path) -> Path:
    return final.with_name(final.name + ".partial")


def up_to_date(folder: Path, header: dict) -> bool:
    """Whether the faceset in ``folder`` was made with ``header`` (the same clips and settings)."""
    index = folder / INDEX_NAME
    if not index.is_file():
        return False
    with open(index, encoding="utf-8") as fh:
        try:
            return json.loads(fh.readline()) == header
        except ValueError:
            return False  # damaged: extract again


def finish_faceset(staging: Path, final: Path, header: dict, records: list[FaceRecord]) -> None:
    """Index the staged faceset, drop its work log and swap it in for ``final``."""
    write_faceset(staging, header, records)
    (staging / PARTIAL_LOG).unlink()
    swap_into_place(staging, final)


def resume_records(staging: Path, header: dict) -> list[FaceRecord]:
    """Records of an interrupted run with the same settings; otherwise start clean."""
    log_path, header_path = staging / PARTIAL_LOG, staging / HEADER
    if log_path.is_file() and read_json(header_path) == header:
        try:
            records = _logged_records(staging, log_path)
        except WorkspaceError as exc:  # an edited log: trust none of it
            log.warning("%s; extracting %s again from the start", exc, staging)
        else:
            log.info("resuming extraction: %d faces already done in %s", len(records), staging)
            write_text_atomic(log_path, "".join(r.to_json() + "\n" for r in records))
            return records
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "faces").mkdir(parents=True)
    write_text_atomic(header_path, json.dumps(header))
    return []


def _logged_records(staging: Path, log_path: Path) -> list[FaceRecord]:
    """The log's records whose crops exist, less the last frame (a kill may have cut it between two
    of its faces: it is redone)."""
    records = []
    for number, line in enumerate(log_path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            record = FaceRecord(**json.loads(line))
        except (ValueError, TypeError):
            break  # a line cut short by the crash: redo from there
        check_record_paths(record, staging, f"{log_path} line {number}")
        if (staging / record.image).is_file():
            records.append(record)
    if records:
        last = (records[-1].source, records[-1].frame)
        records = [r for r in records if (r.source, r.frame) != last]
    return records


KEPT_ACROSS_RUNS = ("decisions.json",)  # the artist's manual rejects/restores outlive re-extraction


def _complete(staging: Path) -> bool:
    """A staged faceset ready to swap in: indexed, its work log and header gone (see swap_into_place)."""
    return (staging / INDEX_NAME).is_file() and not (staging / PARTIAL_LOG).exists() and not (staging / HEADER).exists()


def swap_into_place(staging: Path, final: Path) -> None:
    """``staging`` replaces ``final``. The decisions are copied first and the header removed last, so from
    then on the staged folder is complete: a kill at any point is mended by :func:`recover_swap`."""
    for name in KEPT_ACROSS_RUNS:
        if (final / name).is_file():
            write_bytes_atomic(staging / name, (final / name).read_bytes())
    (staging / HEADER).unlink(missing_ok=True)
    old = final.with_name(final.name + ".old")
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)  # a finished swap's leftover
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def recover_swap(final: Path) -> None:
    """Mend what a run killed during :func:`swap_into_place` left: finish the swap when the staged faceset
    is complete, else put the previous faceset back; never lose ``final`` or its decisions."""
    staging, old = staging_dir(final), final.with_name(final.name + ".old")
    if _complete(staging):
        log.info("finishing the swap of %s that an interrupted run had started", final)
        swap_into_place(staging, final)
    elif not final.exists() and old.exists():
        log.info("restoring %s from %s (an interrupted run had moved it aside)", final, old.name)
        old.rename(final)
    if final.exists() and old.exists():
        shutil.rmtree(old, ignore_errors=True)
