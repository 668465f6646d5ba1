"""New head poses from one labelled photo: the face turned in 3D along its own mesh.

Portrait photos are mostly frontal; a student trained on them forgets what the teacher knows about
turned heads.  :func:`turn_face` rotates the teacher's 468-point mesh (x, y in pixels, z in the same
scale) about its centroid by a yaw and a pitch, projects it orthographically, and moves the face's
pixels with it: every triangle of the mesh topology (``meiyan/data/face_topology.json``) is warped
from where it was to where it goes, farthest first, back-facing ones skipped; the old face area is
filled in first (``cv2.inpaint``) so that nothing of the old face shows beside the new one.  The
labels of the result are exact by construction: the turned mesh.  Hair, ears and the background stay
where they were, which is the synthetic part.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["face_triangles", "turn_face", "turn_mesh"]

F32 = npt.NDArray[np.float32]
TOPOLOGY = Path(__file__).resolve().parents[1] / "bindings" / "meiyan" / "data" / "face_topology.json"


@lru_cache(maxsize=1)
def face_triangles() -> npt.NDArray[np.int64]:
    tris = np.array(json.loads(TOPOLOGY.read_text())["triangles"], dtype=np.int64)
    if tris.ndim != 2 or tris.shape[1] != 3 or tris.min() < 0 or tris.max() >= 468:
        raise ValueError(f"{TOPOLOGY}: not a triangle list over the 468 mesh points")
    return tris


def turn_mesh(mesh: npt.ArrayLike, yaw_deg: float, pitch_deg: float) -> F32:
    """The mesh rotated about its centroid: ``yaw`` about the image's vertical axis, then ``pitch``
    about the horizontal one (orthographic: x, y are the new image positions)."""
    p = np.asarray(mesh, np.float64)
    c = p.mean(0)
    q = p - c
    a, b = math.radians(yaw_deg), math.radians(pitch_deg)
    ry = np.array([[math.cos(a), 0.0, math.sin(a)], [0.0, 1.0, 0.0], [-math.sin(a), 0.0, math.cos(a)]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(b), -math.sin(b)], [0.0, math.sin(b), math.cos(b)]])
    return (q @ (rx @ ry).T + c).astype(np.float32)


def _signed_areas(xy: npt.NDArray[np.float64], tris: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    a, b, c = xy[tris[:, 0]], xy[tris[:, 1]], xy[tris[:, 2]]
    return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def turn_face(
    image_bgr: npt.NDArray[np.uint8], mesh: npt.ArrayLike, yaw_deg: float, pitch_deg: float = 0.0
) -> tuple[npt.NDArray[np.uint8], F32]:
    """``(image, mesh)`` with the face turned by ``yaw_deg`` / ``pitch_deg`` (see the module doc).

    Points use the continuous pixel convention (pixel ``(i, j)`` centred at ``(j + 0.5, i + 0.5)``)."""
    if image_bgr.dtype != np.uint8 or image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f"image must be HxWx3 uint8, got {image_bgr.dtype} {image_bgr.shape}")
    src = np.asarray(mesh, np.float64)
    if src.shape != (468, 3):
        raise ValueError(f"mesh must be (468, 3), got {src.shape}")
    if not (abs(yaw_deg) <= 80 and abs(pitch_deg) <= 60):
        raise ValueError(f"yaw must be within +-80 and pitch within +-60 degrees, got {yaw_deg}, {pitch_deg}")
    tris = face_triangles()
    dst = turn_mesh(src, yaw_deg, pitch_deg).astype(np.float64)
    h, w = image_bgr.shape[:2]
    # remove the old face: inpaint its hull (a little dilated)
    hull = cv2.convexHull((src[:, :2] - 0.5).astype(np.float32)).astype(np.int32)
    hole = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(hole, hull, 255)
    hole = cv2.dilate(hole, np.ones((5, 5), np.uint8))
    out = cv2.inpaint(image_bgr, hole, 3, cv2.INPAINT_TELEA)
    front = np.sign(np.median(_signed_areas(src[:, :2], tris)))
    visible = np.sign(_signed_areas(dst[:, :2], tris)) == front
    # farthest first: MediaPipe's z grows away from the camera
    order = np.argsort(-dst[tris, 2].mean(1))
    for t in order:
        if not visible[t]:
            continue
        s_tri = (src[tris[t], :2] - 0.5).astype(np.float32)
        d_tri = (dst[tris[t], :2] - 0.5).astype(np.float32)
        x0, y0 = np.floor(d_tri.min(0)).astype(int) - 1
        x1, y1 = np.ceil(d_tri.max(0)).astype(int) + 2
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 <= x0 or y1 <= y0:
            continue
        m = cv2.getAffineTransform(s_tri, d_tri - np.array([x0, y0], np.float32))
        patch = cv2.warpAffine(
            image_bgr, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
        )
        sel = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(sel, np.round((d_tri - [x0, y0]) * 16).astype(np.int32), 255, cv2.LINE_AA, 4)
        a = (sel.astype(np.float32) / 255.0)[..., None]
        roi = out[y0:y1, x0:x1].astype(np.float32)
        out[y0:y1, x0:x1] = np.clip(roi * (1 - a) + patch.astype(np.float32) * a + 0.5, 0, 255).astype(np.uint8)
    return out, dst.astype(np.float32)
