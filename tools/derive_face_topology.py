"""Derives the face mesh topology and meiyan's face UV layout.

Triangles: MediaPipe's 468-point face mesh comes with its triangulation only as an edge set
(FACEMESH_TESSELATION in mediapipe/python/solutions/face_mesh_connections.py of the mediapipe 0.10.21
wheel, Apache-2.0; the file is parsed as data, never imported or executed). The faces are the 3-cycles
of that graph minus the separating ones (a 3-cycle whose removal cuts vertices off is not a face).
The result is checked to be a consistently oriented 2-manifold with boundary: every edge in one or two
triangles, Euler characteristic V - E + F = 2 - b for its b boundary loops (the face oval, the two eyes
and the mouth), and it must equal the edge triples the source lists. Triangles are wound
counter-clockwise as seen from the camera, i.e. in the image as displayed (MediaPipe's winding): a
negative signed area in image / UV coordinates, where y grows downwards, and front-facing for GL's
default glFrontFace(GL_CCW) once y is flipped into clip space.

UV layout (our own): the canonical face (sdk_core/src/face/canonical_face.inc, inter-ocular distance 1)
is unrolled onto the least-squares cylinder around a vertical axis behind the nose: u is the arc length
around the axis, v the height, so the cheeks keep their width. The lip corners, where the lips roll
inwards, fold over in any projection; the few vertices of those triangles are relaxed towards their
neighbours until every triangle keeps its orientation with at least 5 % of the median area. The layout
is scaled uniformly to fit [MARGIN, 1 - MARGIN] and centred. docs/face_uv_layout.md documents it.

Outputs: sdk_core/src/face/face_topology.inc, bindings/meiyan/data/face_topology.json and
docs/face_uv_template.png (the picture designers paint over).
Run: python tools/derive_face_topology.py [--check]   (the mediapipe wheel comes from the source cache)
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import re
import sys
from collections import Counter, defaultdict, deque
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model_export.sources import MEDIAPIPE, read_member  # noqa: E402

CONNECTIONS = "mediapipe/python/solutions/face_mesh_connections.py"
CONNECTIONS_SHA256 = "cc7171e44d0612db38720cb2fd2516c395992cdd7457efe341543be6f3c22d87"
CANONICAL = ROOT / "sdk_core" / "src" / "face" / "canonical_face.inc"
OUT_INC = ROOT / "sdk_core" / "src" / "face" / "face_topology.inc"
OUT_JSON = ROOT / "bindings" / "meiyan" / "data" / "face_topology.json"
OUT_TEMPLATE = ROOT / "docs" / "face_uv_template.png"
N_VERTICES = 468
MARGIN = 0.06  # of the texture size, on the wider side of the layout
MIN_AREA_FRACTION = 0.05  # of the median triangle area in UV, after relaxation
TEMPLATE_SIZE = 1024
OVAL_START = 10  # the oval starts at the top of the forehead


class TopologyError(RuntimeError):
    """The source mesh does not have the structure the derivation relies on."""


@dataclasses.dataclass(frozen=True)
class Topology:
    triangles: np.ndarray  # (F, 3) int, counter-clockwise as displayed
    uv: np.ndarray  # (468, 2) float, rounded to 6 decimals
    oval: list[int]  # closed loop, same direction as the triangles' boundary
    contours: dict[str, list[int]]  # named landmark loops (lips, eyes, brows)
    relaxed: list[int]  # vertices moved off the cylindrical projection
    boundary_loops: int


def load_connections() -> dict[str, list[tuple[int, int]]]:
    """The frozenset([...]) constants of the pinned connections file, read with the AST (not executed)."""
    source = dataclasses.replace(MEDIAPIPE, members={CONNECTIONS: CONNECTIONS_SHA256})
    tree = ast.parse(read_member(source, CONNECTIONS).decode("utf-8"))
    out: dict[str, list[tuple[int, int]]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        call = node.value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "frozenset"
                and len(call.args) == 1 and isinstance(call.args[0], ast.List)):
            out[node.targets[0].id] = [(int(a), int(b)) for a, b in ast.literal_eval(call.args[0])]
    for name in ("FACEMESH_TESSELATION", "FACEMESH_FACE_OVAL", "FACEMESH_LIPS", "FACEMESH_LEFT_EYE",
                 "FACEMESH_RIGHT_EYE", "FACEMESH_LEFT_EYEBROW", "FACEMESH_RIGHT_EYEBROW"):
        if name not in out:
            raise TopologyError(f"{CONNECTIONS} has no {name}")
    return out


def load_canonical() -> np.ndarray:
    rows = [re.findall(r"-?\d+\.\d+", line) for line in CANONICAL.read_text().splitlines()
            if line.lstrip().startswith("{")]
    pts = np.array([[float(v) for v in row] for row in rows], dtype=np.float64)
    if pts.shape != (N_VERTICES, 3):
        raise TopologyError(f"{CANONICAL}: expected {N_VERTICES} x 3 values, got {pts.shape}")
    return pts


def recover_triangles(edges: set[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Faces of a triangulated surface given as its edge graph: the non-separating 3-cycles."""
    adj: dict[int, set[int]] = defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    cycles = sorted({tuple(sorted((a, b, c))) for a, b in edges for c in adj[a] & adj[b]})

    def separates(tri: tuple[int, ...]) -> bool:
        removed = set(tri)
        start = next(v for v in adj if v not in removed)
        seen, todo = {start}, deque([start])
        while todo:
            for w in adj[todo.popleft()]:
                if w not in seen and w not in removed:
                    seen.add(w)
                    todo.append(w)
        return len(seen) < len(adj) - 3

    return [(t[0], t[1], t[2]) for t in cycles if not separates(t)]


def edge_use(triangles: np.ndarray) -> Counter[tuple[int, int]]:
    use: Counter[tuple[int, int]] = Counter()
    for t in triangles:
        for i in range(3):
            a, b = int(t[i]), int(t[(i + 1) % 3])
            use[(min(a, b), max(a, b))] += 1
    return use


def orient(triangles: list[tuple[int, int, int]], points: np.ndarray) -> np.ndarray:
    """Consistent winding by propagation across shared edges; counter-clockwise as seen from the camera."""
    tris = [list(t) for t in triangles]
    by_edge: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, t in enumerate(tris):
        for k in range(3):
            a, b = t[k], t[(k + 1) % 3]
            by_edge[(min(a, b), max(a, b))].append(i)
    done = [False] * len(tris)
    for seed in range(len(tris)):
        if done[seed]:
            continue
        done[seed] = True
        todo = deque([seed])
        while todo:
            i = todo.popleft()
            t = tris[i]
            for k in range(3):
                a, b = t[k], t[(k + 1) % 3]
                for j in by_edge[(min(a, b), max(a, b))]:
                    if j == i:
                        continue
                    u = tris[j]
                    directed = {(u[m], u[(m + 1) % 3]) for m in range(3)}
                    if not done[j]:
                        if (a, b) in directed:
                            tris[j] = [u[0], u[2], u[1]]
                        done[j] = True
                        todo.append(j)
                    elif (a, b) in directed:
                        raise TopologyError(f"triangles {t} and {u} cannot be oriented consistently")
    out = np.array(tris, dtype=np.int64)
    if signed_areas(points[:, :2], out).sum() > 0:  # the face seen from the camera, image y down
        out = out[:, [0, 2, 1]]
    return out


def signed_areas(xy: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle in a y-down frame (negative = counter-clockwise as displayed)."""
    a, b, c = xy[triangles[:, 0]], xy[triangles[:, 1]], xy[triangles[:, 2]]
    return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])


def boundary_loops(triangles: np.ndarray) -> list[list[int]]:
    """Closed boundary loops, each in the direction its triangles traverse it."""
    directed = {(int(t[k]), int(t[(k + 1) % 3])) for t in triangles for k in range(3)}
    nxt: dict[int, int] = {}
    for a, b in directed:
        if (b, a) not in directed:
            if a in nxt:
                raise TopologyError(f"vertex {a} is on the boundary twice (a pinch)")
            nxt[a] = b
    loops, seen = [], set()
    for start in sorted(nxt):
        if start in seen:
            continue
        loop, v = [], start
        while v not in seen:
            seen.add(v)
            loop.append(v)
            v = nxt[v]
        if v != start:
            raise TopologyError(f"boundary through {start} is not a closed loop")
        loops.append(loop)
    return loops


def chain(edges: list[tuple[int, int]]) -> list[list[int]]:
    """Undirected edges -> maximal paths (or loops, first vertex not repeated), deterministic."""
    adj: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    if any(len(n) > 2 for n in adj.values()):
        raise TopologyError("a contour branches")
    paths, used = [], set()
    ends = sorted(v for v, n in adj.items() if len(n) == 1)
    for start in ends + sorted(adj):
        if start in used:
            continue
        path, prev, v = [start], -1, start
        used.add(start)
        while True:
            step = [w for w in sorted(adj[v]) if w != prev and w not in used]
            if not step:
                break
            prev, v = v, step[0]
            path.append(v)
            used.add(v)
        paths.append(path)
    return paths


def contour_loop(edges: list[tuple[int, int]], points: np.ndarray, start: int) -> list[int]:
    """A contour as a closed vertex loop from `start`, counter-clockwise as seen from the camera.

    The edges form one closed loop, or two open paths (an eyebrow's lower and upper line) that are
    joined end to end in the one way that gives a simple polygon.
    """
    paths = chain(edges)
    if len(paths) == 1:
        loop = paths[0]
        ends = (min(loop[0], loop[-1]), max(loop[0], loop[-1]))
        if ends not in {(min(a, b), max(a, b)) for a, b in edges} or len(loop) != len(edges):
            raise TopologyError(f"contour through {start} is not one closed loop")
    elif len(paths) == 2:
        a, b = paths
        simple = [lp for lp in (a + b, a + b[::-1]) if is_simple_polygon(points[lp, :2])]
        if len(simple) != 1:
            raise TopologyError(f"the two lines of the contour through {start} do not make one simple loop")
        loop = simple[0]
    else:
        raise TopologyError(f"contour through {start} has {len(paths)} pieces")
    if polygon_area(points[loop, :2]) > 0:
        loop = loop[::-1]
    i = loop.index(start)
    return loop[i:] + loop[:i]


def split_loops(edges: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Edges of several disjoint closed contours -> the edges of each."""
    return [[e for e in edges if e[0] in path] for path in chain(edges)]


def cylindrical_uv(points: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Unrolls the face onto the least-squares cylinder with a vertical axis in the plane x = 0."""
    x, z = points[:, 0], points[:, 2]
    # x^2 + (z - c)^2 = r^2  <=>  x^2 + z^2 = 2 c z + (r^2 - c^2): linear in (c, r^2 - c^2)
    a = np.stack([2 * z, np.ones_like(z)], axis=1)
    (c, k), *_ = np.linalg.lstsq(a, x**2 + z**2, rcond=None)
    r = float(np.sqrt(k + c * c))
    theta = np.arctan2(x, c - z)  # 0 straight ahead of the axis, towards the camera
    return np.stack([r * theta, points[:, 1]], axis=1), float(c), r


def relax_folds(uv: np.ndarray, triangles: np.ndarray, fixed: set[int], holes: list[list[int]]) -> tuple[
        np.ndarray, list[int]]:
    """Moves the vertices of folded or sliver triangles towards their neighbours until none is left.

    Holes get a virtual centre vertex so a vertex on a hole's rim has a full ring of neighbours.
    """
    ext = np.vstack([uv, [uv[h].mean(axis=0) for h in holes]])
    ring: dict[int, set[int]] = defaultdict(set)
    for t in triangles:
        for k in range(3):
            ring[int(t[k])].update((int(t[(k + 1) % 3]), int(t[(k + 2) % 3])))
    for h, loop in enumerate(holes):
        for v in loop:
            ring[v].add(N_VERTICES + h)
    rings = {v: sorted(n) for v, n in ring.items()}
    target = MIN_AREA_FRACTION * float(np.median(-signed_areas(uv, triangles)))
    moved: set[int] = set()
    for _ in range(1000):
        bad = np.nonzero(-signed_areas(ext[:N_VERTICES], triangles) < target)[0]
        if len(bad) == 0:
            return ext[:N_VERTICES], sorted(moved)
        for v in sorted({int(i) for i in triangles[bad].ravel()} - fixed):
            ext[v] += 0.2 * (ext[rings[v]].mean(axis=0) - ext[v])
            moved.add(v)
    raise TopologyError("relaxation did not unfold the layout")


def normalise(uv: np.ndarray) -> np.ndarray:
    lo, hi = uv.min(axis=0), uv.max(axis=0)
    scale = (1 - 2 * MARGIN) / float((hi - lo).max())
    return np.round(0.5 + (uv - (lo + hi) / 2) * scale, 6)


def segments_cross(p: np.ndarray, q: np.ndarray, r: np.ndarray, s: np.ndarray) -> bool:
    def cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))

    return cross(p, q, r) * cross(p, q, s) < 0 and cross(r, s, p) * cross(r, s, q) < 0


def is_simple_polygon(xy: np.ndarray) -> bool:
    n = len(xy)
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            if segments_cross(xy[i], xy[(i + 1) % n], xy[j], xy[(j + 1) % n]):
                return False
    return True


def polygon_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def derive() -> Topology:
    conn = load_connections()
    points = load_canonical()
    listed = conn["FACEMESH_TESSELATION"]
    edges = {(min(a, b), max(a, b)) for a, b in listed}
    if {v for e in edges for v in e} != set(range(N_VERTICES)):
        raise TopologyError("the tessellation does not use exactly the vertices 0..467")

    triangles = orient(recover_triangles(edges), points)
    use = edge_use(triangles)
    if set(use) != edges or not set(use.values()) <= {1, 2}:
        raise TopologyError(f"not a 2-manifold: edge use counts {sorted(Counter(use.values()).items())}")
    loops = boundary_loops(triangles)
    euler = N_VERTICES - len(edges) + len(triangles)
    if euler != 2 - len(loops):
        raise TopologyError(f"Euler characteristic {euler} does not match a sphere with {len(loops)} holes")
    # The source lists the triangulation as consecutive edge triples (a, b), (b, c), (c, a): the same faces.
    if len(listed) % 3 == 0:
        source = {frozenset((listed[i][0], listed[i][1], listed[i + 1][1])) for i in range(0, len(listed), 3)}
        if source != {frozenset(int(v) for v in t) for t in triangles}:
            raise TopologyError("recovered triangles differ from the edge triples the source lists")

    # deterministic order: each triangle starts at its smallest index (winding kept), then sorted
    rolled = np.array([np.roll(t, -int(np.argmin(t))) for t in triangles])
    triangles = rolled[np.lexsort((rolled[:, 2], rolled[:, 1], rolled[:, 0]))]

    outer = max(loops, key=len)
    oval = contour_loop(conn["FACEMESH_FACE_OVAL"], points, OVAL_START)
    if OVAL_START not in outer or oval != outer[outer.index(OVAL_START):] + outer[:outer.index(OVAL_START)]:
        raise TopologyError("FACEMESH_FACE_OVAL is not the outer boundary of the tessellation")
    holes = [loop for loop in loops if loop is not outer]

    flat, _, _ = cylindrical_uv(points)
    flat, relaxed = relax_folds(flat, triangles, set(oval), holes)
    uv = normalise(flat)

    lips = {min(loop_edges[0]): loop_edges for loop_edges in split_loops(conn["FACEMESH_LIPS"])}
    outer_lip = next(e for e in lips.values() if any(61 in edge for edge in e))
    inner_lip = next(e for e in lips.values() if any(78 in edge for edge in e))
    contours = {
        "lips_outer": contour_loop(outer_lip, points, 61),
        "lips_inner": contour_loop(inner_lip, points, 78),
        "right_eye": contour_loop(conn["FACEMESH_RIGHT_EYE"], points, 33),
        "left_eye": contour_loop(conn["FACEMESH_LEFT_EYE"], points, 263),
        "right_brow": contour_loop(conn["FACEMESH_RIGHT_EYEBROW"], points, 46),
        "left_brow": contour_loop(conn["FACEMESH_LEFT_EYEBROW"], points, 276),
    }
    topo = Topology(triangles, uv, oval, contours, relaxed, len(loops))
    check(topo, points)
    return topo


def check(topo: Topology, points: np.ndarray) -> None:
    """The properties docs/face_uv_layout.md promises; raises TopologyError otherwise."""
    tri, uv = topo.triangles, topo.uv
    if not (uv.min() >= MARGIN - 1e-6 and uv.max() <= 1 - MARGIN + 1e-6):
        raise TopologyError("UVs leave [margin, 1 - margin]")
    area = -signed_areas(uv, tri)
    if area.min() <= 0:
        raise TopologyError(f"{int((area <= 0).sum())} triangles are flipped in the UV layout")
    if set(np.unique(tri)) != set(range(N_VERTICES)):
        raise TopologyError("not every vertex is used by a triangle")
    oval_xy = uv[topo.oval]
    if not is_simple_polygon(oval_xy):
        raise TopologyError("the face oval is not a simple polygon in UV")
    # No overlap: the triangles exactly tile the oval minus the holes (area of a covering > area if any overlap).
    loops = boundary_loops(tri)
    hole_area = sum(abs(polygon_area(uv[loop])) for loop in loops if set(loop) != set(topo.oval))
    tiled = float(area.sum()) / 2
    if abs(tiled - (abs(polygon_area(oval_xy)) - hole_area)) > 1e-6:
        raise TopologyError("UV triangles overlap")
    if points is not None and abs(polygon_area(points[topo.oval, :2])) <= 0:
        raise TopologyError("degenerate oval")


# ----------------------------------------------------------------------------------------------- writers

def render_inc(topo: Topology) -> str:
    lines = [
        "// Generated by tools/derive_face_topology.py from FACEMESH_TESSELATION and FACEMESH_FACE_OVAL of",
        "// mediapipe 0.10.21 (face_mesh_connections.py, Apache-2.0; see docs/NOTICE-topology.md) and the",
        "// canonical face (canonical_face.inc). Do not edit. Layout: docs/face_uv_layout.md.",
        f"// {len(topo.triangles)} triangles of the 468-point mesh, counter-clockwise as seen from the camera",
        "// (negative signed area in image/UV coordinates, y down; front-facing in GL clip space, y up).",
        "// The eyes and the mouth are holes.",
        "// kFaceUV: u to the right, v down, in [0, 1]; kFaceOval: the outer boundary, a closed loop.",
        f"constexpr std::size_t kFaceTriangleCount = {len(topo.triangles)};",
        "constexpr std::uint16_t kFaceTriangles[kFaceTriangleCount][3] = {",
    ]
    rows = [f"{{{t[0]}, {t[1]}, {t[2]}}}" for t in topo.triangles]
    for i in range(0, len(rows), 7):
        lines.append("    " + ", ".join(rows[i:i + 7]) + ",")
    lines.append("};")
    lines.append(f"constexpr float kFaceUV[{N_VERTICES}][2] = {{")
    uvs = [f"{{{u:.6f}f, {v:.6f}f}}" for u, v in topo.uv]
    for i in range(0, len(uvs), 4):
        lines.append("    " + ", ".join(uvs[i:i + 4]) + ",")
    lines.append("};")
    lines.append(f"constexpr std::size_t kFaceOvalCount = {len(topo.oval)};")
    lines.append("constexpr std::uint16_t kFaceOval[kFaceOvalCount] = {")
    for i in range(0, len(topo.oval), 12):
        lines.append("    " + ", ".join(str(v) for v in topo.oval[i:i + 12]) + ",")
    lines.append("};")
    return "\n".join(lines) + "\n"


def render_json(topo: Topology) -> str:
    def row(values: list[str]) -> str:
        return "[" + ", ".join(values) + "]"

    head = {
        "generator": "tools/derive_face_topology.py",
        "source": "FACEMESH_TESSELATION, FACEMESH_FACE_OVAL, FACEMESH_LIPS/EYE/EYEBROW of mediapipe 0.10.21 "
                  "(mediapipe/python/solutions/face_mesh_connections.py, Apache-2.0), as derived data; "
                  "UV layout: meiyan's own, from sdk_core/src/face/canonical_face.inc",
        "license": "triangles, face_oval, contours: derived from MediaPipe, Copyright 2021 The MediaPipe Authors, "
                   "Apache-2.0 (docs/NOTICE-topology.md); uv: meiyan's own",
        "layout": "docs/face_uv_layout.md",
        "vertex_count": N_VERTICES,
        "triangle_count": len(topo.triangles),
        "winding": "counter-clockwise as seen from the camera: negative signed area in image/UV coordinates (y down)",
        "uv_axes": "u to the right, v down (v = 0 is the top row of the texture), both in [0, 1]",
    }
    parts = [json.dumps(head, indent=2)[:-2] + ","]
    tris = [row([str(int(v)) for v in t]) for t in topo.triangles]
    parts.append('  "triangles": [\n    ' + ",\n    ".join(", ".join(tris[i:i + 8])
                                             for i in range(0, len(tris), 8)) + "\n  ],")
    uvs = [row([f"{u:.6f}", f"{v:.6f}"]) for u, v in topo.uv]
    parts.append('  "uv": [\n    ' + ",\n    ".join(", ".join(uvs[i:i + 4]) for i in range(0, len(uvs), 4)) + "\n  ],")
    parts.append(f'  "face_oval": {row([str(v) for v in topo.oval])},')
    contour_rows = [f'    "{k}": {row([str(v) for v in loop])}' for k, loop in topo.contours.items()]
    parts.append('  "contours": {\n' + ",\n".join(contour_rows) + "\n  }")
    return "\n".join(parts) + "\n}\n"


# meiyan's own region outlines for the template (landmark loops on the canonical face)
NOSE_REGION = [168, 193, 245, 188, 114, 217, 198, 209, 129, 64, 240, 97, 2, 326, 460, 294, 358, 429, 420, 437, 343,
               412, 465, 417]
CHEEK_REGIONS = (
    [117, 118, 101, 36, 206, 216, 212, 202, 210, 169, 150, 136, 172, 58, 132, 93, 234, 127, 34, 143, 111],
    [346, 347, 330, 266, 426, 436, 432, 422, 430, 394, 379, 365, 397, 288, 361, 323, 454, 356, 264, 372, 340],
)
REGION_COLOURS = {  # BGR tints of the template's labelled regions
    "forehead": (196, 228, 250),
    "brows": (150, 170, 200),
    "eyes": (120, 120, 120),
    "nose": (190, 220, 200),
    "cheeks": (205, 200, 250),
    "lips": (170, 160, 240),
}


def template_regions(topo: Topology) -> dict[str, list[np.ndarray]]:
    """Polygons (UV) of the labelled regions; cheeks, nose and forehead are meiyan's own definitions."""
    uv, c = topo.uv, topo.contours
    brow_top = min(float(uv[i, 1]) for k in ("right_brow", "left_brow") for i in c[k]) - 0.015
    forehead = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, brow_top], [0.0, brow_top]])  # clipped to the oval
    return {
        "forehead": [forehead],
        "brows": [uv[c["right_brow"]], uv[c["left_brow"]]],
        "eyes": [uv[c["right_eye"]], uv[c["left_eye"]]],
        "nose": [uv[NOSE_REGION]],
        "cheeks": [uv[CHEEK_REGIONS[0]], uv[CHEEK_REGIONS[1]]],
        "lips": [uv[c["lips_outer"]]],
    }


def render_template(topo: Topology) -> np.ndarray:
    size, ss = TEMPLATE_SIZE, 2  # drawn at 2x and reduced: smooth fills and hairlines
    big = size * ss
    shift = 4  # sub-pixel precision for cv2 drawing

    def px(xy: np.ndarray) -> np.ndarray:
        return np.round(np.asarray(xy) * big * (1 << shift)).astype(np.int32)

    img = np.full((big, big, 3), 255, np.uint8)
    for i in range(1, 10):  # a 0.1 grid
        p = int(round(i * 0.1 * big))
        cv2.line(img, (p, 0), (p, big - 1), (232, 232, 232), ss, cv2.LINE_AA)
        cv2.line(img, (0, p), (big - 1, p), (232, 232, 232), ss, cv2.LINE_AA)
    oval_mask = np.zeros((big, big), np.uint8)
    cv2.fillPoly(oval_mask, [px(topo.uv[topo.oval])], 255, cv2.LINE_AA, shift)
    face = np.full_like(img, (225, 236, 248))
    for name, polys in template_regions(topo).items():
        cv2.fillPoly(face, [px(p) for p in polys], REGION_COLOURS[name], cv2.LINE_AA, shift)
    alpha = oval_mask[..., None].astype(np.float32) / 255
    img = np.round(img * (1 - alpha) + face * alpha).astype(np.uint8)
    edges = sorted({(min(int(a), int(b)), max(int(a), int(b))) for t in topo.triangles
                    for a, b in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0]))})
    pts = px(topo.uv)
    for a, b in edges:
        cv2.line(img, tuple(pts[a]), tuple(pts[b]), (150, 150, 150), ss, cv2.LINE_AA, shift)
    for loop in [topo.oval, *topo.contours.values()]:
        cv2.polylines(img, [pts[loop]], True, (70, 70, 70), 2 * ss, cv2.LINE_AA, shift)
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)

    font = cv2.FONT_HERSHEY_SIMPLEX
    uv = topo.uv

    def label(text: str, xy: np.ndarray, scale: float = 0.6, light: bool = False) -> None:
        (w, h), _ = cv2.getTextSize(text, font, scale, 1)
        org = (int(round(xy[0] * size - w / 2)), int(round(xy[1] * size + h / 2)))
        halo, ink = ((60, 60, 60), (255, 255, 255)) if light else ((255, 255, 255), (40, 40, 40))
        cv2.putText(img, text, org, font, scale, halo, 3, cv2.LINE_AA)
        cv2.putText(img, text, org, font, scale, ink, 1, cv2.LINE_AA)

    c = topo.contours
    label("forehead", uv[151] + [0, -0.03])
    for side in ("right", "left"):
        label("brow", uv[c_mid(c[f"{side}_brow"], uv)] + [0, -0.04])
        label("eye (hole)", uv[c[f"{side}_eye"]].mean(axis=0), 0.4, light=True)
    label("nose", uv[5])
    label("cheek", uv[CHEEK_REGIONS[0]].mean(axis=0))
    label("cheek", uv[CHEEK_REGIONS[1]].mean(axis=0))
    label("lips", (uv[14] + uv[17]) / 2, 0.45)
    label("chin", uv[152] + [0, -0.04])
    for idx in (10, 152, 33, 263, 1, 61, 291, 234, 454, 168):  # anchors package makers use often
        p = np.round(uv[idx] * size).astype(int)
        cv2.circle(img, (int(p[0]), int(p[1])), 3, (30, 30, 200), -1, cv2.LINE_AA)
        cv2.putText(img, str(idx), (int(p[0]) + 5, int(p[1]) - 5), font, 0.4, (30, 30, 200), 1, cv2.LINE_AA)
    cv2.putText(img, "meiyan face UV layout v1: u right, v down; the subject's right eye is on the left",
                (16, 28), font, 0.55, (60, 60, 60), 1, cv2.LINE_AA)
    for i in range(1, 10):
        cv2.putText(img, f"{i / 10:.1f}", (int(i * 0.1 * size) + 3, size - 8), font, 0.35, (150, 150, 150), 1,
                    cv2.LINE_AA)
        cv2.putText(img, f"{i / 10:.1f}", (3, int(i * 0.1 * size) - 4), font, 0.35, (150, 150, 150), 1,
                    cv2.LINE_AA)
    return img


def c_mid(loop: list[int], uv: np.ndarray) -> int:
    """The loop vertex nearest to the loop's mean."""
    mean = uv[loop].mean(axis=0)
    return min(loop, key=lambda v: float(np.sum((uv[v] - mean) ** 2)))


def png_bytes(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the shipped files differ from the output")
    args = parser.parse_args()
    topo = derive()
    outputs: dict[Path, bytes] = {
        OUT_INC: render_inc(topo).encode(),
        OUT_JSON: render_json(topo).encode(),
    }
    template = render_template(topo)
    stale = []
    for path, data in outputs.items():
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if args.check:
        shipped = cv2.imread(str(OUT_TEMPLATE), cv2.IMREAD_COLOR) if OUT_TEMPLATE.is_file() else None
        # pixels, not bytes: another zlib may compress the same picture differently
        if shipped is None or shipped.shape != template.shape or np.abs(
                shipped.astype(int) - template.astype(int)).max() > 2:
            stale.append(str(OUT_TEMPLATE.relative_to(ROOT)))
    else:
        OUT_TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
        OUT_TEMPLATE.write_bytes(png_bytes(template))
    if stale:
        print(f"stale: {', '.join(stale)}; run python tools/derive_face_topology.py", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'wrote'}: {len(topo.triangles)} triangles, {topo.boundary_loops} boundary "
          f"loops, oval of {len(topo.oval)}, {len(topo.relaxed)} vertices relaxed off the cylinder "
          f"({', '.join(map(str, topo.relaxed))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
