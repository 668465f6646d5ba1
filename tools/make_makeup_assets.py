"""Draws meiyan's bundled makeup masks (bindings/meiyan/data/makeup/*.png) in the face UV layout.

Each mask is a square greyscale+alpha PNG painted in the layout of docs/face_uv_layout.md: the alpha
channel is the coverage of the makeup layer (0 leaves the face as it is), the grey channel is black
ink that only makes the file readable in an image viewer. The engine draws the mask through the
tracked face mesh and blends the layer's colour under it (MakeupParams: eyeshadow, eyeliner, lashes,
contour, highlight), so the makeup turns and deforms with each face.

Everything is placed on the landmarks of bindings/meiyan/data/face_topology.json (the UV of each mesh
vertex): the upper-lid contour for eyeliner and lashes, the lid up to the crease ring for eyeshadow,
the cheekbone, jaw and nose vertices for contour and highlight. Shapes are drawn for the subject's
right side and mirrored onto the left through the mesh's own symmetric vertices, so both sides follow
their landmarks exactly. The art is procedural and the project's own (CC0-1.0).

Deterministic: NumPy only (float64 arithmetic, seeded jitter) and a fixed PNG encoder, so a rerun writes
byte-identical files. tests/test_makeup_assets.py regenerates them and compares.

Run: python tools/make_makeup_assets.py [--out DIR] [--sheet docs/makeup_sheet.jpg]
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "bindings" / "meiyan" / "data" / "makeup"
TOPOLOGY = ROOT / "bindings" / "meiyan" / "data" / "face_topology.json"

# Fine strokes (liner, lashes) at 1024 px, soft fills at 512 px (docs/face_uv_layout.md).
SIZES = {"eyeshadow": 512, "eyeliner": 1024, "lashes": 1024, "contour": 512, "highlight": 512}

# The subject's right eye (left in the layout), from the outer corner (33) to the inner one (133).
UPPER_LID = [33, 246, 161, 160, 159, 158, 157, 173, 133]
LOWER_LID = [33, 7, 163, 144, 145, 153, 154, 155, 133]
CREASE = [113, 225, 224, 223, 222, 221, 189]  # the vertex ring between the lid and the brow, outer to inner


class Topology:
    """The UV of every vertex, the contours, and the mirror image of each vertex."""

    def __init__(self) -> None:
        data = json.loads(TOPOLOGY.read_text())
        self.uv = np.array(data["uv"], np.float64)
        self.contours = {k: list(v) for k, v in data["contours"].items()}
        self.oval = list(data["face_oval"])
        # The layout is symmetric about the line halfway between the outer eye corners; each vertex's
        # mirror is the vertex nearest to its reflection (the mesh is symmetric: within 0.002 UV).
        axis = (self.uv[33, 0] + self.uv[263, 0]) / 2
        reflected = np.stack([2 * axis - self.uv[:, 0], self.uv[:, 1]], axis=1)
        d = np.linalg.norm(reflected[:, None, :] - self.uv[None, :, :], axis=2)
        self.mirror = d.argmin(axis=1)
        self.axis = axis

    def pts(self, ids: list[int], side: int) -> np.ndarray:
        """UV points of right-side landmarks (side 0) or of their mirror images (side 1)."""
        return self.uv[[int(self.mirror[i]) for i in ids] if side else ids]

    def out(self, side: int) -> float:
        """The direction, in u, away from the face's midline on that side."""
        return -1.0 if side == 0 else 1.0


# ------------------------------------------------------------------------------------------ geometry

def catmull_rom(points: np.ndarray, per_segment: int = 16) -> np.ndarray:
    """A smooth curve through the points (uniform Catmull-Rom, the end points repeated)."""
    p = np.asarray(points, np.float64)
    padded = np.vstack([p[:1], p, p[-1:]])
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None]
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(p[-1:])
    return np.vstack(out)


def arc_param(path: np.ndarray) -> np.ndarray:
    """0..1 along the polyline by length."""
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    return s / s[-1]


def up_normals(path: np.ndarray) -> np.ndarray:
    """Unit normals of a roughly horizontal polyline, on its upper side (towards smaller v)."""
    d = np.gradient(path, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True) + 1e-12
    n = np.stack([d[:, 1], -d[:, 0]], axis=1)
    return -n if n[:, 1].mean() > 0 else n


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


class Canvas:
    """A coverage image (0..1) of the UV square at `size` px; shapes are drawn into bounding boxes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.a = np.zeros((size, size), np.float64)

    def box(self, lo: np.ndarray, hi: np.ndarray, pad: float) -> tuple[slice, slice, np.ndarray, np.ndarray] | None:
        """The pixels of the UV box [lo - pad, hi + pad] and their centres in UV."""
        s = self.size
        x0, y0 = (np.floor((lo - pad) * s)).astype(int)
        x1, y1 = (np.ceil((hi + pad) * s)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, s), min(y1, s)
        if x0 >= x1 or y0 >= y1:
            return None
        u = (np.arange(x0, x1) + 0.5) / s
        v = (np.arange(y0, y1) + 0.5) / s
        uu, vv = np.meshgrid(u, v)
        return slice(y0, y1), slice(x0, x1), uu, vv

    def add(self, rows: slice, cols: slice, cover: np.ndarray, mode: str = "max") -> None:
        cur = self.a[rows, cols]
        if mode == "max":
            self.a[rows, cols] = np.maximum(cur, cover)
        else:  # "over": coverage composited like paint
            self.a[rows, cols] = cur + cover * (1 - cur)

    def multiply(self, factor: np.ndarray) -> None:
        self.a *= factor


def polyline_distance(uu: np.ndarray, vv: np.ndarray, path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to the polyline, and the arc parameter (0..1) of the nearest point."""
    t_path = arc_param(path)
    best = np.full(uu.shape, np.inf)
    best_t = np.zeros(uu.shape)
    for i in range(len(path) - 1):
        a, b = path[i], path[i + 1]
        ab = b - a
        den = float(ab @ ab)
        if den <= 0:
            continue
        k = np.clip(((uu - a[0]) * ab[0] + (vv - a[1]) * ab[1]) / den, 0.0, 1.0)
        d = np.hypot(uu - (a[0] + k * ab[0]), vv - (a[1] + k * ab[1]))
        closer = d < best
        best = np.where(closer, d, best)
        best_t = np.where(closer, t_path[i] + k * (t_path[i + 1] - t_path[i]), best_t)
    return best, best_t


def inside_polygon(uu: np.ndarray, vv: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd rule."""
    inside = np.zeros(uu.shape, bool)
    n = len(poly)
    for i in range(n):
        (xa, ya), (xb, yb) = poly[i], poly[(i + 1) % n]
        if ya == yb:
            continue
        crosses = (ya > vv) != (yb > vv)
        x_at = xa + (vv - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (uu < x_at)
    return inside


def signed_distance(uu: np.ndarray, vv: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Negative inside the closed polygon, positive outside (UV units)."""
    closed = np.vstack([poly, poly[:1]])
    d, _ = polyline_distance(uu, vv, closed)
    return np.where(inside_polygon(uu, vv, poly), -d, d)


def fill(c: Canvas, poly: np.ndarray, feather: float, strength: float | Callable[..., np.ndarray] = 1.0,
         mode: str = "max") -> None:
    """A polygon with its edge feathered over `feather` UV (0: anti-aliased over one pixel).
    `strength` is a number or a function of (u, v) giving the density inside."""
    edge = max(feather, 1.0 / c.size)
    r = c.box(poly.min(axis=0), poly.max(axis=0), edge)
    if r is None:
        return
    rows, cols, uu, vv = r
    sd = signed_distance(uu, vv, poly)
    cover = 1.0 - smoothstep(-edge / 2, edge / 2, sd)
    k = strength(uu, vv) if callable(strength) else strength
    c.add(rows, cols, cover * k, mode)


def stroke(c: Canvas, path: np.ndarray, width: Callable[[np.ndarray], np.ndarray], strength: float = 1.0,
           soft: float = 0.0, mode: str = "max") -> None:
    """A stroke along the polyline whose full width (UV) at arc parameter t is width(t); the edge is
    anti-aliased over one pixel, or feathered over `soft` UV."""
    wmax = float(np.max(width(np.linspace(0, 1, 64))))
    edge = max(soft, 1.0 / c.size)
    r = c.box(path.min(axis=0), path.max(axis=0), wmax / 2 + edge)
    if r is None:
        return
    rows, cols, uu, vv = r
    d, t = polyline_distance(uu, vv, path)
    sd = d - width(t) / 2
    cover = 1.0 - smoothstep(-edge / 2, edge / 2, sd)
    c.add(rows, cols, cover * strength, mode)


# ------------------------------------------------------------------------------------------- regions

def lid_path(topo: Topology, side: int) -> np.ndarray:
    """The upper lash line, outer corner to inner corner, smoothed."""
    return catmull_rom(topo.pts(UPPER_LID, side), 12)


def keep_out(topo: Topology, c: Canvas, feather: float, parts: tuple[str, ...]) -> None:
    """Fades the canvas to 0 inside the named regions and up to two texels around them (so that bilinear
    sampling inside a region reads only zeros), back to full over `feather` UV."""
    s = c.size
    gap = 2.0 / s
    u = (np.arange(s) + 0.5) / s
    uu, vv = np.meshgrid(u, u)
    polys = {
        "eyes": [topo.uv[topo.contours["right_eye"]], topo.uv[topo.contours["left_eye"]]],
        "lips": [topo.uv[topo.contours["lips_outer"]]],
        "brows": [topo.uv[topo.contours["right_brow"]], topo.uv[topo.contours["left_brow"]]],
    }
    for part in parts:
        for poly in polys[part]:
            lo, hi = poly.min(axis=0) - 2 * feather, poly.max(axis=0) + 2 * feather
            sel = (uu >= lo[0]) & (uu <= hi[0]) & (vv >= lo[1]) & (vv <= hi[1])
            sd = signed_distance(uu[sel], vv[sel], poly)
            c.a[sel] *= smoothstep(gap, gap + feather, sd)


# --------------------------------------------------------------------------------------------- masks

def eyeshadow(topo: Topology) -> np.ndarray:
    """The lid from the lash line up to the crease ring, deepest at the outer corner and along the lash
    line, fading towards the crease and the inner corner, with a soft wing past the outer corner."""
    c = Canvas(SIZES["eyeshadow"])
    for side in (0, 1):
        lid = lid_path(topo, side)  # outer -> inner
        crease = catmull_rom(topo.pts(CREASE, side), 12)  # outer -> inner
        outer, inner = topo.pts([33], side)[0], topo.pts([133], side)[0]
        o = topo.out(side)
        wing = outer + np.array([0.022 * o, -0.012])
        # the lid region: lash line, around the inner corner, back along the crease, out to the wing
        poly = np.vstack([lid[::-1], crease[::-1] + [0.0, -0.008], [wing]])
        width = abs(inner[0] - outer[0])
        top = float(crease[:, 1].min())

        def density(uu: np.ndarray, vv: np.ndarray, outer: np.ndarray = outer, width: float = width,
                    top: float = top, o: float = o) -> np.ndarray:
            along = np.clip((uu - outer[0]) * -o / width, -0.3, 1.0)  # 0 at the outer corner, 1 at the inner
            lift = np.clip((vv - top) / (outer[1] - top), 0.0, 1.0)  # 0 at the crease, 1 at the lash line
            return (0.6 + 0.4 * (1 - smoothstep(0.0, 1.0, along))) * (0.5 + 0.5 * lift)

        fill(c, poly, 0.014, density)
    keep_out(topo, c, 0.012, ("brows",))
    return c.a


def eyeliner(topo: Topology) -> np.ndarray:
    """A thin line on the upper lash line, thickening towards the outer corner and swept out and up
    into a short wing."""
    c = Canvas(SIZES["eyeliner"])
    for side in (0, 1):
        lid = lid_path(topo, side)[::-1]  # inner -> outer
        outer = lid[-1]
        o = topo.out(side)
        tip = outer + np.array([0.030 * o, -0.013])
        # Lift the line off the lid contour by part of its width so it sits on the lid (the eye
        # opening is a hole in the mesh: paint there never shows).
        t = arc_param(lid)
        w = 0.0018 + 0.0042 * smoothstep(0.0, 1.0, t)
        upper = lid + up_normals(lid) * (w[:, None] * 1.0)
        # the upper edge leads into the wing tip; the lower edge runs out along the lash line
        lower = lid + up_normals(lid) * (-0.0012)
        wing_top = catmull_rom(np.array([upper[-1], upper[-1] + (tip - upper[-1]) * 0.55
                                         + [0.0, -0.0015], tip]), 10)
        wing_bottom = catmull_rom(np.array([lower[-1], lower[-1] + (tip - lower[-1]) * 0.5 + [0.0, 0.0015], tip]), 10)
        poly = np.vstack([upper, wing_top[1:], wing_bottom[::-1][1:-1], lower[::-1]])
        fill(c, poly, 0.0)
    return c.a


def lashes(topo: Topology) -> np.ndarray:
    """Fine tapered strokes rooted on the upper lash line, curving out and up; longer, denser and more
    swept towards the outer corner. Seeded jitter keeps them from looking combed."""
    c = Canvas(SIZES["lashes"])
    rng = np.random.default_rng(2024)
    count = 34
    jitter = rng.uniform(-1.0, 1.0, (count, 3))
    for side in (0, 1):
        lid = lid_path(topo, side)[::-1]  # inner -> outer
        nrm = up_normals(lid)
        t_lid = arc_param(lid)
        o = topo.out(side)
        for k in range(count):
            s = 0.06 + 0.94 * (k + 0.5 + 0.35 * jitter[k, 0]) / count  # root position along the line
            s = s**0.8  # denser towards the outer corner
            root = np.array([np.interp(s, t_lid, lid[:, 0]), np.interp(s, t_lid, lid[:, 1])])
            n = np.array([np.interp(s, t_lid, nrm[:, 0]), np.interp(s, t_lid, nrm[:, 1])])
            n /= np.linalg.norm(n)
            length = (0.007 + 0.009 * s**1.5) * (1 + 0.12 * jitter[k, 1])
            sweep = (0.15 + 0.85 * s**2) * (0.9 + 0.1 * jitter[k, 2])  # lean towards the outer side
            out = np.array([o, 0.0])
            d0 = n * (1 - 0.45 * sweep) + out * 0.45 * sweep
            d1 = n * (1 - 0.8 * sweep) + out * 0.8 * sweep + np.array([0.0, -0.2])  # the tip curls up
            d0 /= np.linalg.norm(d0)
            d1 /= np.linalg.norm(d1)
            root = root - n * 0.0010  # start just inside the line, under the liner
            p1 = root + d0 * length * 0.5
            p2 = p1 + d1 * length * 0.5
            path = catmull_rom(np.array([root, p1, p2]), 8)
            base = 0.0030 + 0.0008 * s

            def width(t: np.ndarray, base: float = base) -> np.ndarray:
                return base * (1 - 0.8 * t)

            stroke(c, path, width, 0.95, mode="over")
    return c.a


def contour(topo: Topology) -> np.ndarray:
    """Soft shading under the cheekbones (from the ear towards the mouth corner), along the sides of
    the jaw, and down both sides of the nose. Never on the eyes, the brows or the lips."""
    c = Canvas(SIZES["contour"])
    for side in (0, 1):
        def at(ids: list[int], du: float = 0.0, dv: float = 0.0, side: int = side) -> np.ndarray:
            p = topo.pts(ids, side).mean(axis=0)
            return p + np.array([du * topo.out(side), dv])

        # cheek hollow: below the cheekbone line (116-117-118), from the side of the face inwards
        hollow = catmull_rom(np.array([at([234], 0.0, 0.040), at([137], 0.0, 0.010), at([123], 0.004, 0.030),
                                       at([187], 0.012, -0.006)]), 16)
        stroke(c, hollow, lambda t: 0.052 * (1 - 0.55 * t), 0.85, soft=0.034)
        # jaw: along the jawline, inside the oval, fading towards the chin
        # (inset from the oval, where the skin still faces the camera: at the edge a band turns to a line)
        jaw = catmull_rom(np.array([at([132], -0.030, 0.0), at([58], -0.030, -0.004), at([172], -0.026, -0.016),
                                    at([136], -0.016, -0.026), at([150], -0.006, -0.030)]), 16)
        stroke(c, jaw, lambda t: 0.050 * (1 - 0.5 * t), 0.65, soft=0.040)
        # nose side: a narrow line down the side wall of the bridge
        nose = catmull_rom(np.array([at([193], -0.004, 0.022), at([188], 0.0, 0.0), at([174], 0.0, 0.0),
                                     at([236], 0.0, 0.0), at([134], 0.002, 0.002)]), 16)
        stroke(c, nose, lambda t: 0.014 * np.sin(np.pi * np.clip(t, 0.08, 0.92)) ** 0.5, 0.4, soft=0.016)
    keep_out(topo, c, 0.02, ("eyes", "lips", "brows"))
    return c.a


def highlight(topo: Topology) -> np.ndarray:
    """Light on the tops of the cheekbones, down the nose bridge, on the brow bone under the arch and on
    the cupid's bow. Never on the eyes or the lips."""
    c = Canvas(SIZES["highlight"])
    lips = topo.contours["lips_outer"]
    for side in (0, 1):
        def at(ids: list[int], du: float = 0.0, dv: float = 0.0, side: int = side) -> np.ndarray:
            p = topo.pts(ids, side).mean(axis=0)
            return p + np.array([du * topo.out(side), dv])

        cheekbone = catmull_rom(np.array([at([227], -0.004, -0.022), at([116], 0.0, -0.004), at([117], 0.0, 0.002),
                                          at([118], -0.004, 0.010)]), 16)
        stroke(c, cheekbone, lambda t: 0.036 * np.sin(np.pi * np.clip(t, 0.1, 0.9)) ** 0.6, 0.9, soft=0.026)
        # brow bone: between the brow's lower edge and the crease ring, under the arch
        brow_bone = catmull_rom(np.array([at([46], 0.0, 0.010), at([53], 0.0, 0.011), at([52], 0.0, 0.012),
                                          at([65], 0.0, 0.012)]), 16)
        stroke(c, brow_bone, lambda t: 0.010 * np.sin(np.pi * np.clip(t, 0.1, 0.9)) ** 0.5, 0.7, soft=0.008)
    # nose bridge: the midline from between the eyes to above the tip, and a dot on the tip
    bridge = catmull_rom(topo.uv[[168, 6, 197, 195, 5]], 16)
    stroke(c, bridge, lambda t: 0.012 * (0.6 + 0.4 * np.sin(np.pi * t)), 0.8, soft=0.010)
    tip = topo.uv[4]
    stroke(c, np.array([tip + [-0.004, 0.0], tip + [0.004, 0.0]]), lambda t: np.full_like(t, 0.010), 0.6, soft=0.010)
    # cupid's bow: just above the peaks of the upper lip's outline
    bow_ids = [39, 37, 0, 267, 269]
    bow = catmull_rom(topo.uv[bow_ids] + [0.0, -0.009], 10)
    stroke(c, bow, lambda t: 0.007 * np.sin(np.pi * np.clip(t, 0.05, 0.95)) ** 0.5, 0.75, soft=0.006)
    assert all(i in lips for i in bow_ids)
    keep_out(topo, c, 0.012, ("eyes",))
    keep_out(topo, c, 0.006, ("lips", "brows"))
    return c.a


MASKS: dict[str, Callable[[Topology], np.ndarray]] = {
    "eyeshadow": eyeshadow, "eyeliner": eyeliner, "lashes": lashes, "contour": contour, "highlight": highlight,
}


# -------------------------------------------------------------------------------------------- output

def to_u8(cover: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(cover * 255 + 0.5), 0, 255).astype(np.uint8)


def png_grey_alpha(alpha: np.ndarray) -> bytes:
    """An 8-bit greyscale+alpha PNG (colour type 4): black ink, the coverage in alpha. Rows use the
    'up' filter, compressed by zlib at level 9: the same bytes for the same pixels."""
    h, w = alpha.shape
    raw = np.zeros((h, w, 2), np.uint8)
    raw[..., 1] = alpha
    rows = raw.reshape(h, w * 2).astype(np.int16)
    up = np.vstack([rows[:1], (rows[1:] - rows[:-1]) & 0xFF]).astype(np.uint8)
    filt = np.full((h, 1), 2, np.uint8)
    filt[0] = 0  # the first row has no row above: stored unfiltered
    payload = np.hstack([filt, up]).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 4, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(payload, 9))
            + chunk(b"IEND", b""))


def clip_to_oval(topo: Topology, cover: np.ndarray) -> np.ndarray:
    """Paint outside the face oval never shows (docs/face_uv_layout.md): cut there, anti-aliased."""
    s = cover.shape[0]
    u = (np.arange(s) + 0.5) / s
    uu, vv = np.meshgrid(u, u)
    oval = topo.uv[topo.oval]
    return cover * (1.0 - smoothstep(-0.5 / s, 0.5 / s, signed_distance(uu, vv, oval)))


def build() -> dict[str, np.ndarray]:
    topo = Topology()
    return {name: to_u8(clip_to_oval(topo, make(topo))) for name, make in MASKS.items()}


def write(masks: dict[str, np.ndarray], out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, alpha in masks.items():
        data = png_grey_alpha(alpha)
        (out / f"{name}.png").write_bytes(data)
        total += len(data)
    return total


def sheet(masks: dict[str, np.ndarray], path: Path) -> None:
    """The masks on the UV template (each layer in a colour of its own) and the bundled look applied to
    the portrait sample by the CPU renderer, one layer per tile. Needs the built meiyan and OpenCV."""
    import cv2

    import meiyan

    template = cv2.imread(str(ROOT / "docs" / "face_uv_template.png"), cv2.IMREAD_COLOR)
    tile = 256
    colours = {"eyeshadow": (140, 80, 150), "eyeliner": (20, 20, 20), "lashes": (0, 0, 0),
               "contour": (60, 90, 140), "highlight": (120, 230, 255)}  # BGR
    uv = cv2.resize(template, (1024, 1024), interpolation=cv2.INTER_AREA).astype(np.float32)
    uv = 255 - (255 - uv) * 0.35  # a pale template under the paint
    for name, alpha in masks.items():
        a = cv2.resize(alpha, (1024, 1024), interpolation=cv2.INTER_AREA).astype(np.float32)[..., None] / 255
        uv = uv * (1 - a) + np.array(colours[name], np.float32) * a
    uv_tile = cv2.resize(uv[120:880, 40:984], (tile * 944 // 760, tile), interpolation=cv2.INTER_AREA)

    image = cv2.imread(str(Path(meiyan.__file__).parent / "data" / "samples" / "portrait.png"), cv2.IMREAD_COLOR)
    faces = meiyan.FaceTracker(smoothing=False).track(image)
    lm = faces[0].landmarks
    lo, hi = lm[:, :2].min(0), lm[:, :2].max(0)
    centre, half = (lo + hi) / 2, (hi - lo).max() * 0.62
    x0, y0 = int(centre[0] - half), int(centre[1] - half)
    x1, y1 = int(centre[0] + half), int(centre[1] + half)

    def render(**layers: float) -> np.ndarray:
        engine = meiyan.Engine("cpu", makeup=meiyan.MakeupParams(**layers))
        engine.set_faces([lm])
        out = engine.process(image)[max(y0, 0):y1, max(x0, 0):x1]
        return cv2.resize(out, (tile, tile), interpolation=cv2.INTER_CUBIC)

    looks = [("none", {}), ("eyeshadow", {"eyeshadow": 1.0}), ("eyeliner", {"eyeliner": 1.0}),
             ("lashes", {"lashes": 1.0}), ("contour", {"contour": 1.0}), ("highlight", {"highlight": 1.0}),
             ("all five", {k: 0.8 for k in MASKS}), ("party preset makeup", dict(
                 (f.name, getattr(meiyan.load_preset("party").makeup, f.name))
                 for f in meiyan.MakeupParams.__dataclass_fields__.values()))]
    label_h = 22
    tiles = []
    for name, layers in looks:
        t = np.full((tile + label_h, tile, 3), 255, np.uint8)
        t[:tile] = render(**layers)
        cv2.putText(t, name, (4, tile + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (40, 40, 40), 1, cv2.LINE_AA)
        tiles.append(t)
    row1 = np.hstack(tiles[:4])
    row2 = np.hstack(tiles[4:])
    top = np.full((tile + label_h, row1.shape[1], 3), 255, np.uint8)
    top[:tile, :uv_tile.shape[1]] = uv_tile.astype(np.uint8)
    cv2.putText(top, "the five masks in the face UV layout (docs/face_uv_layout.md)", (uv_tile.shape[1] + 12, 30),
                cv2.FONT_HERSHEY_SIMPLEX, 0.5, (40, 40, 40), 1, cv2.LINE_AA)
    for k, name in enumerate(colours):
        y = 60 + 26 * k
        cv2.rectangle(top, (uv_tile.shape[1] + 12, y - 12), (uv_tile.shape[1] + 28, y + 4), colours[name], -1)
        cv2.putText(top, name, (uv_tile.shape[1] + 36, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (40, 40, 40), 1,
                    cv2.LINE_AA)
    out = np.vstack([top, row1, row2])
    params = [cv2.IMWRITE_JPEG_QUALITY, 90] if path.suffix.lower() in (".jpg", ".jpeg") else [
        cv2.IMWRITE_PNG_COMPRESSION, 9]
    ok, buf = cv2.imencode(path.suffix, out, params)
    if not ok:
        raise RuntimeError(f"encoding {path.suffix} failed")
    path.write_bytes(buf.tobytes())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet, .jpg or .png (needs the built meiyan)")
    args = parser.parse_args()
    masks = build()
    total = write(masks, args.out)
    print(f"wrote {len(masks)} masks, {total / 1024:.0f} KiB, into {args.out}")
    if args.sheet:
        sheet(masks, args.sheet)
        print(f"wrote {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
