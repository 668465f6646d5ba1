"""Image-core benchmark: meiyan's kernels against OpenCV's equivalents, timed in the same run.

Reported as medians (ms) and MPix/s; the figures that matter are the ratios, which hold across
machines far better than absolute times.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

import meiyan

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_common, beside this file
from bench_common import commit, median_ms, pyplot, save_figure  # noqa: E402


def run(width: int = 1280, height: int = 720, repeats: int = 30, progress: bool = True) -> dict:
    rng = np.random.default_rng(0)
    sample = cv2.imread(str(Path(meiyan.__file__).parent / "data" / "samples" / "scene.png"))
    bgr = cv2.resize(sample, (width, height), interpolation=cv2.INTER_LINEAR)
    bgr = cv2.add(bgr, rng.integers(0, 8, bgr.shape, dtype=np.uint8))  # some texture, as camera noise gives
    rgba = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA)
    nv21 = meiyan.convert(rgba, "rgba", "nv21")
    small = (width // 5, height // 5)
    curve = np.clip(np.arange(256) * 1.1, 0, 255).astype(np.uint8)
    engine = meiyan.Engine("cpu", filter="film")

    cases: list[tuple[str, str, Callable[[], object], Callable[[], object]]] = [
        ("nv21_to_rgba", "cv2.cvtColor(COLOR_YUV2RGBA_NV21)",
         lambda: meiyan.convert(nv21, "nv21", "rgba"), lambda: cv2.cvtColor(nv21, cv2.COLOR_YUV2RGBA_NV21)),
        ("rgba_to_nv21", "cv2.cvtColor(COLOR_RGB2YUV_I420) (no direct NV21)",
         lambda: meiyan.convert(rgba, "rgba", "nv21"), lambda: cv2.cvtColor(rgba, cv2.COLOR_RGBA2YUV_I420)),
        (f"resize_to_{small[0]}x{small[1]}", "cv2.resize(INTER_LINEAR)",
         lambda: meiyan.resize(rgba, *small), lambda: cv2.resize(rgba, small, interpolation=cv2.INTER_LINEAR)),
        ("lut3d_film", "cv2.LUT (1D, per channel: less work than a 3D LUT)",
         lambda: engine.process(rgba), lambda: cv2.LUT(rgba, curve)),
    ]
    levels = ["scalar", meiyan.simd_detected()] if meiyan.simd_detected() != "scalar" else ["scalar"]
    results = []
    mpix = width * height / 1e6
    try:
        steps = tqdm(total=len(cases) * (len(levels) + 1), desc="bench image", disable=not progress)
        for name, peer, ours, theirs in cases:
            row: dict = {"name": name, "peer": peer}
            for level in levels:
                meiyan.simd_force(level)
                row[f"meiyan_{level}_ms"] = median_ms(ours, repeats)
                steps.update(1)
            meiyan.simd_force(levels[-1])
            row["opencv_ms"] = median_ms(theirs, repeats)
            steps.update(1)
            best = row[f"meiyan_{levels[-1]}_ms"]
            row["meiyan_ms"] = best
            row["meiyan_mpix_s"] = mpix / (best / 1e3)
            row["opencv_mpix_s"] = mpix / (row["opencv_ms"] / 1e3)
            row["ratio_meiyan_over_opencv"] = best / row["opencv_ms"]
            row["simd_speedup"] = row["meiyan_scalar_ms"] / best
            results.append(row)
        steps.close()
    finally:
        meiyan.simd_force(meiyan.simd_detected())
    return {
        "suite": "image",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count(), "cpu_features": meiyan.cpu_features()},
        "versions": {"meiyan": meiyan.__version__, "opencv": cv2.__version__, "numpy": np.__version__},
        "frame": {"width": width, "height": height}, "repeats": repeats, "results": results,
    }


def format_table(result: dict) -> str:
    head = ("| kernel | meiyan scalar ms | meiyan SIMD ms | OpenCV ms | meiyan MPix/s | meiyan/OpenCV time "
            "| SIMD speed-up |")
    lines = [head, "|" + "---|" * 7]
    for r in result["results"]:
        lines.append(f"| {r['name']} | {r['meiyan_scalar_ms']:.2f} | {r['meiyan_ms']:.2f} | {r['opencv_ms']:.2f} | "
                     f"{r['meiyan_mpix_s']:.0f} | {r['ratio_meiyan_over_opencv']:.2f} | {r['simd_speedup']:.1f}x |")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    plt = pyplot()

    names = [r["name"] for r in result["results"]]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(x - 0.27, [r["meiyan_scalar_ms"] for r in result["results"]], 0.27, label="meiyan scalar")
    ax.bar(x, [r["meiyan_ms"] for r in result["results"]], 0.27, label=f"meiyan {result['machine']['cpu_features']}")
    ax.bar(x + 0.27, [r["opencv_ms"] for r in result["results"]], 0.27, label="OpenCV")
    ax.set_xticks(x, names, rotation=15)
    ax.set_ylabel("median ms")
    ax.set_title(f"image kernels at {result['frame']['width']}x{result['frame']['height']} ({result['commit']})")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)


if __name__ == "__main__":
    res = run()
    print(format_table(res))
    print(json.dumps(res, indent=2))
