from __future__ import annotations

import numpy as np
import pytest

import meiyan
from meiyan import ColorParams, Engine


def test_neutral_engine_is_identity(test_images):
    engine = Engine("cpu")
    for img in test_images.values():
        assert np.array_equal(engine.process(img), img)


def test_rgba_input_keeps_alpha(sample_bgr):
    rgba = np.dstack([sample_bgr[..., ::-1], np.full(sample_bgr.shape[:2], 77, np.uint8)])
    out = Engine("cpu", brightness=0.3).process(rgba)
    assert out.shape == rgba.shape
    assert np.all(out[..., 3] == 77)
    assert out[..., :3].mean() > rgba[..., :3].mean() + 5


def test_each_parameter_moves_the_image_the_right_way(sample_bgr):
    base = sample_bgr.astype(np.float64)
    changes = [("brightness", 0.5), ("whitening", 0.6), ("warmth", 0.8), ("saturation", -1.0), ("contrast", 0.8)]
    out = {k: Engine("cpu", **{k: v}).process(sample_bgr).astype(np.float64) for k, v in changes}
    assert out["brightness"].mean() > base.mean() + 10
    assert out["whitening"].mean() > base.mean() + 10
    # warmth: red (channel 2 in BGR) up, blue (0) down
    assert out["warmth"][..., 2].mean() > base[..., 2].mean() + 3
    assert out["warmth"][..., 0].mean() < base[..., 0].mean() - 3
    grey = out["saturation"]
    assert np.abs(grey[..., 0] - grey[..., 1]).max() <= 1 and np.abs(grey[..., 1] - grey[..., 2]).max() <= 1
    assert out["contrast"].std() > base.std() * 1.2


def test_in_place_and_out_argument(sample_bgr):
    engine = Engine("cpu", brightness=0.2)
    expected = engine.process(sample_bgr)
    buf = sample_bgr.copy()
    result = engine.process(buf, out=buf)
    assert result is buf
    assert np.array_equal(buf, expected)


def test_rgba_output_is_the_working_frame_whatever_the_aliasing(sample_bgr):
    """A packed RGBA output is rendered in place (no extra copy); in place, from another format, from an
    overlapping view of the same buffer or into a strided output, the bytes are the same."""
    engine = Engine("cpu", filter="film", brightness=0.1)
    rgba = meiyan.convert(sample_bgr, "bgr", "rgba")
    expected = engine.process(rgba.copy())
    same = rgba.copy()
    assert np.array_equal(engine.process(same, out=same), expected)
    out = np.empty_like(rgba)
    assert np.array_equal(engine.process(sample_bgr, out=out, out_format="rgba"), expected)
    h = rgba.shape[0]
    buf = np.zeros((h + h // 2, *rgba.shape[1:]), np.uint8)
    buf[:h] = rgba
    shifted = buf[h // 2 :]  # overlaps the input's lower half
    assert np.array_equal(engine.process(buf[:h], out=shifted), expected)
    wide = np.zeros((h, rgba.shape[1] + 8, 4), np.uint8)[:, 4:-4]  # padded rows: through the buffer
    assert np.array_equal(engine.process(rgba, out=wide), expected)


def test_strided_views_are_processed_correctly(sample_bgr):
    engine = Engine("cpu", filter="film")
    rows = sample_bgr[::2]  # padded row stride: viewed without a copy
    assert np.array_equal(engine.process(rows), engine.process(np.ascontiguousarray(rows)))
    flipped = sample_bgr[::-1]  # negative row stride
    assert np.array_equal(engine.process(flipped), engine.process(np.ascontiguousarray(flipped)))
    rgb_view = sample_bgr[..., ::-1]  # non-unit channel stride: copied, same result
    assert np.array_equal(engine.process(rgb_view, format="rgb"), engine.process(sample_bgr)[..., ::-1])
    crop = sample_bgr[13:200, 7:333]
    assert np.array_equal(engine.process(crop), engine.process(np.ascontiguousarray(crop)))


def test_output_format_conversion(sample_bgr):
    engine = Engine("cpu")
    rgba = engine.process(sample_bgr, out_format="rgba")
    assert rgba.shape == (*sample_bgr.shape[:2], 4)
    assert np.array_equal(rgba[..., :3], sample_bgr[..., ::-1])
    assert np.all(rgba[..., 3] == 255)


def test_yuv_frames_round_trip(sample_bgr):
    engine = Engine("cpu", brightness=0.2)
    even = sample_bgr[:420, :640]
    for fmt in ("nv21", "nv12", "i420"):
        yuv = meiyan.convert(even, "bgr", fmt)
        assert yuv.shape == (630, 640)
        out = engine.process(yuv, format=fmt)
        assert out.shape == yuv.shape
        direct = engine.process(yuv, format=fmt, out_format="bgr")
        back = meiyan.convert(out, fmt, "bgr")
        # one more chroma subsampling pass: small differences at colour edges only
        assert np.abs(back.astype(int) - direct.astype(int)).mean() < 2.0


def test_params_object_and_keywords():
    engine = Engine("cpu", params=ColorParams(brightness=0.1), warmth=0.2)
    assert engine.params == ColorParams(brightness=0.1, warmth=0.2)
    engine.set_params(saturation=-0.5)
    assert engine.params.saturation == -0.5 and engine.params.brightness == 0.1
    with pytest.raises(TypeError, match="unknown colour parameter"):
        engine.set_params(sharpness=1.0)


@pytest.mark.parametrize(
    ("bad", "exc", "match"),
    [
        (np.zeros((10, 10, 3), np.float32), TypeError, "uint8"),
        (np.zeros((10, 10), np.uint8), ValueError, "format"),
        (np.zeros((10, 10, 5), np.uint8), ValueError, "format"),
        (np.zeros((0, 10, 3), np.uint8), ValueError, "empty"),
        (np.zeros((10, 0, 4), np.uint8), ValueError, "empty"),
        ([[1, 2, 3]], TypeError, "numpy"),
    ],
)
def test_bad_frames_raise_clear_errors(bad, exc, match):
    engine = Engine("cpu", brightness=0.1)
    with pytest.raises(exc, match=match):
        engine.process(bad)
    ok = np.full((4, 4, 3), 100, np.uint8)
    assert engine.process(ok).mean() > 100  # still usable


def test_bad_yuv_shapes():
    engine = Engine("cpu")
    with pytest.raises(ValueError, match="H\\*3/2"):
        engine.process(np.zeros((10, 8), np.uint8), format="nv21")
    with pytest.raises(ValueError, match="unknown pixel format"):
        engine.process(np.zeros((12, 8), np.uint8), format="yuyv")


def test_out_of_range_parameters_leave_engine_unchanged(sample_bgr):
    engine = Engine("cpu", brightness=0.2)
    before = engine.process(sample_bgr)
    for field, value in [("brightness", 1.5), ("whitening", -0.1), ("lut_intensity", 2.0), ("contrast", float("nan"))]:
        with pytest.raises(ValueError, match=field):
            engine.set_params(**{field: value})
    assert engine.params.brightness == 0.2
    assert np.array_equal(engine.process(sample_bgr), before)


def test_bad_backend_and_output():
    with pytest.raises(ValueError, match="backend"):
        Engine("vulkan")  # type: ignore[arg-type]
    engine = Engine("cpu")
    with pytest.raises(ValueError, match="size"):
        engine.process(np.zeros((4, 4, 3), np.uint8), out=np.zeros((4, 5, 3), np.uint8))
    ro = np.zeros((4, 4, 3), np.uint8)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        engine.process(np.zeros((4, 4, 3), np.uint8), out=ro)


def test_two_engines_do_not_share_state(sample_bgr):
    a = Engine("cpu", brightness=0.5)
    b = Engine("cpu")
    assert np.array_equal(b.process(sample_bgr), sample_bgr)
    assert not np.array_equal(a.process(sample_bgr), sample_bgr)
