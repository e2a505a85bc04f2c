"""Layer previews while training (``preview_layer_every``): driven by iterations, so nothing depends on timing.
The train stage renders the shot through a checkpoint into render/preview/itNNNNNNNN (only the newest kept, no
layer version touched), says so in the job's events and in one line of cost, and the API reports it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from faceplate.errors import FaceplateError
from faceplate.media import read_image
from faceplate.reporting import RecordingReporter
from faceplate.server.artifacts import job_artifacts
from faceplate.stages.runner import run_stage
from faceplate.workspace import open_workspace
from faceplate.workspace.consent import set_consent_ref

TINY = {"model.arch": "df", "model.resolution": 64, "model.ae_dims": 32, "model.e_dims": 8, "model.d_dims": 8}
TRAIN = {"train.batch_size": 2, "train.lr_warmup": 1, "train.checkpoint_every": 100, "train.preview_every": 100}


@pytest.fixture
def shot(talking_heads_extracted, tmp_path):
    shutil.copytree(talking_heads_extracted, tmp_path / "shot")
    ws = open_workspace(tmp_path / "shot")
    set_consent_ref(ws, "release 2026-114")
    return ws


def _frame_files(folder, frames):
    return sorted(p.name for p in (folder / "layer").glob("*.exr")), [f"faceplate.{f:04d}.exr" for f in frames]


def test_previews_every_n_iterations_keep_the_newest_and_touch_no_version(shot):
    reporter = RecordingReporter()
    result = run_stage(shot, "train", TRAIN | TINY | {"train.iterations": 7, "preview_layer_every": "3it"}, reporter)
    # at 3 and 6; not at 7: the run stops there and the final render follows
    events = reporter.of("layer_preview")
    assert [e["iteration"] for e in events] == [3, 6]
    preview = shot.root / "render" / "preview"
    assert sorted(p.name for p in preview.iterdir()) == ["it00000006"], "the older preview went, no partial left"
    assert events[-1]["pattern"] == str(preview / "it00000006" / "layer" / "faceplate.####.exr")
    assert events[-1]["frame_range"] == "1001-1020"
    found, wanted = _frame_files(preview / "it00000006", range(1001, 1021))
    assert found == wanted, "every frame of the shot"
    assert not list((shot.root / "render").glob("v0*")), "no layer version is made or touched"
    info = json.loads((preview / "it00000006" / "preview.json").read_text())
    assert (info["schema"], info["iteration"], info["layer"]) == ("LayerPreview.1", 6, "layer/faceplate.####.exr")
    assert result.lines[1].startswith("layer previews at iteration(s) 3, 6 took ")
    assert result.lines[1].endswith(" s of the run's wall time (counted in its budget)")
    assert open_workspace(shot.root).manifest.last_run("train").summary["layer_previews"]["iterations"] == [3, 6]

    shown = job_artifacts({"workspace": str(shot.root)})["preview_layer"]
    assert (shown["iteration"], shown["pattern"], shown["frame_range"]) == (6, events[-1]["pattern"], "1001-1020")

    # the preview is the render stage's own output for that checkpoint: the same pixels as a render of its model
    model = preview / "it00000006" / "generator.onnx"
    run_stage(shot, "render", {"model": str(model), "preview": False})
    for frame in (1001, 1010, 1020):
        ours = read_image(preview / "it00000006" / "layer" / f"faceplate.{frame}.exr", alpha=True)
        rendered = read_image(shot.root / "render" / "v001" / "layer" / f"faceplate.{frame}.exr", alpha=True)
        assert np.array_equal(ours, rendered), frame
    assert ours[..., 3].max() > 0.1, "a face is in the layer"


def test_no_previews_unless_asked_and_a_bad_interval_is_one_line(shot):
    with pytest.raises(FaceplateError, match="'soon' is not an interval this engine reads; give minutes"):
        run_stage(shot, "train", TRAIN | TINY | {"train.iterations": 2, "preview_layer_every": "soon"})
    result = run_stage(shot, "train", TRAIN | TINY | {"train.iterations": 4})
    assert not (shot.root / "render" / "preview").exists() and len(result.lines) == 1
