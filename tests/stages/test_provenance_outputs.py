"""Every output says how it was made and under what consent: the ONNX metadata (read with onnx), the layer,
matte and preview headers (OpenImageIO), the review movie's container metadata (PyAV) and the manifest; a
render without a consent reference is refused with nothing written, and a waiver is written in its place."""

from __future__ import annotations

import hashlib
import json
import shutil

import av
import onnx
import OpenImageIO as oiio
import pytest

from faceplate import __version__
from faceplate.cli.main import main
from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.models import ModelConfig
from faceplate.render.outputs import RenderPaths
from faceplate.stages.runner import run_stage
from faceplate.training import TrainSettings, Trainer
from faceplate.workspace import init_workspace, open_workspace

pytestmark = pytest.mark.slow
FRAMES = (1001, 1002, 1003)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A shot of the example (frames 1001-1003) with a one-iteration model exported through the stage, and
    the same shot without a consent reference."""
    base = tmp_path_factory.mktemp("provenance")
    plate, source = build_example(base / "example")
    ws = init_workspace(base / "shot", plate, "1001-1003", [source], colour_space=PLATE_SPACE, fps="24",
                        consent_ref=CONSENT_REF)
    config = ModelConfig(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4)
    Trainer(config, TrainSettings(iterations=1)).save(ws.root / "model", loss=1.0)
    run_stage(ws, "export")
    bare = init_workspace(base / "bare", plate, "1001-1003", [source], colour_space=PLATE_SPACE, fps="24")
    shutil.copytree(ws.root / "export", bare.root / "export")
    return ws.root, bare.root, config.config_hash()


def header(path) -> dict[str, str]:
    spec = oiio.ImageInput.open(str(path)).spec()
    return {a.name: a.value for a in spec.extra_attribs if a.name.startswith("faceplate/")}


def movie_metadata(path) -> dict[str, str]:
    with av.open(str(path)) as movie:
        return dict(movie.metadata)


def test_onnx_frames_movie_and_manifest_carry_the_same_provenance(exported, tmp_path):
    shot = shutil.copytree(exported[0], tmp_path / "shot")
    config_hash = exported[2]
    props = {p.key: p.value for p in onnx.load(str(shot / "export" / "generator.onnx")).metadata_props}
    manifest = open_workspace(shot).manifest
    assert props["faceplate/version"] == __version__ and props["faceplate/consent"] == CONSENT_REF
    assert props["faceplate/model_config_hash"] == config_hash == props["config_hash"]
    iteration = props["iterations"]  # the checkpoint's, as export wrote it (a saved, untrained model: 0)
    assert props["faceplate/checkpoint_iteration"] == iteration and props["faceplate/plate"] == manifest.plate.path
    assert props["faceplate/plate_fingerprint"] == f"bytes={manifest.plate.size_bytes} frames=24 size=960x540"
    assert json.loads(props["faceplate/provenance"]) == manifest.last_run("export").provenance

    result = run_stage(open_workspace(shot), "render", {"batch": 4, "device": "cpu"})
    assert result.detail.frames_written == list(FRAMES)
    model_sha = hashlib.sha256((shot / "export" / "generator.onnx").read_bytes()).hexdigest()
    run = open_workspace(shot).manifest.last_run("render")
    export_run = open_workspace(shot).manifest.last_run("export")
    record = run.provenance
    assert record["made_by"]["run"] == run.id and record["model"]["sha256"] == model_sha
    assert record["consent"] == {"ref": CONSENT_REF, "waived": False, "text": CONSENT_REF}
    assert [s["stage"] for s in record["stages"]] == ["init", "export"]
    paths = RenderPaths(shot / "render", "faceplate")
    for frame in FRAMES:
        for path in (paths.layer(frame), paths.matte(frame), paths.preview(frame)):
            attributes = header(path)
            assert attributes["faceplate/version"] == __version__, path
            assert attributes["faceplate/model_sha256"] == model_sha
            assert attributes["faceplate/checkpoint_iteration"] == iteration, path
            assert attributes["faceplate/model_config_hash"] == config_hash, path
            assert attributes["faceplate/consent"] == CONSENT_REF and attributes["faceplate/consent_waived"] == "false"
            assert attributes["faceplate/plate_fingerprint"] == props["faceplate/plate_fingerprint"]
            assert f"export:{export_run.id}" in attributes["faceplate/stages"].split(), path
            assert json.loads(attributes["faceplate/sources"])[0]["path"] == open_workspace(shot).manifest.sources[0].path
            assert json.loads(attributes["faceplate/provenance"]) == record, path
    movie = movie_metadata(paths.movie)
    assert movie["faceplate/model_sha256"] == model_sha and movie["faceplate/consent"] == CONSENT_REF
    assert json.loads(movie["faceplate/provenance"]) == record


def test_without_consent_render_is_refused_and_a_waiver_is_written_into_every_output(exported, tmp_path, capfd):
    shot = shutil.copytree(exported[1], tmp_path / "bare")
    before = sorted(p.relative_to(shot) for p in shot.rglob("*"))
    assert main(["-q", "render", str(shot), "--device", "cpu"]) == 1
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no consent reference" in err[0] and "--no-consent-ref" in err[0], err
    assert sorted(p.relative_to(shot) for p in shot.rglob("*")) == before and not (shot / "render").exists()

    assert main(["-q", "render", str(shot), "--device", "cpu", "--no-consent-ref"]) == 0
    paths = RenderPaths(shot / "render", "faceplate")
    for frame in FRAMES:
        for path in (paths.layer(frame), paths.matte(frame), paths.preview(frame)):
            attributes = header(path)
            assert attributes["faceplate/consent_waived"] == "true" and "faceplate/consent_ref" not in attributes
            assert attributes["faceplate/consent"].startswith("WAIVED"), path
    assert movie_metadata(paths.movie)["faceplate/consent_waived"] == "true"
    run = open_workspace(shot).manifest.last_run("render")
    assert run.inputs["consent"] == {"ref": None, "waived": True} and run.provenance["consent"]["waived"] is True

    # the reference recorded later: every frame is rendered again, so no file still says "waived"
    assert main(["-q", "consent", str(shot), "--ref", "CF-77"]) == 0
    again = run_stage(open_workspace(shot), "render", {"device": "cpu"}).detail
    assert again.reasons == {"consent reference changed": list(FRAMES)}
    assert {header(paths.layer(f))["faceplate/consent"] for f in FRAMES} == {"CF-77"}
    assert movie_metadata(paths.movie)["faceplate/consent_ref"] == "CF-77"

    tif = run_stage(open_workspace(shot), "render", {"device": "cpu", "frames": "1002", "layer_format": "tif",
                                                     "name": "tif", "preview": False}).detail
    assert tif.frames_written == [1002]
    description = oiio.ImageInput.open(str(RenderPaths(shot / "render", "tif", "tif").layer(1002))).spec() \
        .getattribute("ImageDescription")
    assert json.loads(description)["consent"]["ref"] == "CF-77", "a TIFF layer keeps the record in ImageDescription"
