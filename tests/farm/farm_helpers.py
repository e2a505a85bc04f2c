"""Helpers for the farm tests: the bundled example as tiny shot workspaces, exported as OpenJD jobs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.farm.export import export_job, shot_from_workspace
from faceplate.farm.local import beside_python, remember_settings
from faceplate.farm.template import Identity, JobOptions
from faceplate.workspace import init_workspace

REPO = Path(__file__).resolve().parents[2]
# a tiny model, three iterations: every stage runs in seconds on a CPU (as tests/stages/test_run_all.py)
TINY = {
    "extract": {"face_type": "full", "crop_size": 128},
    "curate": {"rules": ["identity", "blur"]},
    "mask": {"landmark_only": True},
    "train": {
        "model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
        "train": {"iterations": 3, "batch_size": 2, "min_faces": 2},
    },
}


def example(folder: Path) -> tuple[str, str]:
    """The bundled example's plate (1001-1024, 960x540 EXR) and source sequence."""
    return build_example(folder)


def tiny_shot(
    folder: Path, media: tuple[str, str], frames: str = "1001-1006", consent_ref: str | None = CONSENT_REF
) -> Path:
    """A shot workspace of the example remembering the tiny settings (what every farm step then uses)."""
    plate, source = media
    workspace = init_workspace(
        folder, plate, frames, [source], colour_space=PLATE_SPACE, fps="24", consent_ref=consent_ref
    )
    remember_settings(workspace, TINY)
    return workspace.root


def tiny_library(folder: Path, faces: Path) -> Path:
    """An identity library made ahead of the job (as the identity step would make it) so it can remember
    tiny pretrain settings; the job's identity step then trains it."""
    from faceplate.stages.pretrain import create_library

    library = create_library(folder, [faces])
    remember_settings(
        library, {"pretrain": {"crop_size": 128, "model": TINY["train"]["model"], "train": TINY["train"]["train"]}}
    )
    return library.root


def export(
    shots: list[Path],
    out: Path,
    chunk_size: int = 2,
    identity: Identity | None = None,
    frames: str | None = None,
    bundle: bool = False,
    **options,
) -> tuple[Path, Path]:
    options = JobOptions(
        name="test job",
        chunk_size=chunk_size,
        train_gpus=0,
        faceplate=beside_python("faceplate"),
        identity=identity,
        **options,
    )
    return export_job([shot_from_workspace(s, frames) for s in shots], out, options, bundle=bundle)


def timeline_export(cut: Path, source: str | Path, shots_dir: Path, *extra: str | Path) -> list[str | Path]:
    """`faceplate farm export`'s arguments for every clip of ``cut`` (new shots under ``shots_dir``), CPU trained."""
    return [
        "farm",
        "export",
        "--timeline",
        cut,
        "--source",
        source,
        "--consent-ref",
        "CF-1 (test)",
        "--shots-dir",
        shots_dir,
        "--train-gpus",
        "0",
        *extra,
    ]


def engine_env() -> dict[str, str]:
    """This checkout's engine for every process the runtime starts (as tests/server/server_helpers.py does)."""
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin"), os.environ.get("PYTHONPATH", "")]),
    )


def faceplate(*args: str | Path) -> subprocess.CompletedProcess:
    """`faceplate --quiet ARGS` of this checkout, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "--quiet", *map(str, args)],
        capture_output=True,
        text=True,
        env=engine_env(),
    )


# what a fresh node's bundle environment pip installs: both distributions of this checkout, without their
# dependencies (torch and the rest take minutes to install; fresh_node gives them to the node instead)
NODE_INSTALL = f"--no-deps --no-build-isolation {REPO / 'plugin'} {REPO}"


def fresh_node(folder: Path) -> dict[str, str]:
    """The environment of a node with no engine: its own ``python3`` and the system's folders on PATH, and the
    engine's dependencies (not the engine: its editable install is not active there) importable from this
    environment's site-packages, as a node image that ships them would. Only a venv made by the job can then
    run ``faceplate``, with the copy of this checkout its pip installed."""
    dependencies = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    node_bin = folder / "bin"
    node_bin.mkdir(parents=True)
    (node_bin / "python3").symlink_to(sys.executable)
    env = dict(os.environ, PATH=os.pathsep.join([str(node_bin), "/usr/bin", "/bin"]), PYTHONPATH=dependencies)
    assert shutil.which("faceplate", path=env["PATH"]) is None, "an engine on the node's PATH"
    found = subprocess.run([node_bin / "python3", "-c", "import faceplate"], env=env, capture_output=True)
    assert found.returncode != 0, "the engine importable on the node before the job made its venv"
    return env


def engine_file(venv: Path, env: dict[str, str]) -> Path:
    """Where the node's ``faceplate`` is imported from under ``env``."""
    done = subprocess.run(
        [venv / "bin" / "python", "-c", "import faceplate; print(faceplate.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


def openjd_on(env: dict[str, str], *args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """The real `openjd` CLI started on a node with environment ``env``."""
    return subprocess.run(
        [beside_python("openjd"), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        timeout=timeout,
    )


def openjd(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real `openjd` CLI; stdout holds the session log (every action's output)."""
    return openjd_on(engine_env(), *args, timeout=timeout)


def run_job(template: Path, parameters: Path, *extra: str) -> subprocess.CompletedProcess:
    return openjd("run", template, "--job-param", f"file://{parameters}", *extra)


def movie(path: Path, frames: int, rate: int = 30, size: tuple[int, int] = (96, 64)) -> Path:
    """A small H.264 movie of ``frames`` grey frames (timeline tests need media of the right length and rate)."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            image = np.full((size[1], size[0], 3), i % 256, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        out.mux(stream.encode())
    return path


def relinked_cut(real: Path, media: Path, out: Path, marked: tuple[int, ...] = ()) -> Path:
    """A real editorial cut with its clips' movie re-pointed at ``media`` (the editor's own file is not
    here), and a FACE marker on the video clips numbered in ``marked``; everything else as the editor wrote it."""
    import opentimelineio as otio

    from faceplate_host.timeline import read_timeline, video_clips

    timeline = read_timeline(real)
    for clip in timeline.find_clips():
        if isinstance(clip.media_reference, otio.schema.ExternalReference):
            clip.media_reference.target_url = media.as_uri()
    for index in marked:
        clip = video_clips(timeline)[index]
        clip.markers.append(
            otio.schema.Marker(
                name="FACE",
                marked_range=otio.opentime.TimeRange(
                    clip.trimmed_range().start_time, otio.opentime.RationalTime(1, clip.trimmed_range().duration.rate)
                ),
            )
        )
    otio.adapters.write_to_file(timeline, str(out))
    return out
