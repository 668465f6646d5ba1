"""The mediapipe peer of the pipeline benchmark, run by bench_pipeline.py in an *isolated* environment
that has mediapipe (it pins numpy < 2 and its own OpenCV, so it never goes into meiyan's):

    python -m venv build/mp-venv
    build/mp-venv/bin/pip install mediapipe==0.10.21

It imports no meiyan: the clip's frames -> mediapipe's FaceMesh (468 points, tracking mode, one face)
and SelfieSegmentation (the general 256x256 model) -> the same OpenCV effects as the onnxruntime peer
(peer_effects.py) -> cv2.VideoWriter. Prints one JSON object: per-frame ms of each stage and CPU ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peer_effects  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("clip", type=Path)
    p.add_argument("--frames", type=int, default=90)
    p.add_argument("--size", default="", help="WxH to resize frames to (default: the clip's)")
    args = p.parse_args(argv)
    import mediapipe as mp

    size = tuple(int(v) for v in args.size.split("x")) if args.size else None
    cap = cv2.VideoCapture(str(args.clip))
    if not cap.isOpened():
        print(f"cannot open {args.clip}", file=sys.stderr)
        return 2
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=False)
    seg = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
    stages: dict[str, list[float]] = {k: [] for k in ("decode", "track", "effects", "output", "cpu")}
    faces = 0
    with tempfile.TemporaryDirectory() as tmp:
        writer: cv2.VideoWriter | None = None
        for _ in range(args.frames):
            c0 = time.process_time()
            t0 = time.perf_counter()
            ok, frame = cap.read()
            if not ok:
                break
            if size is not None:
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
            t1 = time.perf_counter()
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            res = mesh.process(rgb)
            h, w = frame.shape[:2]
            pts = None
            if res.multi_face_landmarks:
                lm = res.multi_face_landmarks[0].landmark
                pts = np.array([(p.x * w, p.y * h, p.z * w) for p in lm[:468]], np.float32)
            faces = int(pts is not None)
            t2 = time.perf_counter()
            person = seg.process(rgb).segmentation_mask.astype(np.float32)
            out = peer_effects.apply(frame, person, pts)
            t3 = time.perf_counter()
            if writer is None:
                writer = cv2.VideoWriter(str(Path(tmp) / "out.mp4"), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
            writer.write(out)
            t4 = time.perf_counter()
            for k, v in zip(("decode", "track", "effects", "output"), (t1 - t0, t2 - t1, t3 - t2, t4 - t3),
                            strict=True):
                stages[k].append(v * 1e3)
            stages["cpu"].append((time.process_time() - c0) * 1e3)
        if writer is not None:
            writer.release()
    cap.release()
    print(json.dumps({"mediapipe": mp.__version__, "numpy": np.__version__, "opencv": cv2.__version__,
                      "faces_last_frame": faces, "stages_ms": stages}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
