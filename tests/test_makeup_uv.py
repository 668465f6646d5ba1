"""The makeup layers drawn from UV-layout masks (eyeshadow, eyeliner, lashes, contour, highlight): CPU vs
GL on real photos, where each mask lands on the face, rotation and several faces, intensity 0, designer
masks, parameter checks in Python and through the C API (struct_size versions included)."""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import Engine, MakeupParams
from meiyan.beauty import UV_LAYERS, bundled_makeup_mask, coverage_of

from .conftest import psnr
from .test_beauty import face_scenes, outside_mask  # noqa: F401  (face_scenes is a fixture)

pytest.importorskip("onnxruntime")

# The upper and lower eyelid contours (outer corner -> inner corner) of each eye.
UPPER_LIDS = ([33, 246, 161, 160, 159, 158, 157, 173, 133], [263, 466, 388, 387, 386, 385, 384, 398, 362])
LOWER_LIDS = ([33, 7, 163, 144, 145, 153, 154, 155, 133], [263, 249, 390, 373, 374, 380, 381, 382, 362])
EYES = ([33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
        [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466])
LIPS_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185]


def made_up(backend: str, img: np.ndarray, faces: list[np.ndarray], **params: object) -> np.ndarray:
    engine = Engine(backend, makeup=MakeupParams(**params))  # type: ignore[arg-type]
    engine.set_faces(faces)
    return engine.process(img)


def painted(img: np.ndarray, faces: list[np.ndarray], layer: str) -> np.ndarray:
    """Where a layer's mask lands: the pixels it changes when it paints pure black at full strength."""
    out = made_up("cpu", img, faces, **{layer: 1.0, f"{layer}_color": "#000000", f"{layer}_blend": "normal"})
    return (np.abs(out.astype(int) - img).max(-1) > 8)


def iod(lm: np.ndarray) -> float:
    return float(np.linalg.norm(lm[33, :2] - lm[263, :2]))


def polyline_distance(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance of each point (N, 2) to the polyline (M, 2)."""
    a, b = line[:-1][None], line[1:][None]
    p = points[:, None]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(-1) / (ab * ab).sum(-1), 0, 1)
    return np.linalg.norm(p - (a + t[..., None] * ab), axis=-1).min(1)


def inside(shape: tuple[int, ...], poly: np.ndarray, grow_px: int = 0) -> np.ndarray:
    """Pixels of the polygon (fillPoly also takes those its outline touches), grown or shrunk by pixels."""
    m = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_8, 4)
    kernel = np.ones((2 * abs(grow_px) + 1, 2 * abs(grow_px) + 1), np.uint8)
    if grow_px > 0:
        m = cv2.dilate(m, kernel)
    elif grow_px < 0:
        m = cv2.erode(m, kernel)
    return m > 0


# Each layer with its default blend and one other, so that every blend mode is exercised.
OTHER_BLEND = {"eyeshadow": "overlay", "eyeliner": "multiply", "lashes": "screen", "contour": "soft_light",
               "highlight": "screen"}


@pytest.mark.parametrize("api", ["gl", "gles"])
@pytest.mark.parametrize("layer", UV_LAYERS)
def test_gl_matches_cpu(layer, api, face_scenes, gl_available, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MEIYAN_GL_API", api)
    for blend in (getattr(MakeupParams(), f"{layer}_blend"), OTHER_BLEND[layer]):
        look = MakeupParams(**{layer: 1.0, f"{layer}_blend": blend})  # type: ignore[arg-type]
        cpu, gl = Engine("cpu", makeup=look), Engine("gl", makeup=look)
        for name, (img, faces) in face_scenes.items():
            cpu.set_faces(faces)
            gl.set_faces(faces)
            a, b = cpu.process(img), gl.process(img)
            value = psnr(a, b)
            print(f"{layer} {blend} {name} ({api}): CPU vs GL {value:.1f} dB")
            assert value >= 38.0, f"{name} {blend}: PSNR {value:.1f} dB"
            assert not np.array_equal(a, img), f"{name} {blend}: {layer} changed nothing"


@pytest.mark.parametrize("layer", UV_LAYERS)
def test_each_layer_changes_the_face_only(layer, face_scenes):  # noqa: F811
    for name, (img, faces) in face_scenes.items():
        out = made_up("cpu", img, faces, **{layer: 1.0})
        change = np.abs(out.astype(int) - img).mean(-1)
        outside = outside_mask(img.shape, faces)
        assert change[outside].max() == 0, name
        assert change[~outside].mean() > 0.01, f"{name}: {layer} changed nothing on the face"


def test_eyeliner_and_lashes_sit_on_the_upper_lids(face_scenes):  # noqa: F811
    """Every pixel either paints lies within reach of an upper-lid contour (the wing included), measured in
    widths of that eye (which foreshorten with the skin when the head turns), and not nearer the lower lid."""
    for name, (img, faces) in face_scenes.items():
        for layer, reach in (("eyeliner", 0.45), ("lashes", 0.45)):
            ys, xs = np.nonzero(painted(img, faces, layer))
            assert len(xs) > 20, f"{name}: no {layer}"
            pts = np.stack([xs + 0.5, ys + 0.5], axis=1)
            near_upper = np.zeros(len(pts), bool)
            for lm in faces:
                for upper, lower in zip(UPPER_LIDS, LOWER_LIDS, strict=True):
                    width = float(np.linalg.norm(lm[upper[0], :2] - lm[upper[-1], :2]))
                    du = polyline_distance(pts, lm[upper, :2])
                    dl = polyline_distance(pts, lm[lower, :2])
                    # the wing leaves from the outer corner, which both lids share
                    near_upper |= (du <= reach * width) & (du <= dl + 0.06 * width)
            assert near_upper.mean() == 1.0, f"{name}: {layer} off the upper lids ({(~near_upper).sum()} px)"


def test_eyeshadow_is_on_the_lids(face_scenes):  # noqa: F811
    for name, (img, faces) in face_scenes.items():
        ys, xs = np.nonzero(painted(img, faces, "eyeshadow"))
        pts = np.stack([xs + 0.5, ys + 0.5], axis=1)
        ok = np.zeros(len(pts), bool)
        for lm in faces:
            for upper in UPPER_LIDS:
                ok |= polyline_distance(pts, lm[upper, :2]) <= 0.3 * iod(lm)
        assert len(pts) > 100 and ok.all(), name


def frontal(lm: np.ndarray) -> bool:
    """Turned less than about 25 degrees: the nose hides no part of the far eye. (The passes have no depth
    test: on a face turned further, paint of the near side of the nose may cover the far eye's inner
    corner, as the nose itself does.)"""
    left, right = (float(np.linalg.norm(lm[4, :2] - lm[k, :2])) for k in (234, 454))
    return max(left, right) / min(left, right) < 1.8


def test_contour_and_highlight_stay_off_the_eyes_and_lips(face_scenes):  # noqa: F811
    checked = 0
    for name, (img, faces) in face_scenes.items():
        for layer in ("contour", "highlight"):
            mask = painted(img, faces, layer)
            assert mask.sum() > 100, f"{name}: no {layer}"
            for lm in filter(frontal, faces):
                checked += 1
                assert not (mask & inside(img.shape, lm[LIPS_OUTER, :2], -1)).any(), f"{name}: {layer} on the lips"
                for eye in EYES:
                    assert not (mask & inside(img.shape, lm[eye, :2], -1)).any(), f"{name}: {layer} on an eye"
        # the highlight runs down the nose bridge; the contour does not
        bridge = np.concatenate([np.round(lm[[6, 197, 195], :2]).astype(int) for lm in faces])
        assert painted(img, faces, "highlight")[bridge[:, 1], bridge[:, 0]].any(), name
        assert not painted(img, faces, "contour")[bridge[:, 1], bridge[:, 0]].any(), name
    assert checked >= 4  # two frontal faces at least, each for both layers


def test_layers_follow_a_turned_face(face_scenes):  # noqa: F811
    """A quarter turn of the frame and its landmarks turns the makeup with it (same pixels)."""
    img, faces = face_scenes["lenna"]
    look = {k: 0.8 for k in UV_LAYERS}
    upright = made_up("cpu", img, faces, **look)
    h, w = img.shape[:2]
    turned_img = np.ascontiguousarray(np.rot90(img, -1))  # clockwise: (x, y) -> (h - y, x)
    turned_faces = [np.stack([h - lm[:, 1], lm[:, 0]], axis=1).astype(np.float32) for lm in faces]
    turned = made_up("cpu", turned_img, turned_faces, **look)
    back = np.rot90(turned, 1)
    value = psnr(back, upright)
    assert value >= 40.0, f"PSNR {value:.1f} dB between the turned and the upright result"
    # and not because nothing was drawn
    assert psnr(upright, img) < 40.0


def test_every_face_gets_its_own(sample_bgr, face_scenes):  # noqa: F811
    """Two faces of different sizes in one frame: each is made up along its own mesh."""
    _, (lenna_faces) = face_scenes["lenna"]
    h, w = sample_bgr.shape[:2]
    base = lenna_faces[0][:, :2]
    base = (base - base.mean(0)) / iod(base)
    faces = [(base * s + c).astype(np.float32) for s, c in ((60.0, (w * 0.3, h * 0.5)), (95.0, (w * 0.7, h * 0.5)))]
    both = painted(sample_bgr, faces, "eyeliner")
    for k, lm in enumerate(faces):
        alone = painted(sample_bgr, [lm], "eyeliner")
        assert alone.sum() > 10
        assert np.array_equal(both & alone, alone), f"face {k}"
    assert both.sum() == sum(painted(sample_bgr, [lm], "eyeliner").sum() for lm in faces)


@pytest.mark.parametrize("backend", ["cpu", "gl"])
def test_intensity_zero_is_the_identity(backend, face_scenes, request):  # noqa: F811
    if backend == "gl":
        request.getfixturevalue("gl_available")
    img, faces = face_scenes["takeo"]
    for layer in UV_LAYERS:
        out = made_up(backend, img, faces, **{layer: 0.0, f"{layer}_color": "#ff00ff", f"{layer}_blend": "screen"})
        assert np.array_equal(out, img), layer
    # and beside a layer that is on, a layer at 0 changes nothing
    lips = made_up(backend, img, faces, lips=0.7)
    assert np.array_equal(made_up(backend, img, faces, lips=0.7, contour=0.0, eyeliner=0.0, contour_color="#000000"),
                          lips)


def test_caller_context_gets_its_blend_state_back(moderngl_ctx, face_scenes):  # noqa: F811
    """On the caller's context (moderngl) the UV-layer pass blends with GL_MAX; afterwards the caller's own
    blend equation (here: reverse subtract) is back, and the frame matches the CPU renderer."""
    import moderngl

    ctx = moderngl_ctx
    img, faces = face_scenes["lenna"]
    rgba = np.ascontiguousarray(np.dstack([img[..., ::-1], np.full(img.shape[:2], 255, np.uint8)]))
    h, w = rgba.shape[:2]
    src, dst = ctx.texture((w, h), 4, rgba.tobytes()), ctx.texture((w, h), 4)
    look = MakeupParams(eyeliner=0.9, lashes=0.8, contour=0.5, highlight=0.5, eyeshadow=0.5)
    engine = Engine("gl", gl_context="current", makeup=look)
    engine.set_faces(faces)
    ctx.enable(moderngl.BLEND)
    ctx.blend_func = moderngl.ONE, moderngl.ONE
    ctx.blend_equation = moderngl.FUNC_REVERSE_SUBTRACT
    engine.process_texture(src.glo, dst.glo, w, h)
    out = np.frombuffer(dst.read(), np.uint8).reshape(h, w, 4)
    cpu = Engine("cpu", makeup=look)
    cpu.set_faces(faces)
    assert psnr(out, cpu.process(rgba)) >= 38
    prog = ctx.program(vertex_shader="#version 330\nin vec2 p; void main() { gl_Position = vec4(p, 0.0, 1.0); }",
                       fragment_shader="#version 330\nout vec4 c; void main() { c = vec4(0.25); }")
    quad = ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], np.float32).tobytes())
    vao = ctx.vertex_array(prog, [(quad, "2f", "p")])
    fbo = ctx.simple_framebuffer((4, 4))
    fbo.use()
    fbo.clear(0.5, 0.5, 0.5, 0.5)
    vao.render()
    # 0.5 - 0.25 = 0.25: neither added (0.75) nor max'd (0.5)
    assert np.frombuffer(fbo.read(components=3), np.uint8)[:3].tolist() == [64, 64, 64]


def test_a_designer_mask_replaces_the_bundled_one(tmp_path, face_scenes):  # noqa: F811
    """A mask painted in the UV layout (here: a disc on the nose tip, as a grey+alpha PNG) is drawn
    through the mesh: the contour then lands on the nose tip and nowhere else."""
    img, faces = face_scenes["lenna"]
    uv = np.array(json.loads((Path(meiyan.__file__).parent / "data" / "face_topology.json").read_text())["uv"])
    size = 256
    yy, xx = np.mgrid[0:size, 0:size]
    disc = (np.hypot((xx + 0.5) / size - uv[4, 0], (yy + 0.5) / size - uv[4, 1]) < 0.03).astype(np.uint8) * 255
    png = tmp_path / "nose.png"
    assert cv2.imwrite(str(png), np.dstack([np.zeros_like(disc), np.zeros_like(disc), np.zeros_like(disc), disc]))
    engine = Engine("cpu")
    engine.set_makeup_mask("contour", png)
    engine.set_makeup(contour=1.0, contour_color="#000000", contour_blend="normal")
    engine.set_faces(faces)
    changed = np.abs(engine.process(img).astype(int) - img).max(-1) > 8
    ys, xs = np.nonzero(changed)
    lm = faces[0]
    d = np.hypot(xs + 0.5 - lm[4, 0], ys + 0.5 - lm[4, 1])
    assert len(d) > 20 and d.max() < 0.3 * iod(lm)
    # None brings the bundled mask back: the cheeks, the jaw and the sides of the nose
    engine.set_makeup_mask("contour", None)
    ys, xs = np.nonzero(np.abs(engine.process(img).astype(int) - img).max(-1) > 8)
    assert (np.hypot(xs + 0.5 - lm[4, 0], ys + 0.5 - lm[4, 1]) > 0.5 * iod(lm)).sum() > 100


def test_mask_images_are_read_by_their_alpha_or_grey():
    grey = np.full((8, 8), 200, np.uint8)
    assert coverage_of(grey)[0, 0] == 200
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 3] = 77
    assert coverage_of(rgba)[0, 0] == 77
    assert coverage_of(np.full((8, 8, 3), 255, np.uint8))[0, 0] == 255
    with pytest.raises(ValueError, match="square"):
        coverage_of(np.zeros((8, 9), np.uint8))
    with pytest.raises(ValueError, match="8-bit"):
        coverage_of(np.zeros((8, 8), np.float32))
    for layer in UV_LAYERS:
        m = bundled_makeup_mask(layer)
        assert m.dtype == np.uint8 and m.shape[0] == m.shape[1] and m.max() > 0


def test_makeup_parameters_are_checked():
    engine = Engine("cpu")
    before = engine.makeup
    with pytest.raises(ValueError, match="eyeliner intensity"):
        engine.set_makeup(eyeliner=1.5)
    with pytest.raises(ValueError, match="contour intensity"):
        engine.set_makeup(contour=-0.1)
    with pytest.raises(ValueError, match="highlight intensity"):
        engine.set_makeup(highlight=float("nan"))
    with pytest.raises(ValueError, match="eyeshadow_color"):
        engine.set_makeup(eyeshadow=0.5, eyeshadow_color="plum")
    with pytest.raises(ValueError, match="lashes_blend"):
        engine.set_makeup(lashes=0.5, lashes_blend="darken")
    with pytest.raises(ValueError, match="unknown makeup mask layer"):
        engine.set_makeup_mask("blush", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="square"):
        engine.set_makeup_mask("eyeliner", np.zeros((4, 5), np.uint8))
    assert engine.makeup == before  # nothing changed
    engine.set_makeup(eyeliner=0.5)
    with pytest.raises(meiyan._core.UnsupportedError, match="eyeliner has no mask"):
        engine._native.set_makeup_mask("eyeliner", None)


# ----------------------------------------------------------------------------------------- C API

BUILD = os.environ.get("MEIYAN_CORE_BUILD")


class MakeupLayerC(ctypes.Structure):
    _fields_ = [("color", ctypes.c_float * 3), ("intensity", ctypes.c_float), ("blend", ctypes.c_int)]


class MakeupParamsV3(ctypes.Structure):
    """meiyan_makeup_params as ABI 3 declared it (68 bytes)."""

    _fields_ = [("struct_size", ctypes.c_uint32), ("lips", MakeupLayerC), ("lip_gloss", ctypes.c_float),
                ("blush", MakeupLayerC), ("brows", MakeupLayerC)]


class MakeupParamsV4(ctypes.Structure):
    _fields_ = MakeupParamsV3._fields_ + [(n, MakeupLayerC) for n in UV_LAYERS]


@pytest.mark.skipif(not BUILD, reason="MEIYAN_CORE_BUILD (a CMake build of sdk_core) not set")
def test_c_api_makeup_params_and_masks():
    lib = ctypes.CDLL(str(Path(BUILD or "") / "libmeiyan.so"))
    lib.meiyan_last_error.restype = ctypes.c_char_p
    lib.meiyan_makeup_params_init.argtypes = [ctypes.c_void_p]
    lib.meiyan_makeup_params_init_sized.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.meiyan_engine_set_makeup.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.meiyan_engine_set_makeup_mask.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int32,
                                                  ctypes.c_ssize_t]
    lib.meiyan_engine_destroy.argtypes = [ctypes.c_void_p]
    assert ctypes.sizeof(MakeupParamsV3) == 68 and ctypes.sizeof(MakeupParamsV4) == 168

    # The ABI 3 entry point writes the 68 bytes an ABI 3 program has, not one more.
    buf = (ctypes.c_uint8 * 200)(*([0xAB] * 200))
    lib.meiyan_makeup_params_init(buf)
    assert bytes(buf[68:]) == b"\xab" * 132
    v3 = MakeupParamsV3.from_buffer_copy(bytes(buf[:68]))
    assert v3.struct_size == 68 and v3.lips.blend == 1
    # The sized one fills the new layers with their defaults (the Python MakeupParams' colours).
    m = MakeupParamsV4()
    lib.meiyan_makeup_params_init_sized(ctypes.byref(m), ctypes.sizeof(m))
    assert m.struct_size == 168 and m.eyeliner.blend == 0 and m.highlight.blend == 2 and m.contour.blend == 1
    defaults = MakeupParams()
    for layer in UV_LAYERS:
        rgb = meiyan.beauty.parse_color(getattr(defaults, f"{layer}_color"))
        assert np.allclose(list(getattr(m, layer).color), rgb, atol=1e-6), layer
        assert getattr(m, layer).intensity == 0.0

    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        m.eyeliner.intensity = 0.8
        # no mask yet: UNSUPPORTED, naming the layer
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(m)) == 2
        assert b"eyeliner has no mask" in lib.meiyan_last_error()
        liner = np.ascontiguousarray(bundled_makeup_mask("eyeliner"))
        n = liner.shape[0]
        assert lib.meiyan_engine_set_makeup_mask(engine, 1, liner.ctypes.data, n, n) == 0, lib.meiyan_last_error()
        assert lib.meiyan_engine_set_makeup_mask(engine, 9, liner.ctypes.data, n, n) == 1
        assert b"meiyan_makeup_mask" in lib.meiyan_last_error()
        assert lib.meiyan_engine_set_makeup_mask(engine, 1, liner.ctypes.data, n, n - 1) == 1
        assert lib.meiyan_engine_set_makeup_mask(engine, 1, liner.ctypes.data, 4096, 4096) == 1
        bad = MakeupParamsV4.from_buffer_copy(m)
        bad.contour.intensity = 1.5
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(bad)) == 1
        assert b"contour intensity" in lib.meiyan_last_error()
        bad = MakeupParamsV4.from_buffer_copy(m)
        bad.lashes.blend = 7
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(bad)) == 1
        assert b"lashes.blend" in lib.meiyan_last_error()
        # An ABI 3 caller (struct_size 68): the appended layers are not read, so garbage there is harmless.
        old = MakeupParamsV4.from_buffer_copy(bad)
        old.struct_size = 68
        old.eyeliner.intensity = 9.0
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(old)) == 0, lib.meiyan_last_error()
        short = MakeupParamsV4.from_buffer_copy(m)
        short.struct_size = 64
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(short)) == 1
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(m)) == 0, lib.meiyan_last_error()
        # the mask cannot go while its layer is on
        assert lib.meiyan_engine_set_makeup_mask(engine, 1, None, 0, 0) == 2
    finally:
        lib.meiyan_engine_destroy(engine)
