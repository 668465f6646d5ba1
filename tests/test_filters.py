from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

import meiyan
from meiyan import Engine, Lut

from .conftest import ROOT


def identity_cube(n: int) -> str:
    axis = np.linspace(0, 1, n)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    rows = np.stack([r, g, b], -1).reshape(-1, 3)
    return f"LUT_3D_SIZE {n}\n" + "\n".join(f"{x:.6f} {y:.6f} {z:.6f}" for x, y, z in rows) + "\n"


def reference_trilinear(table: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Trilinear lookup in float64; table indexed [b, g, r, c]."""
    n = table.shape[0]
    x = np.clip(rgb, 0, 1) * (n - 1)
    i0 = np.minimum(x.astype(int), n - 2)
    f = x - i0
    out = np.zeros_like(rgb)
    for dr in (0, 1):
        for dg in (0, 1):
            for db in (0, 1):
                w = (f[..., 0] if dr else 1 - f[..., 0]) * (f[..., 1] if dg else 1 - f[..., 1]) * (
                    f[..., 2] if db else 1 - f[..., 2])
                out += w[..., None] * table[i0[..., 2] + db, i0[..., 1] + dg, i0[..., 0] + dr]
    return out


def test_at_least_six_bundled_filters():
    names = meiyan.filter_names()
    assert len(names) >= 6
    for name in names:
        assert meiyan.load_filter(name).size == 17


def test_bundled_luts_match_their_generator():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "generate_luts.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_identity_lut_is_identity(test_images):
    engine = Engine("cpu")
    engine.set_lut(Lut.parse(identity_cube(9)))
    for img in test_images.values():
        assert np.abs(engine.process(img).astype(int) - img).max() <= 1


@pytest.mark.parametrize("name", meiyan.filter_names())
def test_filter_matches_float_reference(name, test_images):
    lut = meiyan.load_filter(name)
    engine = Engine("cpu")
    engine.set_lut(lut)
    img = test_images["cube"]
    out = engine.process(img)
    ref = reference_trilinear(lut.table.astype(np.float64), img[..., ::-1] / 255.0)
    ref_bgr = np.floor(ref[..., ::-1] * 255 + 0.5)
    assert np.abs(out - ref_bgr).max() <= 1
    assert np.abs(out.astype(int) - img).mean() > 2  # the look does something


def test_intensity_blends_towards_the_lut(sample_bgr):
    full = Engine("cpu", filter="mono").process(sample_bgr).astype(float)
    half = Engine("cpu", filter="mono", lut_intensity=0.5).process(sample_bgr).astype(float)
    none = Engine("cpu", filter="mono", lut_intensity=0.0).process(sample_bgr)
    assert np.array_equal(none, sample_bgr)
    assert np.abs(half - (full + sample_bgr) / 2).max() <= 1


def test_domain_is_respected():
    text = "DOMAIN_MIN 0 0 0\nDOMAIN_MAX 2 2 2\nLUT_3D_SIZE 2\n" + "\n".join(
        f"{2*r} {2*g} {2*b}" for b in (0, 1) for g in (0, 1) for r in (0, 1))
    engine = Engine("cpu")
    engine.set_lut(Lut.parse(text))
    img = np.full((2, 2, 3), 200, np.uint8)
    assert np.abs(engine.process(img).astype(int) - 200).max() <= 1


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "no LUT_3D_SIZE"),
        ("LUT_3D_SIZE 2\n0 0 0\n", "expected 8 table rows, found 1"),
        ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 9, "more table rows"),
        ("LUT_3D_SIZE 1\n0 0 0\n", "LUT_3D_SIZE"),
        ("LUT_3D_SIZE 2.5\n", "LUT_3D_SIZE"),
        ("LUT_3D_SIZE 2\n" + "0 0 x\n" * 8, "line 2"),
        ("LUT_3D_SIZE 2\n" + "0 0 0 0\n" * 8, "unexpected text"),
        ("LUT_1D_SIZE 16\n", "1D"),
        ("HELLO 2\n", "unknown keyword"),
        ("0 0 0\n", "before LUT_3D_SIZE"),
        ("LUT_3D_SIZE 2\n" + "nan 0 0\n" * 8, "line 2"),
        ("LUT_3D_SIZE 2\n" + "1e99 0 0\n" * 8, "numbers"),
    ],
)
def test_corrupt_cube_text_raises_value_error(text, match):
    with pytest.raises(ValueError, match=match):
        Lut.parse(text)


def test_corrupt_and_missing_files(tmp_path):
    bad = tmp_path / "bad.cube"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00garbage")
    with pytest.raises(ValueError, match="bad.cube"):
        Lut.load(str(bad))
    with pytest.raises(ValueError, match="bad.cube"):
        Engine("cpu", filter=bad)
    with pytest.raises(FileNotFoundError):
        Engine("cpu", filter=tmp_path / "missing.cube")
    with pytest.raises(FileNotFoundError):
        Lut.load(str(tmp_path / "missing.cube"))
    with pytest.raises(ValueError, match="unknown filter"):
        Engine("cpu", filter="no-such-look")
    engine = Engine("cpu", filter="film")
    with pytest.raises(ValueError):
        engine.set_filter(bad)
    assert engine.filter == "film"  # unchanged after the failure


LOCALE_CHILD = """
import locale, sys
import numpy as np
import meiyan
for name in ("de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8"):
    try:
        locale.setlocale(locale.LC_NUMERIC, name)
        break
    except locale.Error:
        pass
else:
    print("no comma-decimal locale")
    sys.exit(3)
assert locale.localeconv()["decimal_point"] == ","
np.save(sys.stdout.buffer, np.stack([meiyan.load_filter(n).table for n in meiyan.filter_names()]))
pkg = meiyan.effects.load("sunglasses")  # its manifest's numbers go through the same reader
print(len(pkg.elements), file=sys.stderr)
"""


def test_numbers_read_the_same_under_a_comma_decimal_locale():
    """An app that calls setlocale(LC_NUMERIC, "de_DE") still gets the same LUTs and packages: the
    core reads '.' as the decimal point whatever the C locale (strtof had stopped at the '.')."""
    r = subprocess.run([sys.executable, "-c", LOCALE_CHILD], capture_output=True)
    if r.returncode == 3:
        pytest.skip("no comma-decimal locale installed (apt-get install locales-all)")
    assert r.returncode == 0, r.stderr.decode()
    tables = np.load(io.BytesIO(r.stdout))
    expected = np.stack([meiyan.load_filter(n).table for n in meiyan.filter_names()])
    np.testing.assert_array_equal(tables, expected)
    assert int(r.stderr.decode().strip().splitlines()[-1]) == len(meiyan.effects.load("sunglasses").elements)


@pytest.mark.parametrize("name", meiyan.filter_names())
def test_colour_grade_vector_pixels_equal_the_scalar_pixels(name, test_images):
    """The AVX2 grade (8 pixels at a time, gathers for the curves and the LUT's corners) gives the scalar
    pixel's bytes exactly: every bundled LUT, with and without saturation and tone curves, full and
    partial intensity, on a width that leaves a scalar tail."""
    if meiyan.simd_detected() != "avx2":
        pytest.skip("no AVX2 here")
    rng = np.random.default_rng(3)
    images = [test_images["cube"], rng.integers(0, 256, (29, 37, 3), dtype=np.uint8)]
    settings = [dict(filter=name), dict(filter=name, lut_intensity=0.6, saturation=0.4, contrast=0.3),
                dict(filter=name, brightness=-0.2, warmth=0.5, saturation=-0.7), dict(saturation=0.5, whitening=0.3)]
    try:
        for kwargs in settings:
            for img in images:
                outs = []
                for level in ("scalar", "avx2"):
                    meiyan.simd_force(level)
                    outs.append(Engine("cpu", **kwargs).process(img))
                assert (outs[0] != img).any(), kwargs
                assert np.array_equal(outs[0], outs[1]), (kwargs, int(np.abs(outs[0].astype(int) - outs[1]).max()))
    finally:
        meiyan.simd_force(meiyan.simd_detected())
