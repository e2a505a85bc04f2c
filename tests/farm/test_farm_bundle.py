"""`faceplate farm export --bundle DIR`: a Deadline Cloud job bundle, read back by the `deadline` package's own
job-bundle reader (offline, no AWS call), checked by `openjd check`, and made into a job by openjd-model from
its parameter values; the job parameters a submitter sets (budget, mask mode, QC gate) reach the commands."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from farm_helpers import example, tiny_shot
from openjd.model import create_job, decode_job_template, preprocess_job_parameters
from test_farm_export import checked, faceplate, steps

from faceplate.farm.export import identity_for
from faceplate.farm.limits import render_timeout_s, train_timeout_s
from faceplate.farm.template import EXTENSIONS, farm_stages

BUNDLE_FILES = ["asset_references.yaml", "parameter_values.yaml", "parameters.json", "template.yaml"]


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> tuple[str, str]:
    return example(tmp_path_factory.mktemp("bundle_media"))


@pytest.fixture
def bundle(tmp_path, media) -> tuple[Path, list[Path], Path]:
    """Two shots and the identity step exported as a bundle with every job parameter set."""
    shots = [tiny_shot(tmp_path / "shots" / name, media) for name in ("sh010", "sh020")]
    library = identity_for(tmp_path / "identity", Path(media[1]).parent)
    done = faceplate(
        "farm",
        "export",
        *shots,
        "--bundle",
        tmp_path / "bundle",
        "--identity",
        library.library,
        "--source",
        library.source,
        "--budget",
        "review",
        "--mask-mode",
        "landmark-only",
        "--gate",
        "--chunk-size",
        "3",
        "--venv",
        tmp_path / "venv",
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "bundle", shots, library.library


def test_the_bundle_loads_with_deadlines_own_reader_offline(bundle, media):
    pytest.importorskip("deadline.client.job_bundle", reason="pip install deadline (the test extras)")
    from deadline.client.job_bundle.loader import read_yaml_or_json_object
    from deadline.client.job_bundle.parameters import read_job_bundle_parameters
    from deadline.client.job_bundle.submission import AssetReferences

    folder, shots, library = bundle
    assert sorted(p.name for p in folder.iterdir()) == BUNDLE_FILES
    parameters = {p["name"]: p for p in read_job_bundle_parameters(str(folder))}
    assert parameters["Budget"]["value"] == "review" and parameters["MaskMode"]["value"] == "landmark-only"
    assert parameters["QcGate"]["value"] == "gate" and parameters["ChunkSize"]["value"] == 3
    assert parameters["Workspaces"]["value"] == str(shots[0].parent)
    assert parameters["EngineVenv"]["value"] == str(folder.parent / "venv")
    assert parameters["Media"]["userInterface"] == {
        "control": "CHOOSE_DIRECTORY",
        "label": "Plates and sources",
        "groupLabel": "Shots",
    }
    references = AssetReferences.from_dict(read_yaml_or_json_object(str(folder), "asset_references", True))
    plate_folder, source_folder = (str(Path(m).parent) for m in media)
    assert references.input_directories == {plate_folder, source_folder}
    assert references.input_filenames == set()
    assert references.output_directories == {str(s / "render") for s in shots} | {str(library)}


def test_the_bundle_passes_openjd_check_and_its_values_make_a_job(bundle):
    folder, shots, _ = bundle
    document = checked(folder / "template.yaml")
    values = {
        v["name"]: str(v["value"])
        for v in yaml.safe_load((folder / "parameter_values.yaml").read_text())["parameterValues"]
    }
    template = decode_job_template(template=document, supported_extensions=EXTENSIONS)
    job = create_job(
        job_template=template,
        job_parameter_values=preprocess_job_parameters(
            job_template=template, job_parameter_values=values, job_template_dir=folder, current_working_dir=folder
        ),
    )
    assert job.parameters["QcGate"].value == "gate" and job.parameters["Budget"].value == "review"
    assert [step.name for step in job.steps] == ["identity"] + [
        f"{shot.name}:{stage}" for shot in shots for stage in ("media", *farm_stages())
    ]
    kinds = {p["name"]: (p["type"], p.get("objectType"), p.get("dataFlow")) for p in document["parameterDefinitions"]}
    assert [kinds[n] for n in ("Workspaces", "Media", "Library", "Source", "EngineVenv")] == [
        ("PATH", "DIRECTORY", "INOUT"),
        ("PATH", "DIRECTORY", "IN"),
        ("PATH", "DIRECTORY", "INOUT"),
        ("PATH", None, "IN"),
        ("PATH", "DIRECTORY", "NONE"),
    ], "every path a scheduler's path mapping rewrites"
    assert str(folder.parent) not in (folder / "template.yaml").read_text(), "no path of this machine in the template"
    by_name = steps(document)
    run = {name: step["script"]["actions"]["onRun"] for name, step in by_name.items()}
    assert run["sh010:qc"]["args"] == ["qc", "{{Param.Workspaces}}/sh010", "--{{Param.QcGate}}"]
    assert run["sh010:mask"]["args"] == [
        "mask",
        "{{Param.Workspaces}}/sh010",
        "--{{Param.MaskMode}}",
        "--budget",
        "{{Param.Budget}}",
    ]
    assert (
        run["sh020:train"]["timeout"] == train_timeout_s("review", 1)
        and run["identity"]["timeout"] == run["sh020:train"]["timeout"]
    )
    assert run["sh020:render"]["timeout"] == render_timeout_s(3)


def test_train_timeouts_follow_the_budget_and_render_timeouts_the_chunk():
    assert train_timeout_s("preview", 0) == 15 * 60 * 1.25 + 300
    assert train_timeout_s("2h", 1) == 120 * 60 * 1.25 + 300
    assert train_timeout_s("final", 1) == 100_000 / 20 * 1.25 + 300  # an iteration target at a GPU's rate
    assert train_timeout_s("5000it", 0) > train_timeout_s("5000it", 1)
    assert render_timeout_s(20) > render_timeout_s(10) > 300


def test_a_shot_remembering_its_train_target_gets_a_timeout_for_it(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)  # remembers 3 iterations
    done = faceplate("farm", "export", shot, "--out", tmp_path / "job", "--train-gpus", "0")
    assert done.returncode == 0, done.stderr
    train = steps(checked(tmp_path / "job" / "template.yaml"))["train"]
    assert train["script"]["actions"]["onRun"]["timeout"] == train_timeout_s("3it", 0) == 303
    values = yaml.safe_load((tmp_path / "job" / "parameters.json").read_text())
    assert values["TrainGpuMemory"] == 0 and values["QcGate"] == "no-gate"
    assert not (tmp_path / "job" / "parameter_values.yaml").exists(), "a plain export is not a bundle"


def test_out_and_bundle_together_are_refused(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)
    done = faceplate("farm", "export", shot, "--out", tmp_path / "a", "--bundle", tmp_path / "b")
    assert done.returncode == 1 and "not both" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
