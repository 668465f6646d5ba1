"""int8 quantisation with a metric-driven search for nodes to keep in float.

1. Quantise everything (static QDQ, MinMax calibration on real face inputs,
   uint8 activations, int8 per-channel weights).
2. Evaluate the task metric against the fp32 model (``metric`` callback).
3. While it fails: rank the nodes by how much relative error each one *adds*
   (relative error of its output minus the largest relative error of its
   inputs, fp32 vs QDQ intermediates on a few samples) and exclude the worst
   ones from quantisation (``nodes_to_exclude``), then quantise again.

Everything is deterministic (fixed inputs, MinMax calibration, stable sort).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from .convert import quantize_int8
from .specs import ModelSpec

__all__ = ["QuantResult", "head_nodes", "node_sensitivity", "quantize_search"]

_HEAD_PASS = {"Reshape", "Transpose", "Concat", "Sigmoid", "Identity", "Flatten", "Squeeze", "Unsqueeze"}


def head_nodes(model: onnx.ModelProto) -> list[str]:
    """The output heads: walking back from each graph output through layout ops
    (and a final Sigmoid) up to and including the first Conv/ConvTranspose.

    Their outputs are regression values (pixel coordinates, logits) whose
    calibration range spans hundreds or thousands of units; one uint8 scale for
    them costs whole pixels, so they stay in float.
    """
    producer = {o: n for n in model.graph.node for o in n.output}
    heads: list[str] = []
    stack = [o.name for o in model.graph.output]
    seen: set[str] = set()
    while stack:
        t = stack.pop()
        n = producer.get(t)
        if n is None or n.name in seen:
            continue
        seen.add(n.name)
        if n.op_type in _HEAD_PASS:
            heads.append(n.name)
            stack.extend(i for i in n.input if i in producer)
        elif n.op_type in ("Conv", "ConvTranspose"):
            heads.append(n.name)
    order = {n.name: k for k, n in enumerate(model.graph.node)}
    return sorted(heads, key=lambda name: order[name])


# ops whose outputs ORT's QDQ quantiser may quantise (candidates for exclusion)
_QUANTISABLE = {
    "Conv",
    "ConvTranspose",
    "Add",
    "Mul",
    "MaxPool",
    "AveragePool",
    "Resize",
    "Concat",
    "PRelu",
    "HardSwish",
    "Sigmoid",
    "Relu",
    "Pad",
    "Reshape",
    "Transpose",
}


@dataclass
class QuantResult:
    excluded: list[str]
    ok: bool
    metric: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)


def intermediates(model: onnx.ModelProto, x: np.ndarray, input_name: str) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    m = onnx.shape_inference.infer_shapes(model)
    vi = {v.name: v for v in m.graph.value_info}
    have = {o.name for o in m.graph.output}
    for n in m.graph.node:
        for o in n.output:
            if o in vi and o not in have:
                m.graph.output.append(vi[o])
                have.add(o)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    s = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    outs = s.run(None, {input_name: x})
    return {o.name: v for o, v in zip(s.get_outputs(), outs, strict=True)}


def node_sensitivity(
    fp32_path: Path, int8_path: Path, samples: Sequence[np.ndarray], input_name: str
) -> list[tuple[str, float]]:
    """Nodes of the fp32 graph ranked by the relative error they add when quantised."""
    fm = onnx.load(str(fp32_path))
    qm = onnx.load(str(int8_path))
    scores: dict[str, float] = {}
    for x in samples:
        a = intermediates(fm, x, input_name)
        b = intermediates(qm, x, input_name)

        def rel(name: str, a: dict[str, np.ndarray] = a, b: dict[str, np.ndarray] = b) -> float:
            if name not in a:
                return 0.0
            q = b.get(name + "_DequantizeLinear_Output", b.get(name))
            if q is None or q.shape != a[name].shape:
                return 0.0
            rng = float(np.abs(a[name]).max())
            return float(np.abs(a[name] - q).max()) / max(rng, 1e-6)

        for n in fm.graph.node:
            if n.op_type not in _QUANTISABLE or not n.name:
                continue
            jump = rel(n.output[0]) - max([rel(i) for i in n.input if i] + [0.0])
            scores[n.name] = scores.get(n.name, 0.0) + jump / len(samples)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def quantize_search(
    spec: ModelSpec,
    fp32_path: Path,
    int8_path: Path,
    calibration: Sequence[np.ndarray],
    metric: Callable[[Path], tuple[bool, dict[str, Any], float]],
    sensitivity_samples: Sequence[np.ndarray],
    step: int = 4,
    max_rounds: int = 8,
    log: Callable[[str], None] = print,
) -> QuantResult:
    """Quantise, then keep the most error-adding nodes in float until the metric
    passes (or ``max_rounds``); the best round (by the metric's score) is kept."""
    excluded: list[str] = head_nodes(onnx.load(str(fp32_path)))
    history: list[dict[str, Any]] = []
    best: tuple[float, list[str], bool, dict[str, Any]] | None = None
    for rnd in range(max_rounds + 1):
        quantize_int8(fp32_path, int8_path, spec, calibration, nodes_to_exclude=excluded)
        ok, value, score = metric(int8_path)
        history.append({"nodes_kept_float": len(excluded), **value})
        log(f"  {spec.task} int8 round {rnd}: {len(excluded)} nodes kept in float -> {value} ok={ok}")
        if best is None or score > best[0] or (ok and not best[2]):
            best = (score, list(excluded), ok, value)
        if ok or rnd == max_rounds:
            break
        ranked = node_sensitivity(fp32_path, int8_path, sensitivity_samples, spec.input_name)
        new = [name for name, _ in ranked if name not in excluded][:step]
        if not new:
            break
        excluded = excluded + new
    assert best is not None
    _, best_excluded, ok, value = best
    if best_excluded != excluded:
        quantize_int8(fp32_path, int8_path, spec, calibration, nodes_to_exclude=best_excluded)
    return QuantResult(excluded=best_excluded, ok=ok, metric=value, history=history)
