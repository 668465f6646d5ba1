"""The OpenGL renderer against the CPU reference, on llvmpipe here and on real GPUs alike."""

from __future__ import annotations

import numpy as np
import pytest

import meiyan
from meiyan import Engine

from .conftest import psnr

PARAM_SETS = [
    {"brightness": 0.4, "contrast": 0.3},
    {"brightness": -0.6, "contrast": -0.5, "saturation": 0.8},
    {"warmth": 0.9, "whitening": 0.7},
    {"warmth": -0.7, "saturation": -1.0},
    {"whitening": 1.0, "contrast": 1.0, "brightness": 1.0},
]


@pytest.fixture(params=["gl", "gles"])
def dialect(request, monkeypatch, gl_available):
    monkeypatch.setenv("MEIYAN_GL_API", request.param)
    engine = Engine("gl")
    name = engine.renderer_name
    assert ("OpenGL ES" in name) == (request.param == "gles"), name
    return request.param


@pytest.mark.parametrize("name", meiyan.filter_names())
def test_gl_matches_cpu_for_every_filter(name, dialect, test_images):
    cpu, gpu = Engine("cpu", filter=name, whitening=0.3), Engine("gl", filter=name, whitening=0.3)
    for key, img in test_images.items():
        value = psnr(cpu.process(img), gpu.process(img))
        assert value >= 40.0, f"{name} on {key}: PSNR {value:.1f} dB"


@pytest.mark.parametrize("params", PARAM_SETS)
def test_gl_matches_cpu_for_adjustments(params, dialect, test_images):
    cpu, gpu = Engine("cpu", filter="vivid", lut_intensity=0.6, **params), Engine(
        "gl", filter="vivid", lut_intensity=0.6, **params)
    for key, img in test_images.items():
        a, b = cpu.process(img), gpu.process(img)
        assert psnr(a, b) >= 40.0, key
        assert np.abs(a.astype(int) - b).max() <= 3, key


def test_gl_handles_yuv_strides_and_odd_sizes(gl_available, sample_bgr):
    cpu, gpu = Engine("cpu", filter="warm"), Engine("gl", filter="warm")
    odd = sample_bgr[1:300:2, 3:401]  # odd size, padded rows
    assert psnr(cpu.process(odd), gpu.process(odd)) >= 40
    flipped = sample_bgr[::-1]
    assert psnr(cpu.process(flipped), gpu.process(flipped)) >= 40
    nv21 = meiyan.convert(sample_bgr[:420], "bgr", "nv21")
    assert psnr(cpu.process(nv21, format="nv21"), gpu.process(nv21, format="nv21")) >= 40
    one = sample_bgr[:1, :1]
    assert np.abs(cpu.process(one).astype(int) - gpu.process(one)).max() <= 2


def test_gl_engine_survives_size_changes_and_bad_input(gl_available, test_images):
    gpu = Engine("gl", brightness=0.3)
    for img in list(test_images.values()) * 2:
        assert gpu.process(img).shape == img.shape
    with pytest.raises(TypeError):
        gpu.process(np.zeros((4, 4, 3), np.float64))
    assert gpu.process(test_images["noise"]).shape == test_images["noise"].shape


def test_moderngl_context_and_texture(moderngl_ctx, sample_bgr):
    ctx = moderngl_ctx
    rgba = np.ascontiguousarray(np.dstack([sample_bgr[..., ::-1], np.full(sample_bgr.shape[:2], 255, np.uint8)]))
    h, w = rgba.shape[:2]
    src = ctx.texture((w, h), 4, rgba.tobytes())
    dst = ctx.texture((w, h), 4)
    engine = Engine("gl", gl_context="current", filter="film", brightness=0.2)
    engine.process_texture(src.glo, dst.glo, w, h)
    out = np.frombuffer(dst.read(), np.uint8).reshape(h, w, 4)
    expected = Engine("cpu", filter="film", brightness=0.2).process(rgba)
    assert psnr(out, expected) >= 40
    # The renderer restored moderngl's state: moderngl can still draw into its own framebuffer.
    fbo = ctx.simple_framebuffer((8, 8))
    fbo.use()
    fbo.clear(0.25, 0.5, 0.75, 1.0)
    assert np.frombuffer(fbo.read(components=3), np.uint8)[:3].tolist() == [64, 128, 191]
    with pytest.raises(ValueError, match="distinct"):
        engine.process_texture(src.glo, src.glo, w, h)


def test_process_texture_needs_current_context_mode(gl_available):
    with pytest.raises(ValueError, match="current"):
        Engine("gl").process_texture(1, 2, 4, 4)
    with pytest.raises(ValueError, match="GL backend"):
        Engine("cpu").process_texture(1, 2, 4, 4)
