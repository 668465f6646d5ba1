"""The mediapipe peer of the tracking benchmark, run by bench_tracking.py in the isolated Python that has
mediapipe (see peer_mediapipe.py; it imports no meiyan).

Each input .npz holds one sequence: ``frames`` (N x H x W x 3 BGR uint8), ``t`` (seconds) and
``points`` (indices of the landmarks to return). A new FaceMesh per sequence (video mode, one face,
``refine_landmarks=True``: 478 points from the attention mesh, the peer of meiyan's mesh + iris) is timed
per frame on the RGB frame it is given (the BGR->RGB conversion counted, as meiyan's tracker counts its
own). Prints one JSON object: per sequence the ms of each frame and the chosen points (or null).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("sequences", type=Path, nargs="+")
    args = p.parse_args(argv)
    import mediapipe as mp

    out = {}
    for path in args.sequences:
        data = np.load(path)
        frames, idx = data["frames"], data["points"]
        h, w = frames.shape[1:3]
        mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True)
        ms, pts, n_points = [], [], 0
        for frame in frames:
            t0 = time.perf_counter()
            res = mesh.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            found = None
            if res.multi_face_landmarks:
                lm = res.multi_face_landmarks[0].landmark
                found = [[lm[i].x * w, lm[i].y * h] for i in idx]
                n_points = len(lm)
            ms.append((time.perf_counter() - t0) * 1e3)
            pts.append(found)
        mesh.close()
        out[path.stem] = {"ms": ms, "points": pts, "landmarks": n_points}
    print(json.dumps({"mediapipe": mp.__version__, "numpy": np.__version__, "opencv": cv2.__version__,
                      "sequences": out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
