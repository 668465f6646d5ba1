"""Pieces of the int8 recipe: head detection, cross-layer equalisation, MSE ranges, int8 share."""

from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from model_export.convert import quantize_int8  # noqa: E402
from model_export.quantize import (  # noqa: E402
    RECIPES,
    _session,
    activation_overrides,
    conv_macs,
    equalize,
    head_nodes,
    int8_conv_mac_fraction,
    mse_range,
)
from model_export.specs import MODELS  # noqa: E402


def _conv(name, x, w, out, group=1, pads=(1, 1, 1, 1)):
    return helper.make_node("Conv", [x, w, w + "_b"], [out], name=name, group=group, pads=list(pads))


def _tiny_model(rng: np.random.Generator) -> onnx.ModelProto:
    """x -> conv -> PRelu -> dw conv -> Pad -> pw conv -> Relu -> conv (head) -> y,
    with depthwise-output channel ranges spread over ~1000x so that equalisation has work to do."""
    c = 8
    w0 = rng.normal(size=(c, 3, 3, 3)) * np.logspace(-1, 1, c)[:, None, None, None]
    w1 = rng.normal(size=(c, 1, 3, 3)) * np.logspace(-1, 1, c)[:, None, None, None]
    w2 = rng.normal(size=(c, c, 1, 1))
    w3 = rng.normal(size=(4, c, 3, 3))
    inits = []
    for name, w in (("w0", w0), ("w1", w1), ("w2", w2), ("w3", w3)):
        inits.append(numpy_helper.from_array(w.astype(np.float32), name))
        inits.append(numpy_helper.from_array(rng.normal(size=w.shape[0]).astype(np.float32), name + "_b"))
    inits.append(numpy_helper.from_array((rng.uniform(0.05, 0.3, size=(c, 1, 1))).astype(np.float32), "slope"))
    inits.append(numpy_helper.from_array(np.array([0, 0, 0, 0, 0, 0, 1, 1], np.int64), "pads"))
    nodes = [
        _conv("c0", "x", "w0", "t0"),
        helper.make_node("PRelu", ["t0", "slope"], ["t1"], name="p0"),
        _conv("c1", "t1", "w1", "t2", group=c),
        helper.make_node("Pad", ["t2", "pads"], ["t3"], name="pad"),
        _conv("c2", "t3", "w2", "t4", pads=(0, 0, 0, 0)),
        helper.make_node("Relu", ["t4"], ["t5"], name="r0"),
        _conv("head", "t5", "w3", "y"),
    ]
    g = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    return onnx.shape_inference.infer_shapes(m)


def _run(m, x):
    sess, _ = _session(m, [o.name for o in m.graph.output])
    return sess.run(None, {"x": x})[0]


def test_equalize_is_exact_and_balances_channels():
    rng = np.random.default_rng(0)
    m = _tiny_model(rng)
    xs = [rng.uniform(0, 1, (1, 3, 12, 12)).astype(np.float32) for _ in range(4)]
    eq, pairs = equalize(m, xs, "x")
    # c0 -> PRelu -> c1 (dw), c1 -> Pad -> c2, c2 -> Relu -> head
    assert pairs == 3
    for x in xs:
        a, b = _run(m, x), _run(eq, x)
        assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max()

    def spread(model):
        sess, _ = _session(model, ["t2"])
        v = np.concatenate([sess.run(None, {"x": x})[0] for x in xs])
        r = np.abs(v).max(axis=(0, 2, 3))
        return r.max() / r.min()

    assert spread(eq) < spread(m) / 3


def test_head_nodes_follow_linear_head_chain():
    m = _tiny_model(np.random.default_rng(1))
    assert head_nodes(m) == ["head"]  # Relu in front: the head stops at its conv
    # without the Relu, c2 -> head is one linear head, and so is Pad -> c2 <- c1 (dw)
    g = m.graph
    relu = [n for n in g.node if n.op_type == "Relu"][0]
    head = [n for n in g.node if n.name == "head"][0]
    head.input[0] = relu.input[0]
    g.node.remove(relu)
    assert head_nodes(m) == ["c1", "pad", "c2", "head"]


def test_mse_range_clips_heavy_tails_only():
    rng = np.random.default_rng(0)

    def rng_of(v):
        edges = np.linspace(min(v.min(), 0.0), max(v.max(), 0.0), 1025)
        return mse_range(np.histogram(v, edges)[0], edges)

    lap = rng.laplace(size=200_000)  # heavy tails: the extremes are worth clipping
    lo, hi = rng_of(lap)
    assert 0.9 * lap.min() < lo < 0.2 * lap.min() and 0.2 * lap.max() < hi < 0.9 * lap.max()
    u = rng.uniform(0, 1, 100_000)  # uniform pixels: nothing worth clipping
    lo, hi = rng_of(u)
    assert lo == 0.0 and hi > 0.97
    relu = np.maximum(rng.normal(size=100_000), 0)  # zero stays representable
    lo, hi = rng_of(relu)
    assert lo == 0.0 and 0 < hi < relu.max()


def test_percentile_overrides_match_numpy(tmp_path):
    rng = np.random.default_rng(2)
    m = _tiny_model(rng)
    xs = [rng.uniform(0, 1, (1, 3, 12, 12)).astype(np.float32) for _ in range(6)]
    fp32 = tmp_path / "tiny.onnx"
    fp32.write_bytes(m.SerializeToString())

    class Spec:  # what quantize_int8 reads from a ModelSpec
        input_name = "x"
        description = "tiny"
        member = "tiny"
        source_sha256 = "0" * 64
        value_range = (0.0, 1.0)

    q = tmp_path / "tiny.int8.onnx"
    quantize_int8(fp32, q, Spec(), xs, nodes_to_exclude=["head"])
    ov = activation_overrides(m, onnx.load(str(q)), xs, "x", method="percentile", percentile=99.0)
    assert "t2" in ov and "x" not in ov  # depthwise output yes, network input no
    sess, _ = _session(m, ["t2"])
    v = np.concatenate([sess.run(None, {"x": x})[0].ravel() for x in xs])
    lo, hi = float(ov["t2"][0]["rmin"]), float(ov["t2"][0]["rmax"])
    step = (v.max() - v.min()) / 1024
    assert abs(lo - min(np.percentile(v, 0.5), 0.0)) <= 2 * step
    assert abs(hi - max(np.percentile(v, 99.5), 0.0)) <= 2 * step


def test_int8_share_recorded_and_reproduced(models_dir):
    manifest = json.loads((models_dir / "manifest.json").read_text())
    assert set(RECIPES) == {s.task for s in MODELS}
    for spec in MODELS:
        q = manifest["models"][spec.filename("int8")]["quantization"]
        assert q["int8_conv_mac_fraction"] >= 0.9, spec.task
        fp32_path = models_dir / spec.filename("fp32")
        if fp32_path.is_file():
            fp32 = onnx.load(str(fp32_path))
            qdq = onnx.load(str(models_dir / spec.filename("int8")))
            assert round(int8_conv_mac_fraction(fp32, qdq), 4) == q["int8_conv_mac_fraction"]
            assert sum(conv_macs(fp32).values()) > 10_000_000
