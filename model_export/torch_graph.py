"""Rebuild a parsed TFLite graph as a PyTorch ``nn.Module`` with the same weights.

Design: :class:`TFLiteGraphModule` walks the TFLite operators in file order
(TFLite stores them topologically sorted) and executes one small torch module
per operator on a dictionary of live tensors.

Layout: TFLite is NHWC.  Every 4-D activation produced by a spatial op is kept
in torch's NCHW layout ("nchw"); anything else is kept exactly in TFLite's
logical layout ("plain").  The layout of each tensor is decided once, at
construction time, so conversions (a single permute) are only inserted where a
plain tensor meets a spatial op or an NCHW tensor meets a layout-sensitive op
(RESHAPE, graph outputs).  The module's input and outputs use the TFLite
shapes (NHWC input ``[1, H, W, 3]``), so the same pre/post-processing serves
the ``.tflite``, the torch module and the exported ONNX model.

Constants: weight tensors are folded at construction time -- ``DENSIFY``
(sparse fp16 -> dense) and ``DEQUANTIZE`` (fp16 -> fp32) are evaluated in
numpy, and the resulting fp32 arrays become the parameters of the torch layers.

Padding: TFLite ``SAME`` padding puts the extra pixel of an odd total padding on
the right/bottom (e.g. stride-2 3x3 conv on an even input pads 0 left, 1
right).  PyTorch only pads symmetrically, so asymmetric cases get an explicit
``F.pad`` before the op.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .tflite_reader import Operator, Tensor, TFLiteModel

__all__ = ["TFLiteGraphModule", "UnsupportedOpError", "densify", "same_padding"]


class UnsupportedOpError(NotImplementedError):
    pass


# --------------------------------------------------------------------------
# constant folding helpers


def densify(t: Tensor) -> np.ndarray:
    """Expand a TFLite sparse tensor (``SparsityParameters``) to a dense array.

    Implements the format described in schema.fbs: the stored dimensions are
    visited in ``traversal_order``; each is DENSE (``dense_size`` entries, the
    position in the flattened prefix is ``parent * size + i``) or SPARSE_CSR
    (the non-zero coordinates of parent position ``p`` are
    ``array_indices[array_segments[p]:array_segments[p + 1]]``).  The leaf
    positions enumerate the stored values in order.  Block-sparse tensors
    (non-empty ``block_map``) are not used by the MediaPipe models and are
    rejected.
    """
    if t.sparsity is None or t.data is None:
        raise ValueError(f"tensor {t.name} is not a sparse constant")
    sp = t.sparsity
    order: list[int] = sp["traversal_order"]
    dims: list[dict[str, Any]] = sp["dim_metadata"]
    rank = len(t.shape)
    if sp["block_map"] or len(order) != rank or len(dims) != rank or sorted(order) != list(range(rank)):
        raise UnsupportedOpError(f"tensor {t.name}: block-sparse / inconsistent sparsity metadata")
    values = t.data.reshape(-1)
    # Vectorised walk: carry (positions, coordinates) level by level.
    pos = np.zeros(1, dtype=np.int64)
    coords = np.zeros((1, rank), dtype=np.int64)
    for level, d in enumerate(dims):
        axis = order[level]
        if d["format"] == "DENSE":
            size = int(d["dense_size"])
            if size != t.shape[axis]:
                raise ValueError(f"tensor {t.name}: dense_size {size} != dim {t.shape[axis]}")
            i = np.arange(size, dtype=np.int64)
            pos = (pos[:, None] * size + i[None, :]).reshape(-1)
            coords = np.repeat(coords, size, axis=0)
            coords[:, axis] = np.tile(i, len(coords) // size)
        else:
            seg, idx = d["segments"], d["indices"]
            if len(seg) != int(pos.max(initial=-1)) + 2 or seg[-1] > len(idx) or np.any(np.diff(seg) < 0):
                raise ValueError(f"tensor {t.name}: inconsistent CSR segments")
            counts = (seg[pos + 1] - seg[pos]).astype(np.int64)
            new_pos = np.concatenate([np.arange(seg[p], seg[p + 1]) for p in pos]) if len(pos) else pos
            coords = np.repeat(coords, counts, axis=0)
            coords[:, axis] = idx[new_pos]
            if np.any(coords[:, axis] >= t.shape[axis]):
                raise ValueError(f"tensor {t.name}: sparse index out of range")
            pos = new_pos.astype(np.int64)
    if len(pos) != values.size:
        raise ValueError(f"tensor {t.name}: sparsity metadata addresses {len(pos)} values, file has {values.size}")
    dense = np.zeros(t.shape, dtype=values.dtype)
    dense[tuple(coords.T)] = values[pos]
    return dense


def _dequantize(t: Tensor, x: np.ndarray) -> np.ndarray:
    if x.dtype == np.float16 or x.dtype == np.float32:
        return x.astype(np.float32)
    if t.quant is None:
        raise ValueError(f"DEQUANTIZE of {t.name}: integer tensor without quantisation parameters")
    scale = t.quant["scale"].astype(np.float32)
    zp = t.quant["zero_point"].astype(np.float32)
    if scale.size > 1:
        raise UnsupportedOpError(f"per-axis integer DEQUANTIZE of {t.name}")
    return ((x.astype(np.float32) - zp) * scale).astype(np.float32)


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TFLite SAME padding (before, after) for one spatial dimension."""
    out = (size + stride - 1) // stride
    eff_k = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + eff_k - size, 0)
    return total // 2, total - total // 2


# --------------------------------------------------------------------------
# per-op torch modules.  Each consumes/produces tensors in the layouts decided
# by TFLiteGraphModule.


def _act(x: torch.Tensor, act: str) -> torch.Tensor:
    if act == "NONE":
        return x
    if act == "RELU":
        return F.relu(x)
    if act == "RELU6":
        return torch.clamp(x, 0.0, 6.0)
    if act == "RELU_N1_TO_1":
        return torch.clamp(x, -1.0, 1.0)
    if act == "TANH":
        return torch.tanh(x)
    raise UnsupportedOpError(f"fused activation {act}")


class _Conv(nn.Module):
    def __init__(
        self,
        weight: np.ndarray,
        bias: np.ndarray | None,
        stride: tuple[int, int],
        dilation: tuple[int, int],
        pads: tuple[int, int, int, int],  # top, bottom, left, right
        groups: int,
        act: str,
    ) -> None:
        super().__init__()
        out_c, in_c_per_group, kh, kw = weight.shape
        self.conv = nn.Conv2d(
            in_c_per_group * groups,
            out_c,
            (kh, kw),
            stride=stride,
            dilation=dilation,
            groups=groups,
            bias=bias is not None,
        )
        with torch.no_grad():
            self.conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
            if bias is not None:
                self.conv.bias.copy_(torch.from_numpy(bias.astype(np.float32)))
        t, b, left, r = pads
        if t == b and left == r:
            self.conv.padding = (t, left)
            self.pre_pad: tuple[int, int, int, int] | None = None
        else:
            self.pre_pad = (left, r, t, b)
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pre_pad is not None:
            x = F.pad(x, self.pre_pad)
        return _act(self.conv(x), self.act)


class _TransposeConvBias(nn.Module):
    """MediaPipe's ``Convolution2DTransposeBias`` custom op (and TRANSPOSE_CONV)."""

    def __init__(
        self,
        weight_ohwi: np.ndarray,
        bias: np.ndarray | None,
        stride: tuple[int, int],
        in_hw: tuple[int, int],
        out_hw: tuple[int, int],
    ) -> None:
        super().__init__()
        out_c, kh, kw, in_c = weight_ohwi.shape
        self.conv = nn.ConvTranspose2d(in_c, out_c, (kh, kw), stride=stride, bias=bias is not None)
        with torch.no_grad():
            # torch layout: [in, out, kh, kw]
            self.conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight_ohwi.transpose(3, 0, 1, 2))))
            if bias is not None:
                self.conv.bias.copy_(torch.from_numpy(bias.astype(np.float32)))
        full_h = (in_hw[0] - 1) * stride[0] + kh
        full_w = (in_hw[1] - 1) * stride[1] + kw
        # TFLite crops the "before" half of the (possibly odd) excess, like SAME padding
        self.crop = ((full_h - out_hw[0]) // 2, (full_w - out_hw[1]) // 2)
        self.out_hw = out_hw
        self.full_hw = (full_h, full_w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.full_hw != self.out_hw:
            t, left = self.crop
            y = y[:, :, t : t + self.out_hw[0], left : left + self.out_hw[1]]
        return y


class _Pool(nn.Module):
    def __init__(
        self, kind: str, k: tuple[int, int], s: tuple[int, int], pads: tuple[int, int, int, int], act: str
    ) -> None:
        super().__init__()
        self.kind, self.k, self.s, self.act = kind, k, s, act
        t, b, left, r = pads
        self.pads = (left, r, t, b)
        self.padded = any(pads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "max":
            if self.padded:
                # TFLite ignores padded positions: pad with -inf
                x = F.pad(x, self.pads, value=float("-inf"))
            y = F.max_pool2d(x, self.k, self.s)
        else:
            if self.padded:
                # TFLite averages over the valid positions only
                ones = torch.ones_like(x[:, :1])
                s = F.avg_pool2d(F.pad(x, self.pads), self.k, self.s)
                c = F.avg_pool2d(F.pad(ones, self.pads), self.k, self.s)
                y = s / c
            else:
                y = F.avg_pool2d(x, self.k, self.s)
        return _act(y, self.act)


class _Pad(nn.Module):
    def __init__(self, torch_pads: tuple[int, ...]) -> None:
        super().__init__()
        self.pads = torch_pads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads)


class _Binary(nn.Module):
    """ADD / MUL with optional constant operand (already in the right layout)."""

    def __init__(self, kind: str, act: str, const: np.ndarray | None, const_first: bool) -> None:
        super().__init__()
        self.kind, self.act, self.const_first = kind, act, const_first
        self.has_const = const is not None
        if const is not None:
            self.register_buffer("const", torch.from_numpy(np.ascontiguousarray(const.astype(np.float32))))

    def forward(self, a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        if self.has_const:
            b = self.const
            if self.const_first:
                a, b = b, a
        assert b is not None
        y = a + b if self.kind == "ADD" else a * b
        return _act(y, self.act)


class _PRelu(nn.Module):
    def __init__(self, alpha: np.ndarray) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.from_numpy(np.ascontiguousarray(alpha.astype(np.float32))), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.prelu(x, self.alpha)


class _Unary(nn.Module):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "RELU":
            return F.relu(x)
        if self.kind == "RELU6":
            return torch.clamp(x, 0.0, 6.0)
        if self.kind == "LOGISTIC":
            return torch.sigmoid(x)
        if self.kind == "HARD_SWISH":
            return F.hardswish(x)
        if self.kind == "TANH":
            return torch.tanh(x)
        raise UnsupportedOpError(self.kind)


class _Reshape(nn.Module):
    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(self.shape)


class _Concat(nn.Module):
    def __init__(self, axis: int, act: str) -> None:
        super().__init__()
        self.axis, self.act = axis, act

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return _act(torch.cat(xs, dim=self.axis), self.act)


class _Resize(nn.Module):
    """RESIZE_BILINEAR; half_pixel_centers == torch's align_corners=False.

    Static scale factors (output/input size, known at construction) keep the
    exported ONNX Resize free of shape arithmetic.
    """

    def __init__(self, in_hw: tuple[int, int], size: tuple[int, int], align_corners: bool, half_pixel: bool) -> None:
        super().__init__()
        if not align_corners and not half_pixel:
            # legacy TF "asymmetric" mode is not what torch's bilinear does
            raise UnsupportedOpError("RESIZE_BILINEAR without half_pixel_centers/align_corners")
        self.size, self.align_corners = size, align_corners
        self.scale = (size[0] / in_hw[0], size[1] / in_hw[1])
        self.exact = all(float(o) == float(i) * sc for o, i, sc in zip(size, in_hw, self.scale, strict=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.exact and not self.align_corners:
            return F.interpolate(
                x, scale_factor=self.scale, mode="bilinear", align_corners=False, recompute_scale_factor=False
            )
        return F.interpolate(x, size=self.size, mode="bilinear", align_corners=self.align_corners)


class _DepthToSpace(nn.Module):
    """TFLite DEPTH_TO_SPACE (channel index = (i * bs + j) * C_out + c, i.e. ONNX 'DCR')."""

    def __init__(self, bs: int, in_nhwc: tuple[int, ...]) -> None:
        super().__init__()
        n, h, w, c = in_nhwc
        self.bs = bs
        self.split = (n, bs, bs, c // (bs * bs), h, w)
        self.merged = (n, c // (bs * bs), h * bs, w * bs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(self.split).permute(0, 3, 4, 1, 5, 2)
        return x.reshape(self.merged)


# --------------------------------------------------------------------------


_NHWC_TO_NCHW_AXIS = {0: 0, 1: 2, 2: 3, 3: 1}


def _to_nchw_const(x: np.ndarray) -> np.ndarray:
    """A constant broadcast against an NHWC tensor -> the same against NCHW."""
    if x.ndim == 0:
        return x
    x4 = x.reshape((1,) * (4 - x.ndim) + x.shape)
    return x4.transpose(0, 3, 1, 2)


class TFLiteGraphModule(nn.Module):
    """Executes a TFLite subgraph with torch ops (see module docstring)."""

    def __init__(self, model: TFLiteModel) -> None:
        super().__init__()
        self.source = model.path
        self.const: dict[int, np.ndarray] = {}
        for t in model.tensors:
            if t.data is not None:
                self.const[t.index] = densify(t) if t.sparsity is not None else t.data
        # layout[tid] = "nchw" | "plain"
        self.layout: dict[int, str] = {i: "plain" for i in model.inputs}
        self.input_ids = list(model.inputs)
        self.output_ids = list(model.outputs)
        self.steps = nn.ModuleList()
        self.plan: list[tuple[list[tuple[int, str]], int]] = []  # ([(tid, conversion)], out_tid)
        shapes = {t.index: t.shape for t in model.tensors}
        self._shapes = shapes
        for op in model.operators:
            if all(i in self.const for i in op.inputs if i >= 0):
                self._fold(model, op)
                continue
            self._add(model, op, shapes)
        for o in self.output_ids:
            if o in self.const:
                raise UnsupportedOpError("constant graph output")

    # -- construction helpers ------------------------------------------------
    def _fold(self, model: TFLiteModel, op: Operator) -> None:
        x = self.const[op.inputs[0]]
        if op.op == "DEQUANTIZE":
            self.const[op.outputs[0]] = _dequantize(model.tensors[op.inputs[0]], x)
        elif op.op == "DENSIFY":
            self.const[op.outputs[0]] = x  # already densified at load time
        else:
            raise UnsupportedOpError(f"constant folding of {op.op} (op {op.index})")

    def _emit(self, module: nn.Module, ins: list[tuple[int, str]], out: int, out_layout: str) -> None:
        self.steps.append(module)
        self.plan.append((ins, out))
        self.layout[out] = out_layout

    def _need(self, tid: int, want: str) -> tuple[int, str]:
        """Describe how to fetch tensor tid in layout `want` ("nchw"/"plain")."""
        have = self.layout[tid]
        if have == want:
            return tid, "none"
        if len(self._shapes[tid]) != 4:
            return tid, "none"
        return tid, "to_nchw" if want == "nchw" else "to_plain"

    def _add(self, model: TFLiteModel, op: Operator, shapes: dict[int, tuple[int, ...]]) -> None:
        kind = op.op
        o = op.options
        out = op.outputs[0]
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            x_id, w_id = op.inputs[0], op.inputs[1]
            b_id = op.inputs[2] if len(op.inputs) > 2 else -1
            w = self.const[w_id]
            b = self.const.get(b_id) if b_id >= 0 else None
            in_shape = shapes[x_id]
            if kind == "CONV_2D":
                weight = w.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                groups = in_shape[3] // w.shape[3]
            else:
                # [1, kh, kw, C*mult] -> [C*mult, 1, kh, kw]
                weight = w.transpose(3, 0, 1, 2)
                groups = in_shape[3]
            kh, kw = weight.shape[2], weight.shape[3]
            pads = (0, 0, 0, 0)
            if o["padding"] == "SAME":
                pt, pb = same_padding(in_shape[1], kh, o["stride_h"], o["dilation_h"])
                pl, pr = same_padding(in_shape[2], kw, o["stride_w"], o["dilation_w"])
                pads = (pt, pb, pl, pr)
            m = _Conv(
                weight,
                b,
                (o["stride_h"], o["stride_w"]),
                (o["dilation_h"], o["dilation_w"]),
                pads,
                groups,
                o["activation"],
            )
            self._emit(m, [self._need(x_id, "nchw")], out, "nchw")
        elif kind == "Convolution2DTransposeBias" or kind == "TRANSPOSE_CONV":
            if kind == "TRANSPOSE_CONV":
                x_id, w_id = op.inputs[2], op.inputs[1]
                b_id = op.inputs[3] if len(op.inputs) > 3 else -1
                stride = (o["stride_h"], o["stride_w"])
            else:
                x_id, w_id, b_id = op.inputs[0], op.inputs[1], op.inputs[2]
                if len(op.custom_options) < 12:
                    raise UnsupportedOpError(f"{kind}: unexpected custom options {op.custom_options!r}")
                # TfLiteTransposeConvParams: int32 padding, stride_width, stride_height
                _pad, sw, sh = struct.unpack_from("<iii", op.custom_options, 0)
                stride = (sh, sw)
            w = self.const[w_id]
            b = self.const.get(b_id) if b_id >= 0 else None
            in_shape, out_shape = shapes[x_id], shapes[out]
            m = _TransposeConvBias(w, b, stride, (in_shape[1], in_shape[2]), (out_shape[1], out_shape[2]))
            self._emit(m, [self._need(x_id, "nchw")], out, "nchw")
        elif kind in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            x_id = op.inputs[0]
            in_shape = shapes[x_id]
            k = (o["filter_h"], o["filter_w"])
            s = (o["stride_h"], o["stride_w"])
            pads = (0, 0, 0, 0)
            if o["padding"] == "SAME":
                pads = same_padding(in_shape[1], k[0], s[0]) + same_padding(in_shape[2], k[1], s[1])
            m = _Pool("max" if kind == "MAX_POOL_2D" else "avg", k, s, pads, o["activation"])
            self._emit(m, [self._need(x_id, "nchw")], out, "nchw")
        elif kind == "PAD":
            x_id = op.inputs[0]
            p = self.const[op.inputs[1]].astype(np.int64)  # [rank, 2] (before, after)
            if len(shapes[x_id]) == 4:
                # NCHW, F.pad order is last dim first: W, H, C, N
                order = [2, 1, 3, 0]
                layout = "nchw"
            else:
                order = list(range(len(shapes[x_id]) - 1, -1, -1))
                layout = "plain"
            torch_pads: list[int] = []
            for d in order:
                torch_pads += [int(p[d, 0]), int(p[d, 1])]
            while len(torch_pads) > 2 and torch_pads[-1] == 0 and torch_pads[-2] == 0:
                torch_pads = torch_pads[:-2]
            self._emit(_Pad(tuple(torch_pads)), [self._need(x_id, layout)], out, layout)
        elif kind in ("ADD", "MUL"):
            a_id, b_id = op.inputs
            a_c, b_c = a_id in self.const, b_id in self.const
            act = o.get("activation", "NONE")
            if a_c or b_c:
                var_id, const_id = (b_id, a_id) if a_c else (a_id, b_id)
                c = self.const[const_id]
                layout = self.layout[var_id]
                if layout == "nchw":
                    c = _to_nchw_const(c)
                m = _Binary(kind, act, c, const_first=a_c)
                self._emit(m, [(var_id, "none")], out, layout)
            else:
                la, lb = self.layout[a_id], self.layout[b_id]
                want = "nchw" if "nchw" in (la, lb) and len(shapes[a_id]) == 4 and len(shapes[b_id]) == 4 else "plain"
                m = _Binary(kind, act, None, False)
                self._emit(m, [self._need(a_id, want), self._need(b_id, want)], out, want)
        elif kind == "PRELU":
            x_id = op.inputs[0]
            alpha = self.const[op.inputs[1]]
            if len(shapes[x_id]) == 4:
                a4 = _to_nchw_const(alpha)  # [1, C, h, w]
                if a4.shape[2] == 1 and a4.shape[3] == 1:
                    alpha_t = a4.reshape(-1)
                else:
                    raise UnsupportedOpError("PRELU with spatially varying alpha")
                self._emit(_PRelu(alpha_t), [self._need(x_id, "nchw")], out, "nchw")
            else:
                raise UnsupportedOpError("PRELU on non-4D tensor")
        elif kind in ("RELU", "RELU6", "LOGISTIC", "HARD_SWISH", "TANH"):
            x_id = op.inputs[0]
            self._emit(_Unary(kind), [(x_id, "none")], out, self.layout[x_id])
        elif kind == "RESHAPE":
            x_id = op.inputs[0]
            shape = tuple(shapes[out])
            self._emit(_Reshape(shape), [self._need(x_id, "plain")], out, "plain")
        elif kind == "CONCATENATION":
            ids = op.inputs
            rank = len(shapes[out])
            axis = o["axis"] % rank
            if rank == 4 and all(self.layout[i] == "nchw" for i in ids):
                self._emit(
                    _Concat(_NHWC_TO_NCHW_AXIS[axis], o["activation"]),
                    [(i, "none") for i in ids],
                    out,
                    "nchw",
                )
            else:
                self._emit(_Concat(axis, o["activation"]), [self._need(i, "plain") for i in ids], out, "plain")
        elif kind == "RESIZE_BILINEAR":
            x_id = op.inputs[0]
            size = tuple(int(v) for v in self.const[op.inputs[1]].reshape(-1))
            in_hw = (shapes[x_id][1], shapes[x_id][2])
            m = _Resize(in_hw, (size[0], size[1]), o["align_corners"], o["half_pixel_centers"])
            self._emit(m, [self._need(x_id, "nchw")], out, "nchw")
        elif kind == "DEPTH_TO_SPACE":
            x_id = op.inputs[0]
            self._emit(_DepthToSpace(o["block_size"], shapes[x_id]), [self._need(x_id, "nchw")], out, "nchw")
        else:
            raise UnsupportedOpError(f"{self.source}: op {op.index} {kind} is not supported")

    # -- execution -------------------------------------------------------------
    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        env: dict[int, torch.Tensor] = {}
        if len(inputs) != len(self.input_ids):
            raise ValueError(f"expected {len(self.input_ids)} input tensor(s), got {len(inputs)}")
        for tid, x in zip(self.input_ids, inputs, strict=True):
            env[tid] = x
        for step, (ins, out) in zip(self.steps, self.plan, strict=True):
            args = []
            for tid, conv in ins:
                x = env[tid]
                if conv == "to_nchw":
                    x = x.permute(0, 3, 1, 2)
                elif conv == "to_plain":
                    x = x.permute(0, 2, 3, 1)
                args.append(x)
            env[out] = step(*args)
        outs = []
        for o in self.output_ids:
            y = env[o]
            if self.layout[o] == "nchw" and y.dim() == 4:
                y = y.permute(0, 2, 3, 1)
            outs.append(y)
        return tuple(outs)
