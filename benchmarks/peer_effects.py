"""The peer pipelines' effects, OpenCV and NumPy only (no meiyan): what a Python user writes by hand.

Used in-process by bench_pipeline.py (landmarks from meiyan.onnx_backend) and by peer_mediapipe.py in
an isolated environment with mediapipe (landmarks from its FaceMesh), so both peers do the same work.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

# MediaPipe face-mesh topology (vertex indices): lips and the face oval.
LIPS_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185]
LIPS_INNER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191]
FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109]
LIPSTICK_BGR = (60, 30, 190)
BLUR = 0.6  # background blur strength: Gaussian sigma = BLUR * 5% of the short side / 2


def apply(frame: npt.NDArray[Any], person: npt.NDArray[Any], points: npt.NDArray[Any] | None) -> npt.NDArray[Any]:
    """Background blur through ``person`` (HxW 0..1), then, with 468 landmarks (pixels), bilateral smoothing
    (d=9) inside the face oval and an alpha-blended lipstick."""
    import cv2

    h, w = frame.shape[:2]
    mask = person[:, :, None]
    blurred = cv2.GaussianBlur(frame, (0, 0), BLUR * 0.05 * min(w, h) / 2)
    out = (frame * mask + blurred * (1.0 - mask)).astype(np.uint8)
    if points is None:
        return out
    xy = points[:, :2]
    x0, y0 = np.maximum(np.floor(xy.min(0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(xy.max(0)).astype(int) + 1, [w, h])
    if x1 - x0 > 8 and y1 - y0 > 8:  # smoothing inside the face oval
        crop = out[y0:y1, x0:x1]
        smooth = cv2.bilateralFilter(crop, 9, 75, 75)
        oval = np.zeros(crop.shape[:2], np.uint8)
        cv2.fillPoly(oval, [np.round(xy[FACE_OVAL] - (x0, y0)).astype(np.int32)], 255)
        a = cv2.GaussianBlur(oval, (0, 0), 3).astype(np.float32)[:, :, None] * (0.7 / 255)
        out[y0:y1, x0:x1] = (crop * (1 - a) + smooth * a).astype(np.uint8)
    lips = np.zeros((h, w), np.uint8)
    cv2.fillPoly(lips, [np.round(xy[LIPS_OUTER]).astype(np.int32)], 255)
    cv2.fillPoly(lips, [np.round(xy[LIPS_INNER]).astype(np.int32)], 0)
    colour = np.empty_like(out)
    colour[:] = LIPSTICK_BGR
    lipped = cv2.addWeighted(out, 0.55, colour, 0.45, 0)
    np.copyto(out, lipped, where=lips[:, :, None] > 0)
    return out
