"""Debug drawing of tracking results: mesh points, irises, ids, pose axes and expression scores."""

from __future__ import annotations

import cv2
import numpy as np

from meiyan.face import FaceResult

_COLORS = [(80, 220, 80), (80, 160, 255), (255, 120, 80), (220, 80, 220), (80, 220, 220), (220, 220, 80)]


def draw_faces(image_bgr: np.ndarray, faces: list[FaceResult]) -> np.ndarray:
    """Returns a copy of ``image_bgr`` with every face drawn on it."""
    out = image_bgr.copy()
    scale = max(out.shape[:2]) / 720
    for face in faces:
        color = _COLORS[face.id % len(_COLORS)]
        r = max(1, round(scale))
        for x, y in face.landmarks[:, :2]:
            cv2.circle(out, (int(round(x)), int(round(y))), r, color, -1, cv2.LINE_AA)
        if face.iris is not None:  # each iris: a circle through its 4 boundary points' mean radius
            for k in (0, 5):
                centre = face.iris[k, :2]
                radius = float(np.hypot(*(face.iris[k + 1 : k + 5, :2] - centre).T).mean())
                cv2.circle(out, (int(round(centre[0])), int(round(centre[1]))), max(1, round(radius)), (255, 255, 255),
                           max(1, round(scale)), cv2.LINE_AA)
        # Pose axes from the nose tip: x red, y green, z (towards the camera) blue, in canonical units.
        origin = face.landmarks[1, :2]
        length = 0.8 * face.pose.scale
        for axis, c in zip(range(3), [(0, 0, 255), (0, 255, 0), (255, 0, 0)], strict=True):
            d = face.pose.rotation[:, axis] * (-1.0 if axis == 2 else 1.0)
            tip = origin + length * d[:2]
            cv2.line(out, tuple(int(v) for v in origin), tuple(int(v) for v in tip), c, max(1, round(2 * scale)),
                     cv2.LINE_AA)
        x0, y0, _, y1 = face.box
        lines = [f"id {face.id}  yaw {face.pose.yaw:+.0f} pitch {face.pose.pitch:+.0f} roll {face.pose.roll:+.0f}"]
        lines += [f"{k} {v:.2f}{' *' if face.expressions_active[k] else ''}" for k, v in face.expressions.items()]
        step = 18 * scale
        top = y0 - 8 * scale - (len(lines) - 1) * step
        if top < step:  # no room above the face: write below it
            top = y1 + 2 * step
        for i, text in enumerate(lines):
            org = (int(x0), int(top + i * step))
            cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, (0, 0, 0), max(2, round(3 * scale)),
                        cv2.LINE_AA)
            cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, color, max(1, round(scale)), cv2.LINE_AA)
    return out
