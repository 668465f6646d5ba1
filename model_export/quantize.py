"""int8 quantisation: per-task recipe, output heads in float, optional search.

1. Prepare (per :data:`RECIPES`): optionally cross-layer-equalise conv pairs
   (:func:`equalize`, exact rescaling of the fp32 weights).
2. Quantise (static QDQ, uint8 per-tensor activations, int8 symmetric
   per-channel weights; output heads -- :func:`head_nodes` -- kept in float)
   with MinMax ranges, or with per-tensor ranges computed from histograms of the
   same calibration inputs (:func:`activation_overrides`: central 99.9 %, or
   MSE-optimal).
3. Evaluate the task metric against the fp32 model (``metric`` callback).
4. While it fails (optional, ``max_rounds``): rank the nodes by how much
   relative error each one *adds* and exclude the worst ones, quantise again.

Everything is deterministic (fixed inputs, fixed histograms and search grids,
stable sort).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from .convert import quantize_int8
from .specs import ModelSpec

__all__ = [
    "RECIPES",
    "QuantResult",
    "Recipe",
    "activation_overrides",
    "conv_macs",
    "equalize",
    "head_nodes",
    "int8_conv_mac_fraction",
    "mse_range",
    "node_sensitivity",
    "quantize_search",
]

_HEAD_PASS = {"Reshape", "Transpose", "Concat", "Sigmoid", "Identity", "Flatten", "Squeeze", "Unsqueeze"}


def head_nodes(model: onnx.ModelProto) -> list[str]:
    """The output heads: walking back from each graph output through layout ops
    (and a final Sigmoid) up to and including the first Conv/ConvTranspose, and
    from there on through the *linear* part of the head: a zero ``Pad`` and a
    preceding Conv whose output feeds nothing else (a depthwise + pointwise head
    with no activation in between, as in the full-range detector).

    Their tensors are regression values (pixel coordinates, logits) whose
    calibration range spans hundreds or thousands of units; one uint8 scale for
    them costs whole pixels, so they stay in float.  (Before the linear-chain rule
    the full-range detector's classifier head quantised its depthwise output,
    range +-900, with a scale of 10 per step.)
    """
    producer = {o: n for n in model.graph.node for o in n.output}
    consumers: dict[str, int] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers[i] = consumers.get(i, 0) + 1
    outputs = {o.name for o in model.graph.output}

    def single_use(t: str) -> bool:
        return consumers.get(t, 0) == 1 and t not in outputs

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
            # the linear part of the head: [Pad] <- Conv, single-use tensors only
            cur = n
            while True:
                p = producer.get(cur.input[0])
                if p is not None and p.op_type == "Pad" and single_use(p.output[0]) and p.name not in seen:
                    q = producer.get(p.input[0])
                    if q is None or q.op_type != "Conv" or not single_use(q.output[0]) or q.name in seen:
                        break
                    seen.update((p.name, q.name))
                    heads.extend((p.name, q.name))
                    cur = q
                elif p is not None and p.op_type == "Conv" and single_use(p.output[0]) and p.name not in seen:
                    seen.add(p.name)
                    heads.append(p.name)
                    cur = p
                else:
                    break
    order = {n.name: k for k, n in enumerate(model.graph.node)}
    return sorted(heads, key=lambda name: order[name])


# ---------------------------------------------------------------------------
# recipes


@dataclass(frozen=True)
class Recipe:
    """How one network is prepared and calibrated (see README "int8")."""

    equalize: bool  # cross-layer equalisation of conv pairs before quantisation
    # activation ranges: "minmax" (onnxruntime MinMax), "percentile" (central
    # 99.9 % of the calibration values) or "mse" (per-tensor MSE-optimal range)
    calibration: str


# Measured on the held-out set (README "int8", table "calibration"): the central
# 99.9 % range beats MinMax on every network (MinMax ranges are set by a few
# activations, e.g. the detectors' letterbox corners at 10-70x the face
# features); MSE ranges clip less and, on the detectors, add false faces.
# Equalisation only for the iris model, whose depthwise outputs span 20-40x
# between channels (on the others it changes little or hurts).
RECIPES: dict[str, Recipe] = {
    "face_detection_short_range": Recipe(equalize=False, calibration="percentile"),
    "face_detection_full_range": Recipe(equalize=False, calibration="percentile"),
    "face_landmark": Recipe(equalize=False, calibration="percentile"),
    "iris_landmark": Recipe(equalize=True, calibration="percentile"),
    "selfie_segmentation": Recipe(equalize=False, calibration="percentile"),
}


def _session(model: onnx.ModelProto, outputs: Sequence[str]) -> tuple[Any, list[str]]:
    """onnxruntime session (no graph optimisation, 1 thread) returning ``outputs``."""
    import onnxruntime as ort

    m = onnx.ModelProto()
    m.CopyFrom(model)
    m = onnx.shape_inference.infer_shapes(m)
    vi = {v.name: v for v in list(m.graph.value_info) + list(m.graph.output)}
    del m.graph.output[:]
    for name in outputs:
        m.graph.output.append(vi[name])
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess, [o.name for o in sess.get_outputs()]


# ---------------------------------------------------------------------------
# cross-layer equalisation

_POS_HOMOGENEOUS = {"Relu", "PRelu"}  # f(s * x) == s * f(x) for s > 0 (per channel)


def _attr(node: onnx.NodeProto, name: str, default: Any) -> Any:
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _equalisable_pairs(model: onnx.ModelProto) -> list[tuple[onnx.NodeProto, onnx.NodeProto]]:
    """(conv1, conv2) with conv1's output reaching conv2's data input only, through
    single-use Relu / PRelu (constant slope) / zero-Pad nodes."""
    inits = {i.name: i for i in model.graph.initializer}
    outputs = {o.name for o in model.graph.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)

    def zero_pad(n: onnx.NodeProto) -> bool:
        if _attr(n, "mode", b"constant") not in (b"constant", "constant"):
            return False
        if len(n.input) > 2 and n.input[2]:
            v = inits.get(n.input[2])
            return v is not None and not np.any(numpy_helper.to_array(v))
        return True

    pairs = []
    for n in model.graph.node:
        if n.op_type != "Conv" or len(n.input) < 2 or n.input[1] not in inits:
            continue
        t = n.output[0]
        nxt: onnx.NodeProto | None = None
        while True:
            cs = consumers.get(t, [])
            if t in outputs or len(cs) != 1:
                break
            c = cs[0]
            if (
                c.op_type == "Relu"
                or (c.op_type == "PRelu" and c.input[1] in inits)
                or (c.op_type == "Pad" and zero_pad(c))
            ):
                if c.input[0] != t:
                    break
                t = c.output[0]
                continue
            if c.op_type == "Conv" and c.input[0] == t and c.input[1] in inits:
                nxt = c
            break
        if nxt is not None:
            pairs.append((n, nxt))
    return pairs


def equalize(
    model: onnx.ModelProto, samples: Sequence[np.ndarray], input_name: str, clamp: float = 1e3
) -> tuple[onnx.ModelProto, int]:
    """Cross-layer equalisation (Nagel et al. 2019, "Data-Free Quantization"), with
    activation ranges from the calibration samples.

    For a pair conv1 -> [Relu | PRelu | zero Pad]* -> conv2, output channel ``i``
    of conv1 (weights and bias) is divided by ``s_i`` and input channel ``i`` of
    conv2 multiplied by ``s_i`` (``s_i > 0``); the function computed is unchanged
    (the ops in between commute with a positive per-channel scale).  ``s_i =
    sqrt(r_i / w_i)`` (geometric mean normalised to 1) with ``r_i`` the largest
    |activation| of the channel entering conv2 and ``w_i`` the largest |weight| of
    conv2 on that channel, so that both become ``sqrt(r_i * w_i)``: the channels of
    the per-tensor uint8 activation no longer span 20-40x different ranges
    (iris depthwise outputs), at the cost of a moderate spread in conv2's
    per-output-channel int8 weights.  Returns the new model and the pair count.
    """
    m = onnx.ModelProto()
    m.CopyFrom(model)
    inits = {i.name: i for i in m.graph.initializer}
    # every Conv gets its own weight/bias (the exporter shares identical tensors)
    seen: set[str] = set()
    for k, n in enumerate(m.graph.node):
        if n.op_type != "Conv":
            continue
        for j in (1, 2):
            if len(n.input) > j and n.input[j] in inits:
                name = n.input[j]
                if name in seen:
                    copy = onnx.TensorProto()
                    copy.CopyFrom(inits[name])
                    copy.name = f"{name}__eq{k}"
                    m.graph.initializer.append(copy)
                    inits[copy.name] = m.graph.initializer[-1]
                    n.input[j] = copy.name
                seen.add(n.input[j])
    pairs = _equalisable_pairs(m)
    if not pairs:
        return m, 0
    # ranges of the tensors entering conv2, measured once on the unscaled model:
    # scaling a pair leaves every other tensor unchanged
    wanted = sorted({c2.input[0] for _, c2 in pairs})
    sess, names = _session(m, wanted)
    rng: dict[str, np.ndarray] = {}
    for x in samples:
        for name, v in zip(names, sess.run(None, {input_name: x}), strict=True):
            r = np.abs(v).max(axis=tuple(k for k in range(v.ndim) if k != 1)).astype(np.float64)
            rng[name] = np.maximum(rng[name], r) if name in rng else r
    order = {n.name: k for k, n in enumerate(m.graph.node)}
    for c1, c2 in sorted(pairs, key=lambda p: order[p[0].name]):
        w1 = numpy_helper.to_array(inits[c1.input[1]]).astype(np.float64)
        w2 = numpy_helper.to_array(inits[c2.input[1]]).astype(np.float64)
        r = rng[c2.input[0]]
        group = int(_attr(c2, "group", 1))
        cin = r.shape[0]
        cpg = w2.shape[1]  # input channels per group
        opg = w2.shape[0] // group
        if w1.shape[0] != cin or cpg * group != cin:
            continue
        # |w2| per input channel
        wr = np.array([np.abs(w2[(c // cpg) * opg : (c // cpg + 1) * opg, c % cpg]).max() for c in range(cin)])
        ok = (r > 0) & (wr > 0)
        if not np.any(ok):
            continue
        s = np.ones(cin)
        s[ok] = np.sqrt(r[ok] / wr[ok])
        s[ok] /= np.exp(np.mean(np.log(s[ok])))
        s = np.clip(s, 1.0 / clamp, clamp)
        w1 = w1 / s.reshape(-1, *([1] * (w1.ndim - 1)))
        for c in range(cin):
            w2[(c // cpg) * opg : (c // cpg + 1) * opg, c % cpg] *= s[c]
        inits[c1.input[1]].CopyFrom(numpy_helper.from_array(w1.astype(np.float32), c1.input[1]))
        inits[c2.input[1]].CopyFrom(numpy_helper.from_array(w2.astype(np.float32), c2.input[1]))
        if len(c1.input) > 2 and c1.input[2] in inits:
            b1 = numpy_helper.to_array(inits[c1.input[2]]).astype(np.float64) / s
            inits[c1.input[2]].CopyFrom(numpy_helper.from_array(b1.astype(np.float32), c1.input[2]))
    return m, len(pairs)


# ---------------------------------------------------------------------------
# activation ranges


def mse_range(hist: np.ndarray, edges: np.ndarray, steps: int = 48) -> tuple[float, float]:
    """The uint8 range ``[lo, hi]`` (0 included) minimising the quantisation MSE of
    a histogram (bin centres), searched over ``lo = f * min``, ``hi = g * max``
    with ``f, g`` in ``(0, 1]``."""
    x = (edges[:-1] + edges[1:]) / 2.0
    nz = hist > 0
    x, c = x[nz].astype(np.float64), hist[nz].astype(np.float64)
    lo0, hi0 = min(float(edges[0]), 0.0), max(float(edges[-1]), 0.0)
    if hi0 - lo0 <= 0 or x.size == 0:
        return lo0, hi0
    f = np.linspace(1.0 / steps, 1.0, steps)
    los = lo0 * f if lo0 < 0 else np.zeros(1)
    his = hi0 * f if hi0 > 0 else np.zeros(1)
    best = (np.inf, lo0, hi0)
    for lo in los:
        scale = (his - lo) / 255.0  # one candidate per hi
        okc = scale > 0
        if not np.any(okc):
            continue
        sc = scale[okc][:, None]
        zp = np.round(-lo / sc)
        q = (np.clip(np.round(x[None, :] / sc) + zp, 0, 255) - zp) * sc
        err = ((q - x[None, :]) ** 2 * c[None, :]).sum(axis=1)
        k = int(np.argmin(err))
        if err[k] < best[0]:
            best = (float(err[k]), float(lo), float(his[okc][k]))
    return best[1], best[2]


def activation_overrides(
    model: onnx.ModelProto,
    qdq: onnx.ModelProto,
    samples: Sequence[np.ndarray],
    input_name: str,
    bins: int = 1024,
    method: str = "mse",
    percentile: float = 99.9,
) -> dict[str, list[dict[str, Any]]]:
    """``TensorQuantOverrides`` (rmin/rmax) for every activation that ``qdq``
    quantises, from the fp32 ``model`` run on ``samples``: the MSE-optimal range
    (``method="mse"``) or the central ``percentile`` % of the values
    (``method="percentile"``, half of the rest cut on each side), 0 included.

    The network input and tensors that are only a layout change of it (Transpose,
    Pad, Reshape) keep their full range: they are pixel values, not activations
    with tails.
    """
    inits = {i.name for i in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}

    def from_input(t: str) -> bool:
        while t != input_name:
            n = producer.get(t)
            if n is None or n.op_type not in ("Transpose", "Pad", "Reshape"):
                return False
            t = n.input[0]
        return True

    names = sorted(
        {n.input[0] for n in qdq.graph.node if n.op_type == "QuantizeLinear"}
        - inits
        - {o.name for o in model.graph.output}
    )
    names = [t for t in names if t in producer and not from_input(t)]
    if not names:
        return {}
    sess, outs = _session(model, names)
    lo = {t: 0.0 for t in outs}
    hi = {t: 0.0 for t in outs}
    for x in samples:  # pass 1: extent (0 included)
        for t, v in zip(outs, sess.run(None, {input_name: x}), strict=True):
            lo[t] = min(lo[t], float(v.min()))
            hi[t] = max(hi[t], float(v.max()))
    hists = {t: np.zeros(bins, np.int64) for t in outs}
    for x in samples:  # pass 2: histograms on that extent
        for t, v in zip(outs, sess.run(None, {input_name: x}), strict=True):
            if hi[t] > lo[t]:
                k = ((v.ravel().astype(np.float64) - lo[t]) * (bins / (hi[t] - lo[t]))).astype(np.int64)
                hists[t] += np.bincount(np.clip(k, 0, bins - 1), minlength=bins)
    result: dict[str, list[dict[str, Any]]] = {}
    for t in outs:
        if hi[t] <= lo[t]:
            continue
        edges = np.linspace(lo[t], hi[t], bins + 1)
        if method == "mse":
            a, b = mse_range(hists[t], edges)
        elif method == "percentile":
            cdf = np.cumsum(hists[t]) / max(int(hists[t].sum()), 1)
            cut = (100.0 - percentile) / 200.0
            a = min(float(edges[int(np.searchsorted(cdf, cut))]), 0.0)
            b = max(float(edges[min(int(np.searchsorted(cdf, 1.0 - cut)) + 1, bins)]), 0.0)
        else:
            raise ValueError(f"unknown range method {method!r}")
        result[t] = [{"rmin": np.float32(a), "rmax": np.float32(b)}]
    return result


# ---------------------------------------------------------------------------
# int8 share


def conv_macs(model: onnx.ModelProto) -> dict[str, int]:
    """Multiply-accumulates of every Conv / ConvTranspose node (batch 1)."""
    m = onnx.shape_inference.infer_shapes(model)
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)
    }
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    out: dict[str, int] = {}
    for n in m.graph.node:
        if n.op_type == "Conv":
            out[n.name] = int(np.prod(shapes[n.output[0]])) * int(np.prod(inits[n.input[1]][1:]))
        elif n.op_type == "ConvTranspose":
            out[n.name] = int(np.prod(shapes[n.input[0]])) * int(np.prod(inits[n.input[1]][1:]))
    return out


def int8_conv_mac_fraction(fp32: onnx.ModelProto, qdq: onnx.ModelProto) -> float:
    """Share of the conv MACs whose weights and data input are both int8/uint8 QDQ in ``qdq``."""
    macs = conv_macs(fp32)
    producer = {o: n for n in qdq.graph.node for o in n.output}
    int_inits = {
        i.name for i in qdq.graph.initializer if i.data_type in (onnx.TensorProto.INT8, onnx.TensorProto.UINT8)
    }

    def from_dq(t: str, want_init: bool) -> bool:
        p = producer.get(t)
        if p is None or p.op_type != "DequantizeLinear":
            return False
        return (p.input[0] in int_inits) if want_init else (p.input[0] not in int_inits)

    quant = 0
    for n in qdq.graph.node:
        if n.name in macs and from_dq(n.input[0], False) and from_dq(n.input[1], True):
            quant += macs[n.name]
    total = sum(macs.values())
    return quant / total if total else 0.0


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
    recipe: Recipe | None = None
    equalized_pairs: int = 0
    int8_conv_mac_fraction: float = 0.0


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


def _check_equivalent(
    a: onnx.ModelProto, b: onnx.ModelProto, samples: Sequence[np.ndarray], input_name: str, tol: float = 1e-3
) -> float:
    """Largest output difference of two fp32 models relative to the output's max |value|."""
    outs = [o.name for o in a.graph.output]
    sa, _ = _session(a, outs)
    sb, _ = _session(b, outs)
    worst = 0.0
    for x in samples:
        for ya, yb in zip(sa.run(None, {input_name: x}), sb.run(None, {input_name: x}), strict=True):
            worst = max(worst, float(np.abs(ya - yb).max() / max(float(np.abs(ya).max()), 1e-6)))
    if worst > tol:
        raise RuntimeError(f"equalised model differs from the original by {worst:.3g} (relative)")
    return worst


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
    recipe: Recipe | None = None,
) -> QuantResult:
    """Quantise with the task's :data:`RECIPES` entry (optional equalisation, MinMax
    or MSE activation ranges), then keep the most error-adding nodes in float
    until the metric passes (or ``max_rounds``); the best round (by the metric's
    score) is kept."""
    recipe = recipe or RECIPES.get(spec.task, Recipe(equalize=False, calibration="minmax"))
    fp32 = onnx.load(str(fp32_path))
    source, pairs = fp32_path, 0
    if recipe.equalize:
        eq, pairs = equalize(fp32, calibration, spec.input_name)
        _check_equivalent(fp32, eq, list(calibration[:: max(1, len(calibration) // 4)]), spec.input_name)
        source = int8_path.with_name(f"{spec.task}.equalized.fp32.onnx")
        source.write_bytes(eq.SerializeToString(deterministic=True))
    source_model = onnx.load(str(source))

    def quantize(excl: list[str]) -> None:
        quantize_int8(source, int8_path, spec, calibration, nodes_to_exclude=excl)
        if recipe.calibration in ("mse", "percentile"):
            ov = activation_overrides(
                source_model, onnx.load(str(int8_path)), calibration, spec.input_name, method=recipe.calibration
            )
            quantize_int8(source, int8_path, spec, calibration, nodes_to_exclude=excl, tensor_overrides=ov)
        elif recipe.calibration != "minmax":
            raise ValueError(f"unknown calibration {recipe.calibration!r}")

    excluded: list[str] = head_nodes(fp32)
    history: list[dict[str, Any]] = []
    best: tuple[float, list[str], bool, dict[str, Any]] | None = None
    for rnd in range(max_rounds + 1):
        quantize(excluded)
        ok, value, score = metric(int8_path)
        history.append({"nodes_kept_float": len(excluded), **value})
        log(f"  {spec.task} int8 round {rnd}: {len(excluded)} nodes kept in float -> {value} ok={ok}")
        if best is None or score > best[0] or (ok and not best[2]):
            best = (score, list(excluded), ok, value)
        if ok or rnd == max_rounds:
            break
        ranked = node_sensitivity(source, int8_path, sensitivity_samples, spec.input_name)
        new = [name for name, _ in ranked if name not in excluded][:step]
        if not new:
            break
        excluded = excluded + new
    assert best is not None
    _, best_excluded, ok, value = best
    if best_excluded != excluded:
        quantize(best_excluded)
    frac = int8_conv_mac_fraction(fp32, onnx.load(str(int8_path)))
    return QuantResult(
        excluded=best_excluded,
        ok=ok,
        metric=value,
        history=history,
        recipe=recipe,
        equalized_pairs=pairs,
        int8_conv_mac_fraction=frac,
    )
