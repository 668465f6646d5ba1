"""Generates the bundled colour filters (3D LUTs) in bindings/meiyan/data/luts/.

Each look is a small, readable colour transform evaluated on a 17^3 grid; the files are text and
byte-for-byte reproducible. Run: python tools/generate_luts.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

SIZE = 17
OUT_DIR = Path(__file__).resolve().parents[1] / "bindings" / "meiyan" / "data" / "luts"
LUMA = np.array([0.299, 0.587, 0.114])

Look = Callable[[np.ndarray], np.ndarray]


def luma(rgb: np.ndarray) -> np.ndarray:
    return (rgb @ LUMA)[..., None]


def saturate(rgb: np.ndarray, amount: float) -> np.ndarray:
    y = luma(rgb)
    return y + (rgb - y) * amount


def s_curve(x: np.ndarray, strength: float) -> np.ndarray:
    """Smoothstep blend: 0 = identity, 1 = full smoothstep contrast."""
    return x + strength * (x * x * (3 - 2 * x) - x)


RGB = tuple[float, float, float]


def split_tone(rgb: np.ndarray, shadows: RGB, highlights: RGB) -> np.ndarray:
    y = luma(rgb)
    return rgb + (1 - y) * np.array(shadows) + y * np.array(highlights)


def warm(rgb: np.ndarray) -> np.ndarray:
    out = rgb * np.array([1.06, 1.0, 0.90]) + np.array([0.02, 0.01, 0.0])
    return s_curve(np.clip(out, 0, 1), 0.15)


def cool(rgb: np.ndarray) -> np.ndarray:
    out = rgb * np.array([0.92, 1.0, 1.07]) + np.array([0.0, 0.01, 0.03])
    return s_curve(np.clip(out, 0, 1), 0.1)


def film(rgb: np.ndarray) -> np.ndarray:
    out = 0.06 + 0.9 * s_curve(rgb, 0.35)  # lifted blacks, rolled-off whites
    out = split_tone(out, (-0.03, 0.02, 0.05), (0.04, 0.01, -0.04))  # teal shadows, amber highlights
    return saturate(out, 0.85)


def vintage(rgb: np.ndarray) -> np.ndarray:
    y = luma(rgb)
    sepia = y * np.array([1.07, 0.95, 0.74])
    out = 0.55 * sepia + 0.45 * saturate(rgb, 0.7)
    return 0.1 + 0.82 * out  # faded


def mono(rgb: np.ndarray) -> np.ndarray:
    y = s_curve(luma(rgb), 0.4)
    return np.repeat(y, 3, axis=-1)


def vivid(rgb: np.ndarray) -> np.ndarray:
    return saturate(s_curve(rgb, 0.3), 1.35)


def rosy(rgb: np.ndarray) -> np.ndarray:
    """Soft, bright and slightly pink: the usual beauty-camera look."""
    out = 1 - (1 - rgb) ** 1.25  # lift mid-tones
    out = out + np.array([0.04, 0.0, 0.02]) * (1 - np.abs(2 * luma(out) - 1))
    return saturate(out, 0.92)


LOOKS: dict[str, Look] = {
    "warm": warm,
    "cool": cool,
    "film": film,
    "vintage": vintage,
    "mono": mono,
    "vivid": vivid,
    "rosy": rosy,
}


def render(name: str, look: Look) -> str:
    axis = np.linspace(0.0, 1.0, SIZE)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")  # red varies fastest in .cube order
    rgb = np.clip(look(np.stack([r, g, b], axis=-1)), 0.0, 1.0).reshape(-1, 3)
    lines = [f'TITLE "meiyan {name}"', f"LUT_3D_SIZE {SIZE}", "DOMAIN_MIN 0.0 0.0 0.0", "DOMAIN_MAX 1.0 1.0 1.0"]
    lines += [f"{v[0]:.5f} {v[1]:.5f} {v[2]:.5f}" for v in rgb]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the shipped files differ")
    args = parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, look in LOOKS.items():
        path = OUT_DIR / f"{name}.cube"
        text = render(name, look)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"stale LUTs: {', '.join(stale)}; run python tools/generate_luts.py", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'wrote'} {len(LOOKS)} LUTs in {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
