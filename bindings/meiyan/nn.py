"""meiyan's native neural-network engine from Python.

:class:`NativeModel` runs a ``.mynn`` file (converted from the shipped ONNX models by
``python -m model_export.nn_convert``) in the C++ engine, single-threaded unless ``threads`` says
otherwise (the outputs are the same bytes for any thread count).  It is a *runner* in the
sense of :mod:`meiyan.onnx_backend` (NHWC float32 batch in, list of outputs out), so the same
pre/post-processing works with either backend::

    from meiyan import nn, onnx_backend
    mesh = onnx_backend.FaceLandmarker(runner=nn.open_task("face_landmark", "int8"))
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from meiyan import _core

__all__ = ["NativeModel", "find_model", "kernel_tables", "open_task"]

FloatArray = npt.NDArray[np.float32]


class NativeModel:
    """One ``.mynn`` model in the native engine.

    ``expected_name``, when given, must equal the model's name (e.g. ``"face_landmark"``): loading
    another network's file is then an error rather than a silent mix-up.  Malformed files raise
    ``ValueError`` (truncated, corrupt, wrong format version), missing ones ``FileNotFoundError``.
    """

    def __init__(self, path: str | os.PathLike[str], expected_name: str | None = None, *, threads: int = 1) -> None:
        self.path = Path(path)
        self._model = _core.NnModel.load(str(self.path), expected_name or "")
        self.threads = threads

    @classmethod
    def from_bytes(cls, data: bytes, expected_name: str | None = None, *, threads: int = 1) -> NativeModel:
        self = cls.__new__(cls)
        self.path = Path("<memory>")
        self._model = _core.NnModel.from_bytes(data, expected_name or "")
        self.threads = threads
        return self

    @property
    def threads(self) -> int:
        """Threads per run: 1 by default; more split the large convolutions (0 sets one per core)."""
        return self._model.threads

    @threads.setter
    def threads(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"threads must be an int, got {type(n).__name__}")
        self._model.threads = n

    @property
    def name(self) -> str:
        return self._model.name

    @property
    def precision(self) -> str:
        return self._model.precision

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self._model.inputs[0][1])

    @property
    def output_names(self) -> list[str]:
        return [name for name, _ in self._model.outputs]

    @property
    def output_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(shape) for _, shape in self._model.outputs]

    @property
    def arena_bytes(self) -> int:
        """Activation memory, planned once at load."""
        return self._model.arena_bytes

    def meta(self, key: str) -> str:
        return self._model.meta(key)

    def __call__(self, x: np.ndarray) -> list[FloatArray]:
        """Run on one input (NHWC float32, the model's input shape); returns the outputs."""
        return self.run(x)

    def run(self, *inputs: np.ndarray) -> list[FloatArray]:
        arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in inputs]
        return self._model.run(arrays)

    def time_runs(self, x: np.ndarray, repeats: int = 50, warmup: int = 5) -> npt.NDArray[np.float64]:
        """Seconds per run, timed inside the engine (no Python overhead)."""
        return np.asarray(self._model.time_runs([np.ascontiguousarray(x, np.float32)], repeats, warmup), np.float64)

    def profile(self, x: np.ndarray, repeats: int = 10) -> list[tuple[str, float]]:
        """Mean seconds per layer over ``repeats`` full runs."""
        return list(self._model.profile([np.ascontiguousarray(x, np.float32)], repeats))

    def __repr__(self) -> str:
        return f"NativeModel({self.name!r}, {self.precision}, input {self.input_shape}, from {self.path})"


def kernel_tables() -> list[str]:
    """The NN kernel tables this CPU can run (scalar first); ``meiyan.simd_force`` picks among them."""
    return list(_core.nn_kernels())


def find_model(task: str, precision: str = "auto", models_dir: str | os.PathLike[str] | None = None) -> Path:
    """``<models_dir>/<task>.<precision>.mynn``; ``auto`` prefers int8, then fp32."""
    from meiyan.onnx_backend import default_models_dir

    root = Path(models_dir) if models_dir is not None else default_models_dir()
    order: Sequence[str] = ("int8", "fp32") if precision == "auto" else (precision,)
    for p in order:
        path = root / f"{task}.{p}.mynn"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no {precision} .mynn model for task '{task}' in {root}")


def open_task(
    task: str, precision: str = "auto", models_dir: str | os.PathLike[str] | None = None, *, threads: int = 1
) -> NativeModel:
    """The native model for a task (``face_landmark``, ``face_detection_short_range``, ...)."""
    return NativeModel(find_model(task, precision, models_dir), expected_name=task, threads=threads)
