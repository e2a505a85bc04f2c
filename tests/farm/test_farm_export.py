"""`faceplate farm export`: the job template for one shot and for many, with and without the identity
step, checked by openjd-model and by `openjd check`; bad input refused at export with one line."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from farm_helpers import example, export, faceplate, openjd, tiny_shot
from openjd.model import decode_job_template

from faceplate.farm.export import identity_for
from faceplate.farm.template import EXTENSIONS, farm_stages
from faceplate.stages import STAGES


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> tuple[str, str]:
    return example(tmp_path_factory.mktemp("farm_media"))


def load(template: Path) -> dict:
    return yaml.safe_load(template.read_text())


def checked(template: Path) -> dict:
    """The template as openjd-model decodes it, after `openjd check` passed it."""
    done = openjd("check", template)
    assert done.returncode == 0 and "passes validation checks" in done.stdout, done.stdout
    document = load(template)
    decode_job_template(template=document, supported_extensions=EXTENSIONS)
    return document


def steps(document: dict) -> dict[str, dict]:
    return {step["name"]: step for step in document["steps"]}


def test_the_installed_openjd_cli_is_the_pinned_one_not_the_placeholder():
    assert version("openjd-cli") == "0.8.0"
    assert version("openjd-model").startswith("0.13.") and version("openjd-sessions").startswith("0.13.")
    done = openjd("--version")
    assert done.returncode == 0 and "0.8.0" in done.stdout, done.stdout


def test_one_shot_is_a_chain_of_faceplate_commands_with_a_chunked_render(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)
    done = faceplate("farm", "export", shot, "--out", tmp_path / "job", "--chunk-size", "4")
    assert done.returncode == 0, done.stderr
    document = checked(tmp_path / "job" / "template.yaml")
    by_name = steps(document)
    assert list(by_name) == ["media", *farm_stages()]
    assert list(farm_stages()[:6]) == ["extract", "curate", "mask", "train", "export", "render"]
    for previous, step in zip(document["steps"], document["steps"][1:]):
        assert step["dependencies"] == [{"dependsOn": previous["name"]}]
    assert by_name["extract"]["script"]["actions"]["onRun"] | {"cancelation": None} == {
        "command": "{{Param.Faceplate}}",
        "args": ["extract", "{{Param.Workspaces}}/sh010"],
        "cancelation": None,
        "timeout": 4 * 3600,
    }
    render = by_name["render"]
    assert render["script"]["actions"]["onRun"]["args"] == [
        "render",
        "{{Param.Workspaces}}/sh010",
        "--frames",
        "{{Task.Param.Frame}}",
    ]
    assert render["parameterSpace"]["taskParameterDefinitions"] == [
        {
            "name": "Frame",
            "type": "CHUNK[INT]",
            "range": "1001-1006",
            "chunks": {"defaultTaskCount": "{{Param.ChunkSize}}", "rangeConstraint": "CONTIGUOUS"},
        }
    ]
    linux = [{"name": "attr.worker.os.family", "anyOf": ["linux"]}]
    assert by_name["train"]["hostRequirements"] == {
        "attributes": linux,
        "amounts": [
            {"name": "amount.worker.vcpu", "min": 2},
            {"name": "amount.worker.memory", "min": 16384},
            {"name": "amount.worker.gpu", "min": "{{Param.TrainGpus}}"},
            {"name": "amount.worker.gpu.memory", "min": "{{Param.TrainGpuMemory}}"},
        ],
    }
    for name in ("media", "extract", "render", "qc"):
        assert by_name[name]["hostRequirements"] == {
            "attributes": linux,
            "amounts": [{"name": "amount.worker.vcpu", "min": 2}, {"name": "amount.worker.memory", "min": 8192}],
        }, name
    assert document["jobEnvironments"][0]["variables"] == {"FACEPLATE_OPENJD": "1", "FACEPLATE_LOCK_WAIT": "21600"}
    on_enter = document["jobEnvironments"][0]["script"]["actions"]["onEnter"]
    assert [on_enter["command"], *on_enter["args"]] == [
        "echo",
        "openjd_env: FACEPLATE_PATH_MAPPING={{Session.PathMappingRulesFile}}",
    ], "the engine maps recorded media with the session's rules (tests/farm/test_farm_paths.py)"
    kinds = {p["name"]: (p["type"], p.get("objectType"), p.get("dataFlow")) for p in document["parameterDefinitions"]}
    assert kinds["Workspaces"] == ("PATH", "DIRECTORY", "INOUT") and kinds["Media"] == ("PATH", "DIRECTORY", "IN")
    values = json.loads((tmp_path / "job" / "parameters.json").read_text())
    assert values["Workspaces"] == str(tmp_path / "shots") and values["ChunkSize"] == 4
    media_root = Path(media[0]).parents[1]
    assert values["Media"] == str(media_root)
    relink = by_name["media"]["script"]["actions"]["onRun"]["args"]
    assert relink[:4] == ["relink", "{{Param.Workspaces}}/sh010", "--plate", "{{Param.Media}}/plate/astronaut.####.exr"]
    assert relink[4:] == ["--source", "source0={{Param.Media}}/source/astronaut_src.####.png"]
    assert not [arg for arg in relink if str(tmp_path) in arg], "no path of the exporting machine on a node"


def test_many_shots_and_the_identity_step_make_one_valid_job(tmp_path, media):
    shots = [
        tiny_shot(tmp_path / "shots" / name, media, frames)
        for name, frames in (("sh010", "1001-1006"), ("sh020", "1010-1024"))
    ]
    identity = identity_for(tmp_path / "identity", Path(media[1]).parent)
    for with_identity in (None, identity):
        out = tmp_path / ("with" if with_identity else "without")
        template, _ = export(shots, out, chunk_size=5, identity=with_identity)
        by_name = steps(checked(template))
        per_shot = ["media", *farm_stages()]
        expected = [f"{shot}:{stage}" for shot in ("sh010", "sh020") for stage in per_shot]
        assert list(by_name) == (["identity"] if with_identity else []) + expected
        assert by_name["sh020:render"]["parameterSpace"]["taskParameterDefinitions"][0]["range"] == "1010-1024"
        assert by_name["sh020:extract"]["dependencies"] == [{"dependsOn": "sh020:media"}]
        train = by_name["sh020:train"]
        if with_identity:
            assert train["dependencies"] == [{"dependsOn": "sh020:mask"}, {"dependsOn": "identity"}]
            assert train["script"]["actions"]["onRun"]["args"] == [
                "train",
                "{{Param.Workspaces}}/sh020",
                "--init-from",
                "{{Param.Library}}",
            ]
            assert by_name["identity"]["script"]["actions"]["onRun"]["args"] == [
                "pretrain",
                "{{Param.Library}}",
                "--faces",
                "{{Param.Source}}",
            ]
            assert by_name["identity"]["hostRequirements"] == train["hostRequirements"]
        else:
            assert "--init-from" not in train["script"]["actions"]["onRun"]["args"]


def test_the_budget_is_a_job_parameter_on_the_mask_train_and_identity_commands(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)
    library = identity_for(tmp_path / "identity", Path(media[1]).parent)
    done = faceplate(
        "farm",
        "export",
        shot,
        "--out",
        tmp_path / "job",
        "--budget",
        "2h",
        "--identity",
        library.library,
        "--source",
        library.source,
    )
    assert done.returncode == 0, done.stderr
    document = checked(tmp_path / "job" / "template.yaml")
    by_name = steps(document)
    budget = ["--budget", "{{Param.Budget}}"]
    for name in ("mask", "train", "identity"):
        assert by_name[name]["script"]["actions"]["onRun"]["args"][-2:] == budget, name
    for name in ("extract", "curate", "export", "render"):
        assert "--budget" not in by_name[name]["script"]["actions"]["onRun"]["args"], name
    [parameter] = [p for p in document["parameterDefinitions"] if p["name"] == "Budget"]
    assert parameter["type"] == "STRING" and parameter["default"] == "2h"
    assert json.loads((tmp_path / "job" / "parameters.json").read_text())["Budget"] == "2h"
    plain = faceplate("farm", "export", shot, "--out", tmp_path / "plain")
    assert plain.returncode == 0 and "Budget" not in (tmp_path / "plain" / "template.yaml").read_text(), (
        "no budget given: each shot's own (else preview)"
    )


def test_each_step_is_shaped_by_its_stages_record_not_its_name(tmp_path, media, monkeypatch):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)
    monkeypatch.setitem(STAGES, "review", replace(STAGES["review"], in_pipeline=True))
    monkeypatch.setitem(STAGES, "export", replace(STAGES["export"], needs_gpu=True, chunked=True))
    monkeypatch.setitem(STAGES, "render", replace(STAGES["render"], chunked=False))
    template, _ = export([shot], tmp_path / "job", chunk_size=3)
    by_name = steps(checked(template))
    assert list(by_name) == [
        "media",
        "extract",
        "curate",
        "review",
        "mask",
        "train",
        "export",
        "render",
        "qc",
        "report",
    ]
    assert by_name["qc"]["dependencies"] == [{"dependsOn": "render"}]
    assert by_name["export"]["hostRequirements"] == by_name["train"]["hostRequirements"]
    assert by_name["export"]["script"]["actions"]["onRun"]["args"][-2:] == ["--frames", "{{Task.Param.Frame}}"]
    assert by_name["export"]["parameterSpace"]["taskParameterDefinitions"][0]["range"] == "1001-1006"
    assert (
        "parameterSpace" not in by_name["render"]
        and "--frames" not in by_name["render"]["script"]["actions"]["onRun"]["args"]
    )


def test_export_renders_a_frame_subset_when_asked(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)
    template, _ = export([shot], tmp_path / "job", frames="1002-1005")
    render = steps(checked(template))["render"]
    assert render["parameterSpace"]["taskParameterDefinitions"][0]["range"] == "1002-1005"


def test_windows_nodes_get_the_sessions_rules_file_through_cmd(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)
    template, _ = export([shot], tmp_path / "job", os_family="windows")
    on_enter = checked(template)["jobEnvironments"][0]["script"]["actions"]["onEnter"]
    assert [on_enter["command"], *on_enter["args"]] == [
        "cmd",
        "/c",
        "echo",
        "openjd_env: FACEPLATE_PATH_MAPPING={{Session.PathMappingRulesFile}}",
    ]


@pytest.mark.parametrize(
    "case, args, expected",
    [
        ("missing workspace", ["{tmp}/nowhere"], "no such folder; create the shot with `faceplate init"),
        ("not a workspace", ["{tmp}"], "is not a Faceplate workspace"),
        (
            "frames outside the plate",
            ["{shot}", "--frames", "990-1002"],
            "frames 990-1000 are outside the plate, which holds 1001-1024",
        ),
        (
            "frames outside the shot",
            ["{shot}", "--frames", "1004-1010"],
            "frames 1007-1010 are outside the shot range 1001-1006",
        ),
        ("no range", ["{norange}"], "has no frame range"),
        ("chunk size", ["{shot}", "--chunk-size", "0"], "--chunk-size 0: give 1 to 150"),
        ("identity without source", ["{shot}", "--identity", "{tmp}/lib"], "--timeline and --identity need --source"),
        ("no shots", [], "give the shot workspaces to export"),
        ("no consent", ["{noconsent}"], "has no consent reference"),
        ("budget", ["{shot}", "--budget", "overnight"], "--budget: budget 'overnight' is not one this engine reads"),
        ("map", ["{shot}", "--map", "/Volumes/shows"], "--map '/Volumes/shows': give FROM=TO"),
        ("out and bundle", ["{shot}", "--bundle", "{tmp}/job"], "not both"),
        (
            "venv on windows",
            ["{shot}", "--venv", "{tmp}/venv", "--os", "windows"],
            "--venv sets the engine up with bash",
        ),
    ],
)
def test_bad_input_is_one_line_at_export_and_writes_nothing(tmp_path, media, case, args, expected):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media)
    norange = tiny_shot(tmp_path / "shots" / "sh020", media)
    manifest = json.loads((norange / "faceplate.json").read_text())
    (norange / "faceplate.json").write_text(json.dumps(manifest | {"range": ""}))
    noconsent = tiny_shot(tmp_path / "shots" / "sh030", media, consent_ref=None)
    given = [a.format(tmp=tmp_path, shot=shot, norange=norange, noconsent=noconsent) for a in args]
    done = faceplate("farm", "export", *given, "--out", tmp_path / "job")
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("faceplate: error: ") and expected in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "job").exists(), f"{case}: nothing is written"


def test_long_shot_names_fit_openjds_step_names_and_alike_ones_are_refused(tmp_path, media):
    long = [tiny_shot(tmp_path / "shots" / ("plate_" + "x" * 60 + end), media) for end in ("1", "2")]
    short = tiny_shot(tmp_path / "shots" / "sh010", media)
    template, _ = export([long[0], short], tmp_path / "job")
    names = [step["name"] for step in checked(template)["steps"]]
    assert names[0] == ("plate_" + "x" * 42) + ":media" and max(map(len, names)) <= 64
    done = faceplate("farm", "export", *long, "--out", tmp_path / "job2")
    assert done.returncode == 1 and "have the same name" in done.stderr and not (tmp_path / "job2").exists()
