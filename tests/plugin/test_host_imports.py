"""The host package must import inside Resolve's / Nuke's Python: no torch, OpenCV, numpy, dlib."""

import subprocess
import sys

HEAVY = ["torch", "cv2", "numpy", "dlib", "onnxruntime", "av", "OpenImageIO", "PyOpenColorIO", "faceplate"]


def test_faceplate_host_imports_without_the_engine_stack():
    blocker = (
        "import sys\n"
        f"for name in {HEAVY!r}:\n"
        "    sys.modules[name] = None  # any import of these now fails\n"
        "import faceplate_host, pkgutil, importlib\n"
        "for mod in pkgutil.walk_packages(faceplate_host.__path__, 'faceplate_host.'):\n"
        "    importlib.import_module(mod.name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
