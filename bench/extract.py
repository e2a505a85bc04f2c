"""Extraction throughput vs decode-only throughput on the same frames, in one run.

    python bench/extract.py [--frames N] [--data ../shared/data]

Plates: plates/s18_natural_scene.mp4 (1280x720, one face) as is, and upscaled to 1920x1080
(re-encoded H.264 in a temp folder, outside the timing). For each: decode-only frames/s
(decode + conversion to the working space, what extraction has to read anyway) and full
extraction frames/s (`faceplate extract` on a fresh workspace: detect, landmarks, align,
embed, write crops and index).
Targets (2 CPU cores): >= 10 frames/s at 1080p (whole stage), and >= 0.25 x the decode-only
rate. The ratio is given for the frame loop (models loaded: the rate a long plate sees) and for
the whole stage including the one-time ~0.9 s load of dlib's weights (what this short clip sees).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2

from faceplate.media import ColourTransform, FrameRange, open_plate, working_uint8
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace


def bench_parser(doc: str, frames: int) -> argparse.ArgumentParser:
    """What every plate benchmark takes: ``--data``, the shared test media (FACEPLATE_TEST_DATA, else
    ../shared/data beside the repository), and ``--frames``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("FACEPLATE_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")),
    )
    parser.add_argument("--frames", type=int, default=frames)
    return parser


def bench_plate(data: Path, script: str, reused: bool = False) -> Path:
    """The benchmarks' source clip; where it is missing and no workspace made from it earlier is ``reused``,
    says why on stderr and exits with status 2."""
    src = data / "plates" / "s18_natural_scene.mp4"
    if not src.is_file() and not reused:
        print(f"{script}: test plate {src} not found; pass --data or set FACEPLATE_TEST_DATA", file=sys.stderr)
        raise SystemExit(2)
    return src


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def upscale_clip(src: Path, dst: Path, size: tuple[int, int], frames: int) -> None:
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=inp.streams.video[0].average_rate)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"crf": "16", "preset": "veryfast"}
        for i, frame in enumerate(inp.decode(video=0)):
            if i >= frames:
                break
            big = cv2.resize(frame.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_CUBIC)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(big, format="rgb24")))
        out.mux(stream.encode())


def decode_fps(path: Path, frames: FrameRange) -> float:
    start = time.perf_counter()
    with open_plate(path) as plate:
        colour = ColourTransform("sRGB Encoded Rec.709 (sRGB)")
        for _, image in plate.iter_frames(frames):
            working_uint8(image, colour)
    return len(frames) / (time.perf_counter() - start)


def extract_fps(path: Path, frames: FrameRange, work: Path) -> tuple[float, float, float, int]:
    """(frames/s of the whole stage, frames/s once models are loaded, model load s, frames with a face)."""
    ws = init_workspace(work, path, str(frames), force=True)
    start = time.perf_counter()
    result = run_stage(ws, "extract", {"roles": "destination", "force": True}).detail["destination"]
    whole = len(frames) / (time.perf_counter() - start)
    return whole, result.frames_per_second, result.model_load_s, result.frames_with_face


def main() -> int:
    args = bench_parser(__doc__, frames=150).parse_args()
    logging.basicConfig(level=logging.WARNING)
    src = bench_plate(args.data, "bench/extract.py")
    frames = FrameRange(1001, 1000 + args.frames)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plate_1080 = tmp / "s18_1080p.mp4"
        upscale_clip(src, plate_1080, (1920, 1080), args.frames)
        for label, plate in (("720p", src), ("1080p", plate_1080)):
            dec = decode_fps(plate, frames)
            whole, steady, load, found = extract_fps(plate, frames, tmp / f"ws_{label}")
            results[label] = (dec, whole, steady)
            print(
                f"{label}: decode-only {dec:7.1f} frames/s | extract {steady:6.1f} frames/s after {load:.2f} s model load "
                f"({whole:.1f} frames/s incl. load) | ratio {steady / dec:.3f} ({whole / dec:.3f} incl. load) "
                f"| face in {found}/{len(frames)} frames"
            )
    dec, whole, steady = results["1080p"]
    print(f"RESULT extract_fps_1080p={whole:.1f} target=10 {verdict(whole >= 10)}")
    print(f"RESULT extract_vs_decode_1080p={steady / dec:.3f} target=0.25 {verdict(steady / dec >= 0.25)}")
    print(
        f"RESULT extract_vs_decode_1080p_incl_model_load={whole / dec:.3f} target=0.25 {verdict(whole / dec >= 0.25)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
