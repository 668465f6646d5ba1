"""NN benchmark: every model in meiyan's native engine, onnxruntime and ai-edge-litert, one thread.

* native: the .mynn file in models/ (or converted here from the shipped ONNX file), meiyan.nn.
* onnxruntime: the same ONNX file, intra_op_num_threads=1, inter_op_num_threads=1, all graph
  optimisations, sequential execution.
* litert: the source .tflite from the pinned mediapipe wheel (model_export's source cache), one
  thread, XNNPACK (the interpreter's default delegate) -- a second peer; it runs the original
  fp16/fp32 graph whatever our precision.

* native, N threads (``threads`` > 1): the same native model split over N threads, for the
  scaling column; the peers stay on one thread (the issue's comparison is single-threaded).

Each model's backends are timed in interleaved rounds (one run of each, in turn) so that all see
the same machine load; medians and p95 come from the same rounds and the ratios compare them.
All three are called from Python with the input already in place, and each call returns its
outputs as arrays, so the per-call overhead is alike.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

import meiyan

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_common, beside this file
from bench_common import commit, cpu_model, pyplot, save_figure  # noqa: E402

from meiyan import nn

ROOT = Path(__file__).resolve().parents[1]
TASKS = ("face_detection_short_range", "face_detection_full_range", "face_landmark", "iris_landmark",
         "selfie_segmentation")
# value range of each model's input (as the pipeline feeds it)
RANGES = {"face_detection_short_range": (-1.0, 1.0), "face_detection_full_range": (-1.0, 1.0)}


def _input(shape: tuple[int, ...], task: str) -> np.ndarray:
    """The sample photo resized to the model's input, in its value range (real pixels, not noise)."""
    img = cv2.imread(str(Path(meiyan.__file__).parent / "data" / "samples" / "scene.png"))
    n, h, w, c = shape
    rgb = cv2.cvtColor(cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    lo, hi = RANGES.get(task, (0.0, 1.0))
    x = rgb.astype(np.float32) / 255.0 * (hi - lo) + lo
    return np.ascontiguousarray(np.broadcast_to(x, (n, h, w, c)), np.float32)


def _ort(path: Path) -> Callable[[np.ndarray], Any]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return lambda x: sess.run(None, {name: x})


def _litert(task: str) -> Callable[[np.ndarray], Any] | None:
    try:
        sys.path.insert(0, str(ROOT))
        from ai_edge_litert.interpreter import Interpreter

        from model_export.sources import MEDIAPIPE, read_member
        from model_export.specs import spec_by_task

        data = read_member(MEDIAPIPE, spec_by_task(task).member)
    except Exception:  # litert or the source cache missing: no peer column
        return None
    it = Interpreter(model_content=data, num_threads=1)
    it.allocate_tensors()
    idx = it.get_input_details()[0]["index"]
    outs = [d["index"] for d in it.get_output_details()]

    def run(x: np.ndarray) -> list[np.ndarray]:
        it.set_tensor(idx, x)
        it.invoke()
        return [it.get_tensor(i) for i in outs]

    return run


def _stats(times: list[float]) -> dict[str, float]:
    a = np.asarray(times) * 1e3
    return {"median_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95)), "min_ms": float(a.min())}


def _models(models_dir: Path, work: Path) -> list[tuple[str, str, Path, Path]]:
    """(task, precision, onnx path, mynn path) for every shipped ONNX model."""
    from model_export import nn_convert

    found = []
    for task in TASKS:
        for precision in ("fp32", "int8"):
            onnx_path = models_dir / f"{task}.{precision}.onnx"
            if not onnx_path.is_file():
                continue
            mynn = models_dir / f"{task}.{precision}.mynn"
            if not mynn.is_file():
                mynn = work / mynn.name
                nn_convert.convert_file(onnx_path, mynn)
            found.append((task, precision, onnx_path, mynn))
    return found


def run(models_dir: Path | None = None, rounds: int = 100, warmup: int = 10, progress: bool = True,
        threads: int | None = None) -> dict:
    """``threads``: also time the native engine on that many threads (default: the CPU count, at
    most 4; 1 leaves the column out)."""
    if threads is None:
        threads = min(4, os.cpu_count() or 1)
    if not 1 <= threads <= 64:
        raise ValueError(f"threads must be in 1..64, got {threads}")
    sys.path.insert(0, str(ROOT))
    models_dir = Path(models_dir) if models_dir is not None else ROOT / "models"
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        models = _models(models_dir, Path(tmp))
        if not models:
            raise FileNotFoundError(f"no shipped ONNX models (<task>.<fp32|int8>.onnx) in {models_dir}")
        bar = tqdm(total=len(models), desc="bench nn", disable=not progress)
        for task, precision, onnx_path, mynn in models:
            native = nn.NativeModel(mynn, expected_name=task)
            x = _input(native.input_shape, task)
            backends: dict[str, Callable[[np.ndarray], Any]] = {"native": native, "onnxruntime": _ort(onnx_path)}
            if threads > 1:
                backends["native_mt"] = nn.NativeModel(mynn, expected_name=task, threads=threads)
            lite = _litert(task)
            if lite is not None:
                backends["litert"] = lite
            for fn in backends.values():
                for _ in range(warmup):
                    fn(x)
            times: dict[str, list[float]] = {k: [] for k in backends}
            for _ in range(rounds):
                for k, fn in backends.items():
                    t0 = time.perf_counter()
                    fn(x)
                    times[k].append(time.perf_counter() - t0)
            row: dict[str, Any] = {"task": task, "precision": precision, "native_file": mynn.name,
                                   "native_bytes": mynn.stat().st_size, "onnx_bytes": onnx_path.stat().st_size}
            for k, t in times.items():
                row[k] = _stats(t)
            row["ratio_native_over_ort"] = row["native"]["median_ms"] / row["onnxruntime"]["median_ms"]
            if "litert" in row:
                row["ratio_native_over_litert"] = row["native"]["median_ms"] / row["litert"]["median_ms"]
            if "native_mt" in row:
                row["speedup_native_mt"] = row["native"]["median_ms"] / row["native_mt"]["median_ms"]
            row["native_arena_bytes"] = native.arena_bytes
            results.append(row)
            bar.update(1)
        bar.close()
    import onnxruntime

    versions = {"meiyan": meiyan.__version__, "onnxruntime": onnxruntime.__version__, "numpy": np.__version__}
    try:
        import ai_edge_litert

        versions["ai_edge_litert"] = getattr(ai_edge_litert, "__version__", "installed")
    except ImportError:
        pass
    return {
        "suite": "nn",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"platform": platform.platform(), "cpu": cpu_model(), "cpu_count": os.cpu_count(),
                    "cpu_features": meiyan.cpu_features(), "nn_kernels": meiyan._core.nn_active_kernels()},
        "versions": versions,
        "threads": 1,
        "native_mt_threads": threads,
        "rounds": rounds,
        "results": results,
    }


def format_table(result: dict) -> str:
    mt = result.get("native_mt_threads", 1)
    lines = [
        f"one thread, {result['rounds']} interleaved rounds, {result['machine']['cpu']} "
        f"(native kernels: {result['machine']['nn_kernels']})",
        "| model | native median / p95 ms | onnxruntime median / p95 ms | litert median / p95 ms "
        f"| native/ORT | native/litert | native {mt} threads ms (speed-up) |",
        "|" + "---|" * 7,
    ]
    for r in result["results"]:
        lite = r.get("litert")
        lite_s = f"{lite['median_ms']:.3f} / {lite['p95_ms']:.3f}" if lite else "-"
        ratio_l = f"{r['ratio_native_over_litert']:.2f}" if lite else "-"
        mt_s = f"{r['native_mt']['median_ms']:.3f} ({r['speedup_native_mt']:.2f}x)" if "native_mt" in r else "-"
        lines.append(
            f"| {r['task']} {r['precision']} | {r['native']['median_ms']:.3f} / {r['native']['p95_ms']:.3f} "
            f"| {r['onnxruntime']['median_ms']:.3f} / {r['onnxruntime']['p95_ms']:.3f} | {lite_s} "
            f"| {r['ratio_native_over_ort']:.2f} | {ratio_l} | {mt_s} |"
        )
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    plt = pyplot()

    rows = result["results"]
    names = [f"{r['task'].replace('face_', '')}\n{r['precision']}" for r in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(x - 0.27, [r["native"]["median_ms"] for r in rows], 0.27, label="meiyan native")
    ax.bar(x, [r["onnxruntime"]["median_ms"] for r in rows], 0.27, label="onnxruntime")
    ax.bar(x + 0.27, [r["litert"]["median_ms"] if "litert" in r else 0.0 for r in rows], 0.27, label="litert (tflite)")
    ax.set_xticks(x, names, fontsize=7)
    ax.set_ylabel("median ms, one thread")
    ax.set_title(f"NN inference ({result['commit']}, {result['machine']['cpu']})", fontsize=9)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)


if __name__ == "__main__":
    res = run()
    print(format_table(res))
    print(json.dumps(res, indent=2))
