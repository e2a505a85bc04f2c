"""`faceplate train SHOT`: train or continue the shot's swap model (stages 5-6)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from faceplate.models.config import ModelConfig
from faceplate.training.settings import TrainSettings

log = logging.getLogger("faceplate")
_MODEL_FLAGS = ("arch", "resolution", "ae_dims", "e_dims", "d_dims", "d_mask_dims")
_SETTING_FLAGS = ("batch_size", "lr", "gan_start", "device", "precision", "checkpoint_every", "preview_every", "keep_last",
                  "workers", "seed")


def register(sub) -> None:
    d, m = TrainSettings(), ModelConfig()
    p = sub.add_parser("train", help="train the swap model on the shot's source and destination facesets")
    p.add_argument("shot", type=Path)
    p.add_argument("--iterations", type=int, help=f"stop at this total iteration count (default {d.iterations} "
                   "when no other target is given)")
    p.add_argument("--minutes", type=float, help="stop after this much wall time")
    p.add_argument("--until-plateau", action="store_true", help="stop when the loss stops improving")
    p.add_argument("--arch", choices=["liae", "df"], help=f"model architecture for a new model (default {m.arch})")
    p.add_argument("--resolution", type=int, help=f"model resolution, multiple of 16 in 64-512 (default {m.resolution})")
    p.add_argument("--ae-dims", type=int, help=f"bottleneck width (default {m.ae_dims})")
    p.add_argument("--e-dims", type=int, help=f"encoder width (default {m.e_dims})")
    p.add_argument("--d-dims", type=int, help=f"decoder width (default {m.d_dims})")
    p.add_argument("--d-mask-dims", type=int, help=f"mask head width (default {m.d_mask_dims})")
    p.add_argument("--batch", dest="batch_size", type=int, help=f"batch size (default {d.batch_size})")
    p.add_argument("--lr", type=float, help=f"learning rate (default {d.lr})")
    p.add_argument("--gan-start", type=int, help="iteration where the adversarial term switches on (default: off)")
    p.add_argument("--init-from", help="start from another model's weights: checkpoint, model folder or workspace")
    p.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                   help="continue the workspace's model (default); --no-resume moves it aside to model.previous/")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="default auto: CUDA where there is a GPU")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"],
                   help="CUDA autocast precision (CPU always trains in fp32)")
    p.add_argument("--checkpoint-every", type=int, help=f"iterations between checkpoints (default {d.checkpoint_every})")
    p.add_argument("--preview-every", type=int, help=f"iterations between previews (default {d.preview_every})")
    p.add_argument("--keep-last", type=int, help=f"checkpoints kept besides the best (default {d.keep_last})")
    p.add_argument("--workers", type=int, help="background batch-building threads (default: 1 on the CPU, up to 4 for a GPU)")
    p.add_argument("--seed", type=int, help=f"random seed (default {d.seed})")
    p.set_defaults(run=run_train)


def model_config_from(args) -> ModelConfig | None:
    """A ModelConfig when any model flag was given (else None: the checkpoint's or the defaults)."""
    given = {k: getattr(args, k) for k in _MODEL_FLAGS if getattr(args, k) is not None}
    return ModelConfig(**given) if given else None


def settings_from(args, base: TrainSettings | None) -> TrainSettings:
    """The run's settings: a resumed model's saved settings (or the defaults), the flags given on
    top, and this run's targets."""
    values = (base or TrainSettings()).to_dict()
    values.update({k: getattr(args, k) for k in _SETTING_FLAGS if getattr(args, k) is not None})
    iterations = args.iterations
    if iterations is None and not (args.minutes or args.until_plateau):
        iterations = TrainSettings().iterations
    values.update(iterations=iterations, minutes=args.minutes, until_plateau=args.until_plateau)
    return TrainSettings.from_dict(values)


def run_train(args) -> None:
    from faceplate.stages.train import saved_settings, train
    from faceplate.workspace import open_workspace

    ws = open_workspace(args.shot)
    base = saved_settings(ws) if args.resume else None
    result = train(ws, settings_from(args, base), model_config_from(args), init_from=args.init_from, resume=args.resume,
                   show_progress=not args.quiet)
    loss = result.loss.get("total")
    log.info("trained to iteration %d (%s; %.2f it/s; loss %s; %d rollback(s)); checkpoint %s", result.iterations,
             result.stopped_by, result.iterations_per_second, f"{loss:.4f}" if loss is not None else "-",
             result.rollbacks, result.checkpoint)
