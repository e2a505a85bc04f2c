"""Swap quality on real head turns after a fixed training budget, scored by the shared judge.

    python bench/quality.py [--minutes 15] [--data ../shared/data] [--workspace DIR] [--device auto|cpu|cuda]
                            [--keep-every N] [--no-judge] [--judge-only] [--init-from LIBRARY]
                            [--compare-pretrained LIBRARY [--pretrain-minutes 20]]
                            [--iterations N] [--lr LR] [--gan-start N] [--gan-weight W]
                            [--eyes-mouth-weight W] [--seed N] [--arch df|liae]
                            [--ae-dims N] [--d-dims N] [--source CLIP]

Source head_turns/d18 (``--source`` names another head-turn clip), destination head_turns/d19. The
destination is split in blocks of 8 frames; every 4th block is held back (never trained on), so the
test frames span the clip's poses.
After training (``CPU_QUALITY_CONFIG``, the CPU preview profile: df, res 64, small dims) the held-back crops are swapped,
pasted with the predicted mask, and judged by ``faceplate.quality`` (``measures`` defines each
figure; ``faceplate.training.evaluate.judge_swap`` runs the generator):
- id_fraction: share of held-back swaps nearer the source identity than the destination's AND
  within dlib's same-person distance (0.6) of the source's mean embedding.
- expression_ratio: landmarks similarity-normalised, each clip's own mean shape removed; how far
  the swap's residual motion is from the plate's, over the plate's (0 = follows, 1 = frozen).
- mouth_corr: Pearson over frames of the inner-lip gap over the inter-ocular distance.
- sharpness_ratio: variance of the Laplacian inside the face hull, swap over plate: printed at the model's
  size (what the model draws), and judged (the RESULT line) by QC on the held-back frames rendered at the
  plate's face size (what a supervisor sees), at ``--detail``'s default and at 1.
The floor, printed beside every figure: the destination's own reconstruction of the same held-back
frames, judged the same way (identity: nearer the destination's). Targets (RESULT lines): CPU
id >= 0.9, expression <= 0.6, mouth >= 0.5, sharpness >= 0.4; on CUDA 0.95, 0.4, 0.75, 0.7.

Experiments: ``--iterations N`` instead of ``--minutes`` (two runs sharing the CPU then differ only in
wall time), ``--lr``, ``--gan-start``, ``--gan-weight``, ``--eyes-mouth-weight``, ``--seed``, ``--arch``,
``--ae-dims`` and ``--d-dims`` replace the profile's values (the model fields shape a new model: the shot's from
scratch, or a new library's; a shot from a library keeps its shape).
The judged checkpoint is the run's best (lowest reconstruction loss), with its averaged weights where
the profile averages (a run from a library).

``--workspace DIR`` keeps the extracted pair (with its held-back frames) and the model in DIR, or
reuses the pair; ``--keep-every N`` keeps a checkpoint every N iterations and judges each one
(how the measures move with training); ``--no-judge`` only trains (a GPU machine without the
dlib weights can train, and the checkpoints are judged elsewhere with ``--workspace``).

Pretrained start (``faceplate pretrain``): ``--init-from LIBRARY`` trains the shot from a library's
model. ``--compare-pretrained LIBRARY`` measures what the library buys: it makes the library when
LIBRARY has no model yet (``faceplate pretrain`` for ``--pretrain-minutes`` on every face in the
data folder except the pair's two people: the identities' stills, the talking heads and the other
head turns), then trains the shot twice for ``--minutes`` each, from scratch and from the library,
judges a checkpoint every ``--keep-every`` iterations (default 1000) of both, and prints both
curves and, per target, the first judged iteration that reaches it on each side (with
``--judge-only``: judges the two shots' kept checkpoints again, no training).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

from faceplate.faces.faceset import read_faceset
from faceplate.media.frames import compact_frames
from faceplate.models import ModelConfig
from faceplate.quality.judge import Judge
from faceplate.render.settings import MergeSettings
from faceplate.reporting import BaseReporter
from faceplate.stages import pretrain as pretrain_stage
from faceplate.stages import train as train_stage
from faceplate.stages.runner import run_stage
from faceplate.training import TrainSettings
from faceplate.training import checkpoint as ckpt
from faceplate.training import evaluate as ev
from faceplate.training.profiles import PROFILES
from faceplate.training.restore import load_generator, load_model
from faceplate.training.settings import LossWeights, ModelSettings, PretrainSettings, train_stage_settings
from faceplate.workspace import init_workspace, open_workspace
from faceplate.workspace.workspace import MANIFEST_NAME

# The CPU preview profile (faceplate.training.profiles), shared with tests/qc/test_trained_swap.py: what an
# artist without a GPU gets by default, so the bench measures what they see.
CPU_QUALITY_CONFIG = ModelConfig(**PROFILES["preview"].model)


def cpu_quality_settings(minutes: float, from_library: bool = False, **overrides) -> TrainSettings:
    """Train settings of the preview profile for a ``minutes`` run (random warp on, seeded); ``from_library``:
    the profile's values for a run that starts from a library."""
    profile = PROFILES["preview"]
    values = dict(iterations=None, minutes=minutes, random_warp=True, checkpoint_every=500, preview_every=500, seed=1)
    return TrainSettings(**(values | profile.train | (profile.from_library if from_library else {}) | overrides))


SOURCE, DESTINATION = "d18", "d19"  # head_turns clips (--source replaces the first)


def held_back(faceset) -> list:
    """Every 4th block of 8 destination frames: never trained on, spread over the clip's poses."""
    first = faceset.frames[0]
    return [r for r in faceset.records if ((r.frame - first) // 8) % 4 == 3]


def hold_back(ws) -> list:
    faceset = read_faceset(ws.faceset_dir("destination"))
    held = held_back(faceset)
    for r in held:
        r.status = "rejected"
    faceset.save()
    return held


def dst_reconstructor(checkpoint: Path) -> torch.nn.Module:
    """dst -> dst of a checkpoint, with the generator's interface (the expression floor)."""
    model = load_model(checkpoint)[0]

    class Dst(torch.nn.Module):
        def forward(self, x):
            return model.reconstruct_dst(x)

    return Dst()


def prepared_pair(root: Path, data: Path, source: str = SOURCE):
    """``source`` -> d19 extracted in ``root`` with every 4th block of 8 destination frames held back (reused
    when there, if it holds the same source)."""
    if (root / MANIFEST_NAME).is_file():
        ws = open_workspace(root)
        had = Path(ws.manifest.sources[0].path).stem
        if had != source:
            sys.exit(f"{root} holds the pair {had} -> {DESTINATION}; give --source {had} or another --workspace")
        return ws, held_back(read_faceset(ws.faceset_dir("destination")))
    turns = data / "head_turns"
    ws = init_workspace(root, turns / f"{DESTINATION}.mp4", sources=[turns / f"{source}.mp4"])
    run_stage(ws, "extract", {"crop_size": 128})
    return ws, hold_back(ws)


def library_faces(data: Path, source: str = SOURCE) -> list[Path]:
    """Every face in the data folder but the pair's two people (``source``, d19): a studio library stand-in."""
    turns = [p for p in sorted((data / "head_turns").glob("*.mp4")) if p.stem not in (source, DESTINATION)]
    return [*sorted((data / "identities").iterdir()), *sorted((data / "talking_heads").glob("*.mpg")), *turns]


def model_config(args) -> ModelConfig:
    """The preview profile's model with the command line's model fields."""
    given = {"arch": args.arch, "ae_dims": args.ae_dims, "d_dims": args.d_dims}
    return dataclasses.replace(CPU_QUALITY_CONFIG, **{k: v for k, v in given.items() if v is not None})


def prepared_library(
    root: Path, data: Path, minutes: float, device: str, config: ModelConfig, source: str = SOURCE
) -> Path:
    """The library at ``root`` (every face but ``source``'s and d19's), pretrained for ``minutes`` with the
    preview profile (``config``'s model) when it has no model yet."""
    if (root / "model" / "latest.json").is_file():
        print(f"library {root}: reusing its model")
        return root
    library = pretrain_stage.create_library(root, library_faces(data, source))
    settings = PretrainSettings(
        train=cpu_quality_settings(minutes, device=device),
        model=ModelSettings.of(config),
        profile="preview",
        crop_size=128,
    )
    started = time.perf_counter()
    result = pretrain_stage.run(library, settings, BaseReporter()).detail
    faces = len(read_faceset(library.faceset_dir(pretrain_stage.ROLE)).kept)
    print(
        f"library {root}: {faces} faces, pretrained {result.iterations} iterations in "
        f"{time.perf_counter() - started:.0f} s with extraction ({result.iterations_per_second:.2f} it/s)"
    )
    return root


def train_shot(ws, held: list, args, init_from: Path | None = None, keep_every: int | None = None) -> str:
    """Train the shot's model anew for ``args.minutes``; returns the device kind it trained on."""
    given = {"lr": args.lr, "iterations": args.iterations, "gan_start": args.gan_start, "seed": args.seed}
    overrides = {"device": args.device} | {k: v for k, v in given.items() if v is not None}
    weights = {"gan": args.gan_weight, "eyes_mouth": args.eyes_mouth_weight}
    if weights := {k: v for k, v in weights.items() if v is not None}:
        overrides |= {"weights": dataclasses.replace(LossWeights(), **weights)}
    if keep_every:
        overrides |= {"checkpoint_every": keep_every, "keep_last": 10**6}
    minutes = None if args.iterations else args.minutes
    settings = train_stage_settings(
        cpu_quality_settings(minutes, init_from is not None, **overrides),
        model_config(args),
        resume=False,
        init_from=str(init_from) if init_from else None,
    )
    started = time.perf_counter()
    result = train_stage.run(ws, settings, BaseReporter()).detail
    print(
        f"trained {result.iterations} iterations in {time.perf_counter() - started:.0f} s "
        f"({result.iterations_per_second:.2f} it/s on {result.device}"
        f"{', from ' + str(init_from) if init_from else ''}), {len(held)} held-back frames"
    )
    return "cuda" if str(result.device).startswith("cuda") else "cpu"


def asked_device(args) -> str:
    """The device kind --device names (before training says which it used): its targets are judged."""
    return "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"


def kept_checkpoints(ws) -> list[Path]:
    return sorted((ws.root / "model" / "checkpoints").iterdir())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FACEPLATE_TEST_DATA", "../shared/data")))
    parser.add_argument("--workspace", type=Path, help="keep the pair and model here, or reuse the pair")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--keep-every", type=int, help="keep (and judge) a checkpoint every N iterations")
    parser.add_argument("--no-judge", action="store_true", help="train only")
    parser.add_argument("--judge-only", action="store_true", help="judge the workspace's kept checkpoints, no training")
    parser.add_argument("--arch", choices=["df", "liae"], help="model architecture (default: the profile's)")
    parser.add_argument("--ae-dims", type=int, help="bottleneck width (default: the profile's)")
    parser.add_argument("--d-dims", type=int, help="decoder width (default: the profile's)")
    parser.add_argument("--iterations", type=int, help="train this many iterations instead of --minutes")
    parser.add_argument("--lr", type=float, help="learning rate (default: the profile's)")
    parser.add_argument(
        "--gan-start", type=int, help="switch the adversarial term on at this iteration (default: the profile's)"
    )
    parser.add_argument("--gan-weight", type=float, help="weight of the adversarial term (default: 0.1)")
    parser.add_argument("--eyes-mouth-weight", type=float, help="weight of the eyes-and-mouth L1 (default: 30)")
    parser.add_argument("--seed", type=int, help="training seed (default: 1)")
    parser.add_argument("--source", default=SOURCE, help="the source's head_turns clip (default: d18)")
    parser.add_argument("--init-from", type=Path, help="train the shot from this library's (or model's) weights")
    parser.add_argument(
        "--compare-pretrained",
        type=Path,
        metavar="LIBRARY",
        help="train from scratch and from LIBRARY (made when it has no model) and compare the curves",
    )
    parser.add_argument("--pretrain-minutes", type=float, default=20.0, help="pretraining budget of a new library")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        ws, held = prepared_pair(args.workspace or Path(tmp) / "shot", args.data, args.source)
        if args.compare_pretrained:
            return compare_pretrained(ws, held, args)
        trained_on = asked_device(args)
        if not args.judge_only:
            trained_on = train_shot(ws, held, args, args.init_from, args.keep_every)
        if args.no_judge:
            return 0
        if args.keep_every:
            models = Judge()
            for folder in kept_checkpoints(ws)[1:-1]:  # the last one is judged below, with the RESULT lines
                judge(ws, held, folder, brief=True, judge_models=models)
        report(ws, held, trained_on)
    return 0


def compare_pretrained(ws, held: list, args) -> int:
    """Scratch and pretrained runs of the same budget, judged along the way; per target, who gets there first."""
    library = prepared_library(
        args.compare_pretrained, args.data, args.pretrain_minutes, args.device, model_config(args), args.source
    )
    twin_root = ws.root.parent / f"{ws.root.name}_pretrained"
    if not args.judge_only:
        shutil.rmtree(twin_root, ignore_errors=True)
        shutil.copytree(ws.root, twin_root, ignore=shutil.ignore_patterns("model", "model.*"))
    twin = open_workspace(twin_root)
    models, curves, device = Judge(), {}, asked_device(args)
    for label, shot, init in (("scratch", ws, None), ("pretrained", twin, library)):
        print(f"-- {label}")
        if not args.judge_only:
            device = train_shot(shot, held, args, init, args.keep_every or 1000)
        curves[label] = [
            (int(folder.name), judge(shot, held, folder, brief=True, judge_models=models))
            for folder in kept_checkpoints(shot)[1:]
        ]
    targets = TARGETS[device]
    for name, target, higher in targets:
        first = {
            label: next((it for it, q in curve if _meets(getattr(q.swap, name), target, higher)), None)
            for label, curve in curves.items()
        }
        fewer = first["pretrained"] is not None and (first["scratch"] is None or first["pretrained"] < first["scratch"])
        print(
            f"{name} reaches {target}: scratch at {_when(first['scratch'])}, pretrained at {_when(first['pretrained'])}"
        )
        print(
            f"RESULT pretrained_iterations_{name}={_when(first['pretrained'])} "
            f"target={_when(first['scratch'])} {'PASS' if fewer else 'FAIL'}"
        )
    print("-- the pretrained run's last checkpoint, against the targets")
    report(twin, held, device)
    return 0


def _meets(value: float, target: float, higher: bool) -> bool:
    return value >= target if higher else value <= target


def _when(iteration: int | None) -> str:
    return "never" if iteration is None else str(iteration)


# (measure, target, higher is better) per device kind: the "done when" figures
TARGETS = {
    "cpu": [
        ("id_fraction", 0.9, True),
        ("expression_ratio", 0.6, False),
        ("mouth_corr", 0.5, True),
        ("sharpness_ratio", 0.4, True),
    ],
    "cuda": [
        ("id_fraction", 0.95, True),
        ("expression_ratio", 0.4, False),
        ("mouth_corr", 0.75, True),
        ("sharpness_ratio", 0.7, True),
    ],
}


def judge(ws, held, checkpoint: Path, brief: bool = False, judge_models: Judge | None = None) -> ev.SwapQuality:
    generator, _, info = load_generator(checkpoint)
    dst, src = read_faceset(ws.faceset_dir("destination")), read_faceset(ws.faceset_dir("source"))
    q = ev.judge_swap(
        generator, dst, src, held, reconstruct=dst_reconstructor(Path(info["checkpoint"])), judge=judge_models
    )
    if brief:
        print(f"iteration {info['iterations']:>6}: swap {q.swap.line()}; floor {q.floor.line()}", flush=True)
        return q
    print(
        f"checkpoint iteration {info['iterations']}, {q.swap.frames} held-back frames "
        f"(plates' distance to the source identity {q.plate_to_src:.3f})"
    )
    for name, _, _ in TARGETS["cpu"]:
        print(
            f"  {name:<17} swap {getattr(q.swap, name):7.3f}   floor (dst reconstruction) {getattr(q.floor, name):7.3f}"
        )
    print(
        f"  identity distance: swap to source {q.swap.to_wanted:.3f}, to destination {q.swap.to_other:.3f}; "
        f"floor to destination {q.floor.to_wanted:.3f}, to source {q.floor.to_other:.3f} (same person < 0.6)"
    )
    return q


def plate_scale(ws, held, detail: float) -> dict:
    """The held-back frames rendered from the exported model (merge ``detail``) and checked by the shot's own QC
    at the plate's face size: QC's figures (qc.json ``checks``), what a supervisor reads."""
    # every frame (QC checks a published version), checked on the held-back ones
    run_stage(ws, "render", {"preview": False, "merge": {"detail": detail}, "waive_consent": True})
    summary = run_stage(ws, "qc", {"frames": compact_frames(r.frame for r in held)}).summary
    return {name: check["value"] for name, check in summary["checks"].items()}


def report(ws, held, device: str = "cpu") -> ev.SwapQuality:
    q = judge(ws, held, ckpt.resolve_checkpoint(ws.root / "model", prefer="best"))
    default = MergeSettings().detail
    run_stage(ws, "export")  # the best checkpoint, as judged above
    at_plate = {detail: plate_scale(ws, held, detail) for detail in sorted({default, 1.0})}
    for detail, checks in at_plate.items():
        print(
            f"  at the plate's face size (render --detail {detail:g}, QC): sharpness {checks['sharpness']:.3f}, "
            f"identity share {checks['identity_share']:.3f}, flicker {checks['flicker']:.3f}"
        )
    # sharpness is judged where the supervisor sees it, on the rendered layer at the plate's face size (the
    # model-size figure above says how much of it the model draws); the others at the model's size
    measured = {name: getattr(q.swap, name) for name, _, _ in TARGETS["cpu"]}
    measured["sharpness_ratio"] = at_plate[default]["sharpness"]
    for name, target, higher in TARGETS["cuda" if device == "cuda" else "cpu"]:
        value = measured[name]
        print(f"RESULT {name}={value:.3f} target={target} {'PASS' if _meets(value, target, higher) else 'FAIL'}")
    return q


if __name__ == "__main__":
    sys.exit(main())
