"""Draws meiyan's bundled effect packages (bindings/meiyan/data/effects/<id>/: manifest.json + PNGs).

All art is procedural (NumPy + OpenCV: shapes rasterised 4x supersampled, gradients, soft shadows) and
the project's own, dedicated to the public domain (CC0-1.0). Face-paint textures are painted in meiyan's
face UV layout (docs/face_uv_layout.md) at the UV positions of the landmarks they belong to, read from
bindings/meiyan/data/face_topology.json. Glasses are measured on the canonical face
(sdk_core/src/face/canonical_face.inc), and the contact sheet (--sheet) shows every package on that face,
placed by the manifest's own rules, so placement is checked by eye. The format is docs/effect_package.md.
Deterministic: seeded, and a rerun writes byte-identical files.

Run: python tools/make_effect_packages.py [--out DIR] [--sheet docs/effect_packages.png]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "bindings" / "meiyan" / "data" / "effects"
TOPOLOGY = ROOT / "bindings" / "meiyan" / "data" / "face_topology.json"
CANONICAL = ROOT / "sdk_core" / "src" / "face" / "canonical_face.inc"
MASK_SIZE = 512  # face-mask textures: the whole UV square at this size (docs/face_uv_layout.md)
SS = 4  # supersampling of shape masks
LICENSE = "CC0-1.0"
AUTHOR = "meiyan project"
GENERATOR = {"x-generator": "tools/make_effect_packages.py"}

Colour = tuple[float, float, float]  # RGB, 0..1


def hex_rgb(text: str) -> Colour:
    v = text.lstrip("#")
    return (int(v[0:2], 16) / 255, int(v[2:4], 16) / 255, int(v[4:6], 16) / 255)


# ------------------------------------------------------------------------------------------- geometry

def load_canonical() -> np.ndarray:
    rows = [re.findall(r"-?\d+\.\d+", line) for line in CANONICAL.read_text().splitlines()
            if line.lstrip().startswith("{")]
    return np.array([[float(v) for v in r] for r in rows], dtype=np.float64)


def load_uv() -> np.ndarray:
    return np.array(json.loads(TOPOLOGY.read_text())["uv"], dtype=np.float64)


# --------------------------------------------------------------------------------------------- raster

def rotate(pts: np.ndarray, angle_deg: float, centre: tuple[float, float]) -> np.ndarray:
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    p = np.asarray(pts, dtype=np.float64) - centre
    return np.stack([p[:, 0] * c - p[:, 1] * s, p[:, 0] * s + p[:, 1] * c], axis=1) + centre


def ellipse_pts(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, n: int = 160) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)
    return rotate(pts, angle, (cx, cy)) if angle else pts


def heart_pts(cx: float, cy: float, size: float, angle: float = 0.0, n: int = 160) -> np.ndarray:
    """A heart `size` wide, centred on (cx, cy)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    pts = np.stack([x, y + 2.5], axis=1) * (size / 33.0) + (cx, cy)
    return rotate(pts, angle, (cx, cy)) if angle else pts


def star_pts(cx: float, cy: float, r: float, points: int = 5, inner: float = 0.45, angle: float = 0.0) -> np.ndarray:
    k = np.arange(2 * points)
    rad = np.where(k % 2 == 0, r, r * inner)
    t = -np.pi / 2 + k * np.pi / points + math.radians(angle)
    return np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], axis=1)


def sparkle_pts(cx: float, cy: float, r: float, angle: float = 0.0, n: int = 96) -> np.ndarray:
    """A four-pointed twinkle (an astroid with slightly fuller sides)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = np.sign(np.cos(t)) * np.abs(np.cos(t)) ** 4
    y = np.sign(np.sin(t)) * np.abs(np.sin(t)) ** 4
    pts = np.stack([cx + r * x, cy + r * y], axis=1)
    return rotate(pts, angle, (cx, cy)) if angle else pts


def _ss_points(pts: np.ndarray) -> np.ndarray:
    return np.round((np.asarray(pts) * SS - 0.5) * 16).astype(np.int32)  # pixel centres, 4 fractional bits


def _reduce(big: np.ndarray, h: int, w: int) -> np.ndarray:
    """Box-filters a SS-times larger 0/255 mask down to coverage in 0..1 (exact mean of the samples)."""
    return cv2.resize(big.astype(np.float32) * (1 / 255), (w, h), interpolation=cv2.INTER_AREA)


def poly_mask(h: int, w: int, polys: list[np.ndarray], round_px: float = 0.0) -> np.ndarray:
    """Coverage (0..1) of filled polygons; `round_px` rounds the corners by that radius."""
    allp = np.vstack([np.asarray(p, np.float64) for p in polys])
    pad = int(math.ceil(round_px * 2)) + 2
    x0 = max(0, int(math.floor(allp[:, 0].min())) - pad)
    y0 = max(0, int(math.floor(allp[:, 1].min())) - pad)
    x1 = min(w, int(math.ceil(allp[:, 0].max())) + pad)
    y1 = min(h, int(math.ceil(allp[:, 1].max())) + pad)
    out = np.zeros((h, w), np.float32)
    if x1 <= x0 or y1 <= y0:
        return out
    bw, bh = x1 - x0, y1 - y0  # rasterise only the bounding box
    big = np.zeros((bh * SS, bw * SS), np.uint8)
    cv2.fillPoly(big, [_ss_points(np.asarray(p, np.float64) - (x0, y0)) for p in polys], 255, cv2.LINE_8, 4)
    if round_px > 0:
        big = cv2.GaussianBlur(big, (0, 0), round_px * SS * 0.6)
        big = np.where(big >= 128, 255, 0).astype(np.uint8)
    out[y0:y1, x0:x1] = _reduce(big, bh, bw)
    return out


def stroke_mask(h: int, w: int, lines: list[np.ndarray], width: float, closed: bool = False) -> np.ndarray:
    big = np.zeros((h * SS, w * SS), np.uint8)
    cv2.polylines(big, [_ss_points(p) for p in lines], closed, 255, max(1, int(round(width * SS))), cv2.LINE_AA, 4)
    return _reduce(big, h, w)


def tapered_stroke(points: np.ndarray, w0: float, w1: float, n: int = 48) -> np.ndarray:
    """A polygon around a smooth path whose width goes from w0 to w1 (brush strokes, whiskers, stripes)."""
    pts = np.asarray(points, dtype=np.float64)
    t = np.linspace(0, 1, len(pts))
    s = np.linspace(0, 1, n)
    path = np.stack([np.interp(s, t, pts[:, 0]), np.interp(s, t, pts[:, 1])], axis=1)
    if len(pts) > 2:  # smooth a polyline given by a few control points
        k = np.array([1, 4, 6, 4, 1], dtype=np.float64) / 16
        for _ in range(4):
            padded = np.vstack([path[:1], path[:1], path, path[-1:], path[-1:]])
            path = np.stack([np.convolve(padded[:, i], k, mode="valid") for i in range(2)], axis=1)
    d = np.gradient(path, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True) + 1e-9
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    width = (w0 + (w1 - w0) * s) * np.sin(np.clip(s, 0.02, 0.98) * np.pi) ** 0.35
    left = path + normal * width[:, None] / 2
    right = path - normal * width[:, None] / 2
    return np.vstack([left, right[::-1]])


def blur(a: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(a, (0, 0), sigma) if sigma > 0 else a


def shift(a: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(a, m, (a.shape[1], a.shape[0]), flags=cv2.INTER_LINEAR, borderValue=0)


def linear(h: int, w: int, p0: tuple[float, float], p1: tuple[float, float],
           stops: list[tuple[float, str]]) -> np.ndarray:
    """RGB gradient along p0 -> p1 through colour stops (position 0..1, '#rrggbb')."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    d = np.array(p1, np.float32) - np.array(p0, np.float32)
    t = ((x - p0[0]) * d[0] + (y - p0[1]) * d[1]) / float(d @ d)
    return ramp(np.clip(t, 0, 1), stops)


def radial(h: int, w: int, c: tuple[float, float], r: float, stops: list[tuple[float, str]],
           squash: float = 1.0) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    t = np.sqrt((x - c[0]) ** 2 + ((y - c[1]) / squash) ** 2) / r
    return ramp(np.clip(t, 0, 1), stops)


def ramp(t: np.ndarray, stops: list[tuple[float, str]]) -> np.ndarray:
    pos = [p for p, _ in stops]
    cols = np.array([hex_rgb(c) for _, c in stops], np.float32)
    return np.stack([np.interp(t, pos, cols[:, i]) for i in range(3)], axis=-1).astype(np.float32)


class Canvas:
    """Premultiplied RGBA in float; layers go over it with coverage masks."""

    def __init__(self, w: int, h: int) -> None:
        self.w, self.h = w, h
        self.rgb = np.zeros((h, w, 3), np.float32)
        self.a = np.zeros((h, w), np.float32)

    def over(self, colour: np.ndarray | Colour | str, alpha: np.ndarray, opacity: float = 1.0) -> None:
        al = np.clip(alpha * opacity, 0, 1).astype(np.float32)
        rows, cols = np.nonzero(al.any(axis=1))[0], np.nonzero(al.any(axis=0))[0]
        if len(rows) == 0:
            return
        sl = (slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1))
        col = np.asarray(hex_rgb(colour) if isinstance(colour, str) else colour, np.float32)
        if col.ndim == 3:
            col = col[sl]
        a = al[sl]
        self.rgb[sl] = col * a[..., None] + self.rgb[sl] * (1 - a[..., None])
        self.a[sl] = a + self.a[sl] * (1 - a)

    def shadow(self, alpha: np.ndarray, dx: float, dy: float, sigma: float, opacity: float,
               colour: str = "#000000") -> None:
        self.over(colour, blur(shift(alpha, dx, dy), sigma), opacity)

    def glow(self, alpha: np.ndarray, sigma: float, colour: str, opacity: float) -> None:
        self.over(colour, np.clip(blur(alpha, sigma) * 1.6, 0, 1), opacity)

    def rgba(self) -> np.ndarray:
        """Straight-alpha RGBA uint8; fully transparent pixels are black (they compress better)."""
        a8 = np.round(self.a * 255).astype(np.uint8)
        safe = np.maximum(self.a, 1e-6)[..., None]
        rgb = np.clip(np.round(self.rgb / safe * 255), 0, 255).astype(np.uint8)
        rgb[a8 == 0] = 0
        return np.dstack([rgb, a8])


def shade(h: int, w: int, mask: np.ndarray, light: tuple[float, float], sigma: float) -> np.ndarray:
    """A soft 'lit from `light`' term inside a shape: +1 on lit rims, -1 on the far rims (pseudo relief)."""
    m = blur(mask, sigma)
    gy, gx = np.gradient(m)
    n = np.hypot(gx, gy) + 1e-6
    lx, ly = light
    return np.clip(-(gx * lx + gy * ly) / n * np.clip(n * sigma * 2.5, 0, 1), -1, 1) * mask


def gloss(c: Canvas, mask: np.ndarray, cx: float, cy: float, rx: float, ry: float, angle: float,
          opacity: float, soft: float = 2.0) -> None:
    hl = poly_mask(c.h, c.w, [ellipse_pts(cx, cy, rx, ry, angle)])
    c.over("#ffffff", blur(hl, soft) * mask, opacity)


def shrink(rgba: np.ndarray, w: int, h: int) -> np.ndarray:
    """Area-averaged downscale of a straight-alpha RGBA sprite (premultiplied while filtering: no dark fringes)."""
    a = rgba[..., 3:4].astype(np.float32) / 255
    pm = np.dstack([rgba[..., :3].astype(np.float32) * a, a * 255])
    small = cv2.resize(pm, (w, h), interpolation=cv2.INTER_AREA)
    al = np.clip(np.round(small[..., 3]), 0, 255)
    rgb = small[..., :3] / np.maximum(small[..., 3:4] / 255, 1e-6)
    out = np.dstack([np.clip(np.round(rgb), 0, 255), al]).astype(np.uint8)
    out[al == 0] = 0
    return out


# ------------------------------------------------------------------------------------------- packages

@dataclass
class Package:
    id: str
    manifest: dict[str, Any]
    images: dict[str, np.ndarray] = field(default_factory=dict)  # relative path -> RGBA uint8


def manifest(name: str, description: str, elements: list[dict[str, Any]], look: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    m: dict[str, Any] = {"format": "meiyan.effect", "version": 1, "name": name, "description": description,
                         "author": AUTHOR, "license": LICENSE}
    if look is not None:
        m["look"] = look
    m["elements"] = elements
    m.update(GENERATOR)
    return m


def bunny_ears(cn: np.ndarray, uv: np.ndarray) -> Package:
    w, h = 384, 352
    c = Canvas(w, h)
    band_pts = np.array([[40, 330], [100, 296], [192, 284], [284, 296], [344, 330]], np.float64)
    ears = []
    for side in (-1, 1):
        cx = 192 + side * 62
        outer = ellipse_pts(cx, 150, 46, 138, side * 13)
        inner = ellipse_pts(cx + side * 3, 160, 24, 104, side * 13)
        ears.append((poly_mask(h, w, [outer]), poly_mask(h, w, [inner]), cx))
    band = poly_mask(h, w, [tapered_stroke(band_pts, 26, 26)])
    everything = np.maximum.reduce([e[0] for e in ears] + [band])
    c.shadow(everything, 4, 6, 6, 0.35)
    for outer, inner, cx in ears:
        c.over(linear(h, w, (0, 10), (0, 300), [(0, "#ffffff"), (0.7, "#f1eef2"), (1, "#d9d3dc")]), outer)
        c.over("#b9aebf", np.clip(-shade(h, w, outer, (-0.6, -0.8), 6), 0, 1), 0.45)
        c.over(linear(h, w, (0, 60), (0, 270), [(0, "#ffc4d6"), (1, "#f58fb0")]), inner)
        c.over("#e06e96", np.clip(-shade(h, w, inner, (0.5, 0.8), 4), 0, 1), 0.5)
        gloss(c, inner, cx - 6, 110, 5, 36, 0, 0.35, 3)
    c.over(linear(h, w, (0, 280), (0, 345), [(0, "#ff9cc0"), (1, "#e2557f")]), band)
    gloss(c, band, 192, 288, 110, 4, 0, 0.45, 2)
    nose = Canvas(96, 80)
    nm = poly_mask(80, 96, [heart_pts(48, 36, 70, 180)], 3)
    nose.shadow(nm, 2, 3, 3, 0.3)
    nose.over(radial(80, 96, (40, 28), 46, [(0, "#ffb3cb"), (1, "#e05a86")]), nm)
    gloss(nose, nm, 38, 24, 12, 6, -15, 0.55, 2)
    ears_el = {"type": "sticker", "id": "ears", "z": 10, "frames": ["ears.png"], "anchor": [10],
               "offset": [0.0, -0.12], "width": 1.55, "pivot": [0.5, 0.9]}
    nose_el = {"type": "sticker", "id": "nose", "z": 11, "frames": ["nose.png"], "anchor": [1, 4],
               "width": 0.36, "pivot": [0.5, 0.45]}
    return Package("bunny_ears", manifest("Bunny Ears", "Fluffy white ears on a pink headband and a little pink nose.",
                                          [ears_el, nose_el]), {"ears.png": c.rgba(), "nose.png": nose.rgba()})


def cat_face(cn: np.ndarray, uv: np.ndarray) -> Package:
    w, h = 400, 240
    c = Canvas(w, h)
    outers, inners = [], []
    for side in (-1, 1):
        bx = 200 + side * 108
        tri = np.array([[bx - side * 70, 225], [bx + side * 64, 215], [bx + side * 30, 28]])
        inner = np.array([[bx - side * 40, 212], [bx + side * 40, 206], [bx + side * 24, 70]])
        outers.append(poly_mask(h, w, [tri], 14))
        inners.append(poly_mask(h, w, [inner], 10))
    band = poly_mask(h, w, [tapered_stroke(np.array([[20, 236], [110, 214], [200, 208], [290, 214], [380, 236]]),
                                           14, 14)])
    all_m = np.maximum.reduce(outers + [band])
    c.shadow(all_m, 3, 5, 5, 0.35)
    fur = linear(h, w, (0, 20), (0, 230), [(0, "#5b5560"), (0.5, "#3b363f"), (1, "#2a262d")])
    for o, i in zip(outers, inners, strict=True):
        c.over(fur, o)
        c.over("#8a8290", np.clip(shade(h, w, o, (-0.5, -0.9), 5), 0, 1), 0.6)
        c.over(linear(h, w, (0, 70), (0, 215), [(0, "#ffb7c9"), (1, "#f07e9e")]), i)
        c.over("#c9577a", np.clip(-shade(h, w, i, (0.3, 0.9), 4), 0, 1), 0.5)
    c.over("#26222a", band)
    gloss(c, band, 200, 209, 120, 2.5, 0, 0.35, 1.5)

    # nose, mouth and whiskers, drawn around the nose tip at (200, 64) of a 400 x 180 sprite
    w2, h2 = 400, 180
    m = Canvas(w2, h2)
    nose = poly_mask(h2, w2, [np.array([[176, 50], [224, 50], [200, 80]])], 7)
    whiskers = []
    for side in (-1, 1):
        for k, (dy, bend) in enumerate([(-14, -10), (2, 0), (18, 12)]):
            x0 = 200 + side * 42
            x1 = 200 + side * (190 - 6 * k)
            pts = np.array([[x0, 86 + dy * 0.3], [(x0 + x1) / 2, 86 + dy + bend * 0.2], [x1, 86 + dy * 2.2 + bend]])
            whiskers.append(tapered_stroke(pts, 4.0, 1.0))
    wm = poly_mask(h2, w2, whiskers)
    smile = [np.array([[200 + s * t * 22, 96 + 8 * math.sin(t * math.pi)] for t in np.linspace(0, 1, 20)])
             for s in (-1, 1)]
    mouth = stroke_mask(h2, w2, [np.array([[200.0, 80.0], [200.0, 96.0]]), *smile], 3.2)
    m.shadow(np.maximum.reduce([nose, wm, mouth]), 1.5, 2.5, 2.5, 0.3)
    m.over("#2b2430", wm, 0.85)
    m.over("#3a2a30", mouth, 0.9)
    m.over(radial(h2, w2, (196, 56), 30, [(0, "#ffb0c4"), (1, "#e0628a")]), nose)
    gloss(m, nose, 193, 57, 9, 4, -10, 0.6, 1.5)
    ears_el = {"type": "sticker", "id": "ears", "z": 10, "frames": ["ears.png"], "anchor": [10],
               "offset": [0.0, -0.08], "width": 1.7, "pivot": [0.5, 0.95]}
    face_el = {"type": "sticker", "id": "nose_whiskers", "z": 12, "frames": ["whiskers.png"], "anchor": [1],
               "offset": [0.0, -0.02], "width": 1.75, "pivot": [0.5, 64 / 180]}
    return Package("cat_face", manifest("Kitty", "Pointed cat ears, a pink nose and whiskers.", [ears_el, face_el]),
                   {"ears.png": c.rgba(), "whiskers.png": m.rgba()})


def round_glasses(cn: np.ndarray, uv: np.ndarray) -> Package:
    # lens centres at the eye centres; 1 face unit = 300 px in this sprite
    unit = 300.0
    eyes = [cn[[33, 133]].mean(axis=0)[:2], cn[[362, 263]].mean(axis=0)[:2]]
    half = (eyes[1][0] - eyes[0][0]) / 2 * unit
    r = 0.29 * unit
    w, h = int(2 * (half + r) + 60), int(2 * r + 40)
    cx, cy = w / 2, h / 2
    c = Canvas(w, h)
    lens_pts = [ellipse_pts(cx + s * half, cy, r, r * 0.96) for s in (-1, 1)]
    lenses = poly_mask(h, w, lens_pts)
    ring = np.clip(lenses - poly_mask(h, w, [ellipse_pts(cx + s * half, cy, r - 11, r * 0.96 - 11) for s in (-1, 1)]),
                   0, 1)
    bridge = poly_mask(h, w, [tapered_stroke(np.array([[cx - half + r - 8, cy - 10], [cx, cy - 30],
                                                       [cx + half - r + 8, cy - 10]]), 10, 10)])
    temples = poly_mask(h, w, [tapered_stroke(np.array([[cx + s * (half + r - 4), cy - 14],
                                                        [cx + s * (half + r + 26), cy - 18]]), 10, 8)
                               for s in (-1, 1)])
    frame = np.maximum.reduce([ring, bridge, temples])
    c.over("#9ec7e8", lenses - ring * lenses, 0.18)  # faint blue-tinted glass
    c.shadow(frame, 2, 4, 3, 0.4)
    c.over(linear(h, w, (0, cy - r), (0, cy + r), [(0, "#f3d58a"), (0.45, "#c8952f"), (0.55, "#a8741c"),
                                                   (1, "#e6c06a")]), frame)
    c.over("#fff3c8", np.clip(shade(h, w, frame, (-0.4, -0.9), 2.5), 0, 1), 0.8)
    c.over("#6d4a12", np.clip(-shade(h, w, frame, (-0.4, -0.9), 2.5), 0, 1), 0.6)
    glare_polys = []
    for s in (-1, 1):
        x0 = cx + s * half
        glare_polys.append(rotate(np.array([[x0 - r * 0.55, cy - r * 0.25], [x0 - r * 0.2, cy - r * 0.7],
                                            [x0 - r * 0.02, cy - r * 0.55], [x0 - r * 0.4, cy - r * 0.05]]),
                                  0, (x0, cy)))
    c.over("#ffffff", blur(poly_mask(h, w, glare_polys), 3) * lenses, 0.35)
    pivot_y = 0.5
    el = {"type": "sticker", "id": "glasses", "z": 20, "frames": ["glasses.png"], "anchor": [33, 133, 362, 263],
          "width": round(w / unit, 3), "pivot": [0.5, pivot_y], "foreshorten": True}
    return Package("round_glasses", manifest("Round Glasses", "Thin gold round frames with a hint of glass.", [el]),
                   {"glasses.png": c.rgba()})


def sunglasses(cn: np.ndarray, uv: np.ndarray) -> Package:
    unit = 300.0
    eyes = [cn[[33, 133]].mean(axis=0)[:2], cn[[362, 263]].mean(axis=0)[:2]]
    half = (eyes[1][0] - eyes[0][0]) / 2 * unit
    w, h = 500, 190
    cx, cy = w / 2, 84
    c = Canvas(w, h)
    lens_polys = []
    for s in (-1, 1):
        x0 = cx + s * half
        # a rounded trapezoid: wide at the top, softly tapering to the cheek
        p = np.array([[x0 - s * 78, cy - 58], [x0 + s * 92, cy - 62], [x0 + s * 86, cy + 16],
                      [x0 + s * 40, cy + 64], [x0 - s * 40, cy + 62], [x0 - s * 76, cy + 20]])
        lens_polys.append(p)
    lenses = poly_mask(h, w, lens_polys, 16)
    rim_outer = poly_mask(h, w, lens_polys, 16)
    inner = cv2.erode(rim_outer, np.ones((7, 7), np.uint8))
    rim = np.clip(rim_outer - inner, 0, 1)
    top_rim = poly_mask(h, w, [tapered_stroke(np.array([[cx + s * (half + 92), cy - 54], [cx + s * half, cy - 62],
                                                        [cx + s * (half - 78), cy - 54]]), 14, 14)
                               for s in (-1, 1)])
    bridge = poly_mask(h, w, [tapered_stroke(np.array([[cx - half + 70, cy - 48], [cx, cy - 56],
                                                       [cx + half - 70, cy - 48]]), 11, 11)])
    temples = poly_mask(h, w, [tapered_stroke(np.array([[cx + s * (half + 84), cy - 52],
                                                        [cx + s * (half + 112), cy - 56]]), 12, 9) for s in (-1, 1)])
    frame = np.maximum.reduce([rim, top_rim, bridge, temples])
    c.shadow(np.maximum(frame, lenses), 3, 6, 5, 0.45)
    c.over(linear(h, w, (0, cy - 60), (0, cy + 64), [(0, "#101014"), (0.55, "#2a2030"), (1, "#5a3c58")]), inner,
           0.92)
    # a sky reflection: a bright band bent across each lens
    for s in (-1, 1):
        x0 = cx + s * half
        band = poly_mask(h, w, [np.array([[x0 - 80, cy - 8], [x0 + 90, cy - 36], [x0 + 90, cy - 24],
                                          [x0 - 80, cy + 8]])])
        c.over(linear(h, w, (x0 - 80, 0), (x0 + 90, 0), [(0, "#6fa8dc"), (1, "#f0c8a0")]), blur(band, 5) * inner,
               0.35)
        gloss(c, inner, x0 - 40, cy - 36, 26, 7, -12, 0.35, 3)
    c.over(linear(h, w, (0, cy - 64), (0, cy + 64), [(0, "#3a3a40"), (1, "#0c0c10")]), frame)
    c.over("#ffffff", np.clip(shade(h, w, frame, (-0.3, -1.0), 2.0), 0, 1), 0.45)
    el = {"type": "sticker", "id": "shades", "z": 20, "frames": ["shades.png"], "anchor": [33, 263],
          "offset": [0.0, 0.02], "width": round(w / unit, 3), "pivot": [0.5, cy / h]}
    return Package("sunglasses", manifest("Shades", "Glossy black sunglasses with a sunset reflection.", [el],
                                          look={"filter": "vivid", "filter_intensity": 0.4,
                                                "color": {"contrast": 0.1, "warmth": 0.15}}),
                   {"shades.png": c.rgba()})


def party_hat(cn: np.ndarray, uv: np.ndarray) -> Package:
    # drawn in upright hat coordinates (brim centre at the origin, tip at (0, -330)), tilted by tilt_deg
    tilt_deg = 14.0
    w, h = 264, 404
    pivot = (132.0, 362.0)
    c = Canvas(w, h)

    def place(pts: Any) -> np.ndarray:
        return rotate(np.asarray(pts, np.float64) + pivot, tilt_deg, pivot)

    y, x = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    th = math.radians(-tilt_deg)
    lx = (x - pivot[0]) * math.cos(th) - (y - pivot[1]) * math.sin(th)  # hat coordinates of every pixel
    ly = (x - pivot[0]) * math.sin(th) + (y - pivot[1]) * math.cos(th)
    cone = poly_mask(h, w, [place([[0, -330], [108, -8], [0, 8], [-108, -8]])], 3)
    brim = poly_mask(h, w, [place(tapered_stroke(np.array([[-118, -8], [0, 10], [118, -8]]), 26, 26))])
    pom_c = place([[0, -332]])[0]
    pom = poly_mask(h, w, [ellipse_pts(pom_c[0], pom_c[1], 26, 26)])
    c.shadow(np.maximum.reduce([cone, brim, pom]), 5, 7, 7, 0.35)
    across = np.clip((lx + 108) / 216, 0, 1)  # 0 on the lit left side, 1 on the right
    c.over(ramp(across, [(0, "#2fc4b2"), (0.4, "#44e3d2"), (1, "#13786f")]), cone)
    stripes = blur((np.sin((ly + lx * 0.55) / 20.0) > 0.35).astype(np.float32), 0.8) * cone
    c.over(ramp(across, [(0, "#ff5c8a"), (0.4, "#ff8aab"), (1, "#b82a58")]), stripes)
    rng = np.random.default_rng(11)
    dots = []
    for _ in range(24):
        py = float(rng.uniform(-290, -30))
        span = (py + 330) / 330 * 100
        dx, dy = place([[float(rng.uniform(-span, span)) * 0.85, py]])[0]
        dots.append(ellipse_pts(dx, dy, 4.5, 4.5, 0, 24))
    c.over("#fff3a0", poly_mask(h, w, dots) * cone, 0.95)
    c.over("#000000", np.clip(across - 0.55, 0, 1) * 1.3 * cone, 0.35)  # the cone turns away from the light
    c.over("#ffffff", blur(poly_mask(h, w, [place([[-10, -290], [-62, -30], [-48, -28], [-4, -290]])]), 4) * cone,
           0.3)
    c.over(ramp(np.clip((ly + 20) / 36, 0, 1), [(0, "#ffe680"), (1, "#f0a020")]), brim)
    c.over("#8a5a00", np.clip(-shade(h, w, brim, (0, -1), 3), 0, 1), 0.35)
    gx, gy = place([[-40, -10]])[0]
    gloss(c, brim, gx, gy, 40, 3, tilt_deg + 8, 0.5, 2)
    c.over(radial(h, w, (pom_c[0] - 7, pom_c[1] - 8), 32, [(0, "#fff7fb"), (0.6, "#ffc8dc"), (1, "#ff7fae")]), pom)
    fluff = [ellipse_pts(pom_c[0] + 25 * math.cos(k * math.pi / 18), pom_c[1] + 25 * math.sin(k * math.pi / 18),
                         6, 3, k * 10, 16) for k in range(36)]
    c.over("#ffd0e2", poly_mask(h, w, fluff), 0.9)
    hat = {"type": "sticker", "id": "hat", "z": 15, "frames": ["hat.png"], "anchor": [10],
           "offset": [0.3, -0.1], "width": 1.05, "pivot": [round(pivot[0] / w, 4), round(pivot[1] / h, 4)]}
    frames = confetti_frames()
    burst = {"type": "sticker", "id": "confetti", "z": 40, "trigger": "face_appears", "play": "once",
             "frames": [f"confetti_{i:02d}.png" for i in range(len(frames))], "fps": 12, "anchor": [10],
             "offset": [0.0, 0.2], "width": 3.4, "rotate": False, "foreshorten": False}
    images = {"hat.png": c.rgba()}
    images.update({f"confetti_{i:02d}.png": f for i, f in enumerate(frames)})
    return Package("party_hat", manifest("Party Time", "A striped party hat; confetti bursts when a face appears.",
                                         [hat, burst]), images)


CONFETTI = ["#ff5c8a", "#ffd23f", "#3fe0cf", "#7a6cff", "#ff9f43", "#5fd35f"]


def confetti_frames(n: int = 12, size: int = 320) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    pieces = []
    for _ in range(46):
        ang = rng.uniform(-math.pi * 0.95, -math.pi * 0.05)  # thrown upwards and sideways
        speed = rng.uniform(90, 210)
        pieces.append({
            "v": (math.cos(ang) * speed, math.sin(ang) * speed * 1.1), "spin": rng.uniform(-540, 540),
            "rot": rng.uniform(0, 360), "kind": int(rng.integers(0, 3)), "col": CONFETTI[int(rng.integers(0, 6))],
            "len": rng.uniform(7, 13), "flip": rng.uniform(2, 6),
        })
    frames = []
    for i in range(n):
        t = (i + 1) / n  # seconds-ish of flight, 0..1
        c = Canvas(size, size)
        fade = 1.0 if i < n - 3 else (n - i) / 4
        for p in pieces:
            x = size / 2 + p["v"][0] * t
            y = size * 0.45 + p["v"][1] * t + 260 * t * t  # gravity
            if not (-10 < x < size + 10 and -10 < y < size + 10):
                continue
            rot = p["rot"] + p["spin"] * t
            squeeze = abs(math.cos(p["flip"] * t * math.pi)) * 0.8 + 0.2  # the piece tumbles
            if p["kind"] == 0:
                pts = ellipse_pts(x, y, p["len"] * 0.55, p["len"] * 0.55 * squeeze, rot, 20)
            elif p["kind"] == 1:
                lw, lh = p["len"], p["len"] * 0.5 * squeeze
                pts = rotate(np.array([[x - lw / 2, y - lh / 2], [x + lw / 2, y - lh / 2], [x + lw / 2, y + lh / 2],
                                       [x - lw / 2, y + lh / 2]]), rot, (x, y))
            else:
                pts = tapered_stroke(rotate(np.array([[x - p["len"], y], [x, y - 4 * squeeze], [x + p["len"], y]]),
                                            rot, (x, y)), 3.5, 3.5, 16)
            m = poly_mask(size, size, [pts])
            c.over("#000000", blur(shift(m, 1, 2), 1.2), 0.18 * fade)
            c.over(p["col"], m, fade)
        frames.append(c.rgba())
    return frames


def crown(cn: np.ndarray, uv: np.ndarray) -> Package:
    w, h = 400, 260
    c = Canvas(w, h)
    base_y, top_y = 226, 40
    peaks = [(30, 96), (112, 60), (200, top_y), (288, 60), (370, 96)]
    valleys = [(80, 150), (158, 132), (242, 132), (320, 150)]
    outline = [[40, base_y]]
    for k in range(5):
        outline.append(list(peaks[k]))
        if k < 4:
            outline.append(list(valleys[k]))
    outline.append([360, base_y])
    body = poly_mask(h, w, [np.array(outline, np.float64)], 5)
    balls = [ellipse_pts(px, py - 4, 13, 13, 0, 40) for px, py in peaks]
    ballm = poly_mask(h, w, balls)
    band = poly_mask(h, w, [np.array([[34, 176], [366, 176], [362, 236], [38, 236]], np.float64)], 4)
    whole = np.maximum.reduce([body, ballm, band])
    c.shadow(whole, 4, 7, 6, 0.4)
    gold = [(0, "#fff1b0"), (0.3, "#f5c542"), (0.55, "#c98a12"), (0.75, "#f2c04a"), (1, "#9a6408")]
    c.over(linear(h, w, (0, top_y), (0, base_y), gold), body)
    c.over("#fff8d8", np.clip(shade(h, w, body, (-0.5, -0.85), 4), 0, 1), 0.7)
    c.over("#6a4100", np.clip(-shade(h, w, body, (-0.5, -0.85), 4), 0, 1), 0.5)
    c.over(linear(h, w, (0, 176), (0, 236), [(0, "#ffe27a"), (0.5, "#d79a1c"), (1, "#8a5a06")]), band)
    c.over("#fff6c8", np.clip(shade(h, w, band, (0, -1), 3), 0, 1), 0.6)
    for (px, py), ball in zip(peaks, balls, strict=True):
        m = poly_mask(h, w, [ball])
        c.over(radial(h, w, (px - 4, py - 9), 16, [(0, "#ffffff"), (0.4, "#f7d66b"), (1, "#b07a10")]), m)
    gems = [(90, 206, "#d0213a", 15), (200, 206, "#2a5bd7", 19), (310, 206, "#1f9e58", 15)]
    for gx, gy, col, r in gems:
        gm = poly_mask(h, w, [star_pts(gx, gy, r * 1.05, 4, 0.78, 45)], 2)
        c.shadow(gm, 1, 2, 2, 0.4)
        c.over(col, gm)
        c.over("#000000", np.clip(-shade(h, w, gm, (-0.5, -0.8), 2), 0, 1), 0.5)
        gloss(c, gm, gx - r * 0.3, gy - r * 0.35, r * 0.35, r * 0.2, -30, 0.8, 1.2)
    for gx in (145, 255):
        pm = poly_mask(h, w, [ellipse_pts(gx, 206, 7, 7, 0, 24)])
        c.over(radial(h, w, (gx - 2, 203), 8, [(0, "#ffffff"), (1, "#d8d0e0")]), pm)
    crown_img = c.rgba()

    # twinkles over the peaks and gems: a seamless 8-frame loop in the same sprite frame
    spots = [(200, 32, 0.0, 22), (30, 88, 0.3, 15), (370, 88, 0.55, 15), (112, 52, 0.75, 13), (288, 52, 0.15, 13),
             (206, 198, 0.45, 16), (84, 198, 0.9, 12), (316, 198, 0.65, 12)]
    frames = []
    for i in range(8):
        t = i / 8
        f = Canvas(w, h)
        for sx, sy, ph, r in spots:
            k = max(0.0, math.sin(2 * math.pi * (t + ph)))
            if k < 0.05:
                continue
            s = sparkle_pts(sx, sy, r * k, 45 * k)
            m = poly_mask(h, w, [s])
            f.glow(m, 3, "#fff3b0", 0.6 * k)
            f.over("#ffffff", m, 0.95)
        frames.append(f.rgba())
    el = {"type": "sticker", "id": "crown", "z": 10, "frames": ["crown.png"], "anchor": [10],
          "offset": [0.0, -0.1], "width": 1.25, "pivot": [0.5, 0.92]}
    tw = dict(el, id="twinkles", z=11, frames=[f"twinkle_{i}.png" for i in range(8)], fps=10)
    images = {"crown.png": crown_img}
    images.update({f"twinkle_{i}.png": fr for i, fr in enumerate(frames)})
    return Package("crown", manifest("Royal Crown", "A golden crown with jewels that twinkle.", [el, tw]), images)


def flower(c: Canvas, cx: float, cy: float, r: float, petals: int, rot: float, colours: tuple[str, str]) -> None:
    h, w = c.h, c.w
    shapes = []
    for k in range(petals):
        a = rot + k * 360 / petals
        px = cx + math.cos(math.radians(a)) * r * 0.52
        py = cy + math.sin(math.radians(a)) * r * 0.52
        shapes.append(ellipse_pts(px, py, r * 0.55, r * 0.36, a, 48))
    m = poly_mask(h, w, shapes)
    c.shadow(m, r * 0.06, r * 0.12, r * 0.1, 0.35)
    c.over(radial(h, w, (cx, cy), r * 1.05, [(0, colours[0]), (1, colours[1])]), m)
    c.over("#ffffff", np.clip(shade(h, w, m, (-0.4, -0.9), r * 0.08), 0, 1), 0.35)
    # petal creases: a darker line from the centre along each petal
    creases = [np.array([[cx, cy], [cx + math.cos(math.radians(rot + k * 360 / petals)) * r * 0.8,
                                    cy + math.sin(math.radians(rot + k * 360 / petals)) * r * 0.8]])
               for k in range(petals)]
    c.over(colours[1], blur(stroke_mask(h, w, creases, max(1.0, r * 0.05)), 0.8) * m, 0.5)
    centre = poly_mask(h, w, [ellipse_pts(cx, cy, r * 0.26, r * 0.26, 0, 40)])
    c.over(radial(h, w, (cx - r * 0.08, cy - r * 0.08), r * 0.3, [(0, "#fff6a8"), (1, "#e0a020")]), centre)
    dots = [ellipse_pts(cx + math.cos(k * 2.4) * r * 0.14 * math.sqrt(k / 9),
                        cy + math.sin(k * 2.4) * r * 0.14 * math.sqrt(k / 9), r * 0.03 + 0.6, r * 0.03 + 0.6, 0, 12)
            for k in range(1, 10)]
    c.over("#b86a10", poly_mask(h, w, dots), 0.7)


def leaf(c: Canvas, x: float, y: float, length: float, angle: float) -> None:
    h, w = c.h, c.w
    tip = (x + math.cos(math.radians(angle)) * length, y + math.sin(math.radians(angle)) * length)
    m = poly_mask(h, w, [ellipse_pts((x + tip[0]) / 2, (y + tip[1]) / 2, length / 2, length * 0.2, angle, 48)])
    c.shadow(m, 1, 2, 2, 0.3)
    c.over(linear(h, w, (x, y), tip, [(0, "#3f8f3a"), (1, "#7cc45a")]), m)
    c.over("#2d6a2a", stroke_mask(h, w, [np.array([[x, y], tip])], 1.4) * m, 0.6)


def flower_crown(cn: np.ndarray, uv: np.ndarray) -> Package:
    w, h = 440, 190
    c = Canvas(w, h)
    rng = np.random.default_rng(17)
    palette = [("#fff4f7", "#ff8fb2"), ("#ffffff", "#f3d6e8"), ("#fff0e0", "#ffab76"), ("#f6efff", "#b89cff")]

    def arc(t: float) -> tuple[float, float]:  # the garland follows the top of the head
        return (w / 2 + (t - 0.5) * (w - 90), 150 - 58 * math.sin(math.pi * t) ** 0.8)

    vine = np.array([arc(t) for t in np.linspace(0, 1, 40)])
    c.over("#4f8a3a", poly_mask(h, w, [tapered_stroke(vine, 5, 5, 80)]))
    for k in range(13):
        t = (k + 0.5) / 13
        x, y = arc(t)
        leaf(c, x, y, float(rng.uniform(26, 36)), float(rng.uniform(0, 360)))
    sizes = [36, 30, 44, 32, 48, 32, 44, 30, 36]
    for k, r in enumerate(sizes):
        x, y = arc(k / (len(sizes) - 1) * 0.9 + 0.05)
        flower(c, x, y + rng.uniform(-4, 4), r, 5 if k % 3 else 6, float(rng.uniform(0, 72)), palette[k % 4])
    el = {"type": "sticker", "id": "garland", "z": 10, "frames": ["flowers.png"], "anchor": [10],
          "offset": [0.0, 0.02], "width": 1.75, "pivot": [0.5, 0.86]}
    return Package("flower_crown", manifest("Flower Crown", "A garland of pink, peach and lilac blossoms.", [el]),
                   {"flowers.png": c.rgba()})


def heart(c: Canvas, cx: float, cy: float, size: float, angle: float, opacity: float,
          colours: tuple[str, str] = ("#ff7aa2", "#e0124f")) -> None:
    h, w = c.h, c.w
    m = poly_mask(h, w, [heart_pts(cx, cy, size, angle)])
    c.shadow(m, size * 0.03, size * 0.06, size * 0.05, 0.3 * opacity)
    c.over(radial(h, w, (cx - size * 0.15, cy - size * 0.2), size * 0.8, [(0, colours[0]), (1, colours[1])]), m,
           opacity)
    hl = poly_mask(h, w, [ellipse_pts(cx - size * 0.2, cy - size * 0.18, size * 0.13, size * 0.07, angle - 35, 32)])
    c.over("#ffffff", blur(hl, size * 0.03) * m, 0.7 * opacity)


def heart_burst(cn: np.ndarray, uv: np.ndarray) -> Package:
    size, n = 400, 10
    rng = np.random.default_rng(3)
    hearts = []
    for k in range(9):
        ang = -math.pi / 2 + (k - 4) * 0.42 + rng.uniform(-0.08, 0.08)  # a fan, mostly upwards and out
        hearts.append({"ang": ang, "dist": rng.uniform(135, 185), "size": rng.uniform(34, 58),
                       "spin": rng.uniform(-25, 25), "delay": rng.uniform(0, 0.25),
                       "pal": [("#ff7aa2", "#e0124f"), ("#ff9ec4", "#f0427e"), ("#ff6f6f", "#c8102e")][k % 3]})
    frames = []
    for i in range(n):
        t = (i + 1) / n  # frame 0 already shows the burst starting
        c = Canvas(size, size)
        for hp in hearts:
            u = np.clip((t - hp["delay"]) / (1 - hp["delay"]), 0, 1)
            if u <= 0:
                continue
            ease = 1 - (1 - u) ** 3
            r = hp["dist"] * ease
            x = size / 2 + math.cos(hp["ang"]) * r
            y = size / 2 + math.sin(hp["ang"]) * r * 0.9 + 20 * u * u
            s = hp["size"] * (0.35 + 0.65 * min(1.0, u * 2.5))
            op = 1.0 if u < 0.7 else 0.25 + 0.75 * (1 - u) / 0.3
            heart(c, x, y, s, hp["spin"] * u, op, hp["pal"])
        frames.append(shrink(c.rgba(), 340, 340))  # drawn large, stored at the size it is shown
    el = {"type": "sticker", "id": "hearts", "z": 30, "trigger": "mouth_open", "play": "once",
          "frames": [f"hearts_{i:02d}.png" for i in range(n)], "fps": 14, "anchor": [13, 14],
          "width": 3.2, "foreshorten": False}
    return Package("heart_burst", manifest("Heart Burst", "Open your mouth: a fan of hearts bursts out.", [el]),
                   {f"hearts_{i:02d}.png": f for i, f in enumerate(frames)})


def blink_sparkles(cn: np.ndarray, uv: np.ndarray) -> Package:
    size, n = 192, 8
    rng = np.random.default_rng(8)
    tints = ["#7fc8ff", "#ffd86b", "#ff9fd2"]
    parts = [{"x": rng.uniform(24, 120), "y": rng.uniform(30, 160), "r": rng.uniform(12, 26),
              "delay": rng.uniform(0, 0.35), "rot": rng.uniform(-20, 20), "dot": k % 3 == 2, "tint": tints[k % 3]}
             for k in range(10)]
    parts[0].update(x=70, y=76, r=40, delay=0.0, dot=False)  # the big one pops first, a late one closes
    parts[1].update(delay=0.32, dot=False)
    frames = []
    for i in range(n):
        t = (i + 0.5) / n
        c = Canvas(size, size)
        for p in parts:
            u = (t - p["delay"]) / 0.65
            if not 0 < u <= 1:
                continue
            k = math.sin(u * math.pi) ** 0.7  # pops in and out
            if p["dot"]:
                rr = p["r"] * 0.22 * k + 0.5
                m = poly_mask(size, size, [ellipse_pts(p["x"], p["y"], rr, rr, 0, 24)])
            else:
                m = poly_mask(size, size, [sparkle_pts(p["x"], p["y"], p["r"] * k, p["rot"] + 40 * u)])
            halo = poly_mask(size, size, [ellipse_pts(p["x"], p["y"], p["r"] * k * 0.45 + 1, p["r"] * k * 0.45 + 1)])
            c.glow(np.maximum(m, halo), 3, p["tint"], 0.55 * k)
            c.over(radial(size, size, (p["x"], p["y"]), max(p["r"] * k, 1.0), [(0, "#ffffff"), (0.3, "#ffffff"),
                                                                              (1, p["tint"])]), m)
        frames.append(shrink(c.rgba(), 160, 160))
    right = [f"sparkle_r_{i}.png" for i in range(n)]
    left = [f"sparkle_l_{i}.png" for i in range(n)]
    images = {right[i]: f for i, f in enumerate(frames)}
    images.update({left[i]: np.ascontiguousarray(f[:, ::-1]) for i, f in enumerate(frames)})
    # the sprite's sparkle cluster sits up and out from the outer eye corner
    common = {"type": "sticker", "z": 25, "trigger": "blink", "play": "once", "fps": 16, "width": 1.0}
    r_el = dict(common, id="right_eye", frames=right, anchor=[33], offset=[-0.02, -0.12], pivot=[0.72, 0.55])
    l_el = dict(common, id="left_eye", frames=left, anchor=[263], offset=[0.02, -0.12], pivot=[0.28, 0.55])
    return Package("blink_sparkles", manifest("Twinkle", "Blink and a spray of sparkles pops at each eye.",
                                              [r_el, l_el]), images)


def rising_stars(cn: np.ndarray, uv: np.ndarray) -> Package:
    w, h, n = 300, 360, 10
    rng = np.random.default_rng(21)
    stars = [{"x": rng.uniform(40, 260), "phase": k / 9 + rng.uniform(0, 0.05), "r": rng.uniform(12, 24),
              "wob": rng.uniform(4, 12), "col": ["#ffd23f", "#ffe98a", "#ffb347"][k % 3],
              "spin": rng.choice([-1.0, 1.0])} for k in range(9)]
    frames = []
    for i in range(n):
        t = i / n
        c = Canvas(w, h)
        for s in stars:
            u = (t + s["phase"]) % 1.0  # a seamless loop: each star rises once per cycle
            y = h - 20 - u * (h - 40)
            x = s["x"] + s["wob"] * math.sin(2 * math.pi * (u * 2 + s["phase"]))
            op = min(1.0, u / 0.15) * min(1.0, (1 - u) / 0.3)
            if op <= 0.01:
                continue
            r = s["r"] * (0.6 + 0.4 * math.sin(math.pi * u))
            m = poly_mask(h, w, [star_pts(x, y, r, 5, 0.48, s["spin"] * 180 * u)], 1.2)
            c.glow(m, 4, "#fff0a0", 0.5 * op)
            c.over(radial(h, w, (x - r * 0.2, y - r * 0.3), r * 1.1, [(0, "#fffbe0"), (0.5, s["col"]),
                                                                       (1, "#e08a00")]), m, op)
        frames.append(shrink(c.rgba(), 250, 300))
    el = {"type": "sticker", "id": "stars", "z": 20, "trigger": "brow_raise", "play": "loop",
          "frames": [f"stars_{i:02d}.png" for i in range(n)], "fps": 10, "anchor": [10], "offset": [0.0, 0.1],
          "width": 2.0, "pivot": [0.5, 1.0]}
    return Package("rising_stars", manifest("Starstruck", "Raise your eyebrows: golden stars float up.", [el]),
                   {f"stars_{i:02d}.png": f for i, f in enumerate(frames)})


# ----------------------------------------------------------------------------------------- face paint

class UVPainter:
    """Paints in the face UV layout: positions are given by landmarks and offsets in UV units."""

    def __init__(self, uv: np.ndarray, size: int = MASK_SIZE) -> None:
        self.uv, self.size = uv, size
        self.c = Canvas(size, size)
        oval = json.loads(TOPOLOGY.read_text())["face_oval"]
        self.oval = uv[oval] * size

    def p(self, landmark: int, du: float = 0.0, dv: float = 0.0) -> tuple[float, float]:
        u, v = self.uv[landmark]
        return ((u + du) * self.size, (v + dv) * self.size)

    def mid(self, *landmarks: int) -> tuple[float, float]:
        m = self.uv[list(landmarks)].mean(axis=0) * self.size
        return (float(m[0]), float(m[1]))

    def poly(self, landmarks: list[int], round_px: float = 0.0) -> np.ndarray:
        return poly_mask(self.size, self.size, [self.uv[landmarks] * self.size], round_px)

    def face(self, inset: float = 0.0, soft: float = 0.0) -> np.ndarray:
        """The face oval (optionally shrunk by `inset` px and feathered)."""
        m = poly_mask(self.size, self.size, [self.oval])
        if inset > 0:
            m = cv2.erode(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(2 * inset) | 1, int(2 * inset) | 1)))
        return np.clip(blur(m, soft), 0, 1) if soft else m


def blush_smile(cn: np.ndarray, uv: np.ndarray) -> Package:
    p = UVPainter(uv)
    s, c = p.size, p.c
    for lm, sign in ((205, -1), (425, 1)):
        cx, cy = p.p(lm, sign * 0.025, -0.01)
        m = poly_mask(s, s, [ellipse_pts(cx, cy, 62, 40, sign * -8)])
        c.over(radial(s, s, (cx, cy), 70, [(0, "#ff6f91"), (1, "#ff9fb5")], 0.7), blur(m, 14), 0.75)
        lines = []
        for k in range(3):
            x = cx + (k - 1) * 20 + sign * 4
            lines.append(tapered_stroke(np.array([[x + 9, cy - 15], [x - 9, cy + 15]]), 6, 5, 16))
        c.over("#e23a6a", poly_mask(s, s, lines), 0.75)
        gloss(c, m, cx - sign * 24, cy - 18, 9, 5, -20, 0.7, 1.5)
    el = {"type": "face_mask", "id": "blush", "texture": "blush.png", "blend": "normal", "opacity": 0.9,
          "trigger": "smile", "play": "loop", "z": 1}
    return Package("shy_blush", manifest("Shy Smile", "Smile and your cheeks blush, anime style.", [el]),
                   {"blush.png": c.rgba()})


def freckles(cn: np.ndarray, uv: np.ndarray) -> Package:
    p = UVPainter(uv)
    s, c = p.size, p.c
    rng = np.random.default_rng(42)
    # density: a band over the nose bridge and the upper cheeks
    centres = [p.p(5), p.p(6), p.p(205, 0.01, -0.04), p.p(425, -0.01, -0.04), p.p(50, 0.0, -0.03),
               p.p(280, 0.0, -0.03), p.p(197)]
    spread = [(26, 16), (18, 14), (40, 26), (40, 26), (34, 24), (34, 24), (18, 16)]
    weights = np.array([1.1, 0.6, 1.5, 1.5, 1.0, 1.0, 0.7])
    skin = p.face(inset=10) * (1 - blur(p.poly(json.loads(TOPOLOGY.read_text())["contours"]["lips_outer"]), 2))
    dots = []
    for _ in range(190):
        k = int(rng.choice(len(centres), p=weights / weights.sum()))
        x = centres[k][0] + rng.normal(0, spread[k][0])
        y = centres[k][1] + rng.normal(0, spread[k][1])
        if not (0 <= int(x) < s and 0 <= int(y) < s) or skin[int(y), int(x)] < 0.5:
            continue
        r = float(rng.uniform(1.3, 3.1))
        dots.append((x, y, r, float(rng.uniform(0.45, 0.9)), float(rng.uniform(0.8, 1.25))))
    for x, y, r, op, squash in dots:
        m = poly_mask(s, s, [ellipse_pts(x, y, r, r * squash, 0, 24)])
        c.over(radial(s, s, (x, y), r * 1.2, [(0, "#8a4a2a"), (1, "#b87a52")]), blur(m, 0.6), op)
    el = {"type": "face_mask", "id": "freckles", "texture": "freckles.png", "blend": "multiply", "opacity": 0.85}
    look = {"filter": "warm", "filter_intensity": 0.35,
            "color": {"brightness": 0.05, "saturation": 0.05, "warmth": 0.1},
            "beauty": {"smoothing": 0.35, "whitening": 0.05, "rosy": 0.25, "sharpen": 0.2},
            "reshape": {"face_slim": 0.1, "big_eyes": 0.05},
            "makeup": {"lipstick": {"color": "#c2645a", "opacity": 0.35}, "blush": {"color": "#e98a6e", "opacity": 0.3},
                       "brows": {"color": "#5a3b28", "opacity": 0.2}}}
    return Package("freckles", manifest("Sun-kissed", "Freckles across the nose and cheeks, warm natural colour.", [el],
                                        look=look), {"freckles.png": c.rgba()})


def tiger_paint(cn: np.ndarray, uv: np.ndarray) -> Package:
    p = UVPainter(uv)
    s, c = p.size, p.c
    contours = json.loads(TOPOLOGY.read_text())["contours"]
    face = p.face(inset=4, soft=6)
    # white muzzle around the mouth and on the chin, white patches above the eyes
    muzzle = np.maximum.reduce([
        poly_mask(s, s, [ellipse_pts(*p.p(0, -0.075, 0.005), 62, 52, 8)]),
        poly_mask(s, s, [ellipse_pts(*p.p(0, 0.075, 0.005), 62, 52, -8)]),
        poly_mask(s, s, [ellipse_pts(*p.p(17, 0, 0.04), 50, 44)]),
    ])
    muzzle = blur(muzzle, 6)
    brows_white = np.maximum.reduce([poly_mask(s, s, [ellipse_pts(*p.mid(*contours[k]), 50, 26, a)])
                                     for k, a in (("right_brow", 8), ("left_brow", -8))])
    brows_white = blur(brows_white, 7)
    c.over(radial(s, s, p.p(168), 260, [(0, "#ffb347"), (0.6, "#f08a24"), (1, "#c85a12")], 0.9), face, 0.92)
    c.over("#fff8ee", np.clip(muzzle, 0, 1) * face, 0.95)
    c.over("#fff8ee", brows_white * face, 0.9)
    stripes = []
    # forehead: three stripes down the middle, then pairs further out, all starting at the hairline
    fx, fy = p.p(151)
    stripes.append(tapered_stroke(np.array([[fx, fy - 26], [fx - 4, fy + 12], [fx, fy + 50]]), 16, 3))
    for sign in (-1, 1):
        stripes.append(tapered_stroke(np.array([[fx + sign * 26, fy - 24], [fx + sign * 31, fy],
                                                [fx + sign * 22, fy + 24]]), 12, 3))
        for k, (dx, dy, ln) in enumerate([(88, -14, 58), (130, 6, 60), (168, 36, 52)]):
            x0, y0 = fx + sign * dx, fy + dy - 16
            stripes.append(tapered_stroke(np.array([[x0, y0], [x0 + sign * 9, y0 + ln * 0.5],
                                                    [x0 - sign * 5, y0 + ln]]), 14 - 2 * k, 3))
        # cheeks: stripes from the face edge inwards (sign -1 is the image's left side)
        for k, (lm, dv, ln) in enumerate([(234, -0.045, 100), (93, 0.02, 112), (132, 0.075, 92), (58, 0.115, 64)]):
            ex, ey = p.p(lm if sign < 0 else {234: 454, 93: 323, 132: 361, 58: 288}[lm], 0, dv)
            pts = np.array([[ex + sign * 8, ey], [ex - sign * ln * 0.5, ey - 10 + k * 5],
                            [ex - sign * ln, ey + 4 - k * 6]])
            stripes.append(tapered_stroke(pts, 22 - 3 * k, 3))
        # jaw: two short strokes up from the jaw line
        for lm_r, lm_l, ln in ((136, 365, 46), (150, 379, 36)):
            jx, jy = p.p(lm_r if sign < 0 else lm_l)
            stripes.append(tapered_stroke(np.array([[jx + sign * 4, jy + 8], [jx - sign * 14, jy - ln * 0.5],
                                                    [jx - sign * 12, jy - ln]]), 13, 3))
    sm = poly_mask(s, s, stripes) * face
    c.over("#17110e", sm, 0.95)
    # nose: a dark rounded triangle on the tip, and the line down to the lip
    nose = p.poly([4, 48, 64, 98, 97, 2, 326, 327, 294, 278], 6)
    c.over("#17110e", nose, 0.95)
    c.over("#17110e", stroke_mask(s, s, [np.array([p.p(2), p.p(164), p.p(0)])], 5), 0.9)
    for sign in (-1, 1):  # whisker dots
        for k in range(3):
            x, y = p.p(0, sign * (0.05 + 0.025 * k), -0.022 + 0.012 * k)
            c.over("#17110e", poly_mask(s, s, [ellipse_pts(x, y, 3.4, 3.4, 0, 20)]), 0.9)
    el = {"type": "face_mask", "id": "tiger", "texture": "tiger.png", "blend": "normal", "opacity": 0.9}
    return Package("tiger_paint", manifest("Tiger", "Orange, black and white tiger face paint.", [el]),
                   {"tiger.png": c.rgba()})


def clown_paint(cn: np.ndarray, uv: np.ndarray) -> Package:
    p = UVPainter(uv)
    s, c = p.size, p.c
    contours = json.loads(TOPOLOGY.read_text())["contours"]
    face = p.face(inset=6, soft=3)
    # white smile patch around the mouth and white arches over the eyes
    mouth_c = p.mid(61, 291, 0, 17)
    white = [ellipse_pts(mouth_c[0], mouth_c[1] + 4, 110, 66)]
    for k in ("right_eye", "left_eye"):
        ex, ey = p.mid(*contours[k])
        white.append(ellipse_pts(ex, ey - 22, 66, 64))
    wm = blur(poly_mask(s, s, white), 2) * face
    c.over("#fdfdfb", wm, 0.97)
    # blue diamonds through the eyes
    for k in ("right_eye", "left_eye"):
        ex, ey = p.mid(*contours[k])
        d = np.array([[ex, ey - 92], [ex + 20, ey], [ex, ey + 78], [ex - 20, ey]])
        dm = poly_mask(s, s, [d], 2) * face
        c.over(linear(s, s, (0, ey - 92), (0, ey + 78), [(0, "#4aa8ff"), (1, "#1d5fd6")]), dm, 0.95)
    # big red smile: lips and a curved extension into the cheeks
    lx, ly = p.p(61)
    rx, ry = p.p(291)
    smile = tapered_stroke(np.array([[lx - 48, ly - 34], [lx - 12, ly + 10], [mouth_c[0], mouth_c[1] + 34],
                                     [rx + 12, ry + 10], [rx + 48, ry - 34]]), 22, 22, 64)
    lips = p.poly(contours["lips_outer"], 2)
    red = np.maximum(poly_mask(s, s, [smile]), lips) * face
    c.over(linear(s, s, (0, ly - 40), (0, ly + 50), [(0, "#ff3b3b"), (1, "#c5001a")]), red, 0.95)
    # rosy round cheeks with a highlight
    for lm in (50, 280):
        x, y = p.p(lm, 0, 0.01)
        cm = poly_mask(s, s, [ellipse_pts(x, y, 30, 30)])
        c.over(radial(s, s, (x - 6, y - 8), 34, [(0, "#ff8a8a"), (1, "#e8344a")]), blur(cm, 3) * face, 0.85)
        gloss(c, cm, x - 9, y - 10, 8, 5, -30, 0.6, 1.5)
    # a painted red nose under the 3D ball
    nx, ny = p.p(4, 0, 0.01)
    c.over("#e0102a", poly_mask(s, s, [ellipse_pts(nx, ny, 30, 26)]) * face, 0.95)
    paint = c.rgba()

    # the red ball nose (a sticker in front of the face)
    bs = 128
    b = Canvas(bs, bs)
    bm = poly_mask(bs, bs, [ellipse_pts(64, 64, 56, 56)])
    b.shadow(bm, 3, 6, 5, 0.35)
    b.over(radial(bs, bs, (50, 46), 80, [(0, "#ff8080"), (0.35, "#f0182e"), (1, "#8a0010")]), bm)
    gloss(b, bm, 44, 38, 16, 10, -35, 0.85, 2.5)
    gloss(b, bm, 84, 92, 8, 4, -35, 0.25, 2)
    paint_el = {"type": "face_mask", "id": "paint", "texture": "clown.png", "blend": "normal", "opacity": 0.95}
    nose_el = {"type": "sticker", "id": "red_nose", "z": 5, "frames": ["nose.png"], "anchor": [4, 1],
               "width": 0.42}
    return Package("clown_paint", manifest("Clown", "White, red and blue clown face paint with a shiny red nose.",
                                           [paint_el, nose_el]), {"clown.png": paint, "nose.png": b.rgba()})


def glam(cn: np.ndarray, uv: np.ndarray) -> Package:
    p = UVPainter(uv)
    s, c = p.size, p.c
    contours = json.loads(TOPOLOGY.read_text())["contours"]
    face = p.face(inset=8, soft=6)
    strokes = []
    for sign, (a, b) in ((-1, (116, 205)), (1, (345, 425))):  # cheekbones, swept up to the temples
        x0, y0 = p.p(a, sign * -0.01, 0.0)
        x1, y1 = p.p(b, 0, -0.03)
        strokes.append((tapered_stroke(np.array([[x0, y0], [(x0 + x1) / 2, (y0 + y1) / 2 - 6], [x1, y1]]), 34, 22),
                        9, 0.9))
        bx, by = p.mid(*contours["right_brow" if sign < 0 else "left_brow"])
        strokes.append((tapered_stroke(np.array([[bx - 30, by + 18], [bx, by + 12], [bx + 30, by + 18]]), 10, 8),
                        5, 0.45))  # brow bone
    strokes.append((tapered_stroke(np.array([p.p(168), p.p(6), p.p(197), p.p(5)]), 10, 12), 5, 0.6))  # nose bridge
    cx, cy = p.p(0, 0, -0.012)
    strokes.append((ellipse_pts(cx, cy, 12, 5), 3, 0.6))  # cupid's bow
    strokes.append((ellipse_pts(*p.p(152, 0, -0.035), 16, 9), 5, 0.4))  # chin
    for pts, soft, op in strokes:
        c.over(linear(s, s, (0, 0), (s, s), [(0, "#fff6e6"), (1, "#ffe2b8")]),
               blur(poly_mask(s, s, [pts]), soft) * face, op)
    # glitter in the highlights
    rng = np.random.default_rng(7)
    sheen = blur(poly_mask(s, s, [strokes[0][0], strokes[2][0], strokes[4][0]]), 10)  # cheekbones, nose bridge
    ys, xs = np.nonzero(sheen > 0.25)
    pick = rng.choice(len(xs), size=min(110, len(xs)), replace=False)
    for i in sorted(pick):
        r = float(rng.uniform(0.8, 2.0))
        c.over("#ffffff", poly_mask(s, s, [ellipse_pts(float(xs[i]), float(ys[i]), r, r, 0, 12)]),
               float(rng.uniform(0.5, 1.0)))
    # a tiny star beauty mark
    ms = 64
    m = Canvas(ms, ms)
    sm = poly_mask(ms, ms, [star_pts(32, 33, 26, 5, 0.45)], 1.5)
    m.shadow(sm, 1, 2, 2, 0.35)
    m.over(linear(ms, ms, (0, 6), (0, 60), [(0, "#fff0b8"), (0.5, "#d9a53a"), (1, "#8c5a10")]), sm)
    gloss(m, sm, 27, 24, 6, 3, -25, 0.7, 1)
    look = {"filter": "film", "filter_intensity": 0.45,
            "color": {"contrast": 0.12, "saturation": 0.08, "warmth": -0.05},
            "beauty": {"smoothing": 0.6, "whitening": 0.25, "rosy": 0.1, "sharpen": 0.3},
            "reshape": {"face_slim": 0.2, "v_chin": 0.15, "big_eyes": 0.15},
            "makeup": {"lipstick": {"color": "#a0163a", "opacity": 0.7}, "blush": {"color": "#d46a7e", "opacity": 0.35},
                       "brows": {"color": "#2b1d16", "opacity": 0.4}}}
    els = [{"type": "face_mask", "id": "highlighter", "texture": "highlight.png", "blend": "screen", "opacity": 0.9},
           {"type": "sticker", "id": "beauty_mark", "z": 5, "frames": ["star.png"], "anchor": [263],
            "offset": [0.06, 0.3], "width": 0.11}]
    return Package("glam_night", manifest("Glam Night", "A whole evening look: berry lips, sculpted skin, "
                                          "golden highlighter with glitter, film colour.", els, look=look),
                   {"highlight.png": c.rgba(), "star.png": m.rgba()})


def halo(cn: np.ndarray, uv: np.ndarray) -> Package:
    size = 448
    c = Canvas(size, size)
    cx = cy = size / 2
    R = 196
    outer = poly_mask(size, size, [ellipse_pts(cx, cy, R, R, 0, 256)])
    inner = poly_mask(size, size, [ellipse_pts(cx, cy, R - 16, R - 16, 0, 256)])
    ring = np.clip(outer - inner, 0, 1)
    disc = poly_mask(size, size, [ellipse_pts(cx, cy, R - 16, R - 16, 0, 256)])
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    ang = np.arctan2(y - cy, x - cx)
    rays = (0.5 + 0.5 * np.cos(ang * 24)) ** 3
    rr = np.hypot(x - cx, y - cy) / R
    c.over(radial(size, size, (cx, cy), R, [(0, "#fff6d0"), (1, "#ffd36a")]), disc * (0.18 + 0.22 * rays * rr))
    c.glow(ring, 8, "#ffe9a0", 0.6)
    c.over(linear(size, size, (0, cy - R), (0, cy + R), [(0, "#fff4c0"), (0.5, "#f2c14e"), (1, "#d99a1e")]), ring)
    c.over("#ffffff", np.clip(shade(size, size, ring, (0, -1), 2), 0, 1), 0.6)
    # motes drifting round the ring: a seamless 8-frame loop
    rng = np.random.default_rng(13)
    motes = [(rng.uniform(0, 2 * math.pi), rng.uniform(R - 30, R + 18), rng.uniform(2, 5), rng.uniform(0, 1))
             for _ in range(14)]
    frames = []
    for i in range(8):
        t = i / 8
        f = Canvas(size, size)
        for a0, rad, r, ph in motes:
            a = a0 + 2 * math.pi * t / 7  # drifts 1/7 turn per loop, one step of a 7-fold pattern
            k = 0.5 + 0.5 * math.sin(2 * math.pi * (t + ph))
            m = poly_mask(size, size, [ellipse_pts(cx + rad * math.cos(a), cy + rad * math.sin(a), r, r, 0, 16)])
            f.glow(m, 3, "#fff2b0", 0.7 * k)
            f.over("#fffbe8", m, 0.4 + 0.6 * k)
        frames.append(f.rgba())
    ring_el = {"type": "sticker", "id": "halo", "z": -20, "frames": ["halo.png"], "anchor": [151],
               "offset": [0.0, 0.12], "width": 2.3, "foreshorten": False}
    mote_el = dict(ring_el, id="motes", z=-10, frames=[f"mote_{i}.png" for i in range(8)], fps=8, opacity=0.9)
    images = {"halo.png": shrink(c.rgba(), 384, 384)}
    images.update({f"mote_{i}.png": shrink(f, 384, 384) for i, f in enumerate(frames)})
    return Package("halo", manifest("Halo", "A glowing golden halo behind the head (the face hides its lower arc).",
                                    [ring_el, mote_el]), images)


PACKAGES: list[Callable[[np.ndarray, np.ndarray], Package]] = [
    bunny_ears, cat_face, flower_crown, round_glasses, sunglasses, party_hat, crown, heart_burst, blink_sparkles,
    rising_stars, blush_smile, freckles, tiger_paint, clown_paint, glam, halo,
]


# --------------------------------------------------------------------------------------------- output

def png_bytes(rgba: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def to_json(value: Any, indent: int = 0) -> str:
    """JSON with objects one key per line and lists of plain values on one line (readable manifests)."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {to_json(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}" if items else "{}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(f"{inner}{to_json(v, indent + 2)}" for v in value) + f"\n{pad}]"
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def manifest_bytes(m: dict[str, Any]) -> bytes:
    return (to_json(m) + "\n").encode("utf-8")


def build() -> list[Package]:
    cn, uv = load_canonical(), load_uv()
    return [make(cn, uv) for make in PACKAGES]


def write(packages: list[Package], out: Path) -> int:
    total = 0
    out.mkdir(parents=True, exist_ok=True)
    wanted = {p.id for p in packages}
    for old in sorted(out.iterdir()):  # packages no longer made go away
        if old.is_dir() and old.name not in wanted:
            shutil.rmtree(old)
    for p in packages:
        d = out / p.id
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        files = {"manifest.json": manifest_bytes(p.manifest)}
        files.update({name: png_bytes(img) for name, img in p.images.items()})
        for name, data in files.items():
            (d / name).write_bytes(data)
            total += len(data)
    return total


def checkerboard(h: int, w: int, cell: int = 12) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    v = np.where(((y // cell) + (x // cell)) % 2 == 0, 226, 244).astype(np.float32) / 255
    return np.dstack([v, v, v])


class Mannequin:
    """A small reference picture of the format for the contact sheet: the canonical face seen from the
    front (yaw 0, no roll, no motion), Gouraud-shaded, face masks sampled through the UV layout, stickers
    placed by the manifest's rules. The engine's renderer is the real implementation."""

    def __init__(self, canonical: np.ndarray, size: int = 300, unit: float = 64.0, ss: int = 2) -> None:
        topo = json.loads(TOPOLOGY.read_text())
        self.size, self.ss = size, ss
        self.unit = unit * ss  # pixels per face unit, rendered at ss x and reduced at the end
        big = size * ss
        self.origin = np.array([big / 2, big * 0.66])
        self.cn = canonical
        self.xy = canonical[:, :2] * self.unit + self.origin
        tris = np.array(topo["triangles"], np.int64)
        uv = np.array(topo["uv"], np.float64)
        self.oval_mask = np.zeros((big, big), np.float32)
        cv2.fillPoly(self.oval_mask, [np.round(self.xy[topo["face_oval"]] * 16).astype(np.int32)], 1.0,
                     cv2.LINE_AA, 4)
        # triangle ids, far to near, then barycentric coordinates per covered pixel
        ids = np.full((big, big), -1, np.int32)
        a, b, c = (self.xy[tris[:, k]] for k in range(3))
        facing = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]) < 0
        for t in np.argsort(-canonical[tris].mean(axis=1)[:, 2], kind="stable"):
            if facing[t]:  # counter-clockwise as displayed: seen from the front (folds face away)
                cv2.fillConvexPoly(ids, np.round(self.xy[tris[t]] * 16).astype(np.int32), int(t), cv2.LINE_8, 4)
        ys, xs = np.nonzero(ids >= 0)
        tri = tris[ids[ys, xs]]
        a, b, c = self.xy[tri[:, 0]], self.xy[tri[:, 1]], self.xy[tri[:, 2]]
        p = np.stack([xs + 0.5, ys + 0.5], axis=1)
        v0, v1, v2 = b - a, c - a, p - a
        den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
        l1 = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / den
        l2 = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / den
        bary = np.clip(np.stack([1 - l1 - l2, l1, l2], axis=1), 0, 1)
        bary /= bary.sum(axis=1, keepdims=True)
        self.pix = (ys, xs)
        self.pix_uv = np.einsum("nk,nkd->nd", bary, uv[tri])
        # vertex normals (the camera looks along +z) and a light from the upper left front
        fn = np.cross(canonical[tris[:, 1]] - canonical[tris[:, 0]], canonical[tris[:, 2]] - canonical[tris[:, 0]])
        vn = np.zeros_like(canonical)
        for k in range(3):
            np.add.at(vn, tris[:, k], fn)
        vn /= np.linalg.norm(vn, axis=1, keepdims=True)
        light = np.array([-0.35, -0.45, -0.82])
        vshade = 0.45 + 0.55 * np.clip(vn @ (light / np.linalg.norm(light)), 0, 1)
        self.pix_shade = np.einsum("nk,nk->n", bary, vshade[tri]).astype(np.float32)

    def render(self, package: Package) -> np.ndarray:
        big = self.size * self.ss
        img = cv2.resize(checkerboard(self.size, self.size), (big, big), interpolation=cv2.INTER_NEAREST)
        head = np.zeros((big, big), np.float32)  # a plain head behind the face: hats need something to sit on
        hc = self.origin + np.array([0.0, -0.3]) * self.unit
        cv2.ellipse(head, (int(hc[0]), int(hc[1])), (int(0.84 * self.unit), int(1.2 * self.unit)), 0, 0, 360, 1.0, -1,
                    cv2.LINE_AA)
        img = img * (1 - head[..., None]) + np.array([0.40, 0.33, 0.30], np.float32) * head[..., None]
        ys, xs = self.pix
        face = img.copy()
        face[ys, xs] = np.array([0.96, 0.82, 0.73], np.float32) * self.pix_shade[:, None]
        img = img * (1 - self.oval_mask[..., None]) + face * self.oval_mask[..., None]
        for el in sorted(package.manifest["elements"], key=lambda e: e.get("z", 0)):  # stable: ties keep order
            op = float(el.get("opacity", 1.0))
            if el["type"] == "face_mask":
                tex = package.images[el["texture"]].astype(np.float32) / 255
                th, tw = tex.shape[:2]
                mx = np.full((big, big), -1.0, np.float32)
                my = np.full((big, big), -1.0, np.float32)
                mx[ys, xs] = self.pix_uv[:, 0] * tw - 0.5
                my[ys, xs] = self.pix_uv[:, 1] * th - 0.5
                smp = cv2.remap(tex, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)[ys, xs]
                base = img[ys, xs]
                blend = el.get("blend", "normal")
                col = smp[:, :3] if blend == "normal" else (
                    base * smp[:, :3] if blend == "multiply" else 1 - (1 - base) * (1 - smp[:, :3]))
                al = (smp[:, 3] * op)[:, None]
                img[ys, xs] = base * (1 - al) + col * al
                continue
            frames = el["frames"]
            rgba = package.images[frames[len(frames) // 2]].astype(np.float32) / 255  # a representative frame
            sh, sw = rgba.shape[:2]
            pos = (self.cn[el["anchor"], :2].mean(axis=0) + np.array(el.get("offset", [0.0, 0.0]))) * self.unit
            pos += self.origin
            k = el["width"] * self.unit / sw
            pu, pv = el.get("pivot", [0.5, 0.5])
            m = np.float32([[k, 0, pos[0] - k * pu * sw], [0, k, pos[1] - k * pv * sh]])
            pm = np.dstack([rgba[..., :3] * rgba[..., 3:], rgba[..., 3:]])
            warped = cv2.warpAffine(pm, m, (big, big), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT)
            weight = np.full((big, big), op, np.float32)
            if el.get("z", 0) < 0:
                weight *= 1 - self.oval_mask  # behind the head: the face hides it
            img = warped[..., :3] * weight[..., None] + img * (1 - (warped[..., 3] * weight)[..., None])
        small = cv2.resize(img, (self.size, self.size), interpolation=cv2.INTER_AREA)
        return np.clip(np.round(small * 255), 0, 255).astype(np.uint8)


def sheet(packages: list[Package], canonical: np.ndarray) -> np.ndarray:
    """Every package on the canonical face over a checkerboard, with its name (RGB)."""
    cols, label_h, gap = 4, 24, 6
    man = Mannequin(canonical)
    cell = man.size
    rows = math.ceil(len(packages) / cols)
    img = np.full((rows * (cell + label_h) + gap, cols * (cell + gap) + gap, 3), 255, np.uint8)
    for k, p in enumerate(packages):
        x0, y0 = gap + (k % cols) * (cell + gap), gap + (k // cols) * (cell + label_h)
        img[y0:y0 + cell, x0:x0 + cell] = man.render(p)
        cv2.putText(img, f"{p.manifest['name']} ({p.id})", (x0 + 2, y0 + cell + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (50, 50, 50), 1, cv2.LINE_AA)
    return img


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet PNG of every package")
    args = parser.parse_args()
    packages = build()
    total = write(packages, args.out)
    print(f"wrote {len(packages)} packages, {total / 1024:.0f} KiB, into {args.out}")
    if args.sheet:
        rgb = sheet(packages, load_canonical())
        ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if not ok:
            raise RuntimeError("PNG encoding failed")
        args.sheet.write_bytes(buf.tobytes())
        print(f"wrote {args.sheet} ({len(buf) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
