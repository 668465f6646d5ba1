"""The C API end to end through ctypes: libmeiyan.so from the CI's CMake build, a real photo, faces.

CI points MEIYAN_CORE_BUILD at its release build of sdk_core; elsewhere the test is skipped.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import pytest

import meiyan

from .conftest import ROOT

BUILD = os.environ.get("MEIYAN_CORE_BUILD")
pytestmark = pytest.mark.skipif(not BUILD, reason="MEIYAN_CORE_BUILD (a CMake build of sdk_core) not set")


class Image(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("format", ctypes.c_int), ("width", ctypes.c_int32),
                ("height", ctypes.c_int32), ("planes", ctypes.c_void_p * 3), ("strides", ctypes.c_ssize_t * 3)]


class Face(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("id", ctypes.c_int32), ("presence", ctypes.c_float),
                ("landmarks", ctypes.c_float * (468 * 3)), ("roi", ctypes.c_float * 5), ("yaw", ctypes.c_float),
                ("pitch", ctypes.c_float), ("roll", ctypes.c_float), ("rotation", ctypes.c_float * 9),
                ("translation", ctypes.c_float * 3), ("scale", ctypes.c_float), ("expressions", ctypes.c_float * 5),
                ("expressions_active", ctypes.c_uint32)]


@pytest.fixture(scope="module")
def lib():
    path = Path(BUILD or "") / "libmeiyan.so"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    lib = ctypes.CDLL(str(path))
    lib.meiyan_last_error.restype = ctypes.c_char_p
    lib.meiyan_engine_enable_faces.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32]
    lib.meiyan_engine_process.argtypes = [ctypes.c_void_p, ctypes.POINTER(Image), ctypes.POINTER(Image)]
    lib.meiyan_engine_faces.argtypes = [ctypes.c_void_p, ctypes.POINTER(Face), ctypes.c_int32,
                                        ctypes.POINTER(ctypes.c_int32)]
    lib.meiyan_engine_destroy.argtypes = [ctypes.c_void_p]
    lib.meiyan_engine_set_threads.argtypes = [ctypes.c_void_p, ctypes.c_int32]
    return lib


def bgr_image(arr: np.ndarray) -> Image:
    img = Image(ctypes.sizeof(Image), 3, arr.shape[1], arr.shape[0])
    img.planes[0] = arr.ctypes.data
    img.strides[0] = arr.strides[0]
    return img


def test_c_api_tracks_faces_like_the_python_api(lib):
    from model_export.data import load_images

    photo = load_images(("breakingbad",))[0].image
    assert lib.meiyan_abi_version() == 7
    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        assert lib.meiyan_engine_enable_faces(engine, b"/nonexistent", 4) == 3  # MEIYAN_ERROR_IO
        assert b"face_detection_short_range" in lib.meiyan_last_error()
        assert lib.meiyan_engine_enable_faces(engine, str(ROOT / "models").encode(), 0) == 1  # max_faces
        assert lib.meiyan_engine_enable_faces(engine, str(ROOT / "models").encode(), 4) == 0, lib.meiyan_last_error()
        out = np.empty_like(photo)
        assert lib.meiyan_engine_process(engine, bgr_image(photo), bgr_image(out)) == 0
        faces = (Face * 4)()
        for f in faces:
            f.struct_size = ctypes.sizeof(Face)
        count = ctypes.c_int32()
        assert lib.meiyan_engine_faces(engine, faces, 4, ctypes.byref(count)) == 0
        assert count.value == 2
        expected = meiyan.FaceTracker("native", models_dir=ROOT / "models").track(photo, timestamp=0.0)
        for f, e in zip(faces[: count.value], expected, strict=True):
            pts = np.ctypeslib.as_array(f.landmarks).reshape(468, 3)
            assert np.abs(pts[:, :2] - e.landmarks[:, :2]).max() < 0.01
            assert abs(f.yaw - e.pose.yaw) < 1e-3 and 0 <= f.expressions[0] <= 1
        assert lib.meiyan_engine_faces(engine, faces, 1, ctypes.byref(count)) == 0 and count.value == 2
        faces[0].struct_size = 8
        assert lib.meiyan_engine_faces(engine, faces, 1, ctypes.byref(count)) == 1  # INVALID_ARGUMENT
        assert lib.meiyan_engine_set_camera_rotation(engine, 45) == 1
        # more threads: the same landmarks, to the bit
        first = [np.ctypeslib.as_array(f.landmarks).copy() for f in faces[:2]]
        assert lib.meiyan_engine_set_threads(engine, -1) == 1 and b"threads" in lib.meiyan_last_error()
        assert lib.meiyan_engine_set_threads(engine, 65) == 1
        faces[0].struct_size = ctypes.sizeof(Face)
        again = ctypes.c_void_p()
        assert lib.meiyan_engine_create(None, ctypes.byref(again)) == 0
        try:
            assert lib.meiyan_engine_set_threads(again, 3) == 0
            assert lib.meiyan_engine_enable_faces(again, str(ROOT / "models").encode(), 4) == 0
            assert lib.meiyan_engine_process(again, bgr_image(photo), bgr_image(out)) == 0
            assert lib.meiyan_engine_faces(again, faces, 4, ctypes.byref(count)) == 0 and count.value == 2
            for f, ref in zip(faces[:2], first, strict=True):
                assert np.array_equal(np.ctypeslib.as_array(f.landmarks), ref)
        finally:
            lib.meiyan_engine_destroy(again)
    finally:
        lib.meiyan_engine_destroy(engine)



def test_c_api_lite_mesh(lib):
    """meiyan_engine_enable_faces_mesh (ABI 4): the trained lite mesh through the C API, as in Python."""
    from model_export.data import load_images

    lib.meiyan_engine_enable_faces_mesh.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                                    ctypes.c_char_p]
    photo = load_images(("takeo",))[0].image
    models = str(ROOT / "models").encode()
    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        assert lib.meiyan_engine_enable_faces_mesh(engine, models, 1, b"tiny") == 1  # INVALID_ARGUMENT
        assert b'"full" or "lite"' in lib.meiyan_last_error()
        assert lib.meiyan_engine_enable_faces_mesh(engine, models, 1, None) == 1
        assert lib.meiyan_engine_enable_faces_mesh(engine, b"/nonexistent", 1, b"lite") == 3  # IO
        assert lib.meiyan_engine_enable_faces_mesh(engine, models, 1, b"lite") == 0, lib.meiyan_last_error()
        out = np.empty_like(photo)
        assert lib.meiyan_engine_process(engine, bgr_image(photo), bgr_image(out)) == 0
        faces = (Face * 1)()
        faces[0].struct_size = ctypes.sizeof(Face)
        count = ctypes.c_int32()
        assert lib.meiyan_engine_faces(engine, faces, 1, ctypes.byref(count)) == 0 and count.value == 1
        expected = meiyan.FaceTracker("native", models_dir=ROOT / "models", mesh="lite").track(photo, timestamp=0.0)
        pts = np.ctypeslib.as_array(faces[0].landmarks).reshape(468, 3)
        assert len(expected) == 1 and np.abs(pts[:, :2] - expected[0].landmarks[:, :2]).max() < 0.01
    finally:
        lib.meiyan_engine_destroy(engine)

def test_c_api_iris(lib, tmp_path):
    """meiyan_engine_face_iris (ABI 5): the 10 iris points as the Python tracker gives them once
    meiyan_engine_set_iris turns them on (off by default); none without the iris network in the models folder."""
    import shutil

    from model_export.data import load_images

    lib.meiyan_engine_face_iris.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_float)]
    photo = load_images(("breakingbad",))[0].image
    out = np.empty_like(photo)
    faces = (Face * 4)()
    for f in faces:
        f.struct_size = ctypes.sizeof(Face)
    count = ctypes.c_int32()
    iris = (ctypes.c_float * 30)()
    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        assert lib.meiyan_engine_face_iris(engine, 0, iris) == 1  # no faces yet: index out of range
        assert lib.meiyan_engine_enable_faces(engine, str(ROOT / "models").encode(), 4) == 0, lib.meiyan_last_error()
        assert lib.meiyan_engine_process(engine, bgr_image(photo), bgr_image(out)) == 0
        assert lib.meiyan_engine_face_iris(engine, 0, iris) == 2  # UNSUPPORTED: iris is off by default
        assert lib.meiyan_engine_set_iris(engine, 2) == 1 and b"0 or 1" in lib.meiyan_last_error()
        assert lib.meiyan_engine_set_iris(engine, 1) == 0
        assert lib.meiyan_engine_process(engine, bgr_image(photo), bgr_image(out)) == 0
        assert lib.meiyan_engine_faces(engine, faces, 4, ctypes.byref(count)) == 0 and count.value == 2
        expected = meiyan.FaceTracker("native", models_dir=ROOT / "models", iris=True).track(photo, timestamp=0.0)
        for i, e in enumerate(expected):
            assert lib.meiyan_engine_face_iris(engine, i, iris) == 0, lib.meiyan_last_error()
            assert e.iris is not None
            assert np.abs(np.ctypeslib.as_array(iris).reshape(10, 3) - e.iris).max() < 0.01
        assert lib.meiyan_engine_face_iris(engine, 2, iris) == 1 and b"out of range" in lib.meiyan_last_error()
        assert lib.meiyan_engine_face_iris(engine, -1, iris) == 1
        assert lib.meiyan_engine_face_iris(engine, 0, None) == 1
        # a models folder without the iris network: faces as before, no iris points
        for p in (ROOT / "models").glob("*.mynn"):
            if not p.name.startswith("iris_landmark"):
                shutil.copyfile(p, tmp_path / p.name)
        assert lib.meiyan_engine_enable_faces(engine, str(tmp_path).encode(), 4) == 0, lib.meiyan_last_error()
        assert lib.meiyan_engine_process(engine, bgr_image(photo), bgr_image(out)) == 0
        assert lib.meiyan_engine_faces(engine, faces, 4, ctypes.byref(count)) == 0 and count.value == 2
        for f, e in zip(faces[:2], expected, strict=True):
            assert np.abs(np.ctypeslib.as_array(f.landmarks).reshape(468, 3) - e.landmarks).max() < 0.01
        assert lib.meiyan_engine_face_iris(engine, 0, iris) == 2 and b"iris" in lib.meiyan_last_error()  # UNSUPPORTED
    finally:
        lib.meiyan_engine_destroy(engine)


def test_c_api_effect_package(lib, tmp_path):
    """Effect packages through the C API: parse, list images, give pixels, validate, draw, errors."""
    manifest = (b'{"format": "meiyan.effect", "version": 1, "name": "dot", "elements": ['
                b'{"type": "sticker", "frames": ["a.png"], "anchor": [4], "width": 0.5}]}')
    lib.meiyan_effect_create.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
    lib.meiyan_effect_destroy.argtypes = [ctypes.c_void_p]
    lib.meiyan_effect_image_count.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int32)]
    lib.meiyan_effect_image_path.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_char_p)]
    lib.meiyan_effect_set_image.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.POINTER(Image)]
    lib.meiyan_effect_validate.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                           ctypes.POINTER(ctypes.c_int32)]
    lib.meiyan_engine_set_effect.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.meiyan_engine_set_frame_time.argtypes = [ctypes.c_void_p, ctypes.c_double]

    effect = ctypes.c_void_p()
    assert lib.meiyan_effect_create(b"{", 1, ctypes.byref(effect)) == 4  # CORRUPT_DATA
    assert b"JSON line 1" in lib.meiyan_last_error() and not effect
    assert lib.meiyan_effect_create(manifest, len(manifest), ctypes.byref(effect)) == 0, lib.meiyan_last_error()
    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        count, path = ctypes.c_int32(), ctypes.c_char_p()
        assert lib.meiyan_effect_image_count(effect, ctypes.byref(count)) == 0 and count.value == 1
        assert lib.meiyan_effect_image_path(effect, 0, ctypes.byref(path)) == 0 and path.value == b"a.png"
        assert lib.meiyan_effect_image_path(effect, 1, ctypes.byref(path)) == 1
        # not all images given yet
        assert lib.meiyan_engine_set_effect(engine, effect) == 1 and b"a.png" in lib.meiyan_last_error()
        sprite = np.zeros((8, 8, 3), np.uint8)
        sprite[:] = (255, 0, 255)
        assert lib.meiyan_effect_set_image(effect, 0, bgr_image(sprite)) == 0, lib.meiyan_last_error()
        assert lib.meiyan_engine_set_effect(engine, effect) == 0, lib.meiyan_last_error()
        lib.meiyan_effect_destroy(effect)  # the engine keeps its own reference
        effect = ctypes.c_void_p()
        from model_export.data import load_images

        photo = load_images(("takeo",))[0].image
        assert lib.meiyan_engine_enable_faces(engine, str(ROOT / "models").encode(), 1) == 0, lib.meiyan_last_error()
        assert lib.meiyan_engine_set_frame_time(engine, 1.0) == 0
        out = np.empty_like(photo)
        assert lib.meiyan_engine_process(engine, bgr_image(photo), bgr_image(out)) == 0, lib.meiyan_last_error()
        assert int(np.all(out == (255, 0, 255), axis=-1).sum()) > 50  # the sticker is drawn
        assert lib.meiyan_engine_set_frame_time(engine, 0.5) == 1  # backwards
        assert lib.meiyan_engine_set_effect(engine, None) == 0
        problems, n = ctypes.create_string_buffer(512), ctypes.c_int32()
        bad = b'{"format": "meiyan.effect", "version": 3, "name": "x", "elements": []}'
        assert lib.meiyan_effect_validate(bad, len(bad), problems, 512, ctypes.byref(n)) == 0
        assert n.value == 2 and b"version: 3" in problems.value and b"elements: must hold" in problems.value
        assert lib.meiyan_effect_validate(bad, len(bad), None, 0, ctypes.byref(n)) == 0 and n.value == 2
        assert lib.meiyan_effect_validate(bad, len(bad), None, 5, ctypes.byref(n)) == 1
    finally:
        if effect:
            lib.meiyan_effect_destroy(effect)
        lib.meiyan_engine_destroy(engine)


class BeautyParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32)] + [(n, ctypes.c_float) for n in (
        "smoothing", "whitening", "rosy", "sharpen", "face_slim", "v_chin", "big_eyes", "chin_length", "nose_width",
        "mouth_size", "forehead")]


class MakeupLayer(ctypes.Structure):
    _fields_ = [("color", ctypes.c_float * 3), ("intensity", ctypes.c_float), ("blend", ctypes.c_int)]


class MakeupParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("lips", MakeupLayer), ("lip_gloss", ctypes.c_float),
                ("blush", MakeupLayer), ("brows", MakeupLayer)]


def test_c_api_beauty_and_makeup_match_python(lib):
    """meiyan_engine_set_beauty / set_makeup: validation with the engine left as it was, and the
    same pixels as the Python API given the same faces."""
    from model_export.data import load_images

    lib.meiyan_beauty_params_init.argtypes = [ctypes.POINTER(BeautyParams)]
    lib.meiyan_makeup_params_init.argtypes = [ctypes.POINTER(MakeupParams)]
    lib.meiyan_engine_set_beauty.argtypes = [ctypes.c_void_p, ctypes.POINTER(BeautyParams)]
    lib.meiyan_engine_set_makeup.argtypes = [ctypes.c_void_p, ctypes.POINTER(MakeupParams)]
    b, m = BeautyParams(), MakeupParams()
    lib.meiyan_beauty_params_init(ctypes.byref(b))
    lib.meiyan_makeup_params_init(ctypes.byref(m))
    assert b.struct_size == ctypes.sizeof(BeautyParams) == 48 and b.smoothing == 0.0
    assert m.struct_size == ctypes.sizeof(MakeupParams) == 68 and m.lips.blend == 1 and m.blush.blend == 2
    assert abs(m.lips.color[0] - 179 / 255) < 1e-6  # the Python MakeupParams' default colour
    photo = load_images(("takeo",))[0].image
    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        assert lib.meiyan_engine_enable_faces(engine, str(ROOT / "models").encode(), 1) == 0
        b.smoothing, b.whitening, b.face_slim = 0.7, 0.4, 0.3
        m.lips.intensity, m.blush.intensity = 0.6, 0.4
        bad = BeautyParams.from_buffer_copy(b)
        bad.chin_length = 2.0
        assert lib.meiyan_engine_set_beauty(engine, ctypes.byref(bad)) == 1
        assert b"chin_length" in lib.meiyan_last_error()
        bad_m = MakeupParams.from_buffer_copy(m)
        bad_m.blush.blend = 9
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(bad_m)) == 1 and b"blend" in lib.meiyan_last_error()
        short = BeautyParams.from_buffer_copy(b)
        short.struct_size = 8
        assert lib.meiyan_engine_set_beauty(engine, ctypes.byref(short)) == 1
        assert lib.meiyan_engine_set_beauty(engine, ctypes.byref(b)) == 0, lib.meiyan_last_error()
        assert lib.meiyan_engine_set_makeup(engine, ctypes.byref(m)) == 0, lib.meiyan_last_error()
        out = np.empty_like(photo)
        assert lib.meiyan_engine_process(engine, bgr_image(photo), bgr_image(out)) == 0, lib.meiyan_last_error()
        face = meiyan.FaceTracker("native", models_dir=ROOT / "models").track(photo, timestamp=0.0)[0]
        py = meiyan.Engine()
        py.set_beauty(smoothing=0.7, whitening=0.4)
        py.set_reshape(face_slim=0.3)
        py.set_makeup(lips=0.6, blush=0.4)
        py.set_faces([face.landmarks])
        expected = py.process(photo)
        assert not np.array_equal(out, photo)
        assert np.abs(out.astype(int) - expected.astype(int)).max() <= 2
    finally:
        lib.meiyan_engine_destroy(engine)


class TrackerOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("smoothing", ctypes.c_int32), ("min_cutoff", ctypes.c_float),
                ("beta", ctypes.c_float), ("rotation_sweep", ctypes.c_int32), ("redetect_interval", ctypes.c_int32),
                ("tile_search", ctypes.c_int32), ("tile_runs_per_frame", ctypes.c_int32)]


def test_c_api_tracker_options(lib):
    """meiyan_engine_set_tracker_options (ABI 7): what Python's FaceTracker takes as keywords, before or
    after meiyan_engine_enable_faces: a 64-px face at 1280x720 is found with the tile search and not
    without it (as in Python), raw landmarks without smoothing, and every bad value refused by name."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_tracking

    from model_export.data import load_images

    lib.meiyan_tracker_options_init.argtypes = [ctypes.POINTER(TrackerOptions)]
    lib.meiyan_engine_set_tracker_options.argtypes = [ctypes.c_void_p, ctypes.POINTER(TrackerOptions)]
    lib.meiyan_engine_set_frame_time.argtypes = [ctypes.c_void_p, ctypes.c_double]
    models = str(ROOT / "models").encode()
    photo = load_images(("lenna",))[0]
    small = bench_tracking.placed(photo, 64, 430, 200).image
    defaults = TrackerOptions()
    lib.meiyan_tracker_options_init(ctypes.byref(defaults))
    assert (defaults.struct_size, defaults.smoothing, defaults.rotation_sweep, defaults.redetect_interval,
            defaults.tile_search, defaults.tile_runs_per_frame) == (32, 1, 1, 30, 1, 2)
    assert (defaults.min_cutoff, defaults.beta) == (1.0, 40.0)

    def run(frames: list[np.ndarray], options: TrackerOptions | None, before: bool) -> list[np.ndarray]:
        engine = ctypes.c_void_p()
        assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
        try:
            if options is not None and before:
                assert lib.meiyan_engine_set_tracker_options(engine, ctypes.byref(options)) == 0
            assert lib.meiyan_engine_enable_faces(engine, models, 4) == 0, lib.meiyan_last_error()
            if options is not None and not before:
                assert lib.meiyan_engine_set_tracker_options(engine, ctypes.byref(options)) == 0
            faces = (Face * 4)()
            for f in faces:
                f.struct_size = ctypes.sizeof(Face)
            count = ctypes.c_int32()
            for i, frame in enumerate(frames):
                out = np.empty_like(frame)
                assert lib.meiyan_engine_set_frame_time(engine, i / 30) == 0
                assert lib.meiyan_engine_process(engine, bgr_image(frame), bgr_image(out)) == 0
            assert lib.meiyan_engine_faces(engine, faces, 4, ctypes.byref(count)) == 0
            return [np.ctypeslib.as_array(f.landmarks).reshape(468, 3).copy() for f in faces[: count.value]]
        finally:
            lib.meiyan_engine_destroy(engine)

    no_tiles = TrackerOptions()
    lib.meiyan_tracker_options_init(ctypes.byref(no_tiles))
    no_tiles.tile_search = 0
    assert len(meiyan.FaceTracker(tile_search=False).track(small, timestamp=0.0)) == 0
    assert len(meiyan.FaceTracker().track(small, timestamp=0.0)) == 1
    assert len(run([small], None, True)) == 1
    assert len(run([small], no_tiles, True)) == 0
    assert len(run([small], no_tiles, False)) == 0  # applied to the tracker already enabled

    # smoothing off: the second frame's landmarks are the network's, as Python's smoothing=False gives them
    frames = [photo.image, np.roll(photo.image, 6, axis=1)]
    raw = TrackerOptions()
    lib.meiyan_tracker_options_init(ctypes.byref(raw))
    raw.smoothing = 0
    py_raw = meiyan.FaceTracker(smoothing=False)
    py_smooth = meiyan.FaceTracker()
    for i, frame in enumerate(frames):
        want_raw = py_raw.track(frame, timestamp=i / 30)[0].landmarks
        want_smooth = py_smooth.track(frame, timestamp=i / 30)[0].landmarks
    assert np.abs(want_raw[:, :2] - want_smooth[:, :2]).max() > 0.5  # the case tells them apart
    assert np.abs(run(frames, raw, False)[0][:, :2] - want_raw[:, :2]).max() < 0.01
    assert np.abs(run(frames, None, False)[0][:, :2] - want_smooth[:, :2]).max() < 0.01

    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == 0
    try:
        for field, value, word in (("smoothing", 2, b"smoothing"), ("tile_search", -1, b"tile_search"),
                                   ("min_cutoff", float("nan"), b"min_cutoff"), ("min_cutoff", 0.0, b"min_cutoff"),
                                   ("beta", float("inf"), b"beta"), ("redetect_interval", 0, b"redetect_interval"),
                                   ("tile_runs_per_frame", 1001, b"tile_runs_per_frame"),
                                   ("struct_size", 28, b"struct_size")):
            bad = TrackerOptions()
            lib.meiyan_tracker_options_init(ctypes.byref(bad))
            setattr(bad, field, value)
            assert lib.meiyan_engine_set_tracker_options(engine, ctypes.byref(bad)) == 1, field  # INVALID_ARGUMENT
            assert word in lib.meiyan_last_error(), (field, lib.meiyan_last_error())
        assert lib.meiyan_engine_set_tracker_options(engine, None) == 1
    finally:
        lib.meiyan_engine_destroy(engine)
