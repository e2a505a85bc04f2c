"""Outputs take the user's umask, like any other tool's: on shared storage a supervisor, another artist or the
farm's job user opens the layer that was just placed. Here the one write path every output takes; every file the
demo and the farm export of its shot write, under umask 027, is checked by tests/stages/test_demo.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


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
