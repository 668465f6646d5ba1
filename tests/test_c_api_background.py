"""The background effects through the C API (ctypes on libmeiyan.so): defaults, status codes and
messages for bad input, segmentation from the models folder, and the same pixels as Python.

CI points MEIYAN_CORE_BUILD at its release build of sdk_core; elsewhere the test is skipped.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import pytest

import meiyan
from meiyan.onnx_backend import default_models_dir

from .test_c_api_faces import Image, bgr_image

BUILD = os.environ.get("MEIYAN_CORE_BUILD")
pytestmark = pytest.mark.skipif(not BUILD, reason="MEIYAN_CORE_BUILD (a CMake build of sdk_core) not set")

OK, INVALID_ARGUMENT, UNSUPPORTED, IO = 0, 1, 2, 3
NONE, BLUR, COLOR, IMAGE = 0, 1, 2, 3


class BackgroundParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("mode", ctypes.c_int), ("blur", ctypes.c_float),
                ("color", ctypes.c_float * 3), ("feather", ctypes.c_float), ("image", ctypes.POINTER(Image))]


@pytest.fixture(scope="module")
def lib():
    path = Path(BUILD or "") / "libmeiyan.so"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    lib = ctypes.CDLL(str(path))
    lib.meiyan_last_error.restype = ctypes.c_char_p
    lib.meiyan_background_params_init.argtypes = [ctypes.POINTER(BackgroundParams)]
    lib.meiyan_background_params_init.restype = None
    lib.meiyan_engine_create.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.meiyan_engine_destroy.argtypes = [ctypes.c_void_p]
    lib.meiyan_engine_process.argtypes = [ctypes.c_void_p, ctypes.POINTER(Image), ctypes.POINTER(Image)]
    lib.meiyan_engine_enable_segmentation.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32]
    lib.meiyan_engine_set_background.argtypes = [ctypes.c_void_p, ctypes.POINTER(BackgroundParams)]
    lib.meiyan_engine_person_mask.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                              ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32)]
    return lib


def test_background_through_the_c_api(lib, sample_bgr):
    p = BackgroundParams()
    lib.meiyan_background_params_init(ctypes.byref(p))
    assert p.struct_size == ctypes.sizeof(BackgroundParams) and p.mode == NONE
    assert p.blur == pytest.approx(0.6) and p.feather == pytest.approx(0.3) and not p.image

    engine = ctypes.c_void_p()
    assert lib.meiyan_engine_create(None, ctypes.byref(engine)) == OK

    def status(code: int, match: str) -> None:
        assert code != OK
        message = lib.meiyan_last_error().decode()
        assert match in message, message

    bad = BackgroundParams()
    status(lib.meiyan_engine_set_background(engine, ctypes.byref(bad)), "struct_size")
    assert lib.meiyan_engine_set_background(engine, ctypes.byref(bad)) == INVALID_ARGUMENT
    for field, value, name in (("blur", 1.5, "blur"), ("feather", float("nan"), "feather"), ("mode", 9, "mode"),
                               ("mode", IMAGE, "image")):
        q = BackgroundParams()
        lib.meiyan_background_params_init(ctypes.byref(q))
        setattr(q, field, value)
        code = lib.meiyan_engine_set_background(engine, ctypes.byref(q))
        assert code == INVALID_ARGUMENT
        status(code, name)
    q = BackgroundParams()
    lib.meiyan_background_params_init(ctypes.byref(q))
    q.color[1] = -0.5
    status(lib.meiyan_engine_set_background(engine, ctypes.byref(q)), "color[1]")
    assert lib.meiyan_engine_set_background(None, ctypes.byref(p)) == INVALID_ARGUMENT

    frame = np.ascontiguousarray(sample_bgr[:240, :320])
    out = np.empty_like(frame)
    src, dst = bgr_image(frame), bgr_image(out)
    p.mode = COLOR
    p.color[0], p.color[1], p.color[2] = 0.0, 1.0, 0.0
    assert lib.meiyan_engine_set_background(engine, ctypes.byref(p)) == OK
    code = lib.meiyan_engine_process(engine, ctypes.byref(src), ctypes.byref(dst))
    assert code == UNSUPPORTED
    status(code, "person mask")
    w, h = ctypes.c_int32(), ctypes.c_int32()
    assert lib.meiyan_engine_person_mask(engine, None, 0, ctypes.byref(w), ctypes.byref(h)) == UNSUPPORTED

    assert lib.meiyan_engine_enable_segmentation(engine, b"/nonexistent", 2) == IO
    status(IO, "selfie_segmentation.fp32.mynn")
    models = str(default_models_dir()).encode()
    assert lib.meiyan_engine_enable_segmentation(engine, models, 0) == INVALID_ARGUMENT
    status(INVALID_ARGUMENT, "interval")
    assert lib.meiyan_engine_enable_segmentation(engine, models, 2) == OK
    assert lib.meiyan_engine_process(engine, ctypes.byref(src), ctypes.byref(dst)) == OK
    py = meiyan.Engine("cpu")
    py.set_background(mode="color", color=(0.0, 1.0, 0.0))
    assert np.array_equal(out, py.process(frame))

    assert lib.meiyan_engine_person_mask(engine, None, 0, ctypes.byref(w), ctypes.byref(h)) == OK
    assert (w.value, h.value) == meiyan._core.background_grid(320, 240)[1:]
    mask = np.zeros((h.value, w.value), np.uint8)
    assert lib.meiyan_engine_person_mask(engine, mask.ctypes.data, mask.size, ctypes.byref(w), ctypes.byref(h)) == OK
    assert np.array_equal(mask, py._native.person_mask_grid)
    assert lib.meiyan_engine_person_mask(engine, None, 5, ctypes.byref(w), ctypes.byref(h)) == INVALID_ARGUMENT

    # An image in another format and size, copied: the caller's buffer may go away.
    pic = np.ascontiguousarray(np.flipud(sample_bgr))
    pic_image = bgr_image(pic)
    p.mode = IMAGE
    p.image = ctypes.pointer(pic_image)
    assert lib.meiyan_engine_set_background(engine, ctypes.byref(p)) == OK
    pic[:] = 0
    assert lib.meiyan_engine_process(engine, ctypes.byref(src), ctypes.byref(dst)) == OK
    py.set_background(mode="image", image=np.flipud(sample_bgr))
    assert np.array_equal(out, py.process(frame))
    lib.meiyan_engine_destroy(engine)
