"""Minimal reader for TensorFlow Lite flatbuffer models (no TensorFlow needed).

Only the parts of the public TFLite schema (``tensorflow/lite/schema/schema.fbs``)
that the MediaPipe face models use are decoded: tensors, buffers, operators,
operator codes, builtin option tables and the sparsity metadata consumed by the
``DENSIFY`` operator.  The flatbuffer wire format is read with :mod:`struct`:

* a *table* starts with a signed 32-bit offset back to its *vtable*;
* a vtable is ``uint16 vtable_size, uint16 table_size, uint16 field_offset[...]``
  (offset 0 means "field absent, use the schema default");
* references (tables, vectors, strings) are unsigned 32-bit offsets relative to
  the position where they are stored; vectors are prefixed by a uint32 length.

Every read is bounds-checked, so a corrupt or truncated file raises
:class:`TFLiteFormatError` (a :class:`ValueError`) naming the file instead of
crashing or returning garbage.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "BUILTIN_OPS",
    "Operator",
    "TFLiteFormatError",
    "TFLiteModel",
    "Tensor",
    "read_tflite",
]

# Builtin operator codes (enum BuiltinOperator in schema.fbs) used here.
BUILTIN_OPS: dict[int, str] = {
    0: "ADD",
    1: "AVERAGE_POOL_2D",
    2: "CONCATENATION",
    3: "CONV_2D",
    4: "DEPTHWISE_CONV_2D",
    5: "DEPTH_TO_SPACE",
    6: "DEQUANTIZE",
    9: "FULLY_CONNECTED",
    14: "LOGISTIC",
    17: "MAX_POOL_2D",
    18: "MUL",
    19: "RELU",
    21: "RELU6",
    22: "RESHAPE",
    23: "RESIZE_BILINEAR",
    25: "SOFTMAX",
    28: "TANH",
    32: "CUSTOM",
    34: "PAD",
    54: "PRELU",
    67: "TRANSPOSE_CONV",
    117: "HARD_SWISH",
    124: "DENSIFY",
}

# enum TensorType -> numpy dtype
TENSOR_TYPES: dict[int, np.dtype[Any]] = {
    0: np.dtype("<f4"),
    1: np.dtype("<f2"),
    2: np.dtype("<i4"),
    3: np.dtype("u1"),
    4: np.dtype("<i8"),
    6: np.dtype("?"),
    7: np.dtype("<i2"),
    9: np.dtype("i1"),
    10: np.dtype("<f8"),
}

ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
PADDINGS = {0: "SAME", 1: "VALID"}


class TFLiteFormatError(ValueError):
    """Raised when a file is not a readable TFLite flatbuffer."""


class _Buf:
    """Bounds-checked little-endian reader over the file bytes."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name

    def fail(self, msg: str) -> TFLiteFormatError:
        return TFLiteFormatError(f"{self.name}: corrupt or truncated TFLite file ({msg})")

    def _unpack(self, fmt: str, pos: int) -> Any:
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            raise self.fail(f"read of {size} bytes at offset {pos} outside file of {len(self.data)} bytes")
        return struct.unpack_from(fmt, self.data, pos)[0]

    def u8(self, pos: int) -> int:
        return int(self._unpack("<B", pos))

    def i8(self, pos: int) -> int:
        return int(self._unpack("<b", pos))

    def u16(self, pos: int) -> int:
        return int(self._unpack("<H", pos))

    def i32(self, pos: int) -> int:
        return int(self._unpack("<i", pos))

    def u32(self, pos: int) -> int:
        return int(self._unpack("<I", pos))

    def u64(self, pos: int) -> int:
        return int(self._unpack("<Q", pos))

    def f32(self, pos: int) -> float:
        return float(self._unpack("<f", pos))


class _Table:
    """A flatbuffer table: typed accessors by field index with schema defaults."""

    def __init__(self, buf: _Buf, pos: int) -> None:
        self.buf = buf
        self.pos = pos
        vt = pos - buf.i32(pos)
        self.vt = vt
        self.vt_size = buf.u16(vt)
        if self.vt_size < 4 or self.vt_size % 2:
            raise buf.fail(f"bad vtable size {self.vt_size} at {vt}")

    def _field(self, idx: int) -> int:
        slot = 4 + 2 * idx
        if slot >= self.vt_size:
            return 0
        return self.buf.u16(self.vt + slot)

    def has(self, idx: int) -> bool:
        return self._field(idx) != 0

    def scalar(self, idx: int, kind: str, default: float = 0) -> Any:
        off = self._field(idx)
        if not off:
            return default
        return getattr(self.buf, kind)(self.pos + off)

    def _ref(self, idx: int) -> int | None:
        off = self._field(idx)
        if not off:
            return None
        p = self.pos + off
        return p + self.buf.u32(p)

    def table(self, idx: int) -> _Table | None:
        p = self._ref(idx)
        return None if p is None else _Table(self.buf, p)

    def string(self, idx: int) -> str:
        p = self._ref(idx)
        if p is None:
            return ""
        n = self.buf.u32(p)
        if p + 4 + n > len(self.buf.data):
            raise self.buf.fail(f"string at {p} runs past end of file")
        return self.buf.data[p + 4 : p + 4 + n].decode("utf-8", errors="replace")

    def vector_raw(self, idx: int, elem_size: int) -> tuple[int, int] | None:
        """Return (start, count) of a vector of fixed-size elements."""
        p = self._ref(idx)
        if p is None:
            return None
        n = self.buf.u32(p)
        if p + 4 + n * elem_size > len(self.buf.data):
            raise self.buf.fail(f"vector of {n} elements at {p} runs past end of file")
        return p + 4, n

    def vector_np(self, idx: int, dtype: str) -> np.ndarray:
        dt = np.dtype(dtype)
        r = self.vector_raw(idx, dt.itemsize)
        if r is None:
            return np.zeros((0,), dt)
        start, n = r
        return np.frombuffer(self.buf.data, dt, count=n, offset=start).copy()

    def vector_bytes(self, idx: int) -> bytes:
        r = self.vector_raw(idx, 1)
        if r is None:
            return b""
        start, n = r
        return self.buf.data[start : start + n]

    def tables(self, idx: int) -> list[_Table]:
        r = self.vector_raw(idx, 4)
        if r is None:
            return []
        start, n = r
        out = []
        for i in range(n):
            p = start + 4 * i
            out.append(_Table(self.buf, p + self.buf.u32(p)))
        return out


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    buffer: int
    data: np.ndarray | None = None  # constant contents (None for activations)
    sparsity: dict[str, Any] | None = None
    quant: dict[str, np.ndarray] | None = None


@dataclass
class Operator:
    index: int
    op: str  # builtin name, or the custom code for CUSTOM ops
    inputs: list[int]
    outputs: list[int]
    options: dict[str, Any] = field(default_factory=dict)
    custom_options: bytes = b""


@dataclass
class TFLiteModel:
    path: str
    version: int
    description: str
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]

    def tensor(self, idx: int) -> Tensor:
        return self.tensors[idx]

    def op_histogram(self) -> dict[str, int]:
        hist: dict[str, int] = {}
        for op in self.operators:
            hist[op.op] = hist.get(op.op, 0) + 1
        return dict(sorted(hist.items()))


# --- builtin option decoders (field order as in schema.fbs) -----------------


def _opt_conv(t: _Table) -> dict[str, Any]:
    return {
        "padding": PADDINGS.get(t.scalar(0, "i8"), "?"),
        "stride_w": t.scalar(1, "i32", 0),
        "stride_h": t.scalar(2, "i32", 0),
        "activation": ACTIVATIONS.get(t.scalar(3, "i8"), "?"),
        "dilation_w": t.scalar(4, "i32", 1),
        "dilation_h": t.scalar(5, "i32", 1),
    }


def _opt_dwconv(t: _Table) -> dict[str, Any]:
    return {
        "padding": PADDINGS.get(t.scalar(0, "i8"), "?"),
        "stride_w": t.scalar(1, "i32", 0),
        "stride_h": t.scalar(2, "i32", 0),
        "depth_multiplier": t.scalar(3, "i32", 0),
        "activation": ACTIVATIONS.get(t.scalar(4, "i8"), "?"),
        "dilation_w": t.scalar(5, "i32", 1),
        "dilation_h": t.scalar(6, "i32", 1),
    }


def _opt_pool(t: _Table) -> dict[str, Any]:
    return {
        "padding": PADDINGS.get(t.scalar(0, "i8"), "?"),
        "stride_w": t.scalar(1, "i32", 0),
        "stride_h": t.scalar(2, "i32", 0),
        "filter_w": t.scalar(3, "i32", 0),
        "filter_h": t.scalar(4, "i32", 0),
        "activation": ACTIVATIONS.get(t.scalar(5, "i8"), "?"),
    }


def _opt_act0(t: _Table) -> dict[str, Any]:
    return {"activation": ACTIVATIONS.get(t.scalar(0, "i8"), "?")}


def _opt_concat(t: _Table) -> dict[str, Any]:
    return {"axis": t.scalar(0, "i32", 0), "activation": ACTIVATIONS.get(t.scalar(1, "i8"), "?")}


def _opt_reshape(t: _Table) -> dict[str, Any]:
    return {"new_shape": [int(v) for v in t.vector_np(0, "<i4")]}


def _opt_resize_bilinear(t: _Table) -> dict[str, Any]:
    return {"align_corners": bool(t.scalar(2, "u8")), "half_pixel_centers": bool(t.scalar(3, "u8"))}


def _opt_d2s(t: _Table) -> dict[str, Any]:
    return {"block_size": t.scalar(0, "i32", 0)}


def _opt_transpose_conv(t: _Table) -> dict[str, Any]:
    return {
        "padding": PADDINGS.get(t.scalar(0, "i8"), "?"),
        "stride_w": t.scalar(1, "i32", 0),
        "stride_h": t.scalar(2, "i32", 0),
        "activation": ACTIVATIONS.get(t.scalar(3, "i8"), "?"),
    }


_OPTION_DECODERS = {
    "CONV_2D": _opt_conv,
    "DEPTHWISE_CONV_2D": _opt_dwconv,
    "AVERAGE_POOL_2D": _opt_pool,
    "MAX_POOL_2D": _opt_pool,
    "ADD": _opt_act0,
    "MUL": _opt_act0,
    "CONCATENATION": _opt_concat,
    "RESHAPE": _opt_reshape,
    "RESIZE_BILINEAR": _opt_resize_bilinear,
    "DEPTH_TO_SPACE": _opt_d2s,
    "TRANSPOSE_CONV": _opt_transpose_conv,
}


def _read_sparsity(t: _Table) -> dict[str, Any]:
    dims = []
    for d in t.tables(2):
        fmt = d.scalar(0, "i8")
        entry: dict[str, Any] = {
            "format": "DENSE" if fmt == 0 else "SPARSE_CSR",
            "dense_size": d.scalar(1, "i32", 0),
        }
        if fmt != 0:
            for key, type_idx, val_idx in (("segments", 2, 3), ("indices", 4, 5)):
                utype = d.scalar(type_idx, "u8")
                vec = d.table(val_idx)
                if vec is None or utype == 0:
                    raise t.buf.fail(f"sparse dimension without {key}")
                dtype = {1: "<i4", 2: "<u2", 3: "u1"}.get(utype)
                if dtype is None:
                    raise t.buf.fail(f"unknown sparse index vector type {utype}")
                entry[key] = vec.vector_np(0, dtype).astype(np.int64)
        dims.append(entry)
    return {
        "traversal_order": [int(v) for v in t.vector_np(0, "<i4")],
        "block_map": [int(v) for v in t.vector_np(1, "<i4")],
        "dim_metadata": dims,
    }


def read_tflite(path: str | Path, data: bytes | None = None) -> TFLiteModel:
    """Parse a ``.tflite`` file (or its bytes) into a :class:`TFLiteModel`.

    Raises :class:`FileNotFoundError` for a missing file and
    :class:`TFLiteFormatError` (a ``ValueError``) for anything unreadable.
    """
    path = str(path)
    if data is None:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"TFLite model not found: {path}")
        data = p.read_bytes()
    buf = _Buf(data, path)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise buf.fail("missing 'TFL3' file identifier")
    try:
        return _parse(buf)
    except TFLiteFormatError:
        raise
    except (struct.error, IndexError, ValueError, KeyError, OverflowError, UnicodeError) as exc:
        raise buf.fail(f"{type(exc).__name__}: {exc}") from exc


def _parse(buf: _Buf) -> TFLiteModel:
    root = _Table(buf, buf.u32(0))
    version = root.scalar(0, "u32", 0)
    opcodes = []
    for oc in root.tables(1):
        dep = oc.scalar(0, "i8", 0)
        code = max(dep, oc.scalar(3, "i32", 0))
        if code == 32:
            opcodes.append(oc.string(1) or "CUSTOM")
        else:
            opcodes.append(BUILTIN_OPS.get(code, f"BUILTIN_{code}"))
    buffers: list[bytes] = []
    for b in root.tables(4):
        raw = b.vector_bytes(0)
        if not raw and b.has(1):
            off, size = b.scalar(1, "u64", 0), b.scalar(2, "u64", 0)
            if off + size > len(buf.data):
                raise buf.fail(f"external buffer [{off}, {off + size}) past end of file")
            raw = buf.data[off : off + size]
        buffers.append(raw)
    subgraphs = root.tables(2)
    if not subgraphs:
        raise buf.fail("model has no subgraph")
    sg = subgraphs[0]

    tensors: list[Tensor] = []
    for i, t in enumerate(sg.tables(0)):
        shape = tuple(int(v) for v in t.vector_np(0, "<i4"))
        ttype = t.scalar(1, "i8", 0)
        if ttype not in TENSOR_TYPES:
            raise buf.fail(f"tensor {i} has unsupported type {ttype}")
        dtype = TENSOR_TYPES[ttype]
        bidx = t.scalar(2, "u32", 0)
        if bidx >= len(buffers):
            raise buf.fail(f"tensor {i} refers to missing buffer {bidx}")
        tensor = Tensor(index=i, name=t.string(3), shape=shape, dtype=dtype, buffer=bidx)
        sp = t.table(6)
        if sp is not None:
            tensor.sparsity = _read_sparsity(sp)
        q = t.table(4)
        if q is not None and (q.has(2) or q.has(3)):
            tensor.quant = {"scale": q.vector_np(2, "<f4"), "zero_point": q.vector_np(3, "<i8")}
        raw = buffers[bidx]
        if raw:
            if len(raw) % dtype.itemsize:
                raise buf.fail(f"tensor {i} buffer size {len(raw)} not a multiple of {dtype.itemsize}")
            arr = np.frombuffer(raw, dtype).copy()
            if tensor.sparsity is None:
                if arr.size != int(np.prod(shape)):
                    raise buf.fail(f"tensor {i} ({tensor.name}) has {arr.size} values for shape {shape}")
                arr = arr.reshape(shape)
            tensor.data = arr
        tensors.append(tensor)

    operators: list[Operator] = []
    n_t = len(tensors)
    for i, o in enumerate(sg.tables(3)):
        oc = o.scalar(0, "u32", 0)
        if oc >= len(opcodes):
            raise buf.fail(f"operator {i} has bad opcode index {oc}")
        name = opcodes[oc]
        ins = [int(v) for v in o.vector_np(1, "<i4")]
        outs = [int(v) for v in o.vector_np(2, "<i4")]
        for v in ins + outs:
            if v >= n_t:
                raise buf.fail(f"operator {i} refers to missing tensor {v}")
        opts: dict[str, Any] = {}
        opt_table = o.table(4)
        if opt_table is not None and name in _OPTION_DECODERS:
            opts = _OPTION_DECODERS[name](opt_table)
        operators.append(
            Operator(index=i, op=name, inputs=ins, outputs=outs, options=opts, custom_options=o.vector_bytes(5))
        )
    inputs = [int(v) for v in sg.vector_np(1, "<i4")]
    outputs = [int(v) for v in sg.vector_np(2, "<i4")]
    for v in inputs + outputs:
        if not 0 <= v < n_t:
            raise buf.fail(f"graph input/output refers to missing tensor {v}")
    return TFLiteModel(
        path=buf.name,
        version=version,
        description=root.string(3),
        tensors=tensors,
        operators=operators,
        inputs=inputs,
        outputs=outputs,
    )
