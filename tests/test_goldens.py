"""Golden images of every face effect on the bundled public-domain portrait (``sample:portrait``).

One effect at a time -- each beauty parameter, each reshape parameter, each makeup layer (the procedural
lips, blush, brows, the UV-layout eyeshadow, eyeliner, lashes, contour, highlight, and the contact
lenses drawn from the iris points) -- and each
bundled preset, on the CPU and the GL renderer, driven by the native tracker's landmarks on the
portrait (computed once, ``FaceTracker(smoothing=False)``). The goldens in ``tests/goldens/`` are the
CPU output cropped to the face (``CROP``, 176x176 PNG, every pixel any effect changes is inside it);
the small-feature items (teeth, eyes, under-eye, contact lenses) use tighter crops (``FEATURE_CROPS``) around
the only pixels they may change, and their tests check that nothing outside the crop changed.

* CPU output vs its golden: PSNR >= 45 dB (the CPU path is deterministic on one machine; other SIMD
  levels or compilers, and the tracker's own arithmetic there, may move it slightly).
* GL output vs the same golden: PSNR >= 38 dB (skipped where ``meiyan.gl_status()`` is false).
* Each effect changes the face (PSNR vs the input < 60 dB), so a no-op cannot pass; lip gloss is
  checked against matte lipstick, since gloss acts on the lipstick layer.

Regenerate the goldens (after an intended change of an effect's look, never to make a failure go
away) with ``MEIYAN_UPDATE_GOLDENS=1 python -m pytest tests/test_goldens.py``: the CPU outputs are then
written to ``tests/goldens/`` and the GL tests compare against the new files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import BeautyParams, Engine, MakeupParams, ReshapeParams
from meiyan.beauty import UV_LAYERS

from .conftest import psnr

GOLDEN_DIR = Path(__file__).parent / "goldens"
PORTRAIT = Path(meiyan.__file__).parent / "data" / "samples" / "portrait.png"
UPDATE = os.environ.get("MEIYAN_UPDATE_GOLDENS") == "1"
CROP = (72, 32, 176)  # x0, y0, size in the 320x320 portrait: the face and everything its effects move
# x0, y0, width, height: the mouth opening, the eye openings, the under-eye band (with a margin)
FEATURE_CROPS = {"beauty_teeth_whiten": (132, 134, 52, 22), "beauty_eye_brighten": (126, 92, 68, 20),
                 "beauty_dark_circles": (116, 96, 88, 24), "makeup_contacts": (130, 94, 60, 18)}
# Cases drawn from the iris points too (the tracker's, FaceTracker(iris=True)): the two irises only.
IRIS_CASES = {"makeup_contacts"}
CPU_MIN_DB, GL_MIN_DB, NO_OP_DB = 45.0, 38.0, 60.0

EFFECTS: dict[str, dict[str, Any]] = {
    **{f"beauty_{k}": {"beauty": BeautyParams(**{k: 0.8})} for k in ("smoothing", "whitening", "rosy", "sharpen")},
    **{f"beauty_{k}": {"beauty": BeautyParams(**{k: 1.0})} for k in ("teeth_whiten", "eye_brighten", "dark_circles")},
    **{f"reshape_{k}": {"reshape": ReshapeParams(**{k: 0.8})} for k in ReshapeParams.__dataclass_fields__},
    "makeup_lips": {"makeup": MakeupParams(lips=0.8)},
    "makeup_lip_gloss": {"makeup": MakeupParams(lips=0.8, lip_gloss=1.0)},
    "makeup_blush": {"makeup": MakeupParams(blush=0.8)},
    "makeup_brows": {"makeup": MakeupParams(brows=0.8)},
    # the layers drawn from the UV-layout masks (meiyan/data/makeup), each with its default colour and blend
    **{f"makeup_{k}": {"makeup": MakeupParams(**{k: 0.8})} for k in UV_LAYERS},
    "makeup_contacts": {"makeup": MakeupParams(contacts=1.0)},  # needs the iris points
}
CASES = list(EFFECTS) + [f"preset_{p}" for p in meiyan.preset_names()]


@pytest.fixture(scope="session")
def portrait() -> tuple[np.ndarray, np.ndarray]:
    """The portrait (BGR) and the tracker's 468 landmarks of its one face."""
    image = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    assert image is not None, PORTRAIT
    faces = meiyan.FaceTracker(smoothing=False).track(image)
    assert len(faces) == 1
    landmarks = faces[0].landmarks
    x0, y0, size = CROP
    lo, hi = landmarks[:, :2].min(0), landmarks[:, :2].max(0)
    assert (lo > [x0 + 16, y0 + 16]).all() and (hi < [x0 + size - 16, y0 + size - 16]).all(), (lo, hi)
    return image, landmarks


_IRIS: list[np.ndarray] = []


def portrait_iris(image: np.ndarray) -> np.ndarray:
    """The portrait's 10 iris points (tracked once, with the iris network)."""
    if not _IRIS:
        tracker = meiyan.FaceTracker(smoothing=False, iris=True)
        if not tracker.has_iris:
            pytest.skip("no iris network in the models folder")
        face = tracker.track(image)[0]
        assert face.iris is not None
        _IRIS.append(face.iris)
    return _IRIS[0]


def crop(image: np.ndarray, case: str = "") -> np.ndarray:
    if case in FEATURE_CROPS:
        x0, y0, w, h = FEATURE_CROPS[case]
        return np.ascontiguousarray(image[y0:y0 + h, x0:x0 + w])
    x0, y0, size = CROP
    return np.ascontiguousarray(image[y0:y0 + size, x0:x0 + size])


def process(backend: str, case: str, portrait: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    image, landmarks = portrait
    if case.startswith("preset_"):
        engine = Engine(backend)  # type: ignore[arg-type]
        engine.set_preset(case.removeprefix("preset_"))
    else:
        engine = Engine(backend, **EFFECTS[case])  # type: ignore[arg-type]
    engine.set_faces([landmarks], iris=[portrait_iris(image)] if case in IRIS_CASES else None)
    return engine.process(image)


def render(backend: str, case: str, portrait: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return crop(process(backend, case, portrait), case)


def golden(case: str) -> np.ndarray:
    path = GOLDEN_DIR / f"{case}.png"
    if not path.is_file():
        pytest.fail(f"no golden {path.name}: run MEIYAN_UPDATE_GOLDENS=1 python -m pytest tests/test_goldens.py")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return image


@pytest.mark.parametrize("case", CASES)
def test_cpu_matches_golden(case: str, portrait: tuple[np.ndarray, np.ndarray]) -> None:
    out = render("cpu", case, portrait)
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        assert cv2.imwrite(str(GOLDEN_DIR / f"{case}.png"), out, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    ref = golden(case)
    assert ref.shape == out.shape
    value = psnr(out, ref)
    print(f"{case}: CPU vs golden {value:.1f} dB")
    assert value >= CPU_MIN_DB, f"{case}: CPU output vs golden PSNR {value:.1f} dB < {CPU_MIN_DB}"
    # Not a no-op: the effect changes the face (lip gloss: compared with matte lipstick, the layer it acts on).
    before = crop(portrait[0], case) if case != "makeup_lip_gloss" else render("cpu", "makeup_lips", portrait)
    change = psnr(out, before)
    assert change < NO_OP_DB, f"{case} hardly changes the face (PSNR {change:.1f} dB vs its input)"


@pytest.mark.parametrize("case", list(FEATURE_CROPS))
def test_feature_goldens_hold_every_change(case: str, portrait: tuple[np.ndarray, np.ndarray]) -> None:
    full = process("cpu", case, portrait)
    x0, y0, w, h = FEATURE_CROPS[case]
    outside = np.ones(full.shape[:2], bool)
    outside[y0:y0 + h, x0:x0 + w] = False
    assert np.array_equal(full[outside], portrait[0][outside]), f"{case} changed pixels outside its golden's crop"


@pytest.mark.parametrize("case", CASES)
def test_gl_matches_golden(case: str, portrait: tuple[np.ndarray, np.ndarray], gl_available: str) -> None:
    value = psnr(render("gl", case, portrait), golden(case))
    print(f"{case}: GL vs golden {value:.1f} dB")
    assert value >= GL_MIN_DB, f"{case}: GL output vs golden PSNR {value:.1f} dB < {GL_MIN_DB}"


def test_goldens_are_small_and_all_used() -> None:
    files = sorted(GOLDEN_DIR.glob("*.png"))
    assert {p.stem for p in files} == set(CASES), "stale or missing goldens: regenerate with MEIYAN_UPDATE_GOLDENS=1"
    assert sum(p.stat().st_size for p in files) <= 1_500_000
