"""`faceplate run` and the demo: every stage in order with the settings the shot remembers."""

from __future__ import annotations

import pytest

from faceplate.cli.main import main
from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example, run_demo
from faceplate.faces.faceset import read_faceset
from faceplate.media import read_image
from faceplate.stages.run_all import run_all
from faceplate.workspace import init_workspace, open_workspace

pytestmark = pytest.mark.slow
TINY = {"model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
        "train": {"iterations": 3, "batch_size": 2, "min_faces": 2}}


def test_run_uses_what_the_artist_set_and_a_second_run_has_nothing_to_do(tmp_path, capsys):
    plate, source = build_example(tmp_path / "example")
    shot = init_workspace(tmp_path / "shot", plate, "1001-1004", [source], colour_space=PLATE_SPACE, fps="24",
                          consent_ref=CONSENT_REF).root
    assert main(["extract", str(shot), "--face-type", "full", "--crop-size", "128"]) == 0
    results = run_all(open_workspace(shot), {"train": TINY, "mask": {"landmark_only": True},
                                            "curate": {"rules": ["identity", "blur"]}})
    assert list(results) == ["extract", "curate", "mask", "train", "export", "render"]
    assert results["extract"].status == "skipped", "the artist's --face-type full faceset is kept, not redone"
    assert read_faceset(shot / "facesets" / "destination").header["face_type"] == "full"
    assert results["train"].detail.iterations == 3
    layers = sorted((shot / "render" / "layer").glob("faceplate.*.exr"))
    assert [p.name.split(".")[1] for p in layers] == ["1001", "1002", "1003", "1004"]

    capsys.readouterr()
    assert main(["run", str(shot)]) == 0
    said = capsys.readouterr().err
    assert "up to date" in said and "already at iteration 3" in said and "1001-1004" in said
    runs = [r for r in open_workspace(shot).manifest.stages if r.stage == "train"]
    assert runs[-1].parameters["train"]["batch_size"] == 2, "faceplate run kept the artist's batch size"
    assert [r.stage for r in open_workspace(shot).manifest.stages].count("extract") == 2  # one per role, once


def test_the_demo_renders_every_frame_of_the_example(tmp_path):
    shot = run_demo(tmp_path / "demo")
    for frame in range(1001, 1025):
        layer = read_image(shot / "render" / "layer" / f"faceplate.{frame:04d}.exr", alpha=True)
        assert layer.shape == (540, 960, 4) and layer[..., 3].max() > 0.9, f"frame {frame} has a face matte"
    assert (shot / "render" / "faceplate_preview.mp4").stat().st_size > 10_000
    assert all(r.status == "done" for r in open_workspace(shot).manifest.stages)
