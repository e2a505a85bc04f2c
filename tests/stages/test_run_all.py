"""`faceplate run`: every stage in order with the settings the shot remembers (the demo: test_demo.py)."""

from __future__ import annotations

import json

import pytest

from faceplate.cli.main import main
from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.faces.faceset import read_faceset
from faceplate.stages import STAGES
from faceplate.stages.run_all import run_all
from faceplate.workspace import init_workspace, open_workspace

pytestmark = pytest.mark.slow
TINY = {
    "model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
    "train": {"iterations": 3, "batch_size": 2, "min_faces": 2},
}


def test_run_uses_what_the_artist_set_and_a_second_run_has_nothing_to_do(tmp_path, capsys):
    plate, source = build_example(tmp_path / "example")
    shot = init_workspace(
        tmp_path / "shot", plate, "1001-1004", [source], colour_space=PLATE_SPACE, fps="24", consent_ref=CONSENT_REF
    ).root
    assert main(["extract", str(shot), "--face-type", "full", "--crop-size", "128"]) == 0
    results = run_all(
        open_workspace(shot),
        {"train": TINY, "mask": {"landmark_only": True}, "curate": {"rules": ["identity", "blur"]}},
    )
    assert list(results) == ["extract", "curate", "mask", "train", "export", "render", "qc", "report"]
    for name, result in results.items():  # what each stage records is what its record declares
        assert set(result.outputs) <= set(STAGES[name].artifacts), name
    assert (shot / "qc" / "v001" / "qc.json").is_file() and (shot / "report" / "v001" / "index.html").is_file()
    report = json.loads((shot / "report" / "v001" / "report.json").read_text())
    render = open_workspace(shot).manifest.last_run("render")
    assert report["provenance"]["model"]["sha256"] == render.inputs["model_sha256"], "the report names the model"
    assert report["summary"]["frames"] == 4 and report["summary"]["frames_measured"] == 4
    assert results["extract"].status == "skipped", "the artist's --face-type full faceset is kept, not redone"
    assert read_faceset(shot / "facesets" / "destination").header["face_type"] == "full"
    assert results["train"].detail.iterations == 3
    layers = sorted((shot / "render" / "v001" / "layer").glob("faceplate.*.exr"))
    assert [p.name.split(".")[1] for p in layers] == ["1001", "1002", "1003", "1004"]

    capsys.readouterr()
    assert main(["run", str(shot)]) == 0
    said = capsys.readouterr().err
    assert "up to date" in said and "already at iteration 3" in said and "1001-1004" in said
    runs = open_workspace(shot).manifest.runs_of("train")
    assert runs[-1].parameters["train"]["batch_size"] == 2, "faceplate run kept the artist's batch size"
    assert [r.stage for r in open_workspace(shot).manifest.stages].count("extract") == 2  # one per role, once
