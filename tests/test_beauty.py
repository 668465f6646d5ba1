"""Beauty (smoothing, whitening, rosy, sharpen): CPU reference vs GL, masks confined to the face,
the engine plumbing from a tracker, and parameter checks, on the sample scene and real face photos."""

from __future__ import annotations

import numpy as np
import pytest

import meiyan
from meiyan import BeautyParams, Engine

from .conftest import psnr

pytest.importorskip("onnxruntime")

EFFECTS = [
    {"smoothing": 1.0},
    {"whitening": 1.0},
    {"rosy": 1.0},
    {"sharpen": 1.0},
    {"smoothing": 0.7, "whitening": 0.4, "rosy": 0.3, "sharpen": 0.5},
]


@pytest.fixture(scope="session")
def face_scenes(sample_bgr: np.ndarray) -> dict[str, tuple[np.ndarray, list[np.ndarray]]]:
    """Real photos with their tracked landmarks, and the sample scene with a photo's face mesh laid on it."""
    from model_export.data import load_images

    tracker = meiyan.FaceTracker()
    scenes: dict[str, tuple[np.ndarray, list[np.ndarray]]] = {}
    for item in load_images(("lenna", "breakingbad", "takeo")):
        tracker.reset()
        faces = tracker.track(item.image)
        assert faces, item.name
        scenes[item.name] = (item.image, [f.landmarks for f in faces])
    lenna_img, lenna_faces = scenes["lenna"]
    h, w = sample_bgr.shape[:2]
    scale = 0.8 * min(h, w) / max(lenna_img.shape[:2])
    mesh = lenna_faces[0][:, :2] * scale + np.array([w / 2, h / 2]) - np.array(lenna_img.shape[1::-1]) * scale / 2
    scenes["sample"] = (sample_bgr, [mesh.astype(np.float32)])
    return scenes


def outside_mask(shape: tuple[int, ...], faces: list[np.ndarray], margin: float = 0.15) -> np.ndarray:
    """True outside every face's landmark box grown by `margin` of its size on each side."""
    out = np.ones(shape[:2], bool)
    for lm in faces:
        x0, y0 = lm[:, :2].min(0)
        x1, y1 = lm[:, :2].max(0)
        mx, my = (x1 - x0) * margin, (y1 - y0) * margin
        ya, yb = max(0, int(y0 - my)), min(shape[0], int(np.ceil(y1 + my)))
        xa, xb = max(0, int(x0 - mx)), min(shape[1], int(np.ceil(x1 + mx)))
        out[ya:yb, xa:xb] = False
    return out


def render(backend: str, img: np.ndarray, faces: list[np.ndarray], **beauty: float) -> np.ndarray:
    engine = Engine(backend, beauty=BeautyParams(**beauty))
    engine.set_faces(faces)
    return engine.process(img)


@pytest.mark.parametrize("params", EFFECTS, ids=lambda p: "+".join(p))
def test_beauty_changes_the_face_and_nothing_outside(params, face_scenes):
    for name, (img, faces) in face_scenes.items():
        out = render("cpu", img, faces, **params)
        change = np.abs(out.astype(int) - img).mean(-1)
        outside = outside_mask(img.shape, faces)
        assert change[outside].mean() <= 1.0, name
        assert change[~outside].mean() > 0.05, f"{name}: {params} changed nothing on the face"


@pytest.mark.parametrize("api", ["gl", "gles"])
@pytest.mark.parametrize("params", EFFECTS, ids=lambda p: "+".join(p))
def test_gl_beauty_matches_cpu(params, api, face_scenes, gl_available, monkeypatch):
    monkeypatch.setenv("MEIYAN_GL_API", api)
    for name, (img, faces) in face_scenes.items():
        a, b = render("cpu", img, faces, **params), render("gl", img, faces, **params)
        value = psnr(a, b)
        assert value >= 38.0, f"{name}: PSNR {value:.1f} dB"


def test_gl_beauty_with_a_colour_filter(face_scenes, gl_available):
    img, faces = face_scenes["lenna"]
    outs = []
    for backend in ("cpu", "gl"):
        engine = Engine(backend, filter="film", beauty=BeautyParams(smoothing=0.8, whitening=0.5), brightness=0.1)
        engine.set_faces(faces)
        outs.append(engine.process(img))
    assert psnr(outs[0], outs[1]) >= 38.0


def test_smoothing_reduces_skin_texture(face_scenes):
    for name in ("lenna", "takeo"):
        img, faces = face_scenes[name]
        out = render("cpu", img, faces, smoothing=1.0)
        lm = faces[0]
        r = max(4, int(0.08 * np.linalg.norm(lm[33, :2] - lm[263, :2])))

        def texture(a: np.ndarray, lm: np.ndarray = lm, r: int = r) -> float:
            total = 0.0
            for i in (50, 280, 101, 330):  # both cheeks: one may be turned away
                cx, cy = (int(v) for v in lm[i, :2])
                patch = a[cy - r:cy + r, cx - r:cx + r].astype(float)
                total += float(np.abs(np.diff(patch, axis=0)).mean() + np.abs(np.diff(patch, axis=1)).mean())
            return total

        assert texture(out) < 0.85 * texture(img), name


def test_no_faces_or_neutral_changes_nothing(face_scenes):
    img, faces = face_scenes["lenna"]
    assert np.array_equal(render("cpu", img, [], smoothing=1.0, whitening=1.0), img)
    assert np.array_equal(render("cpu", img, faces), img)


def test_engine_with_tracker_passes_faces(face_scenes):
    img, _ = face_scenes["lenna"]
    engine = Engine("cpu", tracker=meiyan.FaceTracker(), beauty=BeautyParams(whitening=1.0))
    out = engine.process(img)
    assert len(engine.faces) == 1
    assert np.abs(out.astype(int) - img).mean() > 0.5


def test_beauty_parameters_are_checked():
    engine = Engine("cpu")
    with pytest.raises(ValueError, match="smoothing"):
        engine.set_beauty(smoothing=1.5)
    with pytest.raises(ValueError, match="rosy"):
        engine.set_beauty(rosy=float("nan"))
    with pytest.raises(TypeError):
        engine.set_beauty(glow=0.5)
    assert engine.beauty == BeautyParams()
    engine.set_beauty(whitening=0.3)
    assert engine.beauty.whitening == pytest.approx(0.3)
    with pytest.raises(ValueError, match="468"):
        engine.set_faces([np.zeros((10, 2), np.float32)])
    with pytest.raises(ValueError, match="finite"):
        engine.set_faces([np.full((468, 2), np.nan, np.float32)])


RESHAPES = [
    {"face_slim": 1.0}, {"v_chin": 1.0}, {"big_eyes": 1.0}, {"face_slim": 0.6, "v_chin": 0.8, "big_eyes": 0.5},
    {"chin_length": 1.0}, {"chin_length": -1.0}, {"nose_width": -1.0}, {"nose_width": 1.0}, {"mouth_size": 1.0},
    {"mouth_size": -0.8}, {"forehead": 1.0}, {"forehead": -1.0},
]


def reshaped(backend: str, img: np.ndarray, faces: list[np.ndarray], **params: float) -> np.ndarray:
    engine = Engine(backend, reshape=meiyan.ReshapeParams(**params))
    engine.set_faces(faces)
    return engine.process(img)


@pytest.mark.parametrize("params", RESHAPES, ids=lambda p: "+".join(f"{k}={v}" for k, v in p.items()))
def test_reshape_moves_the_face_only(params, face_scenes):
    for name, (img, faces) in face_scenes.items():
        out = reshaped("cpu", img, faces, **params)
        change = np.abs(out.astype(int) - img).mean(-1)
        outside = outside_mask(img.shape, faces, margin=0.3)
        assert change[outside].mean() <= 1.0, name
        assert change[~outside].mean() > 0.01, name  # local warps (nose, mouth) move little of the box


ALL_ITEMS = {"smoothing": 0.7, "whitening": 0.4, "rosy": 0.3, "sharpen": 0.4, "teeth_whiten": 0.5, "eye_brighten": 0.5,
             "dark_circles": 0.5}


def assert_vector_equals_scalar(face_scenes, run) -> None:
    """run(img, faces) under the scalar kernels and under AVX2: the same bytes, and a changed frame."""
    if meiyan.simd_detected() != "avx2":
        pytest.skip("no AVX2 here")
    try:
        for name, (img, faces) in face_scenes.items():
            outs = []
            for level in ("scalar", "avx2"):
                meiyan.simd_force(level)
                outs.append(run(img, faces))
            assert (outs[0] != img).any(), name
            assert np.array_equal(outs[0], outs[1]), name
    finally:
        meiyan.simd_force(meiyan.simd_detected())


@pytest.mark.parametrize("items", [{"smoothing": 0.7}, {"whitening": 1.0}, {"rosy": 0.5}, {"sharpen": 0.6}, ALL_ITEMS],
                         ids=lambda p: "+".join(p))
def test_beauty_vector_pixels_equal_the_scalar_pixels(items, face_scenes):
    """The AVX2 skin pixels (8 at a time; feature items and frame-edge pixels stay scalar) give the
    scalar pixel's bytes exactly."""
    assert_vector_equals_scalar(face_scenes, lambda img, faces: render("cpu", img, faces, **items))


def test_reshape_vector_row_equals_the_scalar_row(face_scenes):
    """The AVX2 warp row (8 pixels a gather) gives the scalar row's bytes exactly, every item at once."""
    params = {"face_slim": 0.8, "v_chin": 0.5, "big_eyes": 0.6, "chin_length": -0.5, "nose_width": 0.7,
              "mouth_size": -0.6, "forehead": 0.5}
    assert_vector_equals_scalar(face_scenes, lambda img, faces: reshaped("cpu", img, faces, **params))


@pytest.mark.parametrize("api", ["gl", "gles"])
@pytest.mark.parametrize("params", RESHAPES, ids=lambda p: "+".join(f"{k}={v}" for k, v in p.items()))
def test_gl_reshape_matches_cpu(params, api, face_scenes, gl_available, monkeypatch):
    monkeypatch.setenv("MEIYAN_GL_API", api)
    for name, (img, faces) in face_scenes.items():
        value = psnr(reshaped("cpu", img, faces, **params), reshaped("gl", img, faces, **params))
        assert value >= 38.0, f"{name}: PSNR {value:.1f} dB"


def test_reshape_at_the_frame_edge_does_not_tear(face_scenes, gl_available):
    """A face cut by the frame's corner, warped hard, on a smooth ramp: no jumps appear anywhere."""
    _, faces = face_scenes["lenna"]
    lm = faces[0].copy()
    lm[:, :2] -= lm[:, :2].min(0) + 40  # the face hangs over the top-left corner
    yy, xx = np.mgrid[0:240, 0:320]
    ramp = np.dstack([xx * 255 // 319, yy * 255 // 239, (xx + yy) * 255 // 558]).astype(np.uint8)
    full = {"face_slim": 1.0, "v_chin": 1.0, "big_eyes": 1.0, "chin_length": 1.0, "nose_width": -1.0,
            "mouth_size": 1.0, "forehead": 1.0}
    for backend in ("cpu", "gl"):
        out = reshaped(backend, ramp, [lm], **full).astype(int)
        assert np.abs(np.diff(out, axis=0)).max() <= 8, backend
        assert np.abs(np.diff(out, axis=1)).max() <= 8, backend
    assert psnr(reshaped("cpu", ramp, [lm], **full), reshaped("gl", ramp, [lm], **full)) >= 38.0


def test_reshape_parameters_are_checked():
    engine = Engine("cpu")
    with pytest.raises(ValueError, match="big_eyes"):
        engine.set_reshape(big_eyes=2.0)
    with pytest.raises(ValueError, match="forehead"):
        engine.set_reshape(forehead=-1.5)
    with pytest.raises(TypeError):
        engine.set_reshape(nose=0.5)
    engine.set_reshape(face_slim=0.5)
    assert engine.reshape.face_slim == pytest.approx(0.5)
