"""The face mesh topology and UV layout (tools/derive_face_topology.py, docs/face_uv_layout.md)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import meiyan

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_JSON = Path(meiyan.__file__).parent / "data" / "face_topology.json"
INC = ROOT / "sdk_core" / "src" / "face" / "face_topology.inc"
CANONICAL = ROOT / "sdk_core" / "src" / "face" / "canonical_face.inc"


@pytest.fixture(scope="module")
def topo() -> dict:
    return json.loads(SHIPPED_JSON.read_text())


@pytest.fixture(scope="module")
def tris(topo) -> np.ndarray:
    return np.array(topo["triangles"], dtype=np.int64)


@pytest.fixture(scope="module")
def uv(topo) -> np.ndarray:
    return np.array(topo["uv"], dtype=np.float64)


def signed_areas(xy: np.ndarray, tris: np.ndarray) -> np.ndarray:
    a, b, c = xy[tris[:, 0]], xy[tris[:, 1]], xy[tris[:, 2]]
    return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])


def polygon_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def boundary_loops(tris: np.ndarray) -> list[list[int]]:
    directed = {(int(t[k]), int(t[(k + 1) % 3])) for t in tris for k in range(3)}
    nxt = {a: b for a, b in directed if (b, a) not in directed}
    loops, seen = [], set()
    for start in sorted(nxt):
        if start in seen:
            continue
        loop, v = [], start
        while v not in seen:
            seen.add(v)
            loop.append(v)
            v = nxt[v]
        assert v == start, "boundary is not made of closed loops"
        loops.append(loop)
    return loops


def test_shipped_files_match_the_generator():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "derive_face_topology.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "852 triangles" in result.stdout


def test_installed_json_is_the_source_tree_json():
    assert SHIPPED_JSON.read_bytes() == (ROOT / "bindings" / "meiyan" / "data" / "face_topology.json").read_bytes()


def test_counts_and_every_vertex_used(topo, tris, uv):
    assert topo["vertex_count"] == 468 and uv.shape == (468, 2)
    assert topo["triangle_count"] == len(tris) == 852
    assert tris.min() >= 0 and tris.max() <= 467
    assert all(len(set(t)) == 3 for t in tris.tolist())
    assert set(np.unique(tris)) == set(range(468))
    assert len({tuple(sorted(t)) for t in tris.tolist()}) == len(tris)  # no duplicate faces


def test_manifold_with_consistent_winding_and_euler_characteristic(tris):
    directed = Counter((int(t[k]), int(t[(k + 1) % 3])) for t in tris for k in range(3))
    assert max(directed.values()) == 1  # a repeated directed edge means two triangles wound against each other
    undirected = Counter(tuple(sorted(e)) for e in directed.elements())
    assert set(undirected.values()) == {1, 2}  # interior edges in 2 triangles, boundary edges in 1
    boundary = [e for e, n in undirected.items() if n == 1]
    assert len(boundary) == 88
    loops = boundary_loops(tris)
    assert sorted(len(lp) for lp in loops) == [16, 16, 20, 36]  # eyes, inner lips, face oval
    assert 468 - len(undirected) + len(tris) == 2 - len(loops)


def test_uv_inside_the_square_with_margin(uv):
    assert uv.min() >= 0.06 - 1e-6 and uv.max() <= 0.94 + 1e-6
    lo, hi = uv.min(axis=0), uv.max(axis=0)
    assert abs((lo[0] + hi[0]) / 2 - 0.5) < 1e-5 and abs((lo[1] + hi[1]) / 2 - 0.5) < 1e-5  # centred


def test_no_triangle_is_flipped_or_degenerate_in_uv(tris, uv):
    area = signed_areas(uv, tris)
    assert (area < 0).all(), f"{int((area >= 0).sum())} triangles flipped"
    assert -area.max() > 0.05 * np.median(-area) * 0.99


def test_uv_triangles_tile_the_face_without_overlap(topo, tris, uv):
    tiled = float(-signed_areas(uv, tris).sum()) / 2
    holes = [lp for lp in boundary_loops(tris) if set(lp) != set(topo["face_oval"])]
    expected = abs(polygon_area(uv[topo["face_oval"]])) - sum(abs(polygon_area(uv[h])) for h in holes)
    assert tiled == pytest.approx(expected, abs=1e-6)


def test_winding_is_counter_clockwise_as_seen_from_the_camera(tris):
    rows = [re.findall(r"-?\d+\.\d+", line) for line in CANONICAL.read_text().splitlines()
            if line.lstrip().startswith("{")]
    face = np.array([[float(v) for v in r] for r in rows])
    area = signed_areas(face[:, :2], tris)
    assert (area < 0).mean() > 0.98  # only the folds at the lip corners and nostrils face away


def test_oval_is_a_closed_simple_polygon_around_the_face(topo, tris, uv):
    oval = topo["face_oval"]
    assert oval[0] == 10 and len(oval) == len(set(oval)) == 36
    directed = {(int(t[k]), int(t[(k + 1) % 3])) for t in tris for k in range(3)}
    for a, b in zip(oval, oval[1:] + oval[:1], strict=True):
        assert (a, b) in directed and (b, a) not in directed  # a boundary edge, in the triangles' direction
    poly = uv[oval]
    n = len(poly)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    for i in range(n):
        for j in range(i + 2, n):
            if (i, j) == (0, n - 1):
                continue
            p, q, r, s = poly[i], poly[(i + 1) % n], poly[j], poly[(j + 1) % n]
            assert not (cross(p, q, r) * cross(p, q, s) < 0 and cross(r, s, p) * cross(r, s, q) < 0), (i, j)
    # every other vertex lies inside it (ray casting)
    inside = set()
    for v in set(range(468)) - set(oval):
        x, y = uv[v]
        crossings = 0
        for i in range(n):
            (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
        if crossings % 2:
            inside.add(v)
    assert inside == set(range(468)) - set(oval)


def test_layout_orientation_and_landmarks(topo, uv):
    assert uv[33, 0] < uv[168, 0] < uv[263, 0]  # the subject's right eye on the left of the image
    assert uv[10, 1] < uv[168, 1] < uv[1, 1] < uv[13, 1] < uv[152, 1]  # forehead, eyes, nose, mouth, chin
    assert uv[33, 1] == pytest.approx(uv[263, 1], abs=0.01)  # level eyes
    assert uv[1, 0] == pytest.approx(0.5, abs=0.01)  # centred nose
    assert np.linalg.norm(uv[33] - uv[263]) == pytest.approx(0.47, abs=0.03)  # 1 face unit ~ 0.377 (arc)


def test_contours_are_the_holes_and_the_lip_line(topo, tris):
    holes = {frozenset(lp) for lp in boundary_loops(tris)}
    c = topo["contours"]
    for name in ("lips_inner", "right_eye", "left_eye"):
        assert frozenset(c[name]) in holes, name
    assert {61, 291, 0, 17} <= set(c["lips_outer"]) and len(c["lips_outer"]) == 20
    assert len(c["right_brow"]) == len(c["left_brow"]) == 10


def test_cpp_table_holds_the_same_data(topo):
    text = INC.read_text()
    assert text.startswith("// Generated by tools/derive_face_topology.py")

    def block(name: str) -> str:
        m = re.search(name + r"[^=]*=\s*\{(.*?)\n\};", text, re.S)
        assert m, name
        return m.group(1)

    tri = [int(v) for v in re.findall(r"\d+", block("kFaceTriangles"))]
    assert tri == [v for t in topo["triangles"] for v in t]
    uvs = [float(v) for v in re.findall(r"(\d+\.\d+)f", block("kFaceUV"))]
    assert uvs == [v for p in topo["uv"] for v in p]
    oval = [int(v) for v in re.findall(r"\d+", block("kFaceOval"))]
    assert oval == topo["face_oval"]
    assert f"kFaceTriangleCount = {len(topo['triangles'])};" in text
