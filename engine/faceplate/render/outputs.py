"""The files a render writes per plate frame: the comp layer, its matte, and a preview composite, in a
version folder of the layer (``render/vNNN``, see ``render.versions``):

    vNNN/layer/<name>.<frame>.exr           RGBA half, premultiplied, plate colour space;
                                            data window = the matte's bounding box,
                                            display window = the full plate
    vNNN/matte/<name>_matte.<frame>.exr     the matte alone (channel A), same data window
    vNNN/preview/<name>_preview.<frame>.png  layer over plate, sRGB 8-bit, for review
    vNNN/<name>_preview.mp4                 the preview frames as H.264
    vNNN/records/<name>.<frame>.json        what made the frame's files (model, settings digest)

Every file is written atomically, so each is complete or absent. A frame's record is removed before
its files are rewritten and written after them, so a record always describes the files beside it.
Layer, matte and preview frames carry the render's provenance (``faceplate/*`` header attributes; a
TIFF layer, which keeps no custom attributes, holds the JSON record in ImageDescription) and so does
the movie (container metadata); see docs/provenance.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceplate.media import ColourTransform, write_image
from faceplate.render.composite import Region


@dataclass(frozen=True)
class RenderPaths:
    root: Path
    name: str
    layer_format: str = "exr"

    def layer(self, frame: int) -> Path:
        return self.root / "layer" / f"{self.name}.{frame:04d}.{self.layer_format}"

    def matte(self, frame: int) -> Path:
        return self.root / "matte" / f"{self.name}_matte.{frame:04d}.exr"

    def preview(self, frame: int) -> Path:
        return self.root / "preview" / f"{self.name}_preview.{frame:04d}.png"

    def record(self, frame: int) -> Path:
        return self.root / "records" / f"{self.name}.{frame:04d}.json"

    @property
    def movie(self) -> Path:
        return self.root / f"{self.name}_preview.mp4"

    @property
    def layer_pattern(self) -> str:
        return str(self.root / "layer" / f"{self.name}.####.{self.layer_format}")

    def done(self, frame: int, preview: bool) -> bool:
        wanted = [self.layer(frame), self.matte(frame)] + ([self.preview(frame)] if preview else [])
        return all(p.is_file() for p in wanted)


def _full_frame(rgba: np.ndarray, region: Region, size: tuple[int, int]) -> np.ndarray:
    full = np.zeros((size[1], size[0], rgba.shape[2]), np.float32)
    full[region.slices()] = rgba
    return full


def _tiff_header(attributes: dict[str, str]) -> dict[str, str]:
    """TIFF drops custom attributes: the whole record goes into its ImageDescription tag instead."""
    from faceplate.provenance import RECORD_KEY

    return {"ImageDescription": attributes[RECORD_KEY]} if RECORD_KEY in attributes else {}


def write_layer(
    paths: RenderPaths,
    frame: int,
    rgba: np.ndarray,
    region: Region,
    size: tuple[int, int],
    attributes: dict[str, str] | None = None,
) -> None:
    """Layer + matte, each with ``attributes`` (provenance) in its header. EXR keeps only the data window;
    PNG/TIFF are full frames (16-bit)."""
    window = (region.x0, region.y0, region.width, region.height)
    attributes = attributes or {}
    if paths.layer_format == "exr":
        write_image(
            paths.layer(frame),
            rgba,
            pixel_type="half",
            channel_names=("R", "G", "B", "A"),
            data_window=window,
            display_size=size,
            attributes=attributes,
        )
    else:
        header = _tiff_header(attributes) if paths.layer_format == "tif" else attributes
        write_image(
            paths.layer(frame), np.clip(_full_frame(rgba, region, size), 0, 1), pixel_type="uint16", attributes=header
        )
    write_image(
        paths.matte(frame),
        np.ascontiguousarray(rgba[..., 3]),
        pixel_type="half",
        channel_names=("A",),
        data_window=window,
        display_size=size,
        attributes=attributes,
    )


def composite_over(plate: np.ndarray, rgba: np.ndarray, region: Region) -> np.ndarray:
    """Premultiplied layer over the plate (plate colour space); outside ``region`` the plate as is."""
    out = plate.copy()
    under = out[region.slices()]
    out[region.slices()] = rgba[..., :3] + under * (1.0 - rgba[..., 3:])
    return out


def write_preview(
    paths: RenderPaths,
    frame: int,
    composite: np.ndarray,
    colour: ColourTransform,
    attributes: dict[str, str] | None = None,
) -> np.ndarray:
    """The composite as an sRGB 8-bit PNG (``attributes`` as text chunks); returns the 8-bit frame (for the movie)."""
    shown = np.clip(colour.to_working(composite) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    write_image(paths.preview(frame), shown, compression="png:1", attributes=attributes)  # fast zlib: previews are big
    return shown


def encode_movie(paths: RenderPaths, frames: list[int], fps, metadata: dict[str, str] | None = None) -> Path | None:
    """H.264 review movie from the preview PNGs that exist, in frame order (atomic); ``metadata`` (provenance)
    goes into the container (MP4 'mdta' tags, so any key survives; PyAV reads them as ``container.metadata``)."""
    import av

    from faceplate.atomic import atomic_path
    from faceplate.media import read_image

    present = [f for f in frames if paths.preview(f).is_file()]
    if not present:
        return None
    first = read_image(paths.preview(present[0]))
    height, width = first.shape[0] // 2 * 2, first.shape[1] // 2 * 2  # yuv420p needs even sizes
    with (
        atomic_path(paths.movie) as tmp,
        av.open(str(tmp), "w", format="mp4", options={"movflags": "use_metadata_tags"}) as movie,
    ):
        for key, value in (metadata or {}).items():
            movie.metadata[key] = value
        stream = movie.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for frame in present:
            image = np.ascontiguousarray(read_image(paths.preview(frame))[:height, :width])
            movie.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        movie.mux(stream.encode())
    return paths.movie
