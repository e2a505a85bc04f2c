"""Layer previews while a shot trains (``preview_layer_every``, off unless asked): once the interval has passed
since the run started or the last preview (wall minutes, or iterations), the loop saves a checkpoint and this
exports its generator (``export_generator``, parity-checked as ever) and renders the shot through the render
stage's own frame pipeline (``render.shot_frames.render_unversioned``) into ``render/preview/itNNNNNNNN``
(``render.preview_layer``), then tells the reporter (``layer_preview``: a ``preview_layer`` event of the job), so
a host places it on the timeline while training goes on.

Every frame of the shot, at the plate's size: a preview on a timeline has to sit on the face in each frame it
covers (a frame-sparse preview would hold a face where the plate's has moved), and the faces come from the
extracted faceset, so a frame costs one generator pass at the model's resolution and its merge. The review PNGs
and movie are left out. The train stage's minutes are wall time, so the time previews take counts against the
budget; a preview that would end past the time cap is not started, and the stage says the total in one line.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from faceplate.budget import parse_budget
from faceplate.errors import ConsentError, FaceplateError, StageCancelled
from faceplate.export.contract import GENERATOR
from faceplate.render.preview_layer import publish_preview, start_preview
from faceplate.render.settings import RenderSettings
from faceplate.reporting import Reporter
from faceplate.workspace import Workspace
from faceplate.workspace.consent import check_consent

log = logging.getLogger(__name__)


class LayerPreviews:
    def __init__(self, workspace: Workspace, every: str, reporter: Reporter, run, iteration: int):
        figure = parse_budget(every)
        self.workspace, self.reporter, self.run = workspace, reporter, run
        self.every_iterations, self.every_s = figure.iterations, (figure.minutes or 0) * 60
        self.last_iteration, self.last_time = iteration, time.perf_counter()
        self.made: list[int] = []
        self.seconds, self.took = 0.0, 0.0  # all previews; the last one
        self.stopped: str | None = None

    def due(self, iteration: int, seconds_left: float | None) -> bool:
        """Whether the interval has passed (and the preview would end before the run's time cap)."""
        if self.stopped or (seconds_left is not None and seconds_left <= self.took):
            return False
        if self.every_iterations:
            return iteration - self.last_iteration >= self.every_iterations
        return time.perf_counter() - self.last_time >= self.every_s

    def make(self, checkpoint: Path, iteration: int) -> None:
        """The checkpoint's preview; one that fails is said in one line and training goes on without more."""
        started = time.perf_counter()
        try:
            info = self._render(checkpoint, iteration)
        except StageCancelled:
            raise  # the loop's cancel: its checkpoint is saved already
        except (FaceplateError, OSError, RuntimeError, ValueError) as exc:
            self.stopped = f"{type(exc).__name__}: {exc}" if not isinstance(exc, FaceplateError) else str(exc)
            log.warning("no layer preview at iteration %d (%s); training goes on without them", iteration, self.stopped)
            return
        finally:
            self.took = time.perf_counter() - started
            self.seconds += self.took
            self.last_iteration, self.last_time = iteration, time.perf_counter()
        self.made.append(iteration)
        log.info("layer preview of iteration %d: %s (%.1f s)", iteration, info["pattern"], self.took)
        self.reporter.layer_preview(info)

    def _render(self, checkpoint: Path, iteration: int) -> dict:
        from faceplate.export.generator_export import export_generator
        from faceplate.render.outputs import RenderPaths
        from faceplate.render.shot_frames import render_unversioned
        from faceplate.training.restore import load_generator

        ws = self.workspace
        settings = ws.settings_for("render", RenderSettings, {"preview": False})  # layer and matte only
        render_dir = ws.root / "render"
        building = start_preview(render_dir, iteration)
        try:
            generator, config, meta = load_generator(checkpoint)
            model = building / GENERATOR
            export_generator(generator, config, {**meta, "working_space": ws.manifest.working_space}, model)
            paths = RenderPaths(building, settings.name, settings.layer_format)
            render_unversioned(ws, settings, model, paths, self.reporter, self.run)
            layer, matte = paths.layer_pattern, str(paths.matte(0)).replace(".0000.", ".####.")
            details = {"layer": _relative(layer, building), "matte": _relative(matte, building)}
            final = publish_preview(render_dir, building, iteration, details | {"frame_range": ws.manifest.range})
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return {"iteration": iteration, "pattern": str(final / details["layer"]), "frame_range": ws.manifest.range}

    def line(self) -> str:
        """What the previews cost, in one line of the stage's result."""
        made = ", ".join(map(str, self.made)) or "none"
        stopped = f"; stopped: {self.stopped}" if self.stopped else ""
        return (
            f"layer previews at iteration(s) {made} took {self.seconds:.1f} s of the run's wall time "
            f"(counted in its budget){stopped}"
        )

    def summary(self) -> dict:
        return {"iterations": self.made, "seconds": round(self.seconds, 2), "stopped": self.stopped}


def layer_previews(workspace: Workspace, every: str | None, reporter: Reporter, run, iteration: int):
    """The run's previews, or None when not asked or when no render may be made (said in one line)."""
    if not every:
        return None
    render = workspace.settings_for("render", RenderSettings)
    try:
        check_consent(workspace.manifest.consent_ref, render.waive_consent, workspace.manifest.shot)
    except ConsentError as exc:
        log.warning("no layer previews: %s", exc)
        return None
    return LayerPreviews(workspace, every, reporter, run, iteration)


def _relative(pattern: str, folder: Path) -> str:
    return str(Path(pattern).relative_to(folder))
