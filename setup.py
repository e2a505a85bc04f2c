"""Faceplate: per-shot face replacement for post-production.

This is the engine distribution ``faceplate`` (engine/): torch, OpenCV, dlib, onnxruntime, OIIO, OCIO.
The host package ``faceplate_host`` is its own distribution ``faceplate-host`` (plugin/pyproject.toml)
so it installs into a host's Python without this stack; the engine requires it at the same version.
Install both from the repo: ``pip install -e ./plugin -e .`` (the Makefile does).
"""

import platform

from setuptools import find_packages, setup

_machine = platform.machine().lower()
_gpu_wheels = platform.system() in ("Linux", "Windows") and _machine in ("x86_64", "amd64")
ONNXRUNTIME = "onnxruntime-gpu>=1.20" if _gpu_wheels else "onnxruntime>=1.20"

setup(
    name="faceplate",
    version="0.1.0",
    description="Per-shot face replacement for post-production, driven from the editor",
    python_requires=">=3.10",
    package_dir={"faceplate": "engine/faceplate"},
    packages=["faceplate." + p for p in find_packages("engine/faceplate")] + ["faceplate"],
    package_data={"faceplate.server": ["static/*"]},  # the dashboard page, served by `faceplate serve`
    install_requires=[
        # The CPU build of 2.13.0 installs from local disk here (see Makefile / README);
        # GPU users install the CUDA build of the same version first, which satisfies this pin.
        "torch==2.13.*",
        "numpy>=1.26",
        "opencv-python-headless>=4.9",
        "onnx>=1.16",
        "onnxscript>=0.1",
        ONNXRUNTIME,
        # The host side (plugin/, brings pyblish-base and opentimelineio); same version as the engine.
        "faceplate-host==0.1.0",
        "OpenImageIO>=2.5",
        "opencolorio>=2.3",
        "av>=12",
        "dlib-bin>=19.24",
        "face_recognition_models>=0.3",
        "rich>=13",
        "matplotlib>=3.7",  # loss-curve plots during training
        "safetensors>=0.4",
        "pydantic>=2.5",
        # `faceplate serve`: fastapi.sse (server-sent events) arrived in FastAPI 0.135
        "fastapi>=0.135",
        "uvicorn>=0.30",
        # farm jobs: openjd-cli 0.8.0 needs the model and sessions libraries below 0.14; unpinned, pip
        # settles on a placeholder openjd-cli 0.0.0. One consistent set:
        "openjd-cli==0.8.0",
        "openjd-model==0.13.*",
        "openjd-sessions==0.13.*",
        # content credentials on the review movie and previews (faceplate render --sign CERT KEY)
        "c2pa-python>=0.38",
    ],
    extras_require={
        # websocket-client: the dashboard test drives headless Chromium over the DevTools protocol
        # bpy: Blender as a Python module, the one editor the tests run for real (wheels for CPython 3.11 only)
        # deadline: the farm tests read an exported job bundle with Deadline Cloud's own reader (offline)
        # pytest-xdist: `make test` runs two workers; ruff: `make test` lints and checks formatting first (ruff.toml)
        "test": [
            "pytest>=8",
            "pytest-xdist>=3.8",
            "ruff==0.17.6",
            "scikit-image>=0.22",
            "websocket-client>=1.6",
            "cryptography>=41",
            "deadline>=0.60",
            "bpy==4.2.0; python_version == '3.11'",
        ],
        "demo": ["scikit-image>=0.22"],
    },
    entry_points={"console_scripts": ["faceplate=faceplate.cli.main:main"]},
)
