"""onnxruntime sessions with explicitly chosen providers: CUDA when it really works, else CPU.

``onnxruntime-gpu`` lists the CUDA provider even on machines without a GPU or CUDA runtime;
creating a session then silently falls back. We ask for CUDA, check what the session actually
uses, and log one clear line either way.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

from faceplate.errors import InferenceError

log = logging.getLogger(__name__)
CUDA, CPU = "CUDAExecutionProvider", "CPUExecutionProvider"


def has_cuda_driver() -> bool:
    """True when an NVIDIA driver library loads: without one, asking for CUDA only prints errors."""
    import ctypes

    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def select_providers(device: str = "auto") -> list[str]:
    """CUDA then CPU where onnxruntime has CUDA and a driver is present (or CUDA was demanded), else CPU."""
    if device == "cpu" or CUDA not in ort.get_available_providers():
        return [CPU]
    return [CUDA, CPU] if device == "cuda" or has_cuda_driver() else [CPU]


@functools.cache  # once per process
def _preload_cuda_libraries() -> None:
    """Load CUDA/cuDNN from pip's nvidia-* packages (or the system) before the CUDA provider needs
    them: without torch imported first they are not on the loader's path."""
    if not hasattr(ort, "preload_dlls"):
        return
    try:
        ort.preload_dlls()
    except Exception as exc:  # best effort: the session check below reports what really runs
        log.debug("onnxruntime could not preload CUDA libraries: %s", exc)


def _only(path: Path, outputs: tuple[str, ...]) -> bytes:
    """The model cut down to what ``outputs`` need (onnxruntime runs every node whatever a run asks for)."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.load(str(path))
    part = Extractor(model).extract_model([i.name for i in model.graph.input], list(outputs))
    part.metadata_props.extend(model.metadata_props)
    part.ir_version = model.ir_version
    return part.SerializeToString()


def _session(
    path: Path, providers: list[str], threads: int | None, outputs: tuple[str, ...] | None = None
) -> ort.InferenceSession:
    if CUDA in providers:
        _preload_cuda_libraries()
    ort.set_default_logger_severity(4)  # a failed CUDA probe is logged by us, once, in plain words
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    try:
        source = _only(path, outputs) if outputs else str(path)
        return ort.InferenceSession(source, sess_options=options, providers=providers)
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise InferenceError(
            f"cannot load model {path}: {str(exc).splitlines()[0]}; re-export it with `faceplate export`"
        ) from exc


class OnnxModel:
    """One loaded model: named inputs/outputs, the provider in use, and its metadata_props."""

    def __init__(
        self,
        path: str | Path,
        device: str = "auto",
        threads: int | None = None,
        io_binding: bool = True,
        outputs: tuple[str, ...] | None = None,
    ):
        """``outputs``: only these (and only the nodes they need) run; default all."""
        self.path = Path(path)
        if not self.path.is_file():
            raise InferenceError(f"model file {self.path} does not exist; run `faceplate export` first")
        if device == "cuda" and CUDA not in ort.get_available_providers():
            raise InferenceError(
                "--device cuda asked for, but this onnxruntime has no CUDA provider; install onnxruntime-gpu"
            )
        wanted = select_providers(device)
        self.session = _session(self.path, wanted, threads, outputs)
        self.provider = self.session.get_providers()[0]
        if device == "cuda" and self.provider != CUDA:
            raise InferenceError(
                "--device cuda asked for, but CUDA could not start (no GPU, or CUDA/cuDNN libraries missing)"
            )
        if device != "cpu":  # an explicit CPU request (parity checks, benchmarks) needs no news
            where = self.provider if self.provider == CUDA else "the CPU (CUDA unavailable here)"
            log.info("onnxruntime: running %s on %s", self.path.name, where)
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)
        self.io_binding = io_binding and self.provider == CUDA

    def run(self, *inputs: np.ndarray) -> list[np.ndarray]:
        feeds = {name: np.ascontiguousarray(value) for name, value in zip(self.input_names, inputs)}
        if not self.io_binding:
            return self.session.run(self.output_names, feeds)
        # On the GPU the outputs stay in device memory until one copy down (on an H100 as fast as a
        # plain run when everything returns to the host; the place to keep device-side work).
        binding = self.session.io_binding()
        for name, value in feeds.items():
            binding.bind_cpu_input(name, value)
        for name in self.output_names:
            binding.bind_output(name, "cuda")
        self.session.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()


def open_model(
    path: str | Path,
    device: str = "auto",
    threads: int | None = None,
    io_binding: bool = True,
    outputs: tuple[str, ...] | None = None,
) -> OnnxModel:
    return OnnxModel(path, device, threads, io_binding, outputs)
