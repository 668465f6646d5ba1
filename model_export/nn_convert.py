"""ONNX -> ``.mynn``: the converter for meiyan's native engine.

``python -m model_export.nn_convert SRC.onnx [...] --out DIR`` (or :func:`convert_file`) reads an
fp32 or int8-QDQ ONNX graph and writes the engine file described in :mod:`model_export.nn_format`.

What it does, in order:

1. Imports the graph: constants folded (initializers, ``Constant`` nodes, ``DequantizeLinear`` of
   constants), shapes from ONNX shape inference.
2. QDQ: each ``QuantizeLinear``/``DequantizeLinear`` pair on an activation becomes a uint8 tensor
   (int8 activations are shifted by 128, which is exact).  Patterns whose float semantics the
   engine reproduces on uint8 data become uint8 ops: Conv with int8 per-channel weights and an
   int32 bias -> integer conv + requantisation; Add/Mul -> uint8 binary op; unary activations ->
   256-entry lookup tables (per channel for PRelu) computed here in float32 exactly as the QDQ
   graph defines them; MaxPool/Pad/Reshape/Transpose/Resize/Concat/DepthToSpace with equal input
   and output quantisation -> the same op on uint8; AveragePool -> uint8 pool.  Whatever is left
   runs in float between explicit QUANTIZE/DEQUANTIZE ops (as onnxruntime runs it).
3. Pattern rewrites: Reshape-Transpose-Reshape depth-to-space -> DEPTH2SPACE.
4. Fusion: zero Pad into the following conv's padding; activation, residual Add (including a
   channel-padded residual) and the activation after it into the conv's epilogue -- for uint8
   convs the fused stages keep every intermediate requantisation of the QDQ graph.
5. Layout: 4-D activations are stored NHWC; layout-only Transposes and Reshapes become aliases.
6. Writes weights as float16 where every value survives the round trip (``weights="auto"``),
   else float32; int8 graphs keep int8 weights with per-channel scales.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import nn_format as fmt

__all__ = ["ConvertError", "convert", "convert_file", "main"]

CONVERTER_VERSION = "1"

F32 = npt.NDArray[np.float32]


class ConvertError(ValueError):
    """The ONNX graph holds something the native engine does not support."""


@dataclass
class QConst:
    """A constant that came from DequantizeLinear: its integer values and quantisation."""

    q: npt.NDArray[Any]
    scale: npt.NDArray[np.float32]
    zero_point: npt.NDArray[Any]
    axis: int


@dataclass
class Val:
    name: str
    shape: tuple[int, ...]
    const: npt.NDArray[Any] | None = None
    qconst: QConst | None = None
    dtype: str = "f32"
    scale: float = 0.0
    zero_point: int = 0


@dataclass
class Node:
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    vals: dict[str, Val]
    nodes: list[Node]
    inputs: list[str]
    outputs: list[str]

    def producer(self) -> dict[str, Node]:
        return {o: n for n in self.nodes for o in n.outputs}

    def consumers(self) -> dict[str, list[Node]]:
        c: dict[str, list[Node]] = {}
        for n in self.nodes:
            for i in n.inputs:
                if i:
                    c.setdefault(i, []).append(n)
        return c

    def is_const(self, name: str) -> bool:
        return name in self.vals and self.vals[name].const is not None


# ---------------------------------------------------------------------------
# import


def _attrs(node: Any) -> dict[str, Any]:
    import onnx

    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif a.type == onnx.AttributeProto.TENSOR:
            v = onnx.numpy_helper.to_array(v)
        out[a.name] = v
    return out


def _dequantize(q: npt.NDArray[Any], scale: npt.NDArray[Any], zp: npt.NDArray[Any], axis: int) -> F32:
    s = np.asarray(scale, np.float32)
    z = np.asarray(zp)
    if s.ndim == 1 and q.ndim > 1:
        shape = [1] * q.ndim
        shape[axis] = -1
        s = s.reshape(shape)
        z = z.reshape(shape)
    return ((q.astype(np.int64) - z.astype(np.int64)).astype(np.float32) * s).astype(np.float32)


def import_onnx(model: Any) -> Graph:
    import onnx
    from onnx import numpy_helper

    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    g = model.graph
    vals: dict[str, Val] = {}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        t = vi.type.tensor_type
        shape = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim)
        vals[vi.name] = Val(vi.name, shape)
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        vals[init.name] = Val(init.name, a.shape, const=a)
    nodes: list[Node] = []
    for n in g.node:
        attrs = _attrs(n)
        if n.op_type == "Constant":
            if "value" not in attrs:
                raise ConvertError(f"Constant node {n.name}: only 'value' constants are supported")
            a = np.asarray(attrs["value"])
            vals[n.output[0]] = Val(n.output[0], a.shape, const=a)
            continue
        if n.op_type == "DequantizeLinear" and n.input[0] in vals and vals[n.input[0]].const is not None:
            q = vals[n.input[0]].const
            s = vals[n.input[1]].const
            zp = vals[n.input[2]].const if len(n.input) > 2 and n.input[2] else np.zeros_like(s, dtype=q.dtype)
            assert q is not None and s is not None and zp is not None
            axis = int(attrs.get("axis", 1))
            if axis < 0:
                axis += q.ndim
            vals[n.output[0]] = Val(
                n.output[0], q.shape, const=_dequantize(q, s, zp, axis),
                qconst=QConst(q, np.asarray(s, np.float32), np.asarray(zp), axis),
            )
            continue
        nodes.append(Node(n.op_type, list(n.input), list(n.output), attrs))
    inits = {i.name for i in g.initializer}
    inputs = [i.name for i in g.input if i.name not in inits]
    for name in inputs:
        if any(d <= 0 for d in vals[name].shape):
            raise ConvertError(f"input {name} has a dynamic shape {vals[name].shape}; export with a fixed shape")
    for n in nodes:
        for o in n.outputs:
            if o not in vals or any(d < 0 for d in vals[o].shape):
                raise ConvertError(f"{n.op_type} output {o}: shape unknown after shape inference")
    return Graph(vals, nodes, inputs, [o.name for o in g.output])


# ---------------------------------------------------------------------------
# QDQ


def _scalar_q(g: Graph, node: Node) -> tuple[float, int]:
    s = g.vals[node.inputs[1]].const
    z = g.vals[node.inputs[2]].const if len(node.inputs) > 2 and node.inputs[2] else np.zeros((), np.uint8)
    if s is None or z is None or s.size != 1 or z.size != 1:
        raise ConvertError(f"{node.op} on activation {node.inputs[0]}: only per-tensor constant quantisation")
    zp = int(z.reshape(-1)[0])
    if z.dtype == np.int8:
        zp += 128  # int8 activations are stored as uint8 shifted by 128 (exact)
    elif z.dtype != np.uint8:
        raise ConvertError(f"{node.op} on {node.inputs[0]}: {z.dtype} activations are not supported")
    return float(np.float32(s.reshape(-1)[0])), zp


def lower_qdq(g: Graph) -> None:
    """QuantizeLinear/DequantizeLinear on activations -> QUANT/DEQUANT nodes on uint8 values."""
    rename: dict[str, str] = {}
    seen_dq: dict[tuple[str, float, int], str] = {}
    nodes = []
    for n in g.nodes:
        n.inputs = [rename.get(i, i) for i in n.inputs]
        if n.op == "QuantizeLinear":
            s, z = _scalar_q(g, n)
            out = n.outputs[0]
            g.vals[out] = Val(out, g.vals[n.inputs[0]].shape, dtype="u8", scale=s, zero_point=z)
            nodes.append(Node("QUANT", [n.inputs[0]], [out]))
        elif n.op == "DequantizeLinear":
            s, z = _scalar_q(g, n)
            src = g.vals[n.inputs[0]]
            if src.dtype != "u8" or abs(src.scale - s) > 1e-12 * max(1.0, s) or src.zero_point != z:
                raise ConvertError(f"DequantizeLinear {n.outputs[0]}: input is not a matching QuantizeLinear output")
            key = (n.inputs[0], s, z)
            if key in seen_dq:
                rename[n.outputs[0]] = seen_dq[key]
                continue
            seen_dq[key] = n.outputs[0]
            nodes.append(Node("DEQUANT", [n.inputs[0]], [n.outputs[0]]))
        else:
            nodes.append(n)
    g.outputs = [rename.get(o, o) for o in g.outputs]
    g.nodes = nodes


def _float_act(op: str, attrs: dict[str, Any], x: F32, slopes: F32 | None) -> F32:
    """The activations in float32, as onnxruntime evaluates them."""
    if op == "Relu":
        return np.maximum(x, np.float32(0))
    if op == "PRelu":
        assert slopes is not None
        return np.where(x < 0, x * slopes, x).astype(np.float32)
    if op == "LeakyRelu":
        return np.where(x < 0, x * np.float32(attrs.get("alpha", 0.01)), x).astype(np.float32)
    if op == "HardSwish":
        return (x * np.clip(x * np.float32(1.0 / 6.0) + np.float32(0.5), 0, 1)).astype(np.float32)
    if op == "HardSigmoid":
        a, b = np.float32(attrs.get("alpha", 0.2)), np.float32(attrs.get("beta", 0.5))
        return np.clip(x * a + b, 0, 1).astype(np.float32)
    if op == "Sigmoid":
        return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)
    if op == "Clip":
        lo, hi = attrs.get("min", -np.inf), attrs.get("max", np.inf)
        return np.clip(x, np.float32(lo), np.float32(hi)).astype(np.float32)
    if op == "Tanh":
        return np.tanh(x).astype(np.float32)
    raise ConvertError(f"no activation {op}")


UNARY_OPS = {"Relu", "PRelu", "LeakyRelu", "HardSwish", "HardSigmoid", "Sigmoid", "Clip", "Tanh"}


def _channel_slopes(g: Graph, n: Node, channels: int) -> F32 | None:
    if n.op != "PRelu":
        return None
    s = g.vals[n.inputs[1]].const
    if s is None:
        raise ConvertError(f"PRelu {n.outputs[0]}: slopes must be constant")
    s = np.asarray(s, np.float32)
    if s.size == 1:
        return np.full(channels, s.reshape(-1)[0], np.float32)
    if s.size != channels:
        raise ConvertError(f"PRelu {n.outputs[0]}: slope shape {s.shape} is not per channel ({channels})")
    return s.reshape(-1)


def _clip_attrs(g: Graph, n: Node) -> dict[str, Any]:
    if n.op != "Clip":
        return n.attrs
    a = dict(n.attrs)
    for k, idx in (("min", 1), ("max", 2)):
        if len(n.inputs) > idx and n.inputs[idx]:
            c = g.vals[n.inputs[idx]].const
            if c is None:
                raise ConvertError("Clip bounds must be constant")
            a[k] = float(c)
    return a


def make_lut(g: Graph, n: Node, src: Val, dst: Val, channels: int) -> npt.NDArray[np.uint8]:
    """uint8 -> uint8 table(s) of DequantizeLinear -> activation -> QuantizeLinear."""
    q = np.arange(256, dtype=np.int32)
    x = ((q - src.zero_point).astype(np.float32) * np.float32(src.scale)).astype(np.float32)
    slopes = _channel_slopes(g, n, channels)
    attrs = _clip_attrs(g, n)
    if slopes is not None and np.unique(slopes).size > 1:
        y = _float_act(n.op, attrs, x[None, :].repeat(channels, 0), slopes[:, None])
    else:
        y = _float_act(n.op, attrs, x, None if slopes is None else slopes[:1])[None, :]
    out = np.rint(y / np.float32(dst.scale)) + dst.zero_point
    return np.clip(out, 0, 255).astype(np.uint8)


def fuse_qdq(g: Graph) -> None:
    """Turn DEQUANT -> op -> QUANT patterns into uint8 ops."""
    prod = g.producer()
    cons = g.consumers()
    graph_out = set(g.outputs)

    def dq_src(name: str) -> str | None:
        p = prod.get(name)
        return p.inputs[0] if p is not None and p.op == "DEQUANT" else None

    def sole_quant(name: str) -> Node | None:
        c = cons.get(name, [])
        if name in graph_out or len(c) != 1 or c[0].op != "QUANT":
            return None
        return c[0]

    removed: set[int] = set()
    for n in g.nodes:
        if n.op in ("QUANT", "DEQUANT") or not n.outputs:
            continue
        out_q = sole_quant(n.outputs[0]) if len(n.outputs) == 1 else None
        if out_q is None:
            continue
        srcs = [dq_src(i) if i and not g.is_const(i) else None for i in n.inputs]
        yq = g.vals[out_q.outputs[0]]
        data_in = [i for i in n.inputs if i and not g.is_const(i)]
        if n.op == "Conv" and srcs[0] is not None:
            w = g.vals[n.inputs[1]]
            b = g.vals[n.inputs[2]] if len(n.inputs) > 2 and n.inputs[2] else None
            wq = w.qconst
            if wq is None or wq.q.dtype != np.int8 or np.any(wq.zero_point != 0):
                continue
            if b is not None and b.const is None:
                continue
            x = g.vals[srcs[0]]
            cout = wq.q.shape[0]
            w_scale = np.broadcast_to(wq.scale.reshape(-1), (cout,)).astype(np.float32)
            acc_scale = (np.float32(x.scale) * w_scale).astype(np.float32)
            if b is None:
                bias_q = np.zeros(cout, np.int32)
            elif b.qconst is not None and b.qconst.q.dtype == np.int32 and np.allclose(
                np.broadcast_to(b.qconst.scale.reshape(-1), (cout,)), acc_scale, rtol=1e-6, atol=0
            ) and np.all(b.qconst.zero_point == 0):
                bias_q = b.qconst.q.astype(np.int32).reshape(-1)
            else:
                assert b.const is not None
                bias_q = np.rint(b.const.astype(np.float64).reshape(-1) / acc_scale).astype(np.int32)
            mult = (acc_scale / np.float32(yq.scale)).astype(np.float32)
            attrs = dict(n.attrs)
            attrs.update(wq=wq.q, bias_q=bias_q, mult=mult, conv_zp=yq.zero_point, conv_scale=yq.scale)
            n.op, n.inputs, n.outputs, n.attrs = "QConv", [srcs[0]], [out_q.outputs[0]], attrs
            removed.add(id(out_q))
        elif n.op in UNARY_OPS and srcs[0] is not None:
            x = g.vals[srcs[0]]
            channels = x.shape[1] if len(x.shape) == 4 else 1
            slopes = _channel_slopes(g, n, channels)
            if slopes is not None and np.unique(slopes).size > 1:
                # per-channel tables are built by the engine at load time from the slopes (256 x C bytes
                # each would dominate the file); the engine's float32 arithmetic is the same as make_lut's
                attrs = {"lut": None, "slopes": slopes}
            else:
                attrs = {"lut": make_lut(g, n, x, yq, channels), "slopes": None}
            n.op, n.inputs, n.outputs, n.attrs = "LUT", [srcs[0]], [out_q.outputs[0]], attrs
            removed.add(id(out_q))
        elif n.op in ("Add", "Mul") and len(data_in) == 2 and all(s is not None for s in srcs):
            n.op, n.inputs, n.outputs = "Q" + n.op, [s for s in srcs if s is not None], [out_q.outputs[0]]
            removed.add(id(out_q))
        elif n.op == "AveragePool" and srcs[0] is not None:
            n.inputs, n.outputs = [srcs[0]], [out_q.outputs[0]]
            removed.add(id(out_q))
        elif n.op in ("MaxPool", "Pad", "Reshape", "Transpose", "Resize", "Concat", "DepthToSpace") and all(
            srcs[k] is not None for k, i in enumerate(n.inputs) if i and not g.is_const(i)
        ):
            ins = [g.vals[s] for s in srcs if s is not None]
            if any(v.scale != yq.scale or v.zero_point != yq.zero_point for v in ins):
                continue
            if n.op == "Pad":
                val = g.vals[n.inputs[2]].const if len(n.inputs) > 2 and n.inputs[2] else None
                if n.attrs.get("mode", "constant") != "constant" or (val is not None and float(val) != 0.0):
                    continue
            n.inputs = [s if s is not None else i for s, i in zip(srcs, n.inputs, strict=True)]
            n.outputs = [out_q.outputs[0]]
            removed.add(id(out_q))
    g.nodes = [n for n in g.nodes if id(n) not in removed]
    remove_dead(g)


def remove_dead(g: Graph) -> None:
    while True:
        used = set(g.outputs) | {i for n in g.nodes for i in n.inputs}
        keep = [n for n in g.nodes if any(o in used for o in n.outputs)]
        if len(keep) == len(g.nodes):
            return
        g.nodes = keep


# ---------------------------------------------------------------------------
# rewrites and fusion


def fuse_depth_to_space(g: Graph) -> None:
    prod = g.producer()
    cons = g.consumers()
    for n in list(g.nodes):
        if n.op != "Reshape":
            continue
        t = prod.get(n.inputs[0])
        if t is None or t.op != "Transpose" or len(cons.get(t.outputs[0], [])) != 1:
            continue
        r = prod.get(t.inputs[0])
        if r is None or r.op != "Reshape" or len(cons.get(r.outputs[0], [])) != 1:
            continue
        src = g.vals[r.inputs[0]].shape
        mid = g.vals[r.outputs[0]].shape
        dst = g.vals[n.outputs[0]].shape
        perm = list(t.attrs.get("perm", []))
        if len(src) != 4 or len(mid) != 6 or len(dst) != 4:
            continue
        nb, c, h, w = src
        if perm == [0, 3, 4, 1, 5, 2] and mid[1] == mid[2] and mid[3:] == (c // (mid[1] ** 2), h, w):
            mode = "DCR"
        elif perm == [0, 1, 4, 2, 5, 3] and mid[2] == mid[3] and mid[1] == c // (mid[2] ** 2) and mid[4:] == (h, w):
            mode = "CRD"
        else:
            continue
        b = mid[1] if mode == "DCR" else mid[2]
        if dst != (nb, c // (b * b), h * b, w * b):
            continue
        n.op, n.inputs, n.attrs = "DepthToSpace", [r.inputs[0]], {"blocksize": b, "mode": mode}
    remove_dead(g)


def _conv_like(n: Node) -> bool:
    return n.op in ("Conv", "QConv")


def _spatial_pads(g: Graph, n: Node) -> list[int] | None:
    """[top, left, bottom, right] of a zero constant Pad touching only H and W, else None."""
    if n.op != "Pad" or n.attrs.get("mode", "constant") != "constant":
        return None
    pads = g.vals[n.inputs[1]].const if len(n.inputs) > 1 else None
    if pads is None or pads.size != 8 or np.any(pads < 0):
        return None
    if len(n.inputs) > 2 and n.inputs[2]:
        v = g.vals[n.inputs[2]].const
        if v is None or float(v) != 0.0:
            return None
    if len(n.inputs) > 3 and n.inputs[3]:
        return None
    p = [int(v) for v in pads]
    if p[0] or p[1] or p[4] or p[5]:
        return None
    return [p[2], p[3], p[6], p[7]]


def _channel_pad(g: Graph, n: Node) -> int | None:
    """Channels added at the end by a zero Pad that touches nothing else, else None."""
    if n.op != "Pad" or n.attrs.get("mode", "constant") != "constant":
        return None
    pads = g.vals[n.inputs[1]].const if len(n.inputs) > 1 else None
    if pads is None or pads.size != 8:
        return None
    if len(n.inputs) > 2 and n.inputs[2]:
        v = g.vals[n.inputs[2]].const
        if v is None or float(v) != 0.0:
            return None
    p = [int(v) for v in pads]
    if any(p[k] for k in (0, 1, 2, 3, 4, 6, 7)) or p[5] < 0:
        return None
    return p[5]


def fuse_convs(g: Graph) -> None:
    """Zero padding, activations and residual adds into the convolutions."""
    changed = True
    while changed:
        changed = False
        prod = g.producer()
        cons = g.consumers()
        outs = set(g.outputs)

        def single(name: str, cons: dict[str, list[Node]] = cons, outs: set[str] = outs) -> Node | None:
            c = cons.get(name, [])
            return c[0] if len(c) == 1 and name not in outs else None

        for n in list(g.nodes):
            if not _conv_like(n):
                continue
            a = n.attrs
            # Pad -> conv
            p = prod.get(n.inputs[0])
            if p is not None and single(p.outputs[0]) is n and a.get("residual") is None:
                sp = _spatial_pads(g, p)
                if sp is not None:
                    cp = a.get("pads", [0, 0, 0, 0])
                    a["pads"] = [cp[0] + sp[0], cp[1] + sp[1], cp[2] + sp[2], cp[3] + sp[3]]
                    n.inputs[0] = p.inputs[0]
                    g.nodes.remove(p)
                    changed = True
                    break
            nxt = single(n.outputs[0])
            if nxt is None:
                continue
            cout = g.vals[n.outputs[0]].shape[1]
            fused_residual = a.get("residual") is not None
            if n.op == "Conv" and nxt.op in ("Relu", "PRelu", "HardSwish", "Sigmoid"):
                slot = "act_post" if fused_residual else "act_pre"
                if a.get(slot) is None:
                    a[slot] = nxt.op
                    a[slot + "_slopes"] = _channel_slopes(g, nxt, cout)
                    n.outputs = nxt.outputs
                    g.nodes.remove(nxt)
                    changed = True
                    break
            if n.op == "QConv" and nxt.op == "LUT":
                slot = "lut_post" if fused_residual else "lut_pre"
                if a.get(slot) is None:
                    a[slot] = nxt.attrs
                    if slot == "lut_pre":
                        out = g.vals[nxt.outputs[0]]
                        a["pre_out"] = (out.scale, out.zero_point)
                    n.outputs = nxt.outputs
                    g.nodes.remove(nxt)
                    changed = True
                    break
            add_op = "Add" if n.op == "Conv" else "QAdd"
            if nxt.op == add_op and not fused_residual and a.get("lut_post") is None and a.get("act_post") is None:
                other = nxt.inputs[1] if nxt.inputs[0] == n.outputs[0] else nxt.inputs[0]
                if other == n.outputs[0] or g.is_const(other):
                    continue
                oshape = g.vals[other].shape
                res = other
                rp = prod.get(other)
                if oshape != g.vals[n.outputs[0]].shape:
                    continue
                if rp is not None and single(other) is nxt:
                    cp = _channel_pad(g, rp)
                    if cp is not None:
                        res = rp.inputs[0]
                        g.nodes.remove(rp)
                if n.op == "QConv":
                    a["add_out"] = (g.vals[nxt.outputs[0]].scale, g.vals[nxt.outputs[0]].zero_point)
                a["residual"] = res
                n.inputs = [n.inputs[0], res]
                n.outputs = nxt.outputs
                # the fused conv runs where the add ran: both of its inputs exist there
                g.nodes.remove(n)
                g.nodes[g.nodes.index(nxt)] = n
                changed = True
                break
    remove_dead(g)


# ---------------------------------------------------------------------------
# lowering to engine ops (layout: 4-D activations NHWC)


NCHW_TO_NHWC_AXIS = {0: 0, 1: 3, 2: 1, 3: 2}


@dataclass
class Lowered:
    tensors: list[fmt.Tensor] = field(default_factory=list)
    ops: list[fmt.Op] = field(default_factory=list)
    ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (value, layout) -> tensor id
    layout: dict[str, str] = field(default_factory=dict)  # value -> layout of its first lowering


def _stored(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    if layout == "nhwc":
        n, c, h, w = shape
        return (n, h, w, c)
    return shape


class Lowerer:
    def __init__(self, g: Graph, weights: str) -> None:
        self.g = g
        self.weights = weights
        self.out = Lowered()
        self.fp16_lossy = 0

    # tensors --------------------------------------------------------------
    def new_tensor(self, name: str, layout: str) -> int:
        v = self.g.vals[name]
        label = name if name not in self.out.layout else f"{name}@{layout}"
        t = fmt.Tensor(label, v.dtype, _stored(v.shape, layout), v.scale, v.zero_point)
        tid = len(self.out.tensors)
        self.out.tensors.append(t)
        self.out.ids[(name, layout)] = tid
        self.out.layout.setdefault(name, layout)
        return tid

    def define(self, name: str, layout: str) -> int:
        if (name, layout) in self.out.ids:
            raise ConvertError(f"value {name} defined twice")
        return self.new_tensor(name, layout)

    def alias(self, src: int, name: str, layout: str) -> int:
        tid = self.define(name, layout)
        self.out.ops.append(fmt.Op("RESHAPE", [src], [tid]))
        return tid

    def get(self, name: str, layout: str) -> int:
        """The id of `name` stored in `layout`, inserting a layout change if needed."""
        if (name, layout) in self.out.ids:
            return self.out.ids[(name, layout)]
        have = self.out.layout.get(name)
        if have is None:
            raise ConvertError(f"value {name} used before it is computed")
        src = self.out.ids[(name, have)]
        shape = self.g.vals[name].shape
        if len(shape) != 4:
            raise ConvertError(f"{name}: layout change of a rank-{len(shape)} value")
        if shape[2] == 1 and shape[3] == 1:
            return self.alias(src, name, layout)  # NCHW and NHWC bytes agree when H = W = 1
        tid = self.new_tensor(name, layout)
        perm = [0, 3, 1, 2] if layout == "plain" else [0, 2, 3, 1]
        self.out.ops.append(fmt.Op("TRANSPOSE", [src], [tid], list(perm)))
        return tid

    def layout_of(self, name: str) -> str:
        return self.out.layout[name]

    # weights --------------------------------------------------------------
    def fweight(self, a: npt.NDArray[Any]) -> fmt.Weight:
        a = np.ascontiguousarray(a, np.float32)
        if self.weights == "fp32":
            return fmt.Weight(a)
        h = a.astype(np.float16)
        exact = bool(np.all(h.astype(np.float32) == a))
        if exact or self.weights == "fp16":
            if not exact:
                self.fp16_lossy += int(np.sum(h.astype(np.float32) != a))
            return fmt.Weight(h)
        return fmt.Weight(a)

    # ops ----------------------------------------------------------------
    def run(self) -> fmt.Model:
        g = self.g
        inputs = [self.define(i, "plain") for i in g.inputs]
        for n in g.nodes:
            fn = getattr(self, "op_" + n.op, None)
            if fn is None:
                raise ConvertError(f"operator {n.op} is not supported by the native engine (output {n.outputs[0]})")
            fn(n)
        outputs = []
        for o in g.outputs:
            tid = self.get(o, "plain")
            if self.g.vals[o].dtype != "f32":
                raise ConvertError(f"graph output {o} is quantised; the engine returns float outputs")
            outputs.append(tid)
        return fmt.Model(self.out.tensors, self.out.ops, inputs, outputs)

    def _act_code(self, act: str | None) -> int:
        return fmt.ACT[{None: "NONE", "Relu": "RELU", "PRelu": "PRELU", "HardSwish": "HARDSWISH",
                        "Sigmoid": "SIGMOID"}[act]]

    def _conv_common(self, n: Node, w_shape: tuple[int, ...]) -> tuple[list[int | float], bool]:
        a = n.attrs
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            raise ConvertError(f"Conv {n.outputs[0]}: dilation is not supported")
        if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            raise ConvertError(f"Conv {n.outputs[0]}: auto_pad {a['auto_pad']} is not supported")
        x = self.g.vals[n.inputs[0]]
        if len(x.shape) != 4:
            raise ConvertError(f"Conv {n.outputs[0]}: only 2-D convolutions")
        cin = x.shape[1]
        cout, cin_g, kh, kw = w_shape
        group = int(a.get("group", 1))
        if group == 1:
            depthwise = False
        elif group == cin and cin_g == 1 and cout == cin:
            depthwise = True
        else:
            raise ConvertError(f"Conv {n.outputs[0]}: group {group} (only dense and depthwise convolutions)")
        pads = [int(v) for v in a.get("pads", [0, 0, 0, 0])]  # ONNX: top, left, bottom, right
        sh, sw = (int(v) for v in a.get("strides", [1, 1]))
        return [kh, kw, sh, sw, pads[0], pads[1], pads[2], pads[3], int(depthwise)], depthwise

    def _pack_w(self, w: npt.NDArray[Any], depthwise: bool) -> npt.NDArray[Any]:
        if depthwise:
            return np.ascontiguousarray(w[:, 0].transpose(1, 2, 0))  # [kh][kw][C]
        return np.ascontiguousarray(w.transpose(0, 2, 3, 1))  # OHWI

    def op_Conv(self, n: Node) -> None:
        a = n.attrs
        w = a["W"]
        params, dw = self._conv_common(n, w.shape)
        cout = w.shape[0]
        b = a.get("bias")
        bias = np.zeros(cout, np.float32) if b is None else np.asarray(b, np.float32).reshape(-1)
        res = a.get("residual")
        ins = [self.get(n.inputs[0], "nhwc")] + ([self.get(res, "nhwc")] if res else [])
        y = self.define(n.outputs[0], "nhwc")
        params += [self._act_code(a.get("act_pre")), self._act_code(a.get("act_post")), int(res is not None),
                   0.0, 0, 0.0, 0, 0.0, 0]
        weights = [self.fweight(self._pack_w(w, dw)), fmt.Weight(bias)]
        for slot in ("act_pre", "act_post"):
            if a.get(slot) == "PRelu":
                weights.append(fmt.Weight(np.asarray(a[slot + "_slopes"], np.float32)))
        self.out.ops.append(fmt.Op("CONV", ins, [y], params, weights))

    def op_QConv(self, n: Node) -> None:
        a = n.attrs
        wq = a["wq"]
        params, dw = self._conv_common(n, wq.shape)
        res = a.get("residual")
        xin = self.get(n.inputs[0], "nhwc")
        ins = [xin] + ([self.get(res, "nhwc")] if res else [])
        y = self.define(n.outputs[0], "nhwc")
        yv = self.g.vals[n.outputs[0]]
        # the quantisation after each stage: conv -> pre activation -> residual add -> post activation
        conv_q = (a["conv_scale"], a["conv_zp"])
        pre_out = a.get("pre_out", conv_q)
        add_out = a.get("add_out", pre_out)
        if a.get("lut_post") is None and (yv.scale, yv.zero_point) != add_out:
            raise ConvertError(f"{n.outputs[0]}: quantisation of the fused stages does not chain")
        weights = [fmt.Weight(self._pack_w(wq, dw).astype(np.int8)), fmt.Weight(a["bias_q"].astype(np.int32)),
                   fmt.Weight(a["mult"].astype(np.float32))]
        acts = []
        for slot in ("lut_pre", "lut_post"):
            act = a.get(slot)
            if act is None:
                acts.append(fmt.ACT["NONE"])
            elif act["slopes"] is not None:
                acts.append(fmt.ACT["PRELU"])
                weights.append(fmt.Weight(np.asarray(act["slopes"], np.float32)))
            else:
                acts.append(fmt.ACT["LUT"])
                weights.append(fmt.Weight(np.ascontiguousarray(act["lut"], np.uint8).reshape(-1)))
        params += [acts[0], acts[1], int(res is not None), float(conv_q[0]), int(conv_q[1]), float(pre_out[0]),
                   int(pre_out[1]), float(add_out[0]), int(add_out[1])]
        self.out.ops.append(fmt.Op("CONV", ins, [y], params, weights))

    def _pool(self, n: Node, kind: int) -> None:
        a = n.attrs
        x = self.g.vals[n.inputs[0]]
        if n.op == "GlobalAveragePool":
            k = [x.shape[2], x.shape[3]]
            s = k
            pads = [0, 0, 0, 0]
        else:
            k = [int(v) for v in a["kernel_shape"]]
            s = [int(v) for v in a.get("strides", [1, 1])]
            pads = [int(v) for v in a.get("pads", [0, 0, 0, 0])]
            if a.get("ceil_mode", 0) or any(d != 1 for d in a.get("dilations", [1, 1])):
                raise ConvertError(f"{n.op} {n.outputs[0]}: ceil_mode/dilations are not supported")
            if kind == 1 and any(pads) and not a.get("count_include_pad", 0):
                raise ConvertError(f"AveragePool {n.outputs[0]}: padding without count_include_pad")
        xin = self.get(n.inputs[0], "nhwc")
        y = self.define(n.outputs[0], "nhwc")
        self.out.ops.append(fmt.Op("POOL", [xin], [y], [kind, k[0], k[1], s[0], s[1], pads[0], pads[1], pads[2],
                                                          pads[3]]))

    def op_MaxPool(self, n: Node) -> None:
        self._pool(n, 0)

    def op_AveragePool(self, n: Node) -> None:
        self._pool(n, 1)

    def op_GlobalAveragePool(self, n: Node) -> None:
        self._pool(n, 1)

    def _binary(self, n: Node, kind: int) -> None:
        a, b = n.inputs[0], n.inputs[1]
        if self.g.is_const(a) or self.g.is_const(b):
            raise ConvertError(f"{n.op} {n.outputs[0]} with a constant operand is not supported")
        sa, sb = self.g.vals[a].shape, self.g.vals[b].shape
        if int(np.prod(sb)) > int(np.prod(sa)):
            a, b, sa, sb = b, a, sb, sa
        out_shape = self.g.vals[n.outputs[0]].shape
        if sa != out_shape:
            raise ConvertError(f"{n.op} {n.outputs[0]}: broadcasting of the first operand")
        layout = self.layout_of(a) if len(sa) == 4 else "plain"
        if len(sa) == 4 and layout == "nhwc":
            ok = sb == sa or (len(sb) == 4 and sb[0] == 1 and sb[2] == 1 and sb[3] == 1 and sb[1] == sa[1]) or (
                int(np.prod(sb)) == 1)
        else:
            ok = sb == sa or int(np.prod(sb)) == 1
        if not ok:
            raise ConvertError(f"{n.op} {n.outputs[0]}: broadcast {sb} onto {sa} is not supported")
        ia = self.get(a, layout)
        ib = self.get(b, layout if len(sb) == len(sa) else self.layout_of(b))
        y = self.define(n.outputs[0], layout)
        self.out.ops.append(fmt.Op("BINARY", [ia, ib], [y], [kind, fmt.ACT["NONE"]]))

    def op_Add(self, n: Node) -> None:
        self._binary(n, 0)

    def op_Mul(self, n: Node) -> None:
        self._binary(n, 1)

    def op_QAdd(self, n: Node) -> None:
        self._binary(n, 0)

    def op_QMul(self, n: Node) -> None:
        self._binary(n, 1)

    def _unary_layout(self, n: Node, per_channel: bool) -> tuple[int, int]:
        x = n.inputs[0]
        layout = self.layout_of(x)
        if per_channel and len(self.g.vals[x].shape) == 4:
            layout = "nhwc"
        elif per_channel:
            raise ConvertError(f"{n.op} {n.outputs[0]}: per-channel parameters need a 4-D input")
        return self.get(x, layout), self.define(n.outputs[0], layout)

    def _float_unary(self, n: Node) -> None:
        x = self.g.vals[n.inputs[0]]
        slopes = None
        if n.op == "PRelu":
            slopes = _channel_slopes(self.g, n, x.shape[1] if len(x.shape) == 4 else 1)
            if slopes is not None and np.unique(slopes).size == 1 and len(x.shape) != 4:
                slopes = slopes[:1]
        xi, y = self._unary_layout(n, n.op == "PRelu" and len(x.shape) == 4)
        act = self._act_code(n.op)
        weights = [fmt.Weight(np.asarray(slopes, np.float32))] if slopes is not None else []
        self.out.ops.append(fmt.Op("UNARY", [xi], [y], [act], weights))

    op_Relu = _float_unary
    op_PRelu = _float_unary
    op_HardSwish = _float_unary
    op_Sigmoid = _float_unary

    def op_LUT(self, n: Node) -> None:
        if n.attrs["slopes"] is not None:
            xi, y = self._unary_layout(n, True)
            self.out.ops.append(fmt.Op("UNARY", [xi], [y], [fmt.ACT["PRELU"]],
                                       [fmt.Weight(np.asarray(n.attrs["slopes"], np.float32))]))
            return
        lut = np.asarray(n.attrs["lut"], np.uint8)
        xi, y = self._unary_layout(n, lut.shape[0] > 1)
        self.out.ops.append(fmt.Op("UNARY", [xi], [y], [fmt.ACT["LUT"]], [fmt.Weight(lut.reshape(-1))]))

    def op_QUANT(self, n: Node) -> None:
        layout = self.layout_of(n.inputs[0])
        xi = self.get(n.inputs[0], layout)
        self.out.ops.append(fmt.Op("QUANTIZE", [xi], [self.define(n.outputs[0], layout)]))

    def op_DEQUANT(self, n: Node) -> None:
        layout = self.layout_of(n.inputs[0])
        xi = self.get(n.inputs[0], layout)
        self.out.ops.append(fmt.Op("DEQUANTIZE", [xi], [self.define(n.outputs[0], layout)]))

    def op_Pad(self, n: Node) -> None:
        pads = self.g.vals[n.inputs[1]].const
        x = self.g.vals[n.inputs[0]]
        if n.attrs.get("mode", "constant") != "constant" or pads is None or len(x.shape) != 4:
            raise ConvertError(f"Pad {n.outputs[0]}: only constant padding of 4-D tensors")
        if len(n.inputs) > 3 and n.inputs[3]:
            raise ConvertError(f"Pad {n.outputs[0]}: axes input is not supported")
        p = [int(v) for v in pads]
        if p[0] or p[4] or any(v < 0 for v in p):
            raise ConvertError(f"Pad {n.outputs[0]}: batch or negative padding")
        value = 0.0
        if len(n.inputs) > 2 and n.inputs[2]:
            cv = self.g.vals[n.inputs[2]].const
            if cv is None:
                raise ConvertError(f"Pad {n.outputs[0]}: the value must be constant")
            value = float(cv)
        xi = self.get(n.inputs[0], "nhwc")
        y = self.define(n.outputs[0], "nhwc")
        if x.dtype == "u8":
            if value != 0.0:
                raise ConvertError(f"Pad {n.outputs[0]}: non-zero padding of a quantised tensor")
        self.out.ops.append(fmt.Op("PAD", [xi], [y], [p[2], p[6], p[3], p[7], p[1], p[5], value]))

    def op_Resize(self, n: Node) -> None:
        a = n.attrs
        if a.get("mode", "nearest") != "linear":
            raise ConvertError(f"Resize {n.outputs[0]}: mode {a.get('mode')} (only linear)")
        modes = {"half_pixel": 0, "pytorch_half_pixel": 0, "align_corners": 1, "asymmetric": 2}
        ctm = a.get("coordinate_transformation_mode", "half_pixel")
        if ctm not in modes:
            raise ConvertError(f"Resize {n.outputs[0]}: coordinate_transformation_mode {ctm}")
        x, y = self.g.vals[n.inputs[0]].shape, self.g.vals[n.outputs[0]].shape
        if len(x) != 4 or x[:2] != y[:2]:
            raise ConvertError(f"Resize {n.outputs[0]}: only spatial resizing of 4-D tensors")
        if ctm == "pytorch_half_pixel" and (y[2] == 1 or y[3] == 1):
            raise ConvertError(f"Resize {n.outputs[0]}: pytorch_half_pixel to size 1")
        scales = self.g.vals[n.inputs[2]].const if len(n.inputs) > 2 and n.inputs[2] else None
        if scales is not None and scales.size == 4:
            sh, sw = float(scales[2]), float(scales[3])
        else:
            sh, sw = y[2] / x[2], y[3] / x[3]
        xi = self.get(n.inputs[0], "nhwc")
        self.out.ops.append(fmt.Op("RESIZE", [xi], [self.define(n.outputs[0], "nhwc")], [modes[ctm], sh, sw]))

    def op_ConvTranspose(self, n: Node) -> None:
        a = n.attrs
        w = self.g.vals[n.inputs[1]].const
        if w is None or int(a.get("group", 1)) != 1 or any(d != 1 for d in a.get("dilations", [1, 1])):
            raise ConvertError(f"ConvTranspose {n.outputs[0]}: constant weights, group 1, no dilation")
        if any(a.get("output_padding", [0, 0])) or a.get("auto_pad", "NOTSET") != "NOTSET" or "output_shape" in a:
            raise ConvertError(f"ConvTranspose {n.outputs[0]}: output_padding/auto_pad/output_shape")
        cin, cout, kh, kw = w.shape
        b = self.g.vals[n.inputs[2]].const if len(n.inputs) > 2 and n.inputs[2] else np.zeros(cout, np.float32)
        if b is None:
            raise ConvertError(f"ConvTranspose {n.outputs[0]}: bias must be constant")
        pads = [int(v) for v in a.get("pads", [0, 0, 0, 0])]
        sh, sw = (int(v) for v in a.get("strides", [1, 1]))
        xi = self.get(n.inputs[0], "nhwc")
        y = self.define(n.outputs[0], "nhwc")
        self.out.ops.append(fmt.Op("DECONV", [xi], [y], [kh, kw, sh, sw, pads[0], pads[1], pads[2], pads[3]],
                                   [self.fweight(w.transpose(0, 2, 3, 1)),
                                    fmt.Weight(np.asarray(b, np.float32).reshape(-1))]))

    def op_DepthToSpace(self, n: Node) -> None:
        mode = {"DCR": 0, "CRD": 1}[n.attrs.get("mode", "DCR")]
        xi = self.get(n.inputs[0], "nhwc")
        y = self.define(n.outputs[0], "nhwc")
        self.out.ops.append(fmt.Op("DEPTH2SPACE", [xi], [y], [int(n.attrs["blocksize"]), mode]))

    def op_Concat(self, n: Node) -> None:
        ins = [i for i in n.inputs if i]
        rank = len(self.g.vals[ins[0]].shape)
        axis = int(n.attrs["axis"])
        if axis < 0:
            axis += rank
        layout = self.layout_of(ins[0]) if rank == 4 else "plain"
        ids = [self.get(i, layout) for i in ins]
        if layout == "nhwc":
            axis = NCHW_TO_NHWC_AXIS[axis]
        u8 = [self.g.vals[i] for i in ins]
        yv = self.g.vals[n.outputs[0]]
        if yv.dtype == "u8" and any(v.scale != yv.scale or v.zero_point != yv.zero_point for v in u8):
            raise ConvertError(f"Concat {n.outputs[0]}: inputs with different quantisation")
        self.out.ops.append(fmt.Op("CONCAT", ids, [self.define(n.outputs[0], layout)], [axis]))

    def op_Transpose(self, n: Node) -> None:
        x = n.inputs[0]
        shape = self.g.vals[x].shape
        perm = [int(v) for v in n.attrs.get("perm", list(range(len(shape)))[::-1])]
        layout = self.layout_of(x)
        if len(shape) == 4 and perm == [0, 3, 1, 2] and layout == "plain":
            self.alias(self.get(x, "plain"), n.outputs[0], "nhwc")  # NHWC input viewed as NCHW
        elif len(shape) == 4 and perm == [0, 2, 3, 1] and layout == "nhwc":
            self.alias(self.get(x, "nhwc"), n.outputs[0], "plain")
        elif perm == list(range(len(shape))):
            self.alias(self.get(x, layout), n.outputs[0], layout)
        else:
            xi = self.get(x, "plain")
            self.out.ops.append(fmt.Op("TRANSPOSE", [xi], [self.define(n.outputs[0], "plain")], perm))

    def op_Reshape(self, n: Node) -> None:
        self.alias(self.get(n.inputs[0], "plain"), n.outputs[0], "plain")

    op_Flatten = op_Reshape
    op_Squeeze = op_Reshape
    op_Unsqueeze = op_Reshape


# ---------------------------------------------------------------------------
# driver


def _prepare_convs(g: Graph) -> None:
    """Keep each float conv's weights and bias in its attributes: fusion rewrites its inputs."""
    for n in g.nodes:
        if n.op == "Conv":
            w = g.vals[n.inputs[1]].const if len(n.inputs) > 1 else None
            if w is None:
                raise ConvertError(f"Conv {n.outputs[0]}: weights must be constant")
            n.attrs["W"] = w
            n.attrs["bias"] = g.vals[n.inputs[2]].const if len(n.inputs) > 2 and n.inputs[2] else None
            n.inputs = n.inputs[:1]


def convert(
    onnx_model: Any, *, weights: str = "auto", name: str = "", source: str = ""
) -> tuple[bytes, dict[str, Any]]:
    """Convert an in-memory ONNX model; returns the .mynn bytes and a report."""
    if weights not in ("auto", "fp16", "fp32"):
        raise ValueError("weights must be 'auto', 'fp16' or 'fp32'")
    g = import_onnx(onnx_model)
    n_onnx = len(g.nodes)
    lower_qdq(g)
    fuse_qdq(g)
    _prepare_convs(g)
    fuse_depth_to_space(g)
    fuse_convs(g)
    low = Lowerer(g, weights)
    model = low.run()
    precision = "int8" if any(t.dtype == "u8" for t in model.tensors) else "fp32"
    model.meta = {
        "name": name,
        "precision": precision,
        "source": source,
        "converter": f"model_export.nn_convert {CONVERTER_VERSION}",
        "inputs": ";".join(f"{g.inputs[k]}:{'x'.join(map(str, model.tensors[t].shape))}"
                           for k, t in enumerate(model.inputs)),
        "outputs": ";".join(f"{g.outputs[k]}:{'x'.join(map(str, model.tensors[t].shape))}"
                            for k, t in enumerate(model.outputs)),
    }
    data = fmt.write(model)
    ops: dict[str, int] = {}
    for op in model.ops:
        ops[op.kind] = ops.get(op.kind, 0) + 1
    wdt: dict[str, int] = {}
    for op in model.ops:
        for w in op.weights:
            k = str(w.data.dtype)
            wdt[k] = wdt.get(k, 0) + int(w.data.nbytes)
    report = {
        "name": name,
        "precision": precision,
        "onnx_nodes": n_onnx,
        "engine_ops": len(model.ops),
        "ops": ops,
        "weight_bytes": wdt,
        "fp16_lossy_values": low.fp16_lossy,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return data, report


def convert_file(src: str | Path, dst: str | Path, *, weights: str = "auto") -> dict[str, Any]:
    """Convert one ONNX file to a .mynn file; returns the report (size, sha256, op counts)."""
    import onnx

    src, dst = Path(src), Path(dst)
    raw = src.read_bytes()
    name = src.name.split(".")[0]
    data, report = convert(onnx.load_from_string(raw), weights=weights, name=name,
                           source=f"{src.name} sha256={hashlib.sha256(raw).hexdigest()}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    report["path"] = str(dst)
    report["source_file"] = {"name": src.name, "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
    return report


def manifest_entry(report: dict[str, Any], onnx_entry: dict[str, Any] | None = None) -> dict[str, Any]:
    """A models/manifest.json entry for a converted file, sharing its ONNX source's description."""
    entry: dict[str, Any] = {}
    if onnx_entry is not None:
        for key in ("task", "precision", "description", "inputs", "outputs", "normalization", "source"):
            if key in onnx_entry:
                entry[key] = onnx_entry[key]
    entry.update({
        "format": f"meiyan .mynn {fmt.VERSION_MAJOR}.{fmt.VERSION_MINOR}",
        "converted_from": report["source_file"],
        "converter": f"model_export.nn_convert {CONVERTER_VERSION}",
        "engine_ops": report["ops"],
        "weight_storage": report["weight_bytes"],
        "sha256": report["sha256"],
        "size": report["size"],
    })
    return entry


def convert_dir(models_dir: str | Path, out_dir: str | Path | None = None, *, weights: str = "auto",
                manifest: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Convert every ``*.onnx`` in a folder; returns {mynn file name: manifest entry}."""
    models_dir = Path(models_dir)
    out_dir = Path(out_dir) if out_dir is not None else models_dir
    entries = {}
    onnx_entries = (manifest or {}).get("models", {})
    for src in sorted(models_dir.glob("*.onnx")):
        dst = out_dir / default_output_name(src)
        report = convert_file(src, dst, weights=weights)
        entries[dst.name] = manifest_entry(report, onnx_entries.get(src.name))
    return entries


def default_output_name(src: Path) -> str:
    """face_landmark.int8.onnx -> face_landmark.int8.mynn"""
    return src.name[: -len(".onnx")] + ".mynn" if src.name.endswith(".onnx") else src.name + ".mynn"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m model_export.nn_convert", description=__doc__.split("\n")[0])
    p.add_argument("onnx", nargs="+", type=Path, help="ONNX files (fp32 or int8 QDQ), or folders of them")
    p.add_argument("--out", type=Path, required=True, help="output folder for the .mynn files")
    p.add_argument("--weights", choices=["auto", "fp16", "fp32"], default="auto",
                   help="float weight storage: fp16 where lossless (auto), always fp16, or fp32")
    p.add_argument("--json", type=Path, help="write the conversion reports as JSON")
    args = p.parse_args(argv)
    reports = []
    sources = [q for p_ in args.onnx for q in (sorted(p_.glob("*.onnx")) if p_.is_dir() else [p_])]
    for src in sources:
        try:
            r = convert_file(src, args.out / default_output_name(src), weights=args.weights)
        except ConvertError as exc:
            print(f"{src}: {exc}", file=sys.stderr)
            return 1
        reports.append(r)
        print(f"{r['path']}: {r['size']} bytes, {r['engine_ops']} ops (from {r['onnx_nodes']} ONNX nodes), "
              f"{r['precision']}")
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
