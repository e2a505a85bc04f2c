"""The QC measures over frames as one PNG (matplotlib, no display): each measure with its limit, the
frames flagged for it shaded (``qc.checks.MEASURES``: a panel per measure)."""

from __future__ import annotations

import io

import numpy as np

from faceplate.qc.checks import MEASURES, Measure


def _series(rows: list[dict], measure: Measure, key: str) -> np.ndarray:
    return np.array([np.nan if (v := measure.series(r, key)) is None else v for r in rows], np.float64)


def metrics_png(rows: list[dict], limits: dict, reasons: dict[str, str]) -> bytes:
    """PNG bytes: one panel per measure over plate frame numbers; ``reasons`` maps measure -> reason text."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # a Figure without pyplot: no global state, no display

    frames = np.array([r["frame"] for r in rows])
    figure = Figure(figsize=(10, 2.0 * len(MEASURES)), dpi=90, layout="constrained")
    axes = figure.subplots(len(MEASURES), 1, sharex=True)
    for ax, measure in zip(axes, MEASURES):
        flagged = [r["frame"] for r in rows if reasons[measure.name] in r.get("reasons", [])]
        for frame in flagged:
            ax.axvspan(frame - 0.5, frame + 0.5, color="#e4572e", alpha=0.25, linewidth=0)
        for key, style in zip(measure.keys, ("-", "--")):
            ax.plot(frames, _series(rows, measure, key), style, marker=".", color="#1d3557")
        ax.axhline(measure.limit_in(limits), color="#e4572e", linewidth=1)
        ax.set_title(measure.title, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
    axes[-1].set_xlabel("plate frame")
    axes[-1].xaxis.get_major_locator().set_params(integer=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
