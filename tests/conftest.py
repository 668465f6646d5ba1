from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(meiyan.__file__).parent / "data" / "samples" / "scene.png"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.fixture(scope="session")
def sample_bgr() -> np.ndarray:
    img = cv2.imread(str(SAMPLE))
    assert img is not None
    return img


@pytest.fixture(scope="session")
def test_images(sample_bgr: np.ndarray) -> dict[str, np.ndarray]:
    """BGR test images: the sample, seeded noise at an odd size, and a full colour-cube sweep."""
    rng = np.random.default_rng(1234)
    noise = rng.integers(0, 256, (61, 97, 3), dtype=np.uint8)
    levels = np.arange(0, 256, 8, dtype=np.uint8)
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    cube = np.stack([b, g, r], axis=-1).reshape(32 * 32, 32, 3)
    return {"sample": sample_bgr, "noise": noise, "cube": cube}


@pytest.fixture(scope="session")
def gl_available() -> str:
    ok, why = meiyan.gl_status()
    if not ok:
        pytest.skip(f"OpenGL not available here: {why}")
    return why


@pytest.fixture
def moderngl_ctx(gl_available):
    """A standalone moderngl context on EGL (an app's own GL context), released afterwards."""
    moderngl = pytest.importorskip("moderngl")
    try:
        ctx = moderngl.create_standalone_context(backend="egl")
    except Exception as exc:  # no EGL device for moderngl's loader
        pytest.skip(f"moderngl cannot create an EGL context: {exc}")
    try:
        yield ctx
    finally:
        ctx.release()
