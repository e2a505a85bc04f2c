"""Render stage: frame numbers, files, compositing maths, colour spaces, stability, resume.

A small stand-in generator (exported through the real export path) keeps these tests fast
and independent of training: it returns the input face tinted, with a full mask.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import get_args

import cv2
import numpy as np
import OpenImageIO as oiio
import pytest
import torch
from pydantic import ValidationError

from faceplate.cli.main import main
from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.demo.editorial import tree_hashes
from faceplate.errors import FrameRangeError, InferenceError, RenderError, SettingsError, StageCancelled
from faceplate.export.generator_export import export_generator
from faceplate.media import ColourTransform, open_plate, read_image, to_float01, write_image
from faceplate.render.colour_transfer import MODES
from faceplate.render.outputs import RenderPaths
from faceplate.render.settings import ColourTransfer, MergeSettings
from faceplate.render.versions import latest_version, list_versions
from faceplate.reporting import RecordingReporter
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace, open_workspace

GRID_CONSENT_REF = "test footage: GRID audiovisual corpus (CC BY 4.0), internal tests only"


class TintGenerator(torch.nn.Module):
    def __init__(self, tint=(0.85, 0.95, 1.1)):
        super().__init__()
        self.tint = tuple(tint)

    def forward(self, x):
        tint = torch.tensor(self.tint).view(1, 3, 1, 1)
        return torch.clamp(x * tint, 0, 1), torch.ones_like(x[:, :1])

    def with_reconstruction(self, x):
        """The destination drawn perfectly: the occlusion cue finds nothing in front of the face."""
        return (*self(x), x)


@dataclass
class _Config:
    resolution: int = 64
    face_type: str = "whole_face"
    arch: str = "tint"


def _export(ws, tint=(0.85, 0.95, 1.1)):
    # the same iterations and config hash whatever the tint: only the model's bytes tell them apart
    export_generator(
        TintGenerator(tint), _Config(), {"iterations": 1, "config_hash": "tint"}, ws.root / "export" / "generator.onnx"
    )


def _render(ws, reporter=None, **changes):
    """Render through the runner as every front end does; merge settings by their field names."""
    merge_keys = {f for f in MergeSettings.__dataclass_fields__}
    changes = {("merge." + k if k in merge_keys else k): v for k, v in changes.items()}
    return run_stage(ws, "render", {"batch": 4, **changes}, reporter).detail


def _paths(ws, fmt="exr", version=None):
    """The files of ``version`` of the layer (default: the newest version, published or not)."""
    return RenderPaths(ws.root / "render" / (version or list_versions(ws.root / "render")[-1]), "faceplate", fmt)


def _record(ws, frame):
    return json.loads(_paths(ws).record(frame).read_text())


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return build_example(tmp_path_factory.mktemp("example"))


@pytest.fixture()
def linear_shot(tmp_path, example):
    ws = init_workspace(
        tmp_path / "shot",
        example[0],
        "1001-1006",
        [example[1]],
        colour_space=PLATE_SPACE,
        fps="24",
        consent_ref=CONSENT_REF,
    )
    run_stage(ws, "extract", {"roles": "destination", "crop_size": 128})
    _export(ws)
    return ws


def _layer(path):
    return read_image(path, alpha=True).astype(np.float32)


def test_linear_exr_plate_gives_linear_layer_zero_outside_matte(linear_shot):
    result = _render(linear_shot)
    paths = _paths(linear_shot)
    assert result.frames_written == list(range(1001, 1007))
    with open_plate(linear_shot.manifest.plate.path) as plate:
        for frame in (1001, 1006):
            layer, original = _layer(paths.layer(frame)), plate.read(frame)
            alpha = layer[..., 3]
            assert (layer[alpha == 0] == 0).all(), "unmatted pixels are zero"
            inside = alpha > 0.999
            assert inside.sum() > 1000
            assert layer[inside][:, :3].max() <= original.max() + 1e-2
            assert layer[inside][:, :3].min() >= min(0.0, original.min()) - 1e-3


def test_layer_has_a_data_window_inside_the_full_display_window(linear_shot):
    _render(linear_shot, frames="1003")
    spec = oiio.ImageInput.open(str(_paths(linear_shot).layer(1003))).spec()
    assert (spec.full_width, spec.full_height) == (960, 540)
    assert spec.width * spec.height < 0.5 * 960 * 540
    assert spec.format == oiio.HALF and spec.nchannels == 4 and spec.alpha_channel == 3


def test_layer_over_plate_equals_preview_and_plate_is_untouched_outside(linear_shot):
    _render(linear_shot, colour_transfer="rct")
    paths = _paths(linear_shot)
    colour = ColourTransform(PLATE_SPACE)
    with open_plate(linear_shot.manifest.plate.path) as plate:
        for frame in (1001, 1004):
            base = to_float01(plate.read(frame))
            layer = _layer(paths.layer(frame))
            comp = layer[..., :3] + base * (1 - layer[..., 3:])
            expected = np.clip(colour.to_working(comp) * 255 + 0.5, 0, 255).astype(np.uint8)
            preview = read_image(paths.preview(frame))
            assert np.abs(preview.astype(int) - expected.astype(int)).max() <= 2
            outside = layer[..., 3] == 0
            plate_shown = np.clip(colour.to_working(base) * 255 + 0.5, 0, 255).astype(np.uint8)
            assert (preview[outside] == plate_shown[outside]).all(), "outside the matte: the plate, bit for bit"


def test_render_runs_where_torch_cannot_be_imported(linear_shot):
    """Render nodes and hosts have no torch: the whole render must run without it."""
    script = (
        "import sys\n"
        "class NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('torch is blocked in this test')\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "from faceplate.cli.main import main\n"
        "sys.exit(main(['render', sys.argv[1], '--frames', '1002', '--no-preview', '--device', 'cpu']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(linear_shot.root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _paths(linear_shot).layer(1002).is_file()


def test_still_face_renders_without_jitter(tmp_path, astronaut):
    for frame in range(1001, 1025):
        write_image(tmp_path / "still" / f"still.{frame:04d}.png", astronaut)
    ws = init_workspace(tmp_path / "shot", str(tmp_path / "still" / "still.####.png"), consent_ref=CONSENT_REF)
    run_stage(ws, "extract", {"roles": "destination", "crop_size": 128})
    _export(ws)
    _render(ws, colour_transfer="sot", preview=False)
    paths = _paths(ws)
    layers = np.stack([_layer(paths.layer(f)) for f in range(1001, 1025)])
    assert layers[..., 3].max() > 0.99
    assert np.abs(np.diff(layers, axis=0)).max() < 1e-3


def test_rerun_skips_finished_frames_and_settings_change_rerenders(linear_shot):
    frames = list(range(1001, 1007))
    first = _render(linear_shot)
    assert first.frames_written == frames and (first.version, first.published) == ("v001", True)
    again = _render(linear_shot)
    assert again.frames_written == [] and again.frames_skipped == frames and again.version == "v001"
    subset = _render(linear_shot, feather_px=3.0, frames="1002,1005")
    assert subset.frames_written == [1002, 1005] and subset.reasons == {"settings changed": [1002, 1005]}
    assert subset.version == "v002" and not subset.published and subset.frames_missing == [1001, 1003, 1004, 1006]
    assert latest_version(linear_shot.root / "render") == "v001", "an incomplete version is not published"
    # the shot now remembers feather 3: a plain render brings the other frames to it in the same version
    plain = run_stage(linear_shot, "render")
    assert plain.detail.frames_written == [1001, 1003, 1004, 1006] and plain.detail.frames_skipped == [1002, 1005]
    assert plain.detail.version == "v002" and plain.detail.published
    assert any("settings changed: 1001,1003-1004,1006" in line for line in plain.lines)
    assert len({_record(linear_shot, f)["settings"] for f in frames}) == 1
    back = _render(linear_shot, feather_px=8.0)  # made as v001 made them: carried, nothing rendered
    assert back.frames_written == [] and back.carried == {"v001": frames} and back.version == "v003"
    assert any(line == "carried 1001-1006 from v001 (same engine, model, settings and faces)" for line in back.lines())


def test_frames_an_earlier_engine_made_are_rendered_again_into_a_new_version(linear_shot):
    """Same model and settings, but v001's records say an earlier engine made it (its merge may differ): a render
    re-renders every frame into v002, says why, and leaves v001's files as they were."""
    frames = list(range(1001, 1007))
    assert _render(linear_shot).version == "v001"
    for frame in frames:
        record_file = _paths(linear_shot).record(frame)
        record_file.write_text(json.dumps(_record(linear_shot, frame) | {"engine": "0.0.9"}))
    v001 = tree_hashes(linear_shot.root / "render" / "v001")
    again = _render(linear_shot)
    assert again.frames_written == frames and again.reasons == {"engine version changed": frames}
    assert (again.version, again.published) == ("v002", True) and not again.carried
    assert tree_hashes(linear_shot.root / "render" / "v001") == v001


def test_a_review_note_as_an_override_publishes_v002_rerendering_only_its_frames_and_v001_stays_byte_identical(
    linear_shot, capsys
):
    assert _cli(linear_shot.root) == 0
    render_dir = linear_shot.root / "render"
    v001 = tree_hashes(render_dir / "v001")
    assert latest_version(render_dir) == "v001" and _paths(linear_shot, version="v001").movie.is_file()
    capsys.readouterr()
    assert _cli(linear_shot.root, "--override", "1003-1004:feather=20", quiet=False) == 0
    err = capsys.readouterr().err
    assert "rendered 1003-1004 into v002 (settings changed: 1003-1004)" in err
    assert "carried 1001-1002,1005-1006 from v001" in err and "published v002" in err
    assert tree_hashes(render_dir / "v001") == v001, "the placed version is never rewritten"
    assert latest_version(render_dir) == "v002"
    latest = json.loads((render_dir / "latest.json").read_text())
    assert latest["version"] == "v002" and latest["layer"].endswith("render/v002/layer/faceplate.####.exr")
    info = json.loads((render_dir / "v002" / "version.json").read_text())
    assert (info["base"], info["changed"]) == ("v001", "1003-1004") and info["published"]
    assert info["provenance"]["made_by"]["stage"] == "render"
    old, new = _paths(linear_shot, version="v001"), _paths(linear_shot, version="v002")
    for frame in range(1001, 1007):
        same = _layer(old.layer(frame)).tobytes() == _layer(new.layer(frame)).tobytes()
        assert same == (frame not in (1003, 1004)), frame
    assert new.movie.is_file() and new.movie != old.movie
    assert open_workspace(linear_shot.root).manifest.stages[-1].outputs["version"] == "v002"


def test_range_overrides_change_only_their_frames(linear_shot):
    _render(
        linear_shot, feather_px=2.0, preview=False, overrides=[{"frames": "1003-1004", "changes": {"feather_px": 20.0}}]
    )
    paths = _paths(linear_shot)
    soft = lambda f: ((_layer(paths.matte(f))[..., 3] > 0.01) & (_layer(paths.matte(f))[..., 3] < 0.99)).sum()  # noqa: E731
    assert soft(1003) > 2 * soft(1002) and soft(1004) > 2 * soft(1005)


def test_an_override_that_holds_no_frame_of_the_shot_is_refused_not_silently_rendered(linear_shot):
    """What a job from a host runs (the stage, not the CLI's flag check): a note in another numbering, e.g. a
    movie's frames counted from 1, must say so instead of finishing with no new version."""
    before = tree_hashes(linear_shot.root / "render") if (linear_shot.root / "render").exists() else None
    with pytest.raises(RenderError, match="override for frames 22 holds no frame of the shot range 1001-1006"):
        _render(linear_shot, overrides=[{"frames": "22", "changes": {"feather_px": 20.0}}])
    after = tree_hashes(linear_shot.root / "render") if (linear_shot.root / "render").exists() else None
    assert after == before, "nothing written"


def test_frames_never_extracted_are_detected_on_the_fly(tmp_path, example):
    ws = init_workspace(tmp_path / "shot", example[0], "1001-1003", colour_space=PLATE_SPACE, consent_ref=CONSENT_REF)
    _export(ws)
    result = _render(ws)
    assert result.frames_written == [1001, 1002, 1003] and result.frames_without_face == []


def test_clear_errors_for_missing_model_and_bad_frames(tmp_path, example):
    ws = init_workspace(tmp_path / "shot", example[0], "1001-1003", colour_space=PLATE_SPACE, consent_ref=CONSENT_REF)
    with pytest.raises(InferenceError, match="faceplate export"):
        _render(ws)
    _export(ws)
    with pytest.raises(FrameRangeError, match="outside the shot range 1001-1003"):
        _render(ws, frames="1010")
    with pytest.raises(ValidationError, match="colour_transfer"):
        MergeSettings(colour_transfer="fancy")


def test_talking_head_range_writes_exactly_those_frames(test_data, tmp_path):
    ws = init_workspace(
        tmp_path / "shot", test_data / "talking_heads" / "grid_bbaf2n.mpg", "1001-1040", consent_ref=GRID_CONSENT_REF
    )
    run_stage(ws, "extract", {"roles": "destination", "crop_size": 128})
    _export(ws)
    result = _render(ws, colour_transfer="mkl")
    paths = _paths(ws)
    written = sorted(int(p.name.split(".")[1]) for p in (ws.root / "render" / "v001" / "layer").iterdir())
    assert written == list(range(1001, 1041)) == result.frames_written
    assert paths.movie.is_file()
    with open_plate(paths.movie) as movie:
        assert len(movie.info.frame_range) == 40


def _cli(*args: str, quiet: bool = True) -> int:
    """`faceplate render ...` in this process (main puts the logger back when it returns)."""
    return main(["-q"] * quiet + ["render", *map(str, args)])


def test_frames_then_plain_render_leaves_every_frame_with_one_settings_digest(linear_shot, capsys):
    assert _cli(linear_shot.root, "--device", "cpu") == 0
    assert _cli(linear_shot.root, "--frames", "1003-1004", "--sharpen", "0.6") == 0
    capsys.readouterr()
    assert _cli(linear_shot.root, quiet=False) == 0  # not -q: the result lines are what the artist reads
    err = capsys.readouterr().err
    assert (
        "settings changed: 1001-1002,1005-1006" in err
        and "skipped (up to date: same model and settings) 1003-1004" in err
    )
    records = [_record(linear_shot, f) for f in range(1001, 1007)]
    assert len({r["settings"] for r in records}) == 1 and len({r["model"] for r in records}) == 1


def test_a_new_model_with_the_same_iterations_rerenders_every_frame(linear_shot):
    _render(linear_shot, preview=False)
    before = _layer(_paths(linear_shot).layer(1003))
    _export(linear_shot, tint=(1.1, 0.9, 0.8))  # a --no-resume retrain to the same iteration count
    again = _render(linear_shot)
    assert again.frames_written == list(range(1001, 1007)) and again.reasons == {
        "model changed": list(range(1001, 1007))
    }
    assert np.abs(_layer(_paths(linear_shot).layer(1003)) - before).max() > 0.01


class CancelBeforeFrame(RecordingReporter):
    """Says 'cancelled' from the n-th time the stage asks (render asks once before each frame)."""

    def __init__(self, n: int):
        super().__init__()
        self.asked, self.n = 0, n

    def cancelled(self) -> bool:
        self.asked += 1
        return self.asked >= self.n


def test_cancelled_render_keeps_finished_frames_and_the_rerun_renders_only_the_rest(linear_shot):
    reporter = CancelBeforeFrame(3)  # as if the artist pressed cancel while frame 1003 was read
    with pytest.raises(StageCancelled):
        _render(linear_shot, reporter, preview=False, batch=1)  # one frame per generator call
    done = [f for f in range(1001, 1007) if _paths(linear_shot).record(f).is_file()]
    assert done == [1001, 1002], "frames already in flight finish with their records, nothing after"
    assert not _paths(linear_shot).layer(1003).exists()
    assert all(_paths(linear_shot).layer(f).is_file() for f in done)
    assert open_workspace(linear_shot.root).manifest.stages[-1].status == "cancelled"
    # a kill -9 after a frame's layer was rewritten but before its record: files without a record
    _paths(linear_shot).record(done[0]).unlink()
    rerun = _render(linear_shot, RecordingReporter())
    assert rerun.frames_skipped == done[1:]
    assert rerun.frames_written == sorted(set(range(1001, 1007)) - set(done[1:]))
    assert rerun.reasons["files without a record"] == [done[0]]


def test_progress_counts_rendered_frames_with_rate(linear_shot):
    reporter = RecordingReporter()
    _render(linear_shot, reporter, frames="1002-1004", preview=False)
    updates = reporter.of("progress")
    assert [u.done for u in updates] == [0, 1, 2, 3] and {u.total for u in updates} == {3}
    assert updates[-1].unit == "frames" and updates[-1].rate > 0


def _layer_rgb_inside(ws, frame):
    layer = _layer(_paths(ws).layer(frame))
    return layer[..., :3], layer[..., 3] > 0.999


def _high_pass(image):
    return image - cv2.GaussianBlur(image, (0, 0), 1.0)


def test_sharpen_and_grain_change_the_face_the_way_they_should(linear_shot):
    _render(linear_shot, frames="1003", preview=False, colour_transfer="none")
    base, inside = _layer_rgb_inside(linear_shot, 1003)
    _render(linear_shot, frames="1003", sharpen=1.0)
    sharp, _ = _layer_rgb_inside(linear_shot, 1003)
    _render(linear_shot, frames="1003", sharpen=0.0, grain=True)
    grainy, _ = _layer_rgb_inside(linear_shot, 1003)
    detail = _high_pass(base)[inside]
    for changed in (sharp, grainy):
        assert _high_pass(changed)[inside].std() > 1.2 * detail.std(), "more fine detail than before"
        assert abs((changed - base)[inside].mean()) < 0.01, "the face's overall colour stays"
    # sharpening amplifies the detail that is there; grain is new noise, unrelated to it
    corr = lambda change: np.corrcoef((change - base)[inside].ravel(), detail.ravel())[0, 1]  # noqa: E731
    assert corr(sharp) > 0.5 and abs(corr(grainy)) < 0.2


def test_seamless_blend_brings_the_face_edge_to_the_plate(linear_shot):
    colour = ColourTransform(PLATE_SPACE)
    with open_plate(linear_shot.manifest.plate.path) as plate:
        base = colour.to_working(to_float01(plate.read(1003)))
    gaps = {}
    for blend in ("overlay", "seamless"):
        _render(linear_shot, frames="1003", preview=False, colour_transfer="none", blend=blend)
        layer = _layer(_paths(linear_shot).layer(1003))
        alpha = layer[..., 3]
        edge = (alpha > 0.999) & (cv2.erode((alpha > 0.999).astype(np.uint8), np.ones((9, 9), np.uint8)) == 0)
        face = colour.to_working(np.ascontiguousarray(layer[..., :3]))
        gaps[blend] = np.abs(face[edge] - base[edge]).mean()
    assert gaps["seamless"] < 0.6 * gaps["overlay"], gaps


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--feather", "nan"),
        ("--feather", "inf"),
        ("--erode", "-1e9"),
        ("--override", "1003-1004:feather_px=nan"),
        ("--override", "1003:bogus=1"),
        ("--override", "1099:feather=2"),
        ("--batch", "0"),
    ],
)
def test_bad_values_are_refused_with_one_line_and_the_shot_untouched(linear_shot, capfd, flag, value):
    assert _cli(linear_shot.root, "--override", "1005:sharpen=0.5") == 0
    before = tree_hashes(linear_shot.root)
    capfd.readouterr()
    assert _cli(linear_shot.root, f"{flag}={value}") == 1
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"faceplate: error: bad render setting {flag}"), err
    assert tree_hashes(linear_shot.root) == before


def test_a_bad_setting_cannot_be_stored_by_any_caller(linear_shot):
    before = linear_shot.manifest_path.read_bytes()
    for changes in (
        {"merge.feather_px": float("nan")},
        {"merge.sharpen": 11},
        {"merge.smoothing_frames": 101},
        {"overrides": [{"frames": "1002", "changes": {"erode_px": float("inf")}}]},
        {"merge.colour_transfer": "fancy"},
        {"layer_format": "jpg"},
        {"merge.mask": "hair"},
    ):
        with pytest.raises(SettingsError):
            run_stage(linear_shot, "render", changes)
    assert linear_shot.manifest_path.read_bytes() == before


def test_overrides_are_remembered_added_to_and_cleared(linear_shot):
    assert _cli(linear_shot.root, "--no-preview", "--override", "1003-1004:feather=20") == 0
    assert _cli(linear_shot.root, "--override", "1005:blend=seamless,sharpen=0.5") == 0
    stored = open_workspace(linear_shot.root).manifest.settings["render"]["overrides"]
    assert stored == [
        {"frames": "1003-1004", "changes": {"feather_px": 20.0}},
        {"frames": "1005", "changes": {"blend": "seamless", "sharpen": 0.5}},
    ]
    assert len({_record(linear_shot, f)["settings"] for f in (1001, 1003, 1005)}) == 3
    assert _cli(linear_shot.root, "--clear-overrides") == 0
    assert open_workspace(linear_shot.root).manifest.settings["render"]["overrides"] == []
    assert len({_record(linear_shot, f)["settings"] for f in range(1001, 1007)}) == 1


def test_no_preview_can_be_turned_back_on(linear_shot):
    assert _cli(linear_shot.root, "--no-preview", "--frames", "1002") == 0
    assert not _paths(linear_shot).preview(1002).exists()
    assert _cli(linear_shot.root, "--frames", "1002") == 0  # remembered
    assert not _paths(linear_shot).preview(1002).exists()
    assert _cli(linear_shot.root, "--preview", "--frames", "1002") == 0
    assert _paths(linear_shot).preview(1002).is_file()


def test_colour_transfer_choices_are_the_implemented_modes():
    assert set(get_args(ColourTransfer)) == set(MODES)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_disk_full_mid_render_keeps_finished_frames_and_says_so_in_one_line(linear_shot):
    assert _cli(linear_shot.root, "--device", "cpu") == 0
    frames = range(1001, 1007)
    placed = tree_hashes(linear_shot.root / "render" / "v001")
    limit = 48 * 1024
    assert (
        linear_shot.manifest_path.stat().st_size < limit // 4
        and _paths(linear_shot).preview(1001).stat().st_size > limit
    )
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "-q", "render", str(linear_shot.root), "--sharpen", "0.5"],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size(limit),
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith("faceplate: error: no space left to write") and "run the same command again" in lines[0]
    assert tree_hashes(linear_shot.root / "render" / "v001") == placed, "the published version is untouched"
    paths = _paths(linear_shot, version="v002")
    started = [f for f in frames if paths.layer(f).is_file()]  # a layer written, its preview refused: no record
    assert started and not any(paths.record(f).exists() for f in frames)
    again = _render(linear_shot)  # sharpen 0.5 was remembered when the run started
    assert again.frames_written == list(frames) and again.version == "v002" and again.published
    assert again.reasons["files without a record"] == started
    assert not [p for p in linear_shot.root.rglob("*.tmp*")], "no temporary files left behind"
    assert len({_record(linear_shot, f)["settings"] for f in frames}) == 1


def _matte_regions(ws, frame: int) -> int:
    alpha = (_layer(_paths(ws).layer(frame))[..., 3] > 0.5).astype(np.uint8)
    return cv2.connectedComponents(alpha)[0] - 1


def test_frames_never_extracted_are_found_with_the_shots_extract_settings(test_data, tmp_path):
    """All faces at upsample 1 remembered by the shot: render-time detection replaces both people of the
    group clip, where extract's defaults find one."""
    shots = {}
    for name, extract in (("defaults", {}), ("all_faces", {"all_faces": True, "upsample": 1})):
        ws = init_workspace(
            tmp_path / name,
            test_data / "plates" / "multi_face_video_01.mp4",
            "1001-1002",
            [test_data / "identities" / "John_Salley"],
            consent_ref="test footage, internal",
        )
        if extract:
            run_stage(ws, "extract", {"roles": "source", "crop_size": 128, **extract})
        _export(ws)
        _render(ws, preview=False)
        shots[name] = [_matte_regions(ws, f) for f in (1001, 1002)]
    assert shots == {"defaults": [1, 1], "all_faces": [2, 2]}
