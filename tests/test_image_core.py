"""Image kernels from Python: against OpenCV, SIMD against scalar, and bad input."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import meiyan


@pytest.fixture
def simd_levels():
    levels = ["scalar", meiyan.simd_detected()]
    yield list(dict.fromkeys(levels))
    meiyan.simd_force(meiyan.simd_detected())


def test_nv21_matches_opencv(sample_bgr):
    img = sample_bgr[:420]
    yuv = meiyan.convert(img, "bgr", "nv21")
    ours = meiyan.convert(yuv, "nv21", "bgr")
    theirs = cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_NV21)
    assert np.abs(ours.astype(int) - theirs).max() <= 2, "both decode BT.601 limited range"


def test_simd_equals_scalar_from_python(sample_bgr, simd_levels):
    rgba = meiyan.convert(sample_bgr[:, :639], "bgr", "rgba")
    outs = []
    for level in simd_levels:
        meiyan.simd_force(level)
        nv21 = meiyan.convert(sample_bgr[:420, :638], "bgr", "nv21")
        outs.append((meiyan.convert(nv21, "nv21", "rgba"), meiyan.resize(rgba, 255, 143), nv21))
    for a, b in zip(outs[0], outs[-1], strict=True):
        assert np.array_equal(a, b)


def test_resize_matches_opencv(sample_bgr):
    rgba = meiyan.convert(sample_bgr, "bgr", "rgba")
    for size in [(256, 170), (100, 77), (1000, 700), (1, 1)]:
        ours = meiyan.resize(rgba, *size)
        theirs = cv2.resize(rgba, size, interpolation=cv2.INTER_LINEAR)
        assert ours.shape == theirs.shape
        assert np.abs(ours.astype(int) - theirs).max() <= 2, size


def test_rotate_matches_numpy(sample_bgr):
    rgba = meiyan.convert(sample_bgr[:101, :67], "bgr", "rgba")
    assert np.array_equal(meiyan.rotate(rgba, 90), np.rot90(rgba, k=-1))
    assert np.array_equal(meiyan.rotate(rgba, 180), rgba[::-1, ::-1])
    assert np.array_equal(meiyan.rotate(rgba, 270), np.rot90(rgba, k=1))
    assert np.array_equal(meiyan.rotate(rgba, 0, mirror=True), rgba[:, ::-1])
    with pytest.raises(ValueError, match="degrees"):
        meiyan.rotate(rgba, 45)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown SIMD"):
        meiyan.simd_force("sse9")
    with pytest.raises(ValueError, match="target size"):
        meiyan.resize(np.zeros((4, 4, 4), np.uint8), 0, 3)
    with pytest.raises(ValueError, match="RGBA"):
        meiyan.resize(np.zeros((4, 4, 3), np.uint8), 2, 2)
    with pytest.raises(ValueError, match="even"):
        meiyan.convert(np.zeros((5, 5, 3), np.uint8), "bgr", "nv21")
