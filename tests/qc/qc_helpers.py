"""Synthetic swaps on real footage: the source speaker's face pasted over the plate's, written as the
render stage writes its layer (RGBA EXR with a data window), and recorded as a finished render.

A pasted face is a perfect stand-in for properties that do not depend on how the face was made:
identity (it is another person), seams (the matte's edge decides them), flicker (injected here)."""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.faces.align import INNER_POINTS, umeyama
from faceplate.faces.faceset import read_faceset
from faceplate.media import open_plate, to_float01
from faceplate.render.colour_transfer import transfer_rct
from faceplate.render.composite import Region
from faceplate.render.outputs import RenderPaths, write_layer
from faceplate.render.versions import latest_version, list_versions, open_version, publish_version
from faceplate.workspace import Workspace

JAW_AND_BROWS = slice(0, 27)


def source_faces(ws: Workspace) -> list[tuple[np.ndarray, np.ndarray]]:
    """(source frame sRGB float [H, W, 3], its face's landmarks) for each kept source face, in order."""
    clip = ws.manifest.sources[0]
    records = sorted(read_faceset(ws.faceset_dir("source")).kept, key=lambda r: r.frame)
    with open_plate(clip.path, first_frame=clip.first_frame) as source:
        return [(to_float01(source.read(r.frame)[..., :3]), r.landmarks_array) for r in records]


def plate_faces(ws: Workspace) -> dict[int, np.ndarray]:
    return {
        r.frame: r.landmarks_array for r in read_faceset(ws.faceset_dir("destination")).records if r.source == "plate"
    }


def hull_matte(points: np.ndarray, shape: tuple[int, int], feather: float, grow: int = -3) -> np.ndarray:
    """The face hull (jaw and brows) grown by ``grow`` px (negative: shrunk), feathered by a Gaussian of
    ``feather`` px (0: hard)."""
    matte = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(matte, cv2.convexHull(np.round(points[JAW_AND_BROWS]).astype(np.int32)), 255)
    kernel = np.ones((2 * abs(grow) + 1,) * 2, np.uint8)
    matte = (cv2.dilate(matte, kernel) if grow > 0 else cv2.erode(matte, kernel)).astype(np.float32) / 255
    return cv2.GaussianBlur(matte, (0, 0), feather) if feather > 0 else matte


def pasted_face(
    plate: np.ndarray,
    plate_points: np.ndarray,
    source: np.ndarray,
    source_points: np.ndarray,
    feather: float = 4.0,
    grow: int = -3,
) -> np.ndarray:
    """Premultiplied RGBA [H, W, 4] float: the source face moved onto the plate face and colour matched."""
    matrix = umeyama(source_points[INNER_POINTS], plate_points[INNER_POINTS])[:2]
    height, width = plate.shape[:2]
    moved = cv2.warpAffine(source, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    matte = hull_matte(plate_points, (height, width), feather, grow)
    region = hull_matte(plate_points, (height, width), 0)
    moved = np.clip(transfer_rct(moved, plate, region, region), 0, 1)
    return np.concatenate([moved * matte[..., None], matte[..., None]], axis=2).astype(np.float32)


def jittered(rgba: np.ndarray, shift: tuple[float, float] = (4.0, 3.0), gain: float = 1.25) -> np.ndarray:
    """The layer moved by ``shift`` px and brightened by ``gain``: a frame that pops."""
    matrix = np.array([[1, 0, shift[0]], [0, 1, shift[1]]], np.float64)
    moved = cv2.warpAffine(rgba, matrix, (rgba.shape[1], rgba.shape[0]), flags=cv2.INTER_LINEAR)
    moved[..., :3] = np.minimum(moved[..., :3] * gain, moved[..., 3:])
    return moved


def regraded_face(plate: np.ndarray, points: np.ndarray, feather: float = 4.0, gain: float = 0.95) -> np.ndarray:
    """The plate's own face, slightly darker, as a layer: a swap that follows the plate exactly."""
    matte = hull_matte(points, plate.shape[:2], feather)
    return np.concatenate([plate * gain * matte[..., None], matte[..., None]], axis=2).astype(np.float32)


def write_swap(
    ws: Workspace,
    frames: list[int] | None = None,
    feather: float = 4.0,
    jitter: tuple[int, ...] = (),
    face: str = "source",
    gain: float = 0.95,
) -> RenderPaths:
    """Write a synthetic layer for ``frames`` (default: the shot range; other frames get an empty layer) and
    publish it as the shot's next layer version with a finished render run naming it, as `faceplate render`
    would. ``face``: "source" (the source speaker pasted in, colour matched), "plate" (the plate's own face
    regraded by ``gain``), "frozen" (the plate's first face moved onto every frame, over a wider matte)."""
    render_dir = ws.root / "render"
    version = open_version(render_dir, latest_version(render_dir), "faceplate", "exr")
    paths = RenderPaths(render_dir / version, "faceplate", "exr")
    sources, faces = source_faces(ws), plate_faces(ws)
    swapped = set(ws.frame_range if frames is None else frames)
    clip = ws.manifest.plate
    first = None
    with open_plate(clip.path, first_frame=clip.first_frame) as plate:
        for index, (frame, raw) in enumerate(plate.iter_frames(ws.frame_range)):
            image = to_float01(raw[..., :3])
            first = first or (image, faces[frame])
            rgba = np.zeros(image.shape[:2] + (4,), np.float32)
            if frame in swapped and frame in faces:
                if face == "plate":
                    rgba = regraded_face(image, faces[frame], feather, gain)
                else:
                    donor = sources[index % len(sources)] if face == "source" else first
                    # a frozen face covers the jaw's edge too, or the re-fit landmarks follow the plate's jaw
                    rgba = pasted_face(image, faces[frame], *donor, feather, grow=-3 if face == "source" else 12)
                if frame in jitter:
                    rgba = jittered(rgba)
            write_layer(
                paths, frame, rgba, Region(0, 0, image.shape[1], image.shape[0]), (image.shape[1], image.shape[0])
            )
    with ws.stage_run("render", {"synthetic": True}, {}) as run:
        run.outputs = {"layer": paths.layer_pattern, "version": version}
    publish_version(render_dir, version, {"layer": paths.layer_pattern})
    return paths


def write_unswapped(ws: Workspace, frames: list[int]) -> None:
    """Empty layer frames (nothing over the plate) for ``frames`` of the newest version, which is then published:
    those frames show the plate untouched, as a shot's frames nobody swapped do."""
    clip = ws.manifest.plate
    size = (clip.width, clip.height)
    render_dir = ws.root / "render"
    version = list_versions(render_dir)[-1]
    paths = RenderPaths(render_dir / version, "faceplate", "exr")
    for frame in frames:
        write_layer(paths, frame, np.zeros((size[1], size[0], 4), np.float32), Region(0, 0, *size), size)
    if latest_version(render_dir) != version:
        publish_version(render_dir, version, {"layer": paths.layer_pattern})


def load_test_module(name: str, folder: str = "server"):
    """A helper module of another test folder, the one copy both use: tests/server's (``cdp``: the DevTools
    driver; ``server_helpers``: a real engine), tests/training's (``training_helpers``: a real two-speaker shot)."""
    import importlib
    import sys
    from pathlib import Path

    folder = str(Path(__file__).resolve().parents[1] / folder)
    if folder not in sys.path:  # the modules import their siblings by name
        sys.path.insert(0, folder)
    return importlib.import_module(name)
