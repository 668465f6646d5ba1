"""Training augmentations for face crops, with exact landmark bookkeeping.

:class:`Augmenter` applies, in this order: geometry (roll, scale, shift about
the points' box centre), background swap through the person mask, occluding
patches, light/colour, blur, sensor noise and JPEG re-compression.  Only the
geometry moves pixels, and the points follow it exactly in the continuous
pixel convention (pixel ``(i, j)`` has its centre at ``(j + 0.5, i + 0.5)``),
with the same half-pixel handling as :func:`model_export.data.augment`.

All randomness comes from the ``numpy.random.Generator`` passed to each call,
so a seed reproduces an augmentation exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["AugmentConfig", "Augmenter", "geometric_transform", "motion_kernel", "occluded_box"]

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities (``p_*``, per call) and ranges of the augmentations.

    The defaults aim at a phone's front camera: the phone may be held in any
    orientation (``p_full_roll``), faces are at arm's length (moderate scale
    and shift), indoor light is dim and tinted (gain, gamma, white balance),
    small sensors are noisy and blur with hand motion, frames are compressed,
    and hands, hair and cups cover parts of the face.
    """

    # geometry: roll uniform in [0, 360) with probability p_full_roll, else in +-max_roll_deg
    p_full_roll: float = 0.2
    max_roll_deg: float = 30.0
    scale_range: tuple[float, float] = (0.8, 1.2)
    max_shift: float = 0.08  # fraction of the image width/height
    border: str = "reflect"  # rotation border: "reflect" (BORDER_REFLECT_101) or "background"
    # background swap (needs the person mask); skipped when the mask's mean over the points
    # (inside the image) is below background_min_face_mask: a teacher mask that misses the face
    # would otherwise paint the background over it
    p_background: float = 0.3
    background_min_face_mask: float = 0.5
    # occluders over part of the face (rectangles / ellipses, flat colour or a texture patch)
    p_occlusion: float = 0.25
    max_occluders: int = 2
    max_occluded_fraction: float = 0.4  # of the points' bounding box, all occluders together
    # light and colour
    p_color: float = 0.8
    gain_range: tuple[float, float] = (0.6, 1.4)
    bias_range: tuple[float, float] = (-25.0, 25.0)  # in 8-bit levels
    gamma_range: tuple[float, float] = (0.7, 1.4)
    white_balance: float = 0.12  # per-channel gain in [1 - wb, 1 + wb]
    saturation_range: tuple[float, float] = (0.6, 1.3)
    # blur: Gaussian, or (with probability p_motion_blur among blurs) linear motion blur
    p_blur: float = 0.25
    blur_sigma_range: tuple[float, float] = (0.4, 1.6)
    p_motion_blur: float = 0.4
    motion_length_range: tuple[int, int] = (3, 9)  # pixels
    # sensor noise: std = sqrt(read^2 + shot * level), levels in 0..255
    p_noise: float = 0.4
    read_noise_range: tuple[float, float] = (1.0, 6.0)
    shot_noise_range: tuple[float, float] = (0.0, 0.3)
    # JPEG re-compression
    p_jpeg: float = 0.3
    jpeg_quality_range: tuple[int, int] = (40, 95)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name.startswith("p_") and not 0.0 <= v <= 1.0:
                raise ValueError(f"AugmentConfig.{f.name} must be in [0, 1], got {v}")
            if f.name.endswith("_range") and (len(v) != 2 or v[0] > v[1]):
                raise ValueError(f"AugmentConfig.{f.name} must be (low, high) with low <= high, got {v}")
        if self.border not in ("reflect", "background"):
            raise ValueError(f"AugmentConfig.border must be 'reflect' or 'background', got {self.border!r}")
        if self.scale_range[0] <= 0:
            raise ValueError(f"AugmentConfig.scale_range must be positive, got {self.scale_range}")
        if not 0.0 <= self.background_min_face_mask <= 1.0:
            raise ValueError(
                f"AugmentConfig.background_min_face_mask must be in [0, 1], got {self.background_min_face_mask}"
            )
        if not 0.0 <= self.max_occluded_fraction <= 1.0:
            raise ValueError(f"AugmentConfig.max_occluded_fraction must be in [0, 1], got {self.max_occluded_fraction}")
        if self.max_roll_deg < 0 or self.max_shift < 0 or self.white_balance < 0 or self.max_occluders < 0:
            raise ValueError("AugmentConfig: max_roll_deg, max_shift, white_balance and max_occluders must be >= 0")
        if self.motion_length_range[0] < 1 or self.jpeg_quality_range[0] < 1 or self.jpeg_quality_range[1] > 100:
            raise ValueError("AugmentConfig: motion lengths must be >= 1 and JPEG qualities in 1..100")

    @classmethod
    def identity(cls) -> AugmentConfig:
        """Everything off (no roll, scale 1, no shift, all probabilities 0): enable parts with ``replace``."""
        return cls(
            p_full_roll=0.0,
            max_roll_deg=0.0,
            scale_range=(1.0, 1.0),
            max_shift=0.0,
            p_background=0.0,
            p_occlusion=0.0,
            p_color=0.0,
            p_blur=0.0,
            p_noise=0.0,
            p_jpeg=0.0,
        )


def geometric_transform(angle_deg: float, scale: float, centre: npt.ArrayLike, shift: npt.ArrayLike) -> F64:
    """2x3 affine in continuous pixel coordinates: rotate by ``angle_deg`` and
    scale about ``centre``, then translate by ``shift``.  Points map as
    ``p' = m[:, :2] @ p + m[:, 2]``; positive angles turn the image
    counter-clockwise on screen (y down), as ``cv2.getRotationMatrix2D``."""
    a = math.radians(angle_deg)
    ca, sa = math.cos(a) * scale, math.sin(a) * scale
    lin = np.array([[ca, sa], [-sa, ca]], dtype=np.float64)
    c = np.asarray(centre, dtype=np.float64).reshape(2)
    t = c - lin @ c + np.asarray(shift, dtype=np.float64).reshape(2)
    return np.hstack([lin, t[:, None]])


def _to_cv(m_cont: F64) -> F64:
    """Continuous-coordinate affine -> cv2's pixel-index affine (centres at integers)."""
    m = m_cont.copy()
    m[:, 2] += m[:, :2] @ np.array([0.5, 0.5]) - 0.5
    return m


class Augmenter:
    """Random augmentations of a face image and its points.

    ``backgrounds``: BGR uint8 images used for background swaps and textured
    occluders (random crops); without them, procedural backgrounds (flat
    colour, linear gradients, smooth blotches) are used.
    """

    def __init__(self, config: AugmentConfig | None = None, backgrounds: Sequence[U8] | None = None) -> None:
        self.config = config if config is not None else AugmentConfig()
        self.backgrounds: list[U8] = []
        for i, b in enumerate(backgrounds or []):
            if not isinstance(b, np.ndarray) or b.dtype != np.uint8 or b.ndim != 3 or b.shape[2] != 3:
                raise ValueError(f"background {i}: expected an HxWx3 uint8 BGR image")
            if min(b.shape[:2]) < 8:
                raise ValueError(f"background {i}: too small ({b.shape[1]}x{b.shape[0]})")
            self.backgrounds.append(b)

    def __call__(
        self,
        image_bgr: U8,
        points: npt.ArrayLike,
        mask: U8 | None,
        rng: np.random.Generator,
    ) -> tuple[U8, F32]:
        """Augmented image (same size) and points ((N, 2) or (N, 3) float32; z scaled like x, y)."""
        if (
            not isinstance(image_bgr, np.ndarray)
            or image_bgr.dtype != np.uint8
            or image_bgr.ndim != 3
            or image_bgr.shape[2] != 3
        ):
            raise ValueError("image_bgr must be an HxWx3 uint8 BGR array")
        h, w = image_bgr.shape[:2]
        pts = np.array(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] not in (2, 3):
            raise ValueError(f"points must be (N, 2) or (N, 3), got {pts.shape}")
        if mask is not None and (mask.dtype != np.uint8 or mask.shape != (h, w)):
            raise ValueError(f"mask must be uint8 {(h, w)}, got {mask.dtype} {mask.shape}")
        cfg = self.config

        # geometry ------------------------------------------------------------
        if rng.random() < cfg.p_full_roll:
            angle = float(rng.uniform(0.0, 360.0))
        else:
            angle = float(rng.uniform(-cfg.max_roll_deg, cfg.max_roll_deg))
        scale = float(rng.uniform(*cfg.scale_range))
        shift = rng.uniform(-cfg.max_shift, cfg.max_shift, size=2) * np.array([w, h], dtype=np.float64)
        if len(pts):
            centre = (pts[:, :2].min(0) + pts[:, :2].max(0)) / 2.0
        else:
            centre = np.array([w / 2.0, h / 2.0])
        m = geometric_transform(angle, scale, centre, shift)
        img = image_bgr
        valid: U8 | None = None
        if not (angle == 0.0 and scale == 1.0 and not shift.any()):
            m_cv = _to_cv(m)
            border = cv2.BORDER_REFLECT_101 if cfg.border == "reflect" else cv2.BORDER_CONSTANT
            img = _u8(cv2.warpAffine(image_bgr, m_cv, (w, h), flags=cv2.INTER_LINEAR, borderMode=border))
            if mask is not None:
                mask = _u8(cv2.warpAffine(mask, m_cv, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT))
            if cfg.border == "background":
                ones = np.full((h, w), 255, np.uint8)
                valid = _u8(cv2.warpAffine(ones, m_cv, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT))
        out_pts = pts.copy()
        out_pts[:, :2] = pts[:, :2] @ m[:, :2].T + m[:, 2]
        if pts.shape[1] == 3:
            out_pts[:, 2] = pts[:, 2] * scale

        # background ------------------------------------------------------------
        alpha: U8 | None = None
        if (
            mask is not None
            and rng.random() < cfg.p_background
            and _face_mask_level(mask, out_pts) >= (cfg.background_min_face_mask)
        ):
            alpha = mask if valid is None else np.minimum(mask, valid)
        elif valid is not None and valid.min() < 255:
            alpha = valid
        if alpha is not None:
            img = _composite(img, self._background(rng, h, w), alpha)

        # occluders -------------------------------------------------------------
        if len(pts) and cfg.max_occluders > 0 and rng.random() < cfg.p_occlusion:
            img = self._occlude(img, out_pts[:, :2], rng)

        # light and colour ------------------------------------------------------------
        if rng.random() < cfg.p_color:
            img = self._colour(img, rng)

        # blur ------------------------------------------------------------
        if rng.random() < cfg.p_blur:
            if rng.random() < cfg.p_motion_blur:
                length = int(rng.integers(cfg.motion_length_range[0], cfg.motion_length_range[1] + 1))
                kernel = motion_kernel(length, float(rng.uniform(0.0, 180.0)))
                img = _u8(cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REFLECT_101))
            else:
                sigma = float(rng.uniform(*cfg.blur_sigma_range))
                img = _u8(cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101))

        # sensor noise ------------------------------------------------------------
        if rng.random() < cfg.p_noise:
            read = float(rng.uniform(*cfg.read_noise_range))
            shot = float(rng.uniform(*cfg.shot_noise_range))
            x = img.astype(np.float32)
            std = np.sqrt(np.float32(read * read) + np.float32(shot) * x)
            x += rng.standard_normal(x.shape, dtype=np.float32) * std
            img = _to_u8(x)

        # JPEG ------------------------------------------------------------
        if rng.random() < cfg.p_jpeg:
            q = int(rng.integers(cfg.jpeg_quality_range[0], cfg.jpeg_quality_range[1] + 1))
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
            if decoded is None:
                raise RuntimeError("JPEG decoding failed")
            img = _u8(decoded)

        return np.ascontiguousarray(img, dtype=np.uint8), out_pts.astype(np.float32)

    # -- parts ----------------------------------------------------------------

    def _background(self, rng: np.random.Generator, h: int, w: int) -> U8:
        """A background image of ``h x w``: a random crop of a given background, or procedural."""
        if self.backgrounds and rng.random() < 0.75:
            src = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
            sh, sw = src.shape[:2]
            # largest crop with the target aspect, then a random zoom into it
            fit = min(sw / w, sh / h)
            zoom = float(rng.uniform(0.4, 1.0))
            cw = max(2, min(sw, int(round(w * fit * zoom))))
            ch = max(2, min(sh, int(round(h * fit * zoom))))
            x0 = int(rng.integers(0, sw - cw + 1))
            y0 = int(rng.integers(0, sh - ch + 1))
            crop = src[y0 : y0 + ch, x0 : x0 + cw]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            return np.ascontiguousarray(cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR))
        kind = int(rng.integers(3))
        c0 = rng.uniform(0.0, 255.0, size=3).astype(np.float32)
        if kind == 0:
            return np.broadcast_to(_to_u8(c0), (h, w, 3)).copy()
        if kind == 1:
            c1 = rng.uniform(0.0, 255.0, size=3).astype(np.float32)
            a = float(rng.uniform(0.0, 2.0 * math.pi))
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            proj = (xx - w / 2.0) * math.cos(a) + (yy - h / 2.0) * math.sin(a)
            span = float(np.ptp(proj)) or 1.0
            t = ((proj - proj.min()) / span)[..., None]
            return _to_u8(c0 * (1.0 - t) + c1 * t)
        # smooth colour blotches: a coarse random grid upsampled
        gh, gw = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        grid = rng.uniform(0.0, 255.0, size=(gh, gw, 3)).astype(np.float32)
        return _to_u8(cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC))

    def _occlude(self, img: U8, pts_xy: F64, rng: np.random.Generator) -> U8:
        """Paint 1..max_occluders shapes overlapping the points' box, covering at most
        ``max_occluded_fraction`` of the box's pixels (all shapes together)."""
        cfg = self.config
        h, w = img.shape[:2]
        box = occluded_box(pts_xy, w, h)
        if box is None:
            return img
        x0, y0, x1, y1 = box
        bw, bh = x1 - x0, y1 - y0
        limit = cfg.max_occluded_fraction * bw * bh
        covered = np.zeros((h, w), np.uint8)
        out = img.copy()
        for _ in range(int(rng.integers(1, cfg.max_occluders + 1))):
            cx = float(rng.uniform(x0, x1))
            cy = float(rng.uniform(y0, y1))
            rx = float(rng.uniform(0.1, 0.35)) * bw
            ry = float(rng.uniform(0.1, 0.35)) * bh
            rot = float(rng.uniform(0.0, 180.0))
            ellipse = bool(rng.random() < 0.5)
            textured = bool(rng.random() < 0.5)
            colour = rng.uniform(0.0, 255.0, size=3)
            shape = np.zeros((h, w), np.uint8)
            for _shrink in range(6):
                shape[:] = 0
                if ellipse:
                    cv2.ellipse(shape, ((cx, cy), (2 * rx, 2 * ry), rot), 255, -1)
                else:
                    corners = cv2.boxPoints(((cx, cy), (2 * rx, 2 * ry), rot))
                    cv2.fillConvexPoly(shape, np.round(corners).astype(np.int32), 255)
                union = np.maximum(covered, shape)
                if np.count_nonzero(union[y0:y1, x0:x1]) <= limit:
                    break
                rx, ry = rx * 0.7, ry * 0.7
            else:
                continue
            if not np.any(shape):
                continue
            covered = union
            sel = shape > 0
            if textured:
                out[sel] = self._background(rng, h, w)[sel]
            else:
                out[sel] = _to_u8(colour.astype(np.float32))
        return out

    def _colour(self, img: U8, rng: np.random.Generator) -> U8:
        cfg = self.config
        gain = float(rng.uniform(*cfg.gain_range))
        bias = float(rng.uniform(*cfg.bias_range))
        gamma = float(rng.uniform(*cfg.gamma_range))
        wb = rng.uniform(1.0 - cfg.white_balance, 1.0 + cfg.white_balance, size=3).astype(np.float32)
        sat = float(rng.uniform(*cfg.saturation_range))
        x = img.astype(np.float32) * np.float32(1.0 / 255.0)
        x = np.power(x, np.float32(gamma))
        x = x * (wb * np.float32(gain)) + np.float32(bias / 255.0)
        lum = x @ np.array([0.114, 0.587, 0.299], dtype=np.float32)  # BGR luma weights
        x = lum[..., None] + np.float32(sat) * (x - lum[..., None])
        return _to_u8(x * np.float32(255.0))


def occluded_box(pts_xy: npt.ArrayLike, w: int, h: int) -> tuple[int, int, int, int] | None:
    """The pixels whose centres lie in the points' bounding box, as ``(x0, y0, x1, y1)``
    index bounds (exclusive end) clipped to the image; ``None`` when empty.  The
    occlusion budget (``max_occluded_fraction``) is measured over these pixels."""
    p = np.asarray(pts_xy, dtype=np.float64)[:, :2]
    lo, hi = p.min(0), p.max(0)
    # pixel j is inside when lo <= j + 0.5 <= hi
    x0 = max(0, int(math.ceil(lo[0] - 0.5)))
    y0 = max(0, int(math.ceil(lo[1] - 0.5)))
    x1 = min(w, int(math.floor(hi[0] - 0.5)) + 1)
    y1 = min(h, int(math.floor(hi[1] - 0.5)) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def motion_kernel(length: int, angle_deg: float) -> F32:
    """Normalised linear motion-blur kernel: a centred segment of ``length`` pixels
    at ``angle_deg``, splatted bilinearly (symmetric, so it does not shift the image)."""
    size = length + 2 if length % 2 else length + 1  # odd, so that cv2's anchor is the exact centre
    k = np.zeros((size, size), np.float32)
    c = (size - 1) / 2.0
    a = math.radians(angle_deg)
    n = max(2, 4 * length)
    for t in np.linspace(-(length - 1) / 2.0, (length - 1) / 2.0, n):
        x, y = c + t * math.cos(a), c + t * math.sin(a)
        ix, iy = int(math.floor(x)), int(math.floor(y))
        fx, fy = x - ix, y - iy
        for dy, wy in ((0, 1.0 - fy), (1, fy)):
            for dx, wx in ((0, 1.0 - fx), (1, fx)):
                if 0 <= iy + dy < size and 0 <= ix + dx < size:
                    k[iy + dy, ix + dx] += wx * wy
    return k / k.sum()


def _face_mask_level(mask: U8, pts: F64) -> float:
    """Mean mask value (0..1) at the points that fall inside the image (0 when none do)."""
    h, w = mask.shape
    ix = np.floor(pts[:, 0]).astype(np.int64)
    iy = np.floor(pts[:, 1]).astype(np.int64)
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    if not inside.any():
        return 0.0
    return float(mask[iy[inside], ix[inside]].mean()) / 255.0


def _composite(img: U8, background: U8, alpha: U8) -> U8:
    a = alpha.astype(np.float32)[..., None] * np.float32(1.0 / 255.0)
    return _to_u8(img.astype(np.float32) * a + background.astype(np.float32) * (np.float32(1.0) - a))


def _u8(a: npt.ArrayLike) -> U8:
    """An OpenCV result as a typed uint8 array (no copy when it already is one)."""
    return np.asarray(a, dtype=np.uint8)


def _to_u8(x: npt.ArrayLike) -> U8:
    return np.clip(np.rint(np.asarray(x, dtype=np.float32)), 0, 255).astype(np.uint8)
