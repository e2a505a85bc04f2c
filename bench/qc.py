"""Shot QC throughput against the render it checks, at 1080p, in one run.

    python bench/qc.py [--frames N] [--device cpu|cuda] [--data ../shared/data]

A 1920x1080 plate (the same upscaled natural scene as bench/render.py) with a talking-heads source,
extracted; the default model (random weights: speed does not depend on training) exported and
rendered as an artist renders (preview on); then `faceplate qc` on the same frames (forced).

    RESULT qc_vs_render = QC frames/s / render frames/s      target >= 2

so PASS means checking a shot costs at most half of rendering it (QC must cost well under the
render). Both are timed inside their stages (decode included); on a GPU the render gets faster and
QC (dlib on the CPU) does not, so run it with --device cuda to see that case.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract import bench_parser, upscale_clip  # noqa: E402  (same 1080p plate as the extraction and render benchmarks)
from faceplate.export.generator_export import export_generator
from faceplate.media import FrameRange
from faceplate.models.autoencoder import build_model
from faceplate.models.config import ModelConfig
from faceplate.models.generator import generator_from_model
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace

CONSENT_REF = "benchmark: shared test media (plates/, talking_heads/), internal use only"


def prepared_shot(root: Path, data: Path, frames: FrameRange):
    plate = root / "s18_1080p.mp4"
    root.mkdir(parents=True, exist_ok=True)
    upscale_clip(data / "plates" / "s18_natural_scene.mp4", plate, (1920, 1080), len(frames))
    ws = init_workspace(
        root / "shot", plate, str(frames), sources=[data / "talking_heads" / "grid_lwbsza.mpg"], consent_ref=CONSENT_REF
    )
    run_stage(ws, "extract", {"crop_size": 256, "source_step": 5})
    config = ModelConfig()
    export_generator(
        generator_from_model(build_model(config)).eval(),
        config,
        {"iterations": 0, "config_hash": config.config_hash()},
        ws.root / "export" / "generator.onnx",
    )
    return ws


def main() -> int:
    parser = bench_parser(__doc__, frames=48)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not (args.data / "plates" / "s18_natural_scene.mp4").is_file():
        print(
            f"bench/qc.py: test media not found in {args.data}; pass --data or set FACEPLATE_TEST_DATA", file=sys.stderr
        )
        return 2
    frames = FrameRange(1001, 1000 + args.frames)
    with tempfile.TemporaryDirectory() as tmp:
        ws = prepared_shot(Path(tmp), args.data, frames)
        render = run_stage(ws, "render", {"device": args.device}).detail
        render_fps = len(render.frames_written) / render.seconds
        started = time.perf_counter()
        qc = run_stage(ws, "qc", {"force": True})
        qc_fps = qc.summary["frames"] / (time.perf_counter() - started)
    print(f"render on {args.device}: {render_fps:.2f} frames/s ({len(render.frames_written)} frames, preview on)")
    print(f"qc: {qc_fps:.2f} frames/s ({qc.summary['frames_measured']} of {qc.summary['frames']} frames with a face)")
    ratio = qc_fps / render_fps
    print(f"RESULT qc_vs_render={ratio:.2f} target=2 {'PASS' if ratio >= 2 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
