"""The lip mask at every roll angle against the iBUG annotation, beside mediapipe's attention mesh.

Issue 6 asks for lip-mask IoU >= 0.9 against the mask from the ground-truth landmarks at every roll
angle of the tracking sequences. This measures it for meiyan's tracked mesh and, where an isolated
Python with mediapipe exists (``bench_common.mediapipe_python``), for mediapipe 0.10.21's FaceMesh
with ``refine_landmarks=True``: the attention mesh, whose lip points come from a dedicated lip
sub-model, the best lip landmarks available offline. Both are rasterised the same way: the ring
between the 20-point outer and inner lip contours of the 468-point topology (the lipstick's polygons,
``tests/test_lip_mask.py``); the ground truth is the iBUG outer lip (points 49-60) minus the inner
one (61-68), moved with the photo.

    python benchmarks/bench_lip_mask.py [--json out.json] [--plot out.png]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

import meiyan

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_tracking  # noqa: E402
from bench_common import commit, mediapipe_python, pyplot, save_figure  # noqa: E402

# Mesh indices of the lip outlines the makeup fills (face_regions.cpp: kLipsOuter, kLipsInner).
LIPS_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185]
LIPS_INNER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191]


def polygon_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixels whose centres lie inside the polygon (points in continuous pixel coordinates)."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round((points - 0.5) * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def ring(outer: np.ndarray, inner: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return polygon_mask(outer, shape) & ~polygon_mask(inner, shape)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def _summary(v: list[float | None]) -> dict:
    found = [x for x in v if x is not None]
    return {"frames": len(v), "tracked": len(found),
            "min": round(min(found), 4) if found else None,
            "median": round(float(np.median(found)), 4) if found else None,
            "frames_at_or_above_0.9": sum(x >= 0.9 for x in found)}


def run(progress: bool = True, peer: bool = True) -> dict:
    shape = (bench_tracking.H, bench_tracking.W)
    mp_python = mediapipe_python() if peer else None
    result: dict = {"suite": "lip_mask", "commit": commit(), "sequence": "roll_360 (5-degree steps)",
                    "threshold": 0.9, "photos": {}}
    for photo in tqdm(bench_tracking._photos(), desc="lip mask", disable=not progress):
        seq = bench_tracking.sequences(photo, names=("roll_360",))["roll_360"]
        truth = [ring(f.truth[48:60], f.truth[60:68], shape) for f in seq]
        tracker = meiyan.FaceTracker(max_faces=1, smoothing=False)
        ours: list[float | None] = []
        for f, gt in zip(seq, truth, strict=True):
            faces = tracker.track(f.image, timestamp=f.t)
            lm = faces[0].landmarks[:, :2] if faces else None
            ours.append(None if lm is None else iou(ring(lm[LIPS_OUTER], lm[LIPS_INNER], shape), gt))
        row: dict = {"meiyan": _summary(ours), "meiyan_per_frame": ours}
        if mp_python is not None:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{photo.name}.npz"
                np.savez(path, frames=np.stack([f.image for f in seq]), t=np.array([f.t for f in seq]),
                         points=np.array(LIPS_OUTER + LIPS_INNER))
                script = Path(__file__).resolve().parent / "peer_mediapipe_tracking.py"
                proc = subprocess.run([str(mp_python), str(script), str(path)], capture_output=True, text=True,
                                      timeout=900)
            if proc.returncode != 0:
                raise RuntimeError(f"the mediapipe peer failed: {proc.stderr.strip()[-500:]}")
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            pts = data["sequences"][photo.name]["points"]
            theirs = [None if p is None else iou(ring(np.array(p[:20]), np.array(p[20:]), shape), gt)
                      for p, gt in zip(pts, truth, strict=True)]
            row["mediapipe_attention_mesh"] = _summary(theirs)
            row["mediapipe_per_frame"] = theirs
            result["mediapipe"] = data["mediapipe"]
        result["photos"][photo.name] = row
    return result


def format_table(result: dict) -> str:
    lines = ["lip-ring IoU against the iBUG annotation, full roll (72 frames a photo): min / median (frames tracked)",
             "", "| photo | meiyan | mediapipe attention mesh |", "|---|---|---|"]
    for name, row in result["photos"].items():
        cells = []
        for key in ("meiyan", "mediapipe_attention_mesh"):
            s = row.get(key)
            ok = s is not None and s["min"] is not None
            cells.append(f"{s['min']:.2f} / {s['median']:.2f} ({s['tracked']})" if ok else "-")
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    plt = pyplot()
    names = list(result["photos"])
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.2), sharey=True)
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        row = result["photos"][name]
        angles = 5 * np.arange(len(row["meiyan_per_frame"]))
        for key, label in (("meiyan_per_frame", "meiyan"), ("mediapipe_per_frame", "mediapipe attention")):
            if key in row:
                ax.plot(angles, [np.nan if v is None else v for v in row[key]], label=label)
        ax.axhline(result["threshold"], color="red", linestyle="--", linewidth=1)
        ax.set_title(name)
        ax.set_xlabel("roll (degrees)")
        ax.set_ylim(0, 1)
    np.atleast_1d(axes)[0].set_ylabel("lip-ring IoU vs iBUG")
    np.atleast_1d(axes)[0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", type=Path)
    p.add_argument("--plot", type=Path)
    p.add_argument("--no-peer", action="store_true", help="leave out mediapipe")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    result = run(progress=not args.quiet, peer=not args.no_peer)
    print(format_table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.plot:
        plot(result, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
