"""Checkpoints of a training run, written atomically.

    SHOT/model/
      checkpoints/00001500/   weights.safetensors  (model.*, average.* and disc.* tensors)
                              state.pt             (optimisers, scaler, RNG, iteration; weights_only)
                              meta.json            (Checkpoint.1: model config, train settings, loss)
      latest.json, best.json  pointers (CheckpointPointer.1) to a checkpoint folder

A checkpoint folder is built as ``.<name>.partial`` and renamed into place, and pointers are
replaced atomically, so a crash never leaves a pointer to a half-written checkpoint.
"""

from __future__ import annotations

import errno
import io
import json
import shutil
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from faceplate.atomic import disk_full, write_bytes_atomic, write_text_atomic
from faceplate.errors import TrainError
from faceplate.models.config import ModelConfig

SCHEMA = "Checkpoint.1"
POINTER_SCHEMA = "CheckpointPointer.1"
WEIGHTS, STATE, META = "weights.safetensors", "state.pt", "meta.json"
NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}  # creating the folder can fail for space too


def checkpoint_name(iteration: int) -> str:
    return f"{iteration:08d}"


def pack_weights(modules: dict[str, dict[str, torch.Tensor]]) -> bytes:
    flat = {
        f"{prefix}.{k}": v.detach().to("cpu", memory_format=torch.contiguous_format).contiguous()
        for prefix, sd in modules.items()
        for k, v in sd.items()
    }
    return save_safetensors(flat, metadata={"schema": SCHEMA})


def unpack_weights(data: bytes) -> dict[str, dict[str, torch.Tensor]]:
    out: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in load_safetensors(data).items():
        prefix, name = key.split(".", 1)
        out.setdefault(prefix, {})[name] = value
    return out


def save_checkpoint(model_dir: Path, iteration: int, weights: dict, state: dict, meta: dict) -> Path:
    """Write one checkpoint folder (atomic: built aside, renamed into place); returns it. A full disk
    raises DiskFullError and leaves the checkpoints that were there."""
    root = Path(model_dir) / "checkpoints"
    final = root / checkpoint_name(iteration)
    staging, replaced = root / f".{final.name}.partial", root / f".{final.name}.old"
    buffer = io.BytesIO()
    torch.save(state, buffer)
    try:
        for stale in (staging, replaced):
            shutil.rmtree(stale, ignore_errors=True)
        staging.mkdir(parents=True)
        write_bytes_atomic(staging / WEIGHTS, pack_weights(weights))
        write_bytes_atomic(staging / STATE, buffer.getvalue())
        write_text_atomic(staging / META, json.dumps({"schema": SCHEMA, "iteration": iteration, **meta}, indent=1))
        if final.exists():  # the same iteration saved again: never a moment without one of the two
            final.rename(replaced)
        staging.rename(final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in NO_SPACE:
            raise disk_full(final, exc) from exc
        raise TrainError(f"cannot write checkpoint {final}: {exc.strerror}; check the folder's permissions") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(replaced, ignore_errors=True)
    return final


def list_checkpoints(model_dir: Path) -> list[Path]:
    """Complete checkpoint folders of a model folder, oldest first."""
    return sorted(p for p in (Path(model_dir) / "checkpoints").glob("[0-9]" * 8) if (p / WEIGHTS).is_file())


def write_pointer(model_dir: Path, which: str, folder: Path, iteration: int, loss: float | None) -> None:
    rel = folder.relative_to(model_dir).as_posix()
    text = json.dumps({"schema": POINTER_SCHEMA, "iteration": iteration, "path": rel, "loss": loss})
    write_text_atomic(Path(model_dir) / f"{which}.json", text + "\n")


def read_pointer(model_dir: Path, which: str) -> dict | None:
    path = Path(model_dir) / f"{which}.json"
    if not path.is_file():
        return None
    try:
        pointer = json.loads(path.read_text(encoding="utf-8"))
        folder = Path(model_dir) / pointer["path"]
    except (ValueError, KeyError, TypeError) as exc:
        raise TrainError(
            f"checkpoint pointer {path} is damaged ({exc}); delete it to use the newest checkpoint"
        ) from exc
    return pointer | {"folder": folder}


def prune_checkpoints(model_dir: Path, keep_last: int) -> None:
    """Delete all but the newest ``keep_last`` checkpoints and the best one."""
    keep = {p["folder"].name for w in ("best", "latest") if (p := read_pointer(model_dir, w))}
    folders = sorted(p for p in (Path(model_dir) / "checkpoints").glob("[0-9]" * 8) if p.is_dir())
    for stale in (Path(model_dir) / "checkpoints").glob(".*.partial"):  # a killed writer's (we hold the shot)
        shutil.rmtree(stale, ignore_errors=True)
    for old in folders[:-keep_last]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def resolve_checkpoint(path: Path, prefer: str = "latest") -> Path:
    """A checkpoint folder from itself, a model folder (pointer) or a workspace (``model/``)."""
    path = Path(path)
    if (path / WEIGHTS).is_file():
        return path
    for model_dir in (path, path / "model"):
        for which in (prefer, "latest", "best"):
            pointer = read_pointer(model_dir, which)
            if pointer and (pointer["folder"] / WEIGHTS).is_file():
                return pointer["folder"]
    raise TrainError(
        f"no checkpoint at {path}: expected a checkpoint folder with {WEIGHTS}, a model folder with "
        "latest.json, or a workspace that has been trained (`faceplate train`)"
    )


def load_weights(folder: Path) -> tuple[dict, ModelConfig, dict]:
    """(weights by prefix, model config, meta) of a checkpoint folder."""
    meta = load_meta(folder)
    try:
        weights = unpack_weights((folder / WEIGHTS).read_bytes())
    except (OSError, ValueError, SafetensorError) as exc:
        raise TrainError(f"checkpoint {folder} is unreadable ({exc}); point to another checkpoint or retrain") from exc
    return weights, ModelConfig.from_dict(meta["model"]), meta


def load_meta(folder: Path) -> dict:
    """A checkpoint folder's meta.json (model config, resolved train settings, loss): no weights read."""
    try:
        meta = json.loads((Path(folder) / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainError(f"checkpoint {folder} is unreadable ({exc}); point to another checkpoint or retrain") from exc
    if meta.get("schema") != SCHEMA or "model" not in meta:
        raise TrainError(f"{Path(folder) / META} has schema {meta.get('schema')!r}, this engine reads {SCHEMA}")
    return meta


def load_state(folder: Path) -> dict:
    """Optimiser, scaler and RNG state of a checkpoint (loaded with ``weights_only=True``)."""
    try:
        return torch.load(folder / STATE, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for damaged files
        raise TrainError(
            f"checkpoint state {folder / STATE} is unreadable ({type(exc).__name__}); "
            "point to another checkpoint or retrain"
        ) from exc
