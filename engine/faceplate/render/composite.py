"""Put a generated face back on the plate: inverse warp, matte shaping, blending.

Work happens inside the face's bounding box on the plate (``Region``), never on the whole
frame, so cost follows the face size. Images are float32 ``[H, W, C]``; mattes ``[H, W]`` 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from faceplate.faces.align import invert_matrix, transform_points

# The blur (in model pixels) that splits the plate's detail off: about a third of a model pixel, finer than the
# enlarged swap draws; a wider blur brings back more of the plate's own person (measured in docs/render.md)
DETAIL_SIGMA_MODEL_PX = 0.35


@dataclass(frozen=True)
class Region:
    """A box on the plate: columns x0..x1-1, rows y0..y1-1."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)


def crop_region(matrix: np.ndarray, crop_size: int, plate_shape: tuple[int, ...], margin: int) -> Region:
    """Plate box covered by a crop (plate->crop ``matrix``), grown by ``margin`` px, clipped to the plate."""
    corners = np.array([[0, 0], [crop_size, 0], [crop_size, crop_size], [0, crop_size]], np.float64)
    plate_corners = transform_points(corners, invert_matrix(matrix))
    h, w = plate_shape[:2]
    x0, y0 = np.floor(plate_corners.min(0)).astype(int) - margin
    x1, y1 = np.ceil(plate_corners.max(0)).astype(int) + margin
    return Region(max(0, x0), max(0, y0), min(w, x1), min(h, y1))


def warp_to_plate(crop: np.ndarray, matrix: np.ndarray, region: Region) -> np.ndarray:
    """The crop resampled onto the plate pixels of ``region`` (zero outside the crop)."""
    shifted = np.asarray(matrix, np.float64).copy()
    shifted[:, 2] += shifted[:, :2] @ np.array([region.x0, region.y0], np.float64)
    return cv2.warpAffine(
        crop,
        shifted,
        (region.width, region.height),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )


def shape_matte(matte: np.ndarray, erode_px: float, feather_px: float) -> np.ndarray:
    """Erode (positive) or dilate (negative) by ``erode_px``, then feather by ``feather_px``, in plate pixels.

    The feather is applied inside the eroded edge so the matte still reaches 0 where the hard
    matte did: nothing leaks onto plate pixels the face never covered."""
    out = matte.astype(np.float32)
    size = int(round(abs(erode_px)))
    if size:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * size + 1, 2 * size + 1))
        out = cv2.erode(out, kernel) if erode_px > 0 else cv2.dilate(out, kernel)
    if feather_px > 0:
        inner = cv2.erode(out, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * int(feather_px) + 1,) * 2))
        out = np.minimum(cv2.GaussianBlur(inner, (0, 0), sigmaX=feather_px / 2.0), out)
    return np.clip(out, 0.0, 1.0)


def blend_seamless(face: np.ndarray, plate: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """Poisson blending (OpenCV seamlessClone) of ``face`` into ``plate``, both working-space 0..1.

    Returns the blended colours; the caller still composites them with the matte, so pixels
    outside the matte stay the plate's own."""
    hard = (matte > 0.05).astype(np.uint8) * 255
    if hard.sum() == 0 or min(hard.shape) < 3:
        return face
    hard[[0, -1], :] = 0
    hard[:, [0, -1]] = 0  # seamlessClone needs the mask off the region's border
    ys, xs = np.nonzero(hard)
    centre = (int((xs.min() + xs.max() + 1) // 2), int((ys.min() + ys.max() + 1) // 2))
    to8 = lambda img: np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)  # noqa: E731
    blended = cv2.seamlessClone(to8(face), to8(plate), hard, centre, cv2.NORMAL_CLONE)
    return blended.astype(np.float32) / 255.0


def sharpen(face: np.ndarray, amount: float, radius: float = 1.0) -> np.ndarray:
    """Unsharp mask: counters the generator's softness at the plate's resolution."""
    if amount <= 0:
        return face
    blurred = cv2.GaussianBlur(face, (0, 0), sigmaX=radius)
    return np.clip(face + amount * (face - blurred), 0.0, 1.0)


def plate_detail(plate: np.ndarray, plate_px_per_model_px: float) -> np.ndarray:
    """The plate's detail finer than the model draws (pores, grain, fine hair): the plate minus its blur at
    about a third of a model pixel. The enlarged swap has next to nothing at these frequencies, so adding this back
    over the skin restores the plate's texture without doubling the swap's own."""
    sigma = DETAIL_SIGMA_MODEL_PX * max(plate_px_per_model_px, 1.0)
    return plate - cv2.GaussianBlur(plate, (0, 0), sigmaX=sigma)


def match_grain(face: np.ndarray, plate: np.ndarray, matte: np.ndarray, seed: int) -> np.ndarray:
    """Add noise with the plate face's high-frequency deviation minus what the face already has."""
    inside = matte > 0.5
    if inside.sum() < 16:
        return face
    plate_noise = (plate - cv2.GaussianBlur(plate, (0, 0), 1.0))[inside].std(0)
    face_noise = (face - cv2.GaussianBlur(face, (0, 0), 1.0))[inside].std(0)
    missing = np.sqrt(np.clip(plate_noise**2 - face_noise**2, 0, None)).astype(np.float32)
    grain = np.random.default_rng(seed).normal(0.0, 1.0, face.shape).astype(np.float32) * missing
    return np.clip(face + grain, 0.0, 1.0)


def snap_to_edges(matte: np.ndarray, guide: np.ndarray, radius: int, eps: float = 1e-3) -> np.ndarray:
    """A soft matte made at the model's resolution, moved onto the plate's own edges (a grey guided
    filter, He et al. 2010): the edge of a hand's finger, finer than a model pixel, follows the plate."""
    grey = guide.mean(-1).astype(np.float32) if guide.ndim == 3 else guide.astype(np.float32)
    size = (2 * radius + 1, 2 * radius + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, size, borderType=cv2.BORDER_REFLECT)

    mean_g, mean_m = mean(grey), mean(matte)
    a = (mean(grey * matte) - mean_g * mean_m) / (mean(grey * grey) - mean_g * mean_g + eps)
    b = mean_m - a * mean_g
    return np.clip(mean(a) * grey + mean(b), 0.0, 1.0)
