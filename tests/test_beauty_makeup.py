"""Makeup (lipstick matte/gloss, blush, brow tint; the blend modes): CPU vs GL, confined to the face,
lip texture kept, parameter checks. The UV-layout layers are tested in test_makeup_uv.py."""

from __future__ import annotations

import numpy as np
import pytest

import meiyan
from meiyan import Engine, MakeupParams

from .conftest import psnr
from .test_beauty import face_scenes, outside_mask  # noqa: F401  (face_scenes is a fixture)

pytest.importorskip("onnxruntime")

LOOKS = [
    {"lips": 0.8},
    {"lips": 0.8, "lip_gloss": 1.0, "lips_blend": "overlay", "lips_color": "#d04060"},
    {"blush": 0.8},
    {"brows": 0.7},
    {"lips": 0.6, "lips_blend": "normal", "blush": 0.5, "blush_blend": "normal", "brows": 0.5,
     "brows_blend": "soft_light"},
    {"lips": 0.5, "lips_blend": "soft_light", "blush": 0.7, "blush_blend": "multiply", "blush_color": "#e06070"},
]


def made_up(backend: str, img: np.ndarray, faces: list[np.ndarray], **params: object) -> np.ndarray:
    engine = Engine(backend, makeup=MakeupParams(**params))  # type: ignore[arg-type]
    engine.set_faces(faces)
    return engine.process(img)


@pytest.mark.parametrize("look", LOOKS, ids=lambda p: "+".join(k for k in p if not k.endswith(("_blend", "_color"))))
def test_makeup_changes_the_face_only(look, face_scenes):  # noqa: F811
    for name, (img, faces) in face_scenes.items():
        out = made_up("cpu", img, faces, **look)
        change = np.abs(out.astype(int) - img).mean(-1)
        outside = outside_mask(img.shape, faces)
        assert change[outside].mean() <= 1.0, name
        assert change[~outside].mean() > 0.05, f"{name}: {look} changed nothing on the face"


@pytest.mark.parametrize("api", ["gl", "gles"])
@pytest.mark.parametrize("look", LOOKS, ids=lambda p: "+".join(k for k in p if not k.endswith(("_blend", "_color"))))
def test_gl_makeup_matches_cpu(look, api, face_scenes, gl_available, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MEIYAN_GL_API", api)
    for name, (img, faces) in face_scenes.items():
        value = psnr(made_up("cpu", img, faces, **look), made_up("gl", img, faces, **look))
        assert value >= 38.0, f"{name}: PSNR {value:.1f} dB"


def test_lipstick_colours_the_lips_and_keeps_their_texture(face_scenes):  # noqa: F811
    img, faces = face_scenes["lenna"]
    lm = faces[0]
    out = made_up("cpu", img, faces, lips=1.0, lips_color="#c01830", lips_blend="multiply")
    # Lower-lip centre (mesh point 17 is on the outer contour; 14 the inner): a patch between them.
    cx, cy = ((lm[17, :2] + lm[14, :2]) / 2).astype(int)
    before, after = img[cy - 3:cy + 4, cx - 6:cx + 7].astype(float), out[cy - 3:cy + 4, cx - 6:cx + 7].astype(float)
    assert after[..., 1].mean() < before[..., 1].mean() - 10  # green falls: redder (BGR order)
    # Multiply keeps the texture: the red channel's fine detail (differences along each row, where the
    # mask hardly varies) stays correlated with the original's.
    lb, la = np.diff(before[..., 2], axis=1).ravel(), np.diff(after[..., 2], axis=1).ravel()
    assert np.corrcoef(lb, la)[0, 1] > 0.8


def test_gloss_brightens_highlights_only(face_scenes):  # noqa: F811
    img, faces = face_scenes["lenna"]
    matte = made_up("cpu", img, faces, lips=0.8).astype(int)
    gloss = made_up("cpu", img, faces, lips=0.8, lip_gloss=1.0).astype(int)
    assert (gloss >= matte).all()
    assert (gloss > matte).any()


def test_makeup_parameters_are_checked():
    engine = Engine("cpu")
    with pytest.raises(ValueError, match="lips intensity"):
        engine.set_makeup(lips=1.5)
    with pytest.raises(ValueError, match="blush_color"):
        engine.set_makeup(blush=0.5, blush_color="pink")
    with pytest.raises(ValueError, match="brows_blend"):
        engine.set_makeup(brows=0.5, brows_blend="darken")
    with pytest.raises(TypeError):
        engine.set_makeup(mascara=0.5)
    assert engine.makeup == MakeupParams()
    engine.set_makeup(lips=0.4)
    assert engine.makeup.lips == pytest.approx(0.4)
    assert meiyan.MakeupParams().lips == 0.0
