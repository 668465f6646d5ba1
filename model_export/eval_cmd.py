"""``python -m model_export eval``: metrics table + PNG contact sheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .data import ANNOTATED, load_images
from .evaluate import TASKS, contact_sheet, draw_result, mask_iou, nme68, run_pipeline
from .runners import REPO, Runner, load_backend, onnx_runner, tflite_runner
from .specs import MODELS

__all__ = ["evaluate_models"]


def _model_path(models_dir: Path, task: str, precision: str) -> tuple[Path | None, bool]:
    """Shipped file, else the build's intermediate file; (path, shipped?)."""
    name = f"{task}.{precision}.onnx"
    if (models_dir / name).is_file():
        return models_dir / name, True
    built = REPO / "build" / "model_export" / "onnx" / name
    if built.is_file():
        return built, False
    return None, False


def evaluate_models(models_dir: Path, out_dir: Path, with_tflite: bool = True) -> dict[str, Any]:
    ob = load_backend()
    manifest = ob.load_manifest(models_dir)
    images = load_images()
    variants: dict[str, dict[str, Runner]] = {}
    notes: list[str] = []
    if with_tflite:
        try:
            from .convert import load_source

            variants["tflite"] = {s.task: tflite_runner(load_source(s)[0]) for s in MODELS}
        except ImportError as exc:
            notes.append(f"tflite column skipped: {exc}")
    for prec in ("fp32", "int8"):
        runners: dict[str, Runner] = {}
        for task in TASKS:
            path, shipped = _model_path(models_dir, task, prec)
            if path is None:
                # not shipped and not built: use the int8 file and say so
                path, _ = _model_path(models_dir, task, "int8")
                notes.append(f"onnx_{prec}: no fp32 {task} (not shipped, not built) -> int8 used")
            elif not shipped:
                notes.append(f"onnx_{prec}: {task} from build/model_export/onnx (not shipped)")
            if path is None:
                raise FileNotFoundError(f"no ONNX model for {task} in {models_dir}")
            runners[task] = onnx_runner(path)
        variants[f"onnx_{prec}"] = runners

    results = {v: [run_pipeline(img, r) for img in images] for v, r in variants.items()}
    table: dict[str, Any] = {}
    for k, img in enumerate(images):
        row: dict[str, Any] = {}
        for v, res in results.items():
            r = res[k]
            row[v] = {
                "faces": len(r.detections),
                "detector": r.detector,
                "nme68": None if img.ibug68 is None or r.face is None else round(nme68(r, img), 4),
                "box_iou_vs_annotation": round(r.extra["annotation_box_iou"], 3)
                if "annotation_box_iou" in r.extra
                else None,
            }
        if "onnx_fp32" in results:
            ref = results["onnx_fp32"][k].mask
            for v in results:
                row[v]["mask_iou_vs_fp32"] = round(mask_iou(ref, results[v][k].mask), 4)
        table[img.name] = row

    # print
    cols = list(results)
    print("NME (68 iBUG points / outer-eye-corner distance) per annotated photo")
    print(f"{'image':<14}" + "".join(f"{c:>14}" for c in cols))
    for name in ANNOTATED:
        print(f"{name:<14}" + "".join(f"{_fmt(table[name][c]['nme68']):>14}" for c in cols))
    means = {
        c: float(np.mean([table[n][c]["nme68"] for n in ANNOTATED if table[n][c]["nme68"] is not None])) for c in cols
    }
    print(f"{'mean':<14}" + "".join(f"{means[c]:>14.4f}" for c in cols))
    print()
    print("faces found / mask IoU vs onnx_fp32 per photo")
    for img in images:
        cells = []
        for c in cols:
            e = table[img.name][c]
            cells.append(f"{e['faces']} {e['detector'][:5]} {_fmt(e.get('mask_iou_vs_fp32'))}")
        print(f"{img.name:<16}" + "".join(f"{x:>20}" for x in cells))
    print()
    print("shipped models:")
    for name, e in sorted(manifest["models"].items()):
        print(f"  {name:<42} {e['size']:>9} B  {e['metrics'].get('int8_vs_fp32', '')}")
    for n in notes:
        print("note:", n)

    # contact sheet: one row per variant, one tile per photo
    rows = []
    for v, res in results.items():
        rows.append(
            [
                draw_result(img, r, f"{v} {img.name} nme={_fmt(table[img.name][v]['nme68'])}")
                for img, r in zip(images, res, strict=True)
            ]
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    sheet = contact_sheet(rows)
    sheet_path = out_dir / "contact_sheet.png"
    cv2.imwrite(str(sheet_path), sheet)
    summary = {"table": table, "mean_nme68": means, "notes": notes, "contact_sheet": str(sheet_path)}
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(f"\ncontact sheet: {sheet_path}\nmetrics: {out_dir / 'metrics.json'}")
    return summary


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.4f}"
