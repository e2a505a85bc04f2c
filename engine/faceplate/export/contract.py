"""What export writes and render reads, without torch: file names, the metadata schema.

Render runs on machines (and in hosts) without torch, so this lives apart from the exporter.
"""

from __future__ import annotations

from faceplate.faces.align import TEMPLATE_NAME
from faceplate.settings import RootedPath, setting, stage_settings

# .2 adds the third output, the destination's reconstruction (render's occlusion cue); render still
# reads .1 files (no reconstruction: the cue is off for them)
SCHEMA = "FaceplateGenerator.2"
READABLE_SCHEMAS = ("FaceplateGenerator.1", SCHEMA)
GENERATOR, GENERATOR_FP16, GENERATOR_DFM = "generator.onnx", "generator.fp16.onnx", "generator.dfm"


def generator_metadata(config, meta: dict) -> dict[str, str]:
    return {
        "schema": SCHEMA,
        "face_type": config.face_type,
        "resolution": str(config.resolution),
        "template": TEMPLATE_NAME,
        "working_space": meta.get("working_space", "sRGB Encoded Rec.709 (sRGB)"),
        "iterations": str(meta.get("iterations", 0)),
        "config_hash": str(meta.get("config_hash", "")),
        "arch": getattr(config, "arch", ""),
        "run_id": str(meta.get("run_id", "")),  # a retrain to the same iteration is still another model
        "media": str(meta.get("media") or ""),  # the footage it was trained on (render checks it is the shot's)
        "input": "face: [B,3,R,R] RGB 0..1 working space",
        "outputs": "swapped: [B,3,R,R] RGB 0..1; mask: [B,1,R,R] 0..1; reconstruction: [B,3,R,R] RGB 0..1",
    }


@stage_settings
class ExportSettings:
    model: RootedPath | None = setting(
        None,
        "checkpoint or model folder to export (default: the shot's best checkpoint, else its latest)",
        remember=False,
    )
    fp16: bool = setting(False, "also write a half-precision generator.fp16.onnx, which render uses on CUDA")
    dfm: bool = setting(False, "also write a DeepFaceLab/DeepFaceLive .dfm")
    force: bool = setting(False, "export again even when the files from this checkpoint are up to date", remember=False)
