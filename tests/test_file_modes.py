"""Outputs take the user's umask, like any other tool's: on shared storage a supervisor, another artist or the
farm's job user opens the layer that was just placed. The demo's own path (the example as an OTIO cut, through a
real engine process, placed back) on 4 frames with a tiny model, plus the farm export of the shot, in a
subprocess started under the umask 027 (group may read, others nothing): every file it writes 0640 and every
folder 0750, a mode neither a fixed 0644 nor a private 0600 would give. The engine's own data folder is
user-only whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_ON_FOUR_FRAMES = """
import sys
from pathlib import Path

from faceplate.cli.main import main
from faceplate.demo import CONSENT_REF, build_example
from faceplate.demo.editorial import run_through_engine, write_example_cut
from faceplate.media import FrameRange

out = Path(sys.argv[1])
tiny = {"model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
        "train": {"iterations": 3, "batch_size": 2, "min_faces": 2}}
changes = {"extract": {"face_type": "full", "crop_size": 128}, "curate": {"rules": ["identity", "blur"]},
           "mask": {"landmark_only": True}, "train": tiny}
plate, sources = build_example(out / "example")
cut = write_example_cut(out / "cut.otio", plate, FrameRange(1001, 1004))
shot, _ = run_through_engine(cut, out, out / "shot", sources, changes, CONSENT_REF)
sys.exit(main(["farm", "export", str(shot), "--out", str(out / "farm_job")]))
"""
KINDS = {
    "faceplate.json": "the workspace",
    "render/v001/layer/faceplate.1001.exr": "a layer",
    "render/v001/matte/faceplate_matte.1001.exr": "a matte",
    "render/v001/faceplate_preview.mp4": "the review movie",
    "report/v001/index.html": "the report",
    "export/generator.onnx": "the ONNX model",
}


def run_demo_under(umask: int, out: Path) -> None:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin"), os.environ.get("PYTHONPATH", "")]),
    )
    done = subprocess.run(
        [sys.executable, "-c", DEMO_ON_FOUR_FRAMES, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=lambda: os.umask(umask),
    )
    assert done.returncode == 0, done.stderr[-3000:]


def modes_under(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)) + ("/" if p.is_dir() else ""): stat.S_IMODE(p.lstat().st_mode)
        for p in root.rglob("*")
        if not p.is_symlink()
    }


def test_an_atomic_write_takes_the_umask_and_leaves_no_temporary_file(tmp_path):
    """The one write path every output takes (faceplate/atomic.py), under an uncommon umask (027: group may
    read, others nothing), and over a file that was private: the new file's mode is the umask's."""
    (tmp_path / "old.json").write_text("{}")
    (tmp_path / "old.json").chmod(0o600)
    script = (
        "import sys; from pathlib import Path; from faceplate.atomic import atomic_path, write_text_atomic\n"
        "folder = Path(sys.argv[1])\n"
        "write_text_atomic(folder / 'new' / 'shot.json', '{}')\n"
        "write_text_atomic(folder / 'old.json', '{\"a\": 1}')\n"
        "with atomic_path(folder / 'layer.exr') as tmp:\n"
        "    tmp.write_bytes(b'exr')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "engine"), os.environ.get("PYTHONPATH", "")]))
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        env=env,
        check=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0o027),
    )
    assert modes_under(tmp_path) == {"new/": 0o750, "new/shot.json": 0o640, "old.json": 0o640, "layer.exr": 0o640}
    assert (tmp_path / "old.json").read_text() == '{"a": 1}'


@pytest.mark.slow
def test_every_file_the_demo_writes_takes_the_umask(tmp_path):
    umask, file_mode, folder_mode = 0o027, 0o640, 0o750
    out = tmp_path / "demo"
    run_demo_under(umask, out)
    modes = modes_under(out)
    shot = out / "shot"
    for name, what in KINDS.items():
        assert (shot / name).is_file(), f"{what} ({name}) was written"
    for name in ("cut_with_layers.otio", "farm_job/template.yaml", "farm_job/parameters.json"):
        assert name in modes, f"{name} was written"
    assert len(modes) > 100
    wrong = {
        name: oct(mode) for name, mode in modes.items() if mode != (folder_mode if name.endswith("/") else file_mode)
    }
    assert not wrong, (
        f"under umask {umask:03o}: {len(wrong)} of {len(modes)} paths have another mode: "
        f"{dict(list(wrong.items())[:12])}"
    )
