"""The QC measures over frames as one PNG (matplotlib, no display): each measure with its limit, the
frames flagged for it shaded."""

from __future__ import annotations

import io

import numpy as np

PANELS = (  # (measure, title, row keys, limit key)
    ("identity", "identity: distance to the source (solid) and to the plate's face (dashed)", ("to_source", "to_plate"),
     "identity_distance"),
    ("expression", "expression error (0 follows the plate, 1 frozen)", ("expression",), "max_expression"),
    ("pose", "largest yaw/pitch/roll difference, degrees", ("pose",), "max_pose_deg"),
    ("flicker", "flicker, composite over plate", ("flicker",), "max_flicker"),
    ("seam", "seam gradient energy, composite over plate", ("seam",), "max_seam"),
    ("colour", "skin colour difference, CIEDE2000", ("delta_e",), "max_delta_e"),
    ("sharpness", "sharpness, composite over plate", ("sharpness",), "min_sharpness"),
)


def _series(rows: list[dict], key: str) -> np.ndarray:
    if key == "pose":
        return np.array([max(abs(d) for d in r["pose_diff"]) if r.get("pose_diff") else np.nan for r in rows])
    return np.array([np.nan if r.get(key) is None else r[key] for r in rows], np.float64)


def metrics_png(rows: list[dict], limits: dict, reasons: dict[str, str]) -> bytes:
    """PNG bytes: one panel per measure over plate frame numbers; ``reasons`` maps measure -> reason text."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # a Figure without pyplot: no global state, no display

    frames = np.array([r["frame"] for r in rows])
    figure = Figure(figsize=(10, 2.0 * len(PANELS)), dpi=90, layout="constrained")
    axes = figure.subplots(len(PANELS), 1, sharex=True)
    for ax, (measure, title, keys, limit_key) in zip(axes, PANELS):
        flagged = [r["frame"] for r in rows if reasons[measure] in r.get("reasons", [])]
        for frame in flagged:
            ax.axvspan(frame - 0.5, frame + 0.5, color="#e4572e", alpha=0.25, linewidth=0)
        for key, style in zip(keys, ("-", "--")):
            ax.plot(frames, _series(rows, key), style, marker=".", color="#1d3557")
        ax.axhline(limits[limit_key], color="#e4572e", linewidth=1)
        ax.set_title(title, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
    axes[-1].set_xlabel("plate frame")
    axes[-1].xaxis.get_major_locator().set_params(integer=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
