"""Model runners with one signature (NHWC float32 batch -> list of outputs).

All evaluation goes through ``meiyan.onnx_backend``'s pre/post-processing with
one of these runners plugged in, so the ``.tflite`` source, the torch module,
the fp32 ONNX and the int8 ONNX models are compared on identical inputs.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BACKEND_PATH = REPO / "bindings" / "meiyan" / "onnx_backend.py"

Runner = Callable[[np.ndarray], list[np.ndarray]]


def load_backend() -> ModuleType:
    """Import ``bindings/meiyan/onnx_backend.py`` by path.

    Loading the file directly (instead of ``import meiyan.onnx_backend``) keeps
    the build independent of whether the compiled ``meiyan`` package is built
    or installed.
    """
    name = "meiyan_onnx_backend_for_export"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BACKEND_PATH)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {BACKEND_PATH}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def tflite_runner(model_bytes: bytes, num_threads: int = 1) -> Runner:
    """Reference runner: ai-edge-litert's TFLite interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=model_bytes, num_threads=num_threads)
    it.allocate_tensors()
    in_idx = it.get_input_details()[0]["index"]
    out_idx = [d["index"] for d in it.get_output_details()]

    def run(x: np.ndarray) -> list[np.ndarray]:
        it.set_tensor(in_idx, np.ascontiguousarray(x, dtype=np.float32))
        it.invoke()
        return [it.get_tensor(i).copy() for i in out_idx]

    run.output_names = [d["name"] for d in it.get_output_details()]  # type: ignore[attr-defined]
    return run


def tflite_output_order(model_bytes: bytes) -> list[str]:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=model_bytes)
    return [d["name"] for d in it.get_output_details()]


def torch_runner(module: Any) -> Runner:
    import torch

    def run(x: np.ndarray) -> list[np.ndarray]:
        with torch.no_grad():
            outs = module(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
        return [o.numpy().copy() for o in outs]

    return run


def onnx_runner(path: str | Path, num_threads: int = 1) -> Runner:
    backend = load_backend()
    model = backend.OnnxModel(path, None, num_threads=num_threads)
    return model
