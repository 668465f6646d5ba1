"""The face-mesh network as a plain, trainable PyTorch module, at any input size.

:class:`MeshNet` has the layer structure of MediaPipe's ``face_landmark.tflite`` (residual
depthwise-separable blocks with PReLU, five stride-2 reductions, a landmark branch and a presence
branch that part at the 1/32 scale) with two knobs for a cheaper *student*:

* ``size``: the input side, 192 (the teacher) or 128 (the lite mesh).  The last feature map is 3x3
  at both: at 128 the last reduction turns the 4x4 map into 3x3 with 2x2 kernels at stride 1, so the
  teacher's heads (blocks and output convolutions over the whole 3x3 map) are reused unchanged.
* ``width``: a channel multiplier for every stage (1.0: the teacher's 16-32-64-128 channels).

:func:`teacher_state` reads the teacher's weights from the shipped fp32 ONNX file (the ONNX export
of the imported TFLite graph, see :mod:`model_export.build`), and :func:`init_from_teacher` copies
them into a student: convolutions keep the channels with the largest weight norm when the student is
narrower, and the last reduction's 3x3 depthwise kernels are area-resampled to 2x2 at size 128.
``MeshNet(size=192, width=1.0)`` with the teacher's weights *is* the teacher (checked in the tests
against onnxruntime on the shipped file).

Input: NHWC float32 RGB in ``[0, 1]``, as the native engine and :mod:`meiyan.onnx_backend` feed
the mesh.  Outputs: ``landmarks`` ``(N, 1, 1, 1404)`` -- 468 ``(x, y, z)`` in input pixels -- and
``presence_logit`` ``(N, 1, 1, 1)``, the teacher's names and shapes, so a student drops in wherever
the teacher is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MeshNet", "init_from_teacher", "teacher_state"]

N_POINTS = 468
_BASE = (16, 32, 64, 128, 128, 128)  # channels at 1/2 .. 1/64 of the input


def _ch(c: int, width: float) -> int:
    return max(4, int(round(c * width / 4.0)) * 4)


class _Block(nn.Module):
    """``prelu(x + pw(dw(x)))``: a residual depthwise-separable block."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.pw = nn.Conv2d(c, c, 1)
        self.act = nn.PReLU(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.pw(self.dw(x)))


class _Down(nn.Module):
    """Stride-2 residual block: ``prelu(pad_c(maxpool(x)) + pw(dw_s2(x)))``, TFLite SAME padding
    (one extra row and column at the bottom right)."""

    def __init__(self, cin: int, cout: int, to_three: bool = False) -> None:
        super().__init__()
        if cout < cin:
            raise ValueError("a reduction block cannot drop channels")
        # to_three: the student's last reduction, 4x4 -> 3x3 (2x2 kernels, stride 1, no padding), so
        # that the teacher's heads, which read a 3x3 map, fit unchanged
        self.to_three = to_three
        self.dw = nn.Conv2d(cin, cin, 2 if to_three else 3, stride=1 if to_three else 2, groups=cin)
        self.pw = nn.Conv2d(cin, cout, 1)
        self.act = nn.PReLU(cout)
        self.extra = cout - cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.to_three:
            skip, y = F.max_pool2d(x, 2, stride=1), self.dw(x)
        else:
            skip, y = F.max_pool2d(x, 2), self.dw(F.pad(x, (0, 1, 0, 1)))
        if self.extra:
            skip = F.pad(skip, (0, 0, 0, 0, 0, self.extra))
        return self.act(skip + self.pw(y))


class _Head(nn.Module):
    """pw to the head width, PReLU, one block, then a convolution over the whole last map."""

    def __init__(self, cin: int, c: int, out: int, k: int) -> None:
        super().__init__()
        self.pw = nn.Conv2d(cin, c, 1)
        self.act = nn.PReLU(c)
        self.block = _Block(c)
        self.out = nn.Conv2d(c, out, k, stride=k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.block(self.act(self.pw(x))))


class MeshNet(nn.Module):
    """468-point face mesh regressor; see the module docstring."""

    def __init__(self, size: int = 128, width: float = 1.0) -> None:
        super().__init__()
        if size not in (128, 192):
            raise ValueError(f"size must be 128 or 192, got {size}")
        if not 0.25 <= width <= 1.0:
            raise ValueError(f"width must be in 0.25..1.0, got {width}")
        self.size, self.width = size, width
        c = [_ch(v, width) for v in _BASE]
        self.stem = nn.Conv2d(3, c[0], 3, stride=2)
        self.stem_act = nn.PReLU(c[0])
        trunk: list[nn.Module] = [_Block(c[0]), _Block(c[0])]
        for i in range(1, 5):  # 1/4 .. 1/32
            trunk += [_Down(c[i - 1], c[i]), _Block(c[i]), _Block(c[i])]
        self.trunk = nn.Sequential(*trunk)
        to3 = size == 128  # the last map is 3x3 at both sizes: the teacher's heads (3x3 kernels) fit unchanged
        head_c = _ch(32, width)
        # landmark branch: reduce to 1/64, two blocks, head
        self.lm_down = _Down(c[4], c[5], to3)
        self.lm_blocks = nn.Sequential(_Block(c[5]), _Block(c[5]))
        self.lm_head = _Head(c[5], head_c, 3 * N_POINTS, 3)
        # presence branch: its own reduction from the same 1/32 map, head
        self.pr_down = _Down(c[4], c[5], to3)
        self.pr_head = _Head(c[5], head_c, 1, 3)

    def forward(self, image_nhwc: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        lm, pr, _ = self.forward_features(image_nhwc)
        return lm, pr

    def forward_features(self, image_nhwc: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """Outputs plus the feature maps at the end of each scale (1/2 .. 1/32 of the input, then the
        landmark branch's 3x3 map): the hints a student learns to match (:mod:`model_export.train`)."""
        x = image_nhwc.permute(0, 3, 1, 2)
        x = self.stem_act(self.stem(F.pad(x, (0, 1, 0, 1))))
        feats = []
        for i, layer in enumerate(self.trunk):
            x = layer(x)
            if i in (1, 4, 7, 10, 13):
                feats.append(x)
        y = self.lm_blocks(self.lm_down(x))
        feats.append(y)
        lm = self.lm_head(y)
        pr = self.pr_head(self.pr_down(x))
        return lm.permute(0, 2, 3, 1), pr.permute(0, 2, 3, 1), feats

    def macs(self) -> int:
        """Multiply-accumulates of one forward pass (convolutions only)."""
        total = 0

        def hook(m: nn.Module, _inp: object, out: torch.Tensor) -> None:
            nonlocal total
            assert isinstance(m, nn.Conv2d)
            kh, kw = m.kernel_size
            total += int(out.numel()) * (m.in_channels // m.groups) * kh * kw

        handles = [m.register_forward_hook(hook) for m in self.modules() if isinstance(m, nn.Conv2d)]
        try:
            with torch.no_grad():
                self(torch.zeros(1, self.size, self.size, 3))
        finally:
            for h in handles:
                h.remove()
        return total


# ---------------------------------------------------------------------------
# the teacher's weights


# the teacher ONNX graph's step numbers (``steps.N``) of each student layer: conv weights are
# ``steps.N.conv.weight``/``bias``; a PReLU's slopes feed the node ``/steps.N/PRelu``.
def _teacher_map() -> dict[str, tuple[str, int]]:
    m: dict[str, tuple[str, int]] = {"stem": ("conv", 0), "stem_act": ("prelu", 1)}
    blocks = [(2, 3, 5), (6, 7, 9)]
    stages = [
        (10, 12, 15, (16, 17, 19), (20, 21, 23)),
        (24, 26, 29, (30, 31, 33), (34, 35, 37)),
        (38, 40, 43, (44, 45, 47), (48, 49, 51)),
        (52, 53, 56, (57, 58, 60), (61, 62, 64)),
    ]
    idx = 0
    for dw, pw, act in blocks:
        m[f"trunk.{idx}.dw"], m[f"trunk.{idx}.pw"], m[f"trunk.{idx}.act"] = ("conv", dw), ("conv", pw), ("prelu", act)
        idx += 1
    for dw, pw, act, b1, b2 in stages:
        m[f"trunk.{idx}.dw"], m[f"trunk.{idx}.pw"], m[f"trunk.{idx}.act"] = ("conv", dw), ("conv", pw), ("prelu", act)
        idx += 1
        for b in (b1, b2):
            m[f"trunk.{idx}.dw"], m[f"trunk.{idx}.pw"], m[f"trunk.{idx}.act"] = (
                ("conv", b[0]),
                ("conv", b[1]),
                ("prelu", b[2]),
            )
            idx += 1
    m.update(
        {
            "lm_down.dw": ("conv", 65),
            "lm_down.pw": ("conv", 66),
            "lm_down.act": ("prelu", 69),
            "lm_blocks.0.dw": ("conv", 70),
            "lm_blocks.0.pw": ("conv", 71),
            "lm_blocks.0.act": ("prelu", 73),
            "lm_blocks.1.dw": ("conv", 75),
            "lm_blocks.1.pw": ("conv", 77),
            "lm_blocks.1.act": ("prelu", 82),
            "lm_head.pw": ("conv", 84),
            "lm_head.act": ("prelu", 86),
            "lm_head.block.dw": ("conv", 88),
            "lm_head.block.pw": ("conv", 90),
            "lm_head.block.act": ("prelu", 94),
            "lm_head.out": ("conv", 96),
            "pr_down.dw": ("conv", 74),
            "pr_down.pw": ("conv", 76),
            "pr_down.act": ("prelu", 81),
            "pr_head.pw": ("conv", 83),
            "pr_head.act": ("prelu", 85),
            "pr_head.block.dw": ("conv", 87),
            "pr_head.block.pw": ("conv", 89),
            "pr_head.block.act": ("prelu", 93),
            "pr_head.out": ("conv", 95),
        }
    )
    return m


def teacher_state(onnx_path: str | Path) -> dict[str, np.ndarray]:
    """The teacher's weights as a :class:`MeshNet` ``(size=192, width=1.0)`` state dict (numpy)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    prelu: dict[int, np.ndarray] = {}
    conv: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for n in model.graph.node:
        if not n.output[0].startswith("/steps."):
            continue
        step = int(n.output[0].split("/")[1].split(".")[1])
        if n.op_type == "PRelu":
            prelu[step] = init[n.input[1]]
        elif n.op_type == "Conv" and len(n.input) == 3:
            conv[step] = (init[n.input[1]], init[n.input[2]])
    out: dict[str, np.ndarray] = {}
    for name, (kind, step) in _teacher_map().items():
        if kind == "conv":
            if step not in conv:
                raise ValueError(f"{onnx_path}: not the face_landmark graph (no conv steps.{step})")
            out[f"{name}.weight"], out[f"{name}.bias"] = conv[step]
        else:
            if step not in prelu:
                raise ValueError(f"{onnx_path}: not the face_landmark graph (no PRelu steps.{step})")
            out[f"{name}.weight"] = prelu[step].reshape(-1)
    return out


def _keep(w: np.ndarray, n: int) -> np.ndarray:
    """Indices (sorted) of the ``n`` output channels of ``w`` with the largest L2 norm."""
    norms = np.sqrt((w.reshape(w.shape[0], -1).astype(np.float64) ** 2).sum(1))
    return np.sort(np.argsort(-norms, kind="stable")[:n])


def init_from_teacher(student: MeshNet, teacher: Mapping[str, np.ndarray]) -> None:
    """Copy the teacher's weights into ``student`` (see the module docstring).

    Narrower students keep, per stage, the residual-stream channels with the largest pointwise
    weight norm; a stage's kept channels include the previous stage's (the zero-padded skip path
    of a reduction block carries channel ``i`` into channel ``i``)."""
    sd = student.state_dict()
    new: dict[str, torch.Tensor] = {}
    widths = [_ch(v, student.width) for v in _BASE]
    stage_pw = ["stem", "trunk.2.pw", "trunk.5.pw", "trunk.8.pw", "trunk.11.pw", "lm_down.pw"]
    keep: list[np.ndarray] = [_keep(teacher["stem.weight"], widths[0])]
    for i in range(1, 6):
        prev = keep[i - 1]
        w = teacher[f"{stage_pw[i]}.weight"]
        rest = np.setdiff1d(np.arange(w.shape[0]), prev)
        norms = np.sqrt((w[rest].astype(np.float64) ** 2).reshape(len(rest), -1).sum(1)) if len(rest) else rest
        extra = np.sort(rest[np.argsort(-norms, kind="stable")[: widths[i] - len(prev)]])
        keep.append(np.concatenate([prev, extra]).astype(np.int64))
    head_keep = _keep(teacher["lm_head.pw.weight"], _ch(32, student.width))
    pr_head_keep = _keep(teacher["pr_head.pw.weight"], _ch(32, student.width))

    def stage_of(name: str) -> int:
        if name.startswith(("stem", "trunk.0.", "trunk.1.")):
            return 0
        if name.startswith("trunk."):
            return (int(name.split(".")[1]) - 2) // 3 + 1
        return 5

    for key, target in sd.items():
        src = teacher[key]
        layer = key.rsplit(".", 1)[0]
        s = stage_of(key)
        out_idx: np.ndarray | slice
        in_idx: np.ndarray | slice = slice(None)
        if layer in ("lm_head.pw", "lm_head.act", "lm_head.block.dw", "lm_head.block.pw", "lm_head.block.act"):
            out_idx = head_keep
            in_idx = keep[5] if layer == "lm_head.pw" else head_keep
        elif layer in ("pr_head.pw", "pr_head.act", "pr_head.block.dw", "pr_head.block.pw", "pr_head.block.act"):
            out_idx = pr_head_keep
            in_idx = keep[5] if layer == "pr_head.pw" else pr_head_keep
        elif layer in ("lm_head.out", "pr_head.out"):
            out_idx = slice(None)
            in_idx = head_keep if layer == "lm_head.out" else pr_head_keep
        elif layer.endswith(".dw") and layer in ("trunk.2.dw", "trunk.5.dw", "trunk.8.dw", "trunk.11.dw"):
            out_idx = keep[s - 1]
        elif layer in ("lm_down.dw", "pr_down.dw"):
            out_idx = keep[4]
        elif layer in ("trunk.2.pw", "trunk.5.pw", "trunk.8.pw", "trunk.11.pw"):
            out_idx, in_idx = keep[s], keep[s - 1]
        elif layer in ("lm_down.pw", "pr_down.pw"):
            out_idx, in_idx = keep[5], keep[4]
        elif layer.endswith(".pw"):
            out_idx, in_idx = keep[s], keep[s]
        elif layer == "stem":
            out_idx = keep[0]
        else:  # depthwise convs and PReLUs of a stage
            out_idx = keep[s]
        w = src[out_idx]
        if w.ndim == 4 and w.shape[1] > 1:
            w = w[:, in_idx]
        if w.ndim == 4 and w.shape[2:] != tuple(target.shape[2:]):
            # the last reduction at size 128: 3x3 depthwise kernel -> 2x2 (area resampled, same sum)
            t = torch.from_numpy(np.ascontiguousarray(w, np.float32))
            r = F.interpolate(t, size=tuple(target.shape[2:]), mode="area")
            w = (r * (t.shape[2] * t.shape[3]) / (target.shape[2] * target.shape[3])).numpy()
        if tuple(w.shape) != tuple(target.shape):
            raise ValueError(f"teacher weight {key} {w.shape} does not fit the student's {tuple(target.shape)}")
        new[key] = torch.from_numpy(np.array(w, np.float32, copy=True))
    student.load_state_dict(new)
