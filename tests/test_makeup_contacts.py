"""Coloured contact lenses (the ``contacts`` makeup layer), drawn from the tracker's iris points: a ring on
each iris (pupil kept), hidden by the eyelids, skipped on faces without iris points; CPU vs GL; the C, look,
CLI and Python parameter plumbing."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import Engine, MakeupParams
from meiyan.effects import parse_look

from .conftest import psnr

PORTRAIT = Path(meiyan.__file__).parent / "data" / "samples" / "portrait.png"
# MediaPipe's eye outlines (FACEMESH_RIGHT_EYE / FACEMESH_LEFT_EYE, in order round the eye)
RIGHT_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
LEFT_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]
PUPIL, OUTER = 0.35, 1.04  # contacts.h: kPupil, kOuterEnd (r / R)
LENS = MakeupParams(contacts=1.0, contacts_color="#2a9d4a")


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    """BGR photos with one face each: the bundled portrait and two from model_export's set."""
    image = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    assert image is not None
    out = {"portrait": image}
    try:
        from model_export.data import load_images

        out.update({p.name: p.image for p in load_images(("takeo", "lenna"))})
    except Exception:  # the data set is optional here; the portrait is always there
        pass
    return out


def tracked(image: np.ndarray) -> meiyan.FaceResult:
    tracker = meiyan.FaceTracker(smoothing=False, iris=True)
    if not tracker.has_iris:
        pytest.skip("no iris network in the models folder")
    faces = tracker.track(image, timestamp=0.0)
    assert len(faces) >= 1
    return faces[0]


def allowed_region(shape: tuple[int, ...], face: meiyan.FaceResult) -> np.ndarray:
    """Pixels the lenses may change: inside an iris disc, outside its pupil, inside that eye's opening."""
    h, w = shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    assert face.iris is not None
    ok = np.zeros((h, w), bool)
    for e, outline in enumerate((RIGHT_EYE, LEFT_EYE)):
        pts = face.iris[5 * e:5 * e + 5, :2]
        c = pts[0]
        r = float(np.mean(np.hypot(*(pts[1:] - c).T)))
        d = np.hypot(xs - c[0], ys - c[1]) / r
        opening = np.zeros((h, w), np.uint8)
        cv2.fillPoly(opening, [np.round(face.landmarks[outline, :2] * 16).astype(np.int32)], 1, shift=4)
        # grown by 2 px: the lid edge's 1 px softening plus cv2's rasterisation vs the engine's pixel-centre rule
        opening = cv2.dilate(opening, np.ones((5, 5), np.uint8)) > 0
        ok |= (d > PUPIL - 0.02) & (d < OUTER + 0.02) & opening
    return ok


@pytest.mark.parametrize("name", ["portrait", "takeo", "lenna"])
def test_lenses_change_only_the_irises_inside_the_lids(photos: dict[str, np.ndarray], name: str) -> None:
    if name not in photos:
        pytest.skip(f"{name} not available")
    image = photos[name]
    face = tracked(image)
    engine = Engine("cpu", makeup=LENS)
    engine.set_faces([face])
    out = engine.process(image)
    changed = np.any(out != image, axis=2)
    assert changed.sum() > 20, f"{name}: the lenses changed {changed.sum()} pixels"
    outside = changed & ~allowed_region(image.shape, face)
    assert not outside.any(), f"{name}: {outside.sum()} changed pixels outside the iris rings / eye openings"
    # the pupil centres are kept
    assert face.iris is not None
    for e in range(2):
        x, y = (int(v) for v in face.iris[5 * e, :2])
        assert np.array_equal(out[y, x], image[y, x])


def test_intensity_zero_and_faces_without_iris_leave_the_frame(photos: dict[str, np.ndarray]) -> None:
    image = photos["portrait"]
    face = tracked(image)
    engine = Engine("cpu", makeup=MakeupParams(contacts=0.0))
    engine.set_faces([face])
    assert np.array_equal(engine.process(image), image)
    engine.set_makeup(LENS)
    engine.set_faces([face.landmarks])  # no iris points: the face is skipped
    assert np.array_equal(engine.process(image), image)
    engine.set_faces([face.landmarks], iris=[None])
    assert np.array_equal(engine.process(image), image)
    engine.set_faces([face.landmarks], iris=[face.iris])
    assert not np.array_equal(engine.process(image), image)
    with pytest.raises(ValueError, match="iris points must be an array"):
        engine.set_faces([face.landmarks], iris=[np.zeros((5, 2), np.float32)])


@pytest.mark.parametrize("api", ["gl", "gles"])
def test_gl_matches_cpu(photos: dict[str, np.ndarray], gl_available: str, api: str,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEIYAN_GL_API", api)
    for name, image in photos.items():
        face = tracked(image)
        for blend in ("soft_light", "normal", "multiply", "overlay", "screen"):
            look = LENS.replace(contacts_blend=blend)
            outs = []
            for backend in ("cpu", "gl"):
                engine = Engine(backend, makeup=look)  # type: ignore[arg-type]
                engine.set_faces([face])
                outs.append(engine.process(image))
            value = psnr(outs[0], outs[1])
            print(f"contacts {blend} {name} ({api}): CPU vs GL {value:.1f} dB")
            assert value >= 38.0, f"{name} {blend}: PSNR {value:.1f} dB"
            assert not np.array_equal(outs[0], image)


def test_validation_and_the_tracker_rule() -> None:
    engine = Engine("cpu")
    with pytest.raises(ValueError, match="contacts"):
        engine.set_makeup(contacts=1.5)
    with pytest.raises(ValueError, match="contacts_blend"):
        engine.set_makeup(contacts=0.5, contacts_blend="dodge")
    with pytest.raises(ValueError, match="contacts_color"):
        engine.set_makeup(contacts=0.5, contacts_color="blue")
    tracker = meiyan.FaceTracker()  # no iris
    engine = Engine("cpu", tracker=tracker)
    with pytest.raises(ValueError, match=r"FaceTracker\(iris=True\)"):
        engine.set_makeup(contacts=0.5)
    engine.set_makeup(contacts=0.0)  # off: fine
    if meiyan.FaceTracker(iris=True).has_iris:
        Engine("cpu", tracker=meiyan.FaceTracker(iris=True)).set_makeup(contacts=0.5)


def test_look_parser_takes_contacts() -> None:
    look = parse_look({"makeup": {"contacts": {"color": "#6a4a2a", "opacity": 0.7, "blend": "soft_light"}}})
    assert look.makeup is not None
    assert look.makeup.contacts == 0.7 and look.makeup.contacts_color == "#6a4a2a"
    with pytest.raises(ValueError, match="makeup.contacts.blend"):
        parse_look({"makeup": {"contacts": {"blend": "hue"}}})
    schema = (Path(__file__).parents[1] / "docs" / "effect_package.schema.json").read_text()
    assert '"contacts"' in schema


def test_cli_apply_contacts(tmp_path: Path) -> None:
    from meiyan import cli

    out = tmp_path / "lenses.png"
    assert cli.main(["apply", str(PORTRAIT), str(out), "--contacts", "0.8", "--quiet"]) == 0
    before = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    after = cv2.imread(str(out), cv2.IMREAD_COLOR)
    assert after is not None and after.shape == before.shape
    changed = np.any(after != before, axis=2)
    assert 20 < changed.sum() < 400  # the two small irises of the portrait


# ----------------------------------------------------------------------------------------- C API

BUILD = os.environ.get("MEIYAN_CORE_BUILD")


class Layer(ctypes.Structure):
    _fields_ = [("color", ctypes.c_float * 3), ("intensity", ctypes.c_float), ("blend", ctypes.c_int)]


class MakeupParamsV6(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("lips", Layer), ("lip_gloss", ctypes.c_float),
                ("blush", Layer), ("brows", Layer)] + [
        (n, Layer) for n in ("eyeshadow", "eyeliner", "lashes", "contour", "highlight", "contacts")]


@pytest.mark.skipif(not BUILD, reason="MEIYAN_CORE_BUILD (a CMake build of sdk_core) not set")
def test_c_api_contacts() -> None:
    lib = ctypes.CDLL(str(Path(BUILD or "") / "libmeiyan.so"))
    lib.meiyan_last_error.restype = ctypes.c_char_p
    lib.meiyan_makeup_params_init_sized.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.meiyan_engine_set_makeup.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.meiyan_engine_destroy.argtypes = [ctypes.c_void_p]
    assert lib.meiyan_abi_version() >= 6 and ctypes.sizeof(MakeupParamsV6) == 188
    m = MakeupParamsV6()
    lib.meiyan_makeup_params_init_sized(ctypes.byref(m), ctypes.sizeof(m))
    assert m.struct_size == 188 and m.contacts.blend == 2 and m.contacts.intensity == 0.0
    rgb = meiyan.beauty.parse_color(MakeupParams().contacts_color)
    assert np.allclose(list(m.contacts.color), rgb, atol=1e-6)
    # an ABI 4/5 caller's 168 bytes: the lenses' bytes are not written
    buf = (ctypes.c_uint8 * 188)(*([0xAB] * 188))
    lib.meiyan_makeup_params_init_sized(buf, 168)
    assert bytes(buf[168:]) == b"\xab" * 20
    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        m.contacts.intensity = 2.0
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(m)) == 1  # MEIYAN_ERROR_INVALID_ARGUMENT
        assert b"contacts intensity" in lib.meiyan_last_error()
        m.contacts.intensity = 0.5
        m.contacts.blend = 9
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(m)) == 1
        assert b"contacts.blend" in lib.meiyan_last_error()
        m.contacts.blend = 2
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(m)) == 0, lib.meiyan_last_error()
        # the same bad value past an ABI 5 caller's struct_size is never read
        m.contacts.intensity = 2.0
        m.struct_size = 168
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(m)) == 0, lib.meiyan_last_error()
    finally:
        lib.meiyan_engine_destroy(engine)
