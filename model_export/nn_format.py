"""The ``.mynn`` engine file: layout, writer, reader and a numpy reference executor.

One file holds one network for meiyan's native engine (``sdk_core/src/nn``).  Everything is
little-endian.  The C++ loader (``sdk_core/src/nn/nn_format.cpp``) is the other half of this
module; the two must change together (bump ``VERSION_MAJOR`` on any incompatible change).

Layout::

    header      48 bytes
      0  magic          b"MYNN"
      4  u16 major, u16 minor
      8  u32 header_size (48)
     12  u32 file_size
     16  u32 section_count
     20  u32 flags (0)
     24  u32 crc32 of the section table
     28  16 reserved bytes (0)
     44  u32 crc32 of bytes 0..44
    section table   section_count x (fourcc tag, u32 offset, u32 size, u32 crc32 of the section)
    sections        each 64-byte aligned

Sections (each exactly once):

* ``META``: UTF-8 ``key=value`` lines (name, precision, source, converter).
* ``STRS``: tensor names, referenced by (offset, length).
* ``TENS``: u32 count, then per tensor 44 bytes: u8 dtype (0 f32, 1 u8), u8 rank, u16 0,
  i32 dims[6] (the stored, row-major shape; 4-D activations are NHWC), f32 scale, i32 zero point
  (u8 tensors: real = (q - zero_point) * scale), u32 name offset, u32 name length.
* ``GRPH``: u32 n_inputs, i32 ids..., u32 n_outputs, i32 ids...
* ``OPS ``: u32 count, then per op: u16 opcode, u16 n_in, u16 n_out, u16 n_params,
  u16 n_weights, u16 0, i32 tensor ids (inputs then outputs), u32 params (ints, or f32 bits
  where noted), then n_weights x (u32 dtype, u32 offset into WGHT, u32 element count).
* ``WGHT``: weight blob; each weight 16-byte aligned.  Weight dtypes: 0 f32, 1 u8, 2 i8, 3 i32, 4 f16.

Ops (params; weights):

* CONV (1): kh kw sh sw pad_top pad_left pad_bottom pad_right depthwise act_pre act_post has_residual
  conv_scale(f32) conv_zp pre_scale(f32) pre_zp add_scale(f32) add_zp (the last six: u8 only).
  Inputs x [, residual]; W is OHWI (dense) or HWC (depthwise); the residual may have fewer channels
  than the output (channels past it add zero).
  f32: y = act_post(act_pre(conv(x) + bias) + residual); weights W (f16 or f32), bias f32, then
  slopes f32[Cout] for each PRELU act.
  u8: acc = conv(x - x_zp) + bias (exact integers); q = sat(rint(acc * mult[c]) + conv_zp), quantised
  as (conv_scale, conv_zp); the pre act maps it to (pre_scale, pre_zp); with a residual r, the uint8
  add (see ``_qadd``) gives (add_scale, add_zp); the post act maps that to the output's quantisation.
  Weights W i8, bias i32, mult f32, then per act a u8 table (LUT: 256 or 256 x C entries) or f32
  slopes (PRELU: the engine builds the per-channel tables at load, as ``_prelu_lut``).
* POOL (2): kind (0 max, 1 average) kh kw sh sw pad_top pad_left pad_bottom pad_right.  Max pooling
  ignores padding; average pooling counts it as zero.  u8 average: rint(sum(q - zx) * sx / sy / n) + zy.
* BINARY (3): kind (0 add, 1 mul) act.  b has a's shape, or is a channel vector (last dim), or one value.
  u8 add: ``_qadd``; u8 mul: sat(rint((a - za) * (b - zb) * (sa * sb / sy)) + zy).
* UNARY (4): act.  f32: RELU, PRELU (slopes), HARDSWISH, SIGMOID; u8: LUT (u8 table), PRELU (slopes).
* PAD (5): top bottom left right channel_front channel_back value (f32); u8 tensors pad with their
  zero point (the quantised 0.0).
* RESIZE (6): coordinate mode (0 half_pixel, 1 align_corners, 2 asymmetric), scale_h (f32), scale_w (f32);
  bilinear with onnxruntime's taps and weights; u8: dequantize, interpolate, quantize.
* DECONV (7): kh kw sh sw pad_top pad_left pad_bottom pad_right; weights W [Cin][kh][kw][Cout], bias.
* DEPTH2SPACE (8): block mode (0 DCR, 1 CRD).
* CONCAT (9): axis.
* TRANSPOSE (10): perm.
* RESHAPE (11): no params; the output shares the input's memory.
* QUANTIZE (12), DEQUANTIZE (13): no params; f32 <-> u8 with the u8 tensor's scale and zero point.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ACT",
    "DTYPE",
    "OP",
    "VERSION_MAJOR",
    "VERSION_MINOR",
    "FormatError",
    "Model",
    "Op",
    "Tensor",
    "Weight",
    "read",
    "reference_run",
    "write",
]

MAGIC = b"MYNN"
VERSION_MAJOR = 1
VERSION_MINOR = 0
HEADER_SIZE = 48
MAX_RANK = 6
SECTION_ALIGN = 64
WEIGHT_ALIGN = 16

OP = {
    "CONV": 1,
    "POOL": 2,
    "BINARY": 3,
    "UNARY": 4,
    "PAD": 5,
    "RESIZE": 6,
    "DECONV": 7,
    "DEPTH2SPACE": 8,
    "CONCAT": 9,
    "TRANSPOSE": 10,
    "RESHAPE": 11,
    "QUANTIZE": 12,
    "DEQUANTIZE": 13,
}
OP_NAME = {v: k for k, v in OP.items()}
ACT = {"NONE": 0, "RELU": 1, "PRELU": 2, "HARDSWISH": 3, "SIGMOID": 4, "LUT": 5}
DTYPE = {"f32": 0, "u8": 1}
WDTYPE = {"f32": 0, "u8": 1, "i8": 2, "i32": 3, "f16": 4}
_WNP: dict[int, Any] = {0: np.float32, 1: np.uint8, 2: np.int8, 3: np.int32, 4: np.float16}
CONV_PARAMS = 18
FLOAT_PARAMS = {("CONV", 12), ("CONV", 14), ("CONV", 16), ("PAD", 6), ("RESIZE", 1), ("RESIZE", 2)}


class FormatError(ValueError):
    """A .mynn file is malformed."""


@dataclass
class Tensor:
    name: str
    dtype: str  # "f32" | "u8"
    shape: tuple[int, ...]
    scale: float = 0.0
    zero_point: int = 0


@dataclass
class Weight:
    data: npt.NDArray[Any]  # dtype one of float32, uint8, int8, int32, float16


@dataclass
class Op:
    kind: str
    inputs: list[int]
    outputs: list[int]
    params: list[int | float] = field(default_factory=list)
    weights: list[Weight] = field(default_factory=list)


@dataclass
class Model:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    meta: dict[str, str] = field(default_factory=dict)


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _param_word(kind: str, index: int, value: int | float) -> bytes:
    if (kind, index) in FLOAT_PARAMS:
        return struct.pack("<f", float(value))
    return struct.pack("<i", int(value))


def write(model: Model) -> bytes:
    """Serialise a model to .mynn bytes."""
    strs = bytearray()
    tens = bytearray(struct.pack("<I", len(model.tensors)))
    for t in model.tensors:
        if not 1 <= len(t.shape) <= MAX_RANK:
            raise FormatError(f"tensor {t.name}: rank {len(t.shape)} not in 1..{MAX_RANK}")
        name = t.name.encode()
        dims = list(t.shape) + [0] * (MAX_RANK - len(t.shape))
        tens += struct.pack("<BBH6ifiII", DTYPE[t.dtype], len(t.shape), 0, *dims, t.scale, t.zero_point,
                            len(strs), len(name))
        strs += name
    grph = struct.pack(f"<I{len(model.inputs)}iI{len(model.outputs)}i", len(model.inputs), *model.inputs,
                       len(model.outputs), *model.outputs)
    wght = bytearray()
    ops = bytearray(struct.pack("<I", len(model.ops)))
    for op in model.ops:
        ops += struct.pack("<6H", OP[op.kind], len(op.inputs), len(op.outputs), len(op.params), len(op.weights), 0)
        ops += struct.pack(f"<{len(op.inputs) + len(op.outputs)}i", *op.inputs, *op.outputs)
        for i, p in enumerate(op.params):
            ops += _param_word(op.kind, i, p)
        for w in op.weights:
            code = {np.dtype(v): k for k, v in _WNP.items()}[np.dtype(w.data.dtype)]
            off = _align(len(wght), WEIGHT_ALIGN)
            wght += b"\0" * (off - len(wght))
            wght += np.ascontiguousarray(w.data).astype(w.data.dtype.newbyteorder("<"), copy=False).tobytes()
            ops += struct.pack("<3I", code, off, w.data.size)
    meta = "".join(f"{k}={v}\n" for k, v in model.meta.items()).encode()
    sections = [(b"META", meta), (b"STRS", bytes(strs)), (b"TENS", bytes(tens)), (b"GRPH", grph),
                (b"OPS ", bytes(ops)), (b"WGHT", bytes(wght))]
    table_size = 16 * len(sections)
    offset = _align(HEADER_SIZE + table_size, SECTION_ALIGN)
    table = bytearray()
    body = bytearray()
    for tag, data in sections:
        table += tag + struct.pack("<3I", offset, len(data), zlib.crc32(data))
        pad = _align(len(data), SECTION_ALIGN) - len(data)
        body += data + b"\0" * pad
        offset += len(data) + pad
    start = _align(HEADER_SIZE + table_size, SECTION_ALIGN)
    file_size = start + len(body)
    head = MAGIC + struct.pack("<HHIIIII16x", VERSION_MAJOR, VERSION_MINOR, HEADER_SIZE, file_size, len(sections), 0,
                               zlib.crc32(table))
    head += struct.pack("<I", zlib.crc32(head))
    out = head + table + b"\0" * (start - HEADER_SIZE - table_size) + body
    assert len(out) == file_size
    return bytes(out)


def read(data: bytes) -> Model:
    """Parse .mynn bytes (checks the header, checksums and bounds; for tools and tests)."""
    if len(data) < HEADER_SIZE or data[:4] != MAGIC:
        raise FormatError("not a .mynn file (bad magic)")
    major, minor, hsize, fsize, nsec, _flags, table_crc = struct.unpack_from("<HHIIIII", data, 4)
    if major != VERSION_MAJOR:
        raise FormatError(f".mynn version {major}.{minor}, this reader handles {VERSION_MAJOR}.x")
    if zlib.crc32(data[:44]) != struct.unpack_from("<I", data, 44)[0]:
        raise FormatError("header checksum mismatch")
    if fsize != len(data) or hsize != HEADER_SIZE:
        raise FormatError(f"file is {len(data)} bytes, header says {fsize}")
    table = data[HEADER_SIZE : HEADER_SIZE + 16 * nsec]
    if len(table) != 16 * nsec or zlib.crc32(table) != table_crc:
        raise FormatError("section table checksum mismatch")
    secs: dict[bytes, bytes] = {}
    for i in range(nsec):
        tag = table[16 * i : 16 * i + 4]
        off, size, crc = struct.unpack_from("<3I", table, 16 * i + 4)
        if off + size > len(data):
            raise FormatError(f"section {tag!r} out of bounds")
        body = data[off : off + size]
        if zlib.crc32(body) != crc:
            raise FormatError(f"section {tag!r} checksum mismatch")
        secs[tag] = body
    meta = dict(line.split("=", 1) for line in secs[b"META"].decode().splitlines() if "=" in line)
    strs = secs[b"STRS"]
    tens = secs[b"TENS"]
    (nt,) = struct.unpack_from("<I", tens, 0)
    tensors = []
    for i in range(nt):
        dt, rank, _r, *rest = struct.unpack_from("<BBH6ifiII", tens, 4 + 44 * i)
        dims, scale, zp, noff, nlen = rest[:6], rest[6], rest[7], rest[8], rest[9]
        dtype = {v: k for k, v in DTYPE.items()}[dt]
        tensors.append(Tensor(strs[noff : noff + nlen].decode(), dtype, tuple(dims[:rank]), scale, zp))
    grph = secs[b"GRPH"]
    (ni,) = struct.unpack_from("<I", grph, 0)
    inputs = list(struct.unpack_from(f"<{ni}i", grph, 4))
    (no,) = struct.unpack_from("<I", grph, 4 + 4 * ni)
    outputs = list(struct.unpack_from(f"<{no}i", grph, 8 + 4 * ni))
    opsb = secs[b"OPS "]
    wght = secs[b"WGHT"]
    (nops,) = struct.unpack_from("<I", opsb, 0)
    pos = 4
    ops = []
    for _ in range(nops):
        code, nin, nout, npar, nw, _r = struct.unpack_from("<6H", opsb, pos)
        pos += 12
        kind = OP_NAME[code]
        ids = list(struct.unpack_from(f"<{nin + nout}i", opsb, pos))
        pos += 4 * (nin + nout)
        params: list[int | float] = []
        for i in range(npar):
            if (kind, i) in FLOAT_PARAMS:
                params.append(struct.unpack_from("<f", opsb, pos)[0])
            else:
                params.append(struct.unpack_from("<i", opsb, pos)[0])
            pos += 4
        weights = []
        for _ in range(nw):
            wd, woff, count = struct.unpack_from("<3I", opsb, pos)
            pos += 12
            dt_np = np.dtype(_WNP[wd]).newbyteorder("<")
            weights.append(Weight(np.frombuffer(wght, dt_np, count, woff).astype(_WNP[wd])))
        ops.append(Op(kind, ids[:nin], ids[nin:], params, weights))
    return Model(tensors, ops, inputs, outputs, meta)


# ---------------------------------------------------------------------------
# numpy reference executor: the semantics of every op, written for clarity, not speed.  The
# converter's tests run it against onnxruntime; the C++ engine is tested against onnxruntime too.

F32 = npt.NDArray[np.float32]


def _sat_u8(x: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    return np.clip(x, 0, 255).astype(np.uint8)


def _act_f32(x: F32, act: int, slopes: F32 | None) -> F32:
    if act == ACT["NONE"]:
        return x
    if act == ACT["RELU"]:
        return np.maximum(x, np.float32(0))
    if act == ACT["PRELU"]:
        assert slopes is not None
        return np.where(x >= 0, x, x * slopes).astype(np.float32)
    if act == ACT["HARDSWISH"]:
        return (x * np.clip(x * np.float32(1.0 / 6.0) + np.float32(0.5), 0, 1)).astype(np.float32)
    if act == ACT["SIGMOID"]:
        return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)
    raise FormatError(f"activation {act} is not an f32 activation")


def _prelu_lut(slopes: F32, s_in: float, z_in: int, s_out: float, z_out: int) -> npt.NDArray[np.uint8]:
    """Per-channel tables of dequantize -> PRelu -> quantize, in float32 (the engine builds the same)."""
    x = (np.arange(256, dtype=np.int32) - z_in).astype(np.float32) * np.float32(s_in)
    sl = np.asarray(slopes, np.float32).reshape(-1, 1)
    y = np.where(x < 0, x * sl, x).astype(np.float32)
    return _sat_u8(np.rint(y / np.float32(s_out)) + z_out)


def _u8_act(q: npt.NDArray[np.uint8], act: int, w: npt.NDArray[Any], s_in: float, z_in: int, s_out: float,
            z_out: int) -> npt.NDArray[np.uint8]:
    if act == ACT["LUT"]:
        return _lut(q, w)
    if act == ACT["PRELU"]:
        return _lut(q, _prelu_lut(w, s_in, z_in, s_out, z_out))
    raise FormatError(f"activation {act} is not a uint8 activation")


def _lut(q: npt.NDArray[np.uint8], table: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    c = q.shape[-1]
    t = table.reshape(-1, 256)
    if t.shape[0] == 1:
        return t[0][q]
    return t[np.arange(c), q]


def _conv_nhwc(x: npt.NDArray[Any], w: npt.NDArray[Any], p: list[Any], depthwise: bool) -> npt.NDArray[np.float64]:
    """Float64 (or exact integer) NHWC convolution; x already holds the values to multiply."""
    kh, kw, sh, sw, pt, pl, pb, pr = (int(v) for v in p[:8])
    n, h, wd, c = x.shape
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    oh = (h + pt + pb - kh) // sh + 1
    ow = (wd + pl + pr - kw) // sw + 1
    if depthwise:
        wf = w.reshape(kh, kw, c)
        out = np.zeros((n, oh, ow, c), np.float64)
        for i in range(kh):
            for j in range(kw):
                out += xp[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :] * wf[i, j]
        return out
    wf = w.reshape(-1, kh, kw, c)
    co = wf.shape[0]
    out = np.zeros((n, oh, ow, co), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :].astype(np.float64)
            out += patch @ wf[:, i, j, :].T.astype(np.float64)
    return out


def _qadd(a: npt.NDArray[Any], sa: float, za: int, b: npt.NDArray[Any], sb: float, zb: int, sc: float,
          zc: int) -> npt.NDArray[np.uint8]:
    """uint8 add: rint((fixed + a * ra) + b * rb), ra = sa / sc, rb = sb / sc, the zero points folded into
    fixed = zc - (ra * za + rb * zb); every step a float32 operation (no fused multiply-add)."""
    ra = np.float32(sa) / np.float32(sc)
    rb = np.float32(sb) / np.float32(sc)
    fixed = np.float32(zc) - (ra * np.float32(za) + rb * np.float32(zb))
    v = (fixed + a.astype(np.float32) * ra) + b.astype(np.float32) * rb
    return _sat_u8(np.rint(v))


def _requant(v: npt.NDArray[Any], scale: float, zp: int) -> npt.NDArray[np.uint8]:
    return _sat_u8(np.rint(np.asarray(v, np.float32) / np.float32(scale)) + zp)


def _resize_taps(o: int, i: int, mode: int, scale: float) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                                                  F32, F32]:
    """Per output index: the two source indices and their weights (w0 for i0, w1 for i1), as
    onnxruntime computes them (float32; both weights 0.5 where the two taps coincide)."""
    d = np.arange(o, dtype=np.float32)
    if mode == 0:
        s = (d + np.float32(0.5)) / np.float32(scale) - np.float32(0.5)
    elif mode == 1:
        s = d * (np.float32(i - 1) / np.float32(o - 1)) if o > 1 else np.zeros(o, np.float32)
    else:
        s = d / np.float32(scale)
    s = np.clip(s, np.float32(0), np.float32(i - 1)).astype(np.float32)
    i0 = np.minimum(s.astype(np.int64), i - 1)
    i1 = np.minimum(i0 + 1, i - 1)
    w1 = np.abs(s - i0.astype(np.float32)).astype(np.float32)  # weight of i1
    w0 = np.abs(s - i1.astype(np.float32)).astype(np.float32)  # weight of i0
    same = i0 == i1
    w0[same] = np.float32(0.5)
    w1[same] = np.float32(0.5)
    return i0, i1, w0, w1


def _bilinear(x: F32, oh: int, ow: int, params: list[Any]) -> F32:
    """((w00 * x00 + w01 * x01) + w10 * x10) + w11 * x11 with wYX = wy * wx, all float32."""
    mode = int(params[0])
    y0, y1, wy0, wy1 = _resize_taps(oh, x.shape[1], mode, float(params[1]))
    x0, x1, wx0, wx1 = _resize_taps(ow, x.shape[2], mode, float(params[2]))
    a, b = wy0[None, :, None, None], wy1[None, :, None, None]
    c, d = wx0[None, None, :, None], wx1[None, None, :, None]
    v = (c * a) * x[:, y0][:, :, x0] + (d * a) * x[:, y0][:, :, x1]
    v = v + (c * b) * x[:, y1][:, :, x0]
    v = v + (d * b) * x[:, y1][:, :, x1]
    return v.astype(np.float32)


def reference_run(model: Model, inputs: list[npt.NDArray[np.float32]]) -> list[npt.NDArray[np.float32]]:
    """Run a model with numpy (slow); u8 tensors are held as uint8 arrays."""
    vals: dict[int, npt.NDArray[Any]] = {}
    for tid, x in zip(model.inputs, inputs, strict=True):
        vals[tid] = np.asarray(x, np.float32).reshape(model.tensors[tid].shape)
    for op in model.ops:
        xs = [vals[i] for i in op.inputs]
        outs = [model.tensors[o] for o in op.outputs]
        ins = [model.tensors[i] for i in op.inputs]
        y: npt.NDArray[Any]
        p = op.params
        if op.kind == "CONV":
            depthwise = bool(p[8])
            act_pre, act_post, has_res = int(p[9]), int(p[10]), int(p[11])
            ws = list(op.weights)
            w, bias = ws[0].data, ws[1].data
            if ins[0].dtype == "f32":
                acc = _conv_nhwc(xs[0], w.astype(np.float32), p, depthwise) + bias.astype(np.float64)
                k = 2
                s_pre = ws[k].data if act_pre == ACT["PRELU"] else None
                k += act_pre == ACT["PRELU"]
                s_post = ws[k].data if act_post == ACT["PRELU"] else None
                v = _act_f32(acc.astype(np.float32), act_pre, s_pre)
                if has_res:
                    r = xs[1]
                    v = v.copy()
                    v[..., : r.shape[-1]] += r
                y = _act_f32(v, act_post, s_post)
            else:
                mult = ws[2].data
                conv_s, conv_z, pre_s, pre_z, add_s, add_z = (float(p[12]), int(p[13]), float(p[14]), int(p[15]),
                                                              float(p[16]), int(p[17]))
                xq = xs[0].astype(np.int64) - ins[0].zero_point
                acc = _conv_nhwc(xq, w.astype(np.int64), p, depthwise).astype(np.int64) + bias.astype(np.int64)
                q = _sat_u8(np.rint(acc.astype(np.float32) * mult) + conv_z)
                k = 3
                if act_pre != ACT["NONE"]:
                    q = _u8_act(q, act_pre, ws[k].data, conv_s, conv_z, pre_s, pre_z)
                    k += 1
                if has_res:
                    r = xs[1]
                    rt = ins[1]
                    rpad = np.full(q.shape, rt.zero_point, np.uint8)
                    rpad[..., : r.shape[-1]] = r
                    q = _qadd(q, pre_s, pre_z, rpad, rt.scale, rt.zero_point, add_s, add_z)
                if act_post != ACT["NONE"]:
                    q = _u8_act(q, act_post, ws[k].data, add_s, add_z, outs[0].scale, outs[0].zero_point)
                y = q
        elif op.kind == "POOL":
            kind, kh, kw, sh, sw, pt, pl, pb, pr = (int(v) for v in p[:9])
            x = xs[0]
            xf = x.astype(np.float64) if ins[0].dtype == "f32" else x.astype(np.int64)
            fill = -np.inf if kind == 0 else 0
            if ins[0].dtype == "u8":
                fill = 0 if kind == 0 else ins[0].zero_point
            xpad = np.pad(xf, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fill)
            oh, ow = outs[0].shape[1], outs[0].shape[2]
            stack = [xpad[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]
                     for i in range(kh) for j in range(kw)]
            if kind == 0:
                y = np.max(stack, axis=0).astype(x.dtype)
            elif ins[0].dtype == "f32":
                y = (np.sum(stack, axis=0) / (kh * kw)).astype(np.float32)
            else:
                tot = np.sum(stack, axis=0) - kh * kw * ins[0].zero_point
                m = np.float32(ins[0].scale) / np.float32(outs[0].scale) / np.float32(kh * kw)
                y = _sat_u8(np.rint(tot.astype(np.float32) * m) + outs[0].zero_point)
        elif op.kind == "BINARY":
            kind, act = int(p[0]), int(p[1])
            a, b = xs
            if b.size != a.size:
                b = b.reshape(-1)
            if ins[0].dtype == "f32":
                y = (a + b) if kind == 0 else (a * b)
                y = _act_f32(y.astype(np.float32), act, None)
            else:
                if kind == 0:
                    y = _qadd(a, ins[0].scale, ins[0].zero_point, np.broadcast_to(b, a.shape), ins[1].scale,
                              ins[1].zero_point, outs[0].scale, outs[0].zero_point)
                else:
                    r = np.float32(np.float32(ins[0].scale) * np.float32(ins[1].scale)) / np.float32(outs[0].scale)
                    da = (a.astype(np.int32) - ins[0].zero_point).astype(np.float32)
                    db = (b.astype(np.int32) - ins[1].zero_point).astype(np.float32)
                    y = _sat_u8(np.rint(da * db * r) + outs[0].zero_point)
                if act == ACT["RELU"]:
                    y = np.maximum(y, np.uint8(min(255, max(0, outs[0].zero_point))))
        elif op.kind == "UNARY":
            act = int(p[0])
            if ins[0].dtype == "u8":
                y = _u8_act(xs[0], act, op.weights[0].data, ins[0].scale, ins[0].zero_point, outs[0].scale,
                            outs[0].zero_point)
            else:
                y = _act_f32(xs[0], act, op.weights[0].data if act == ACT["PRELU"] else None)
        elif op.kind == "PAD":
            t, b_, l_, r_, cf, cb = (int(v) for v in p[:6])
            val = p[6] if ins[0].dtype == "f32" else ins[0].zero_point
            y = np.pad(xs[0], ((0, 0), (t, b_), (l_, r_), (cf, cb)), constant_values=val)
        elif op.kind == "RESIZE":
            x = xs[0]
            if ins[0].dtype == "u8":
                # dequantize, interpolate in float, quantize (as onnxruntime runs DQ -> Resize -> Q)
                sc, zp = np.float32(ins[0].scale), ins[0].zero_point
                v = _bilinear((x.astype(np.int32) - zp).astype(np.float32) * sc, outs[0].shape[1], outs[0].shape[2], p)
                y = _sat_u8(np.rint(v / sc) + zp)
            else:
                y = _bilinear(x, outs[0].shape[1], outs[0].shape[2], p)
        elif op.kind == "DECONV":
            kh, kw, sh, sw, pt, pl, pb, pr = (int(v) for v in p[:8])
            x = xs[0].astype(np.float64)
            w = op.weights[0].data.astype(np.float64)  # [Cin][kh][kw][Cout]
            n, h, wd, _ = x.shape
            co = w.shape[-1] if w.ndim == 4 else outs[0].shape[3]
            w = w.reshape(x.shape[3], kh, kw, co)
            full = np.zeros((n, (h - 1) * sh + kh, (wd - 1) * sw + kw, co))
            for i in range(kh):
                for j in range(kw):
                    full[:, i : i + sh * (h - 1) + 1 : sh, j : j + sw * (wd - 1) + 1 : sw, :] += x @ w[:, i, j, :]
            full = full[:, pt : full.shape[1] - pb, pl : full.shape[2] - pr, :]
            y = (full + op.weights[1].data.astype(np.float64)).astype(np.float32)
        elif op.kind == "DEPTH2SPACE":
            bs, mode = int(p[0]), int(p[1])
            x = xs[0]
            n, h, w_, c = x.shape
            oc = c // (bs * bs)
            if mode == 0:
                y = x.reshape(n, h, w_, bs, bs, oc).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * bs, w_ * bs, oc)
            else:
                y = x.reshape(n, h, w_, oc, bs, bs).transpose(0, 1, 4, 2, 5, 3).reshape(n, h * bs, w_ * bs, oc)
        elif op.kind == "CONCAT":
            y = np.concatenate(xs, axis=int(p[0]))
        elif op.kind == "TRANSPOSE":
            y = np.transpose(xs[0], [int(v) for v in p])
        elif op.kind == "RESHAPE":
            y = xs[0]
        elif op.kind == "QUANTIZE":
            y = _requant(xs[0], outs[0].scale, outs[0].zero_point)
        elif op.kind == "DEQUANTIZE":
            y = ((xs[0].astype(np.int32) - ins[0].zero_point).astype(np.float32) * np.float32(ins[0].scale))
        else:  # pragma: no cover - read() rejects unknown opcodes
            raise FormatError(f"unknown op {op.kind}")
        vals[op.outputs[0]] = np.ascontiguousarray(y).reshape(outs[0].shape)
    return [vals[o].astype(np.float32) for o in model.outputs]
