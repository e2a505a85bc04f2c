"""`faceplate mask`: landmark masks, the learned mask model (train, apply, export to ONNX)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from faceplate.cli.roles import add_role_flag, roles_from
from faceplate.errors import MaskError

log = logging.getLogger("faceplate")


def register(sub) -> None:
    from faceplate.stages.mask import MaskSettings

    d = MaskSettings()
    p = sub.add_parser("mask", help="face masks for every crop: landmark hull, then the learned (XSeg-like) model")
    p.add_argument("shot", type=Path)
    add_role_flag(p)
    p.add_argument("--labels", type=Path, help="polygon file (FacePolygons.1): include/exclude polygons per crop")
    p.add_argument("--train", action=argparse.BooleanOptionalAction, default=None,
                   help="train the mask model (default: when labels are given or no model exists yet)")
    p.add_argument("--landmark-only", action="store_true", help="landmark masks only, no learned model")
    p.add_argument("--iterations", type=int, default=d.iterations, help=f"training steps (default {d.iterations})")
    p.add_argument("--resolution", type=int, default=d.resolution, help=f"model input size (default {d.resolution}; 128 on a CPU)")
    p.add_argument("--batch", type=int, default=d.batch)
    p.add_argument("--min-labels", type=int, default=d.min_labels, help="fewest labelled crops to train on")
    p.add_argument("--device", help="torch device for training (default: cuda when available)")
    p.set_defaults(run=run_mask)


def run_mask(args) -> None:
    from faceplate.stages.mask import MaskSettings, mask
    from faceplate.workspace import open_workspace

    if args.iterations < 1 or args.batch < 1:
        raise MaskError("--iterations and --batch must be at least 1")
    try:
        settings = MaskSettings(roles=roles_from(args), labels=str(args.labels) if args.labels else None, train=args.train,
                                learned=not args.landmark_only, iterations=args.iterations, resolution=args.resolution,
                                batch=args.batch, min_labels=args.min_labels, device=args.device)
    except ValueError as exc:
        raise MaskError(f"bad mask setting: {exc}") from exc
    summary = mask(open_workspace(args.shot), settings)
    kind = "learned" if summary["learned"] else "landmark"
    log.info("%d faces masked (%s masks, %.0f faces/s)%s", summary["faces"], kind, summary["faces_per_second"],
             f"; trained on {summary['training']['source']}" if summary.get("training") else "")
