"""Draws the bundled sample image (bindings/meiyan/data/samples/scene.png) from code.

The sample is the project's own work, so it carries the project's licence: a landscape with sky and
sun, hills, a colour chart and skin-tone patches, a grey ramp — the content colour filters are
judged on. Deterministic: run it again and the PNG is identical.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "bindings" / "meiyan" / "data" / "samples" / "scene.png"
W, H = 640, 424

# sRGB values of classic colour-chart patches and a range of skin tones (light to deep).
CHART = [(115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
         (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46)]
SKIN = [(255, 224, 196), (241, 194, 167), (224, 172, 138), (198, 134, 103), (161, 102, 73), (110, 68, 48)]


def draw() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    t = y / (H * 0.6)
    sky = np.stack([255 - 90 * t, 200 - 60 * t, 120 + 100 * t], axis=-1)  # RGB: warm horizon, blue top
    img = np.clip(sky[::-1], 0, 255)
    sun = np.exp(-((x - 470) ** 2 + (y - 120) ** 2) / (2 * 38.0**2))[..., None]
    img = img * (1 - sun) + np.array([255, 240, 200]) * sun
    for k, (amp, base, col) in enumerate([(28, 0.55, (70, 120, 60)), (22, 0.68, (40, 90, 45))]):
        ridge = H * base + amp * np.sin(x / (55 + 20 * k) + k) + 0.5 * amp * np.sin(x / 23.0)
        mask = (y > ridge)[..., None]
        shade = 0.75 + 0.25 * np.cos(x / 90.0 + k)[..., None]
        img = np.where(mask, np.array(col) * shade, img)
    img = img.astype(np.uint8)
    for i, rgb in enumerate(CHART):
        x0, y0 = 16 + (i % 6) * 40, 300 + (i // 6) * 40
        img[y0 : y0 + 34, x0 : x0 + 34] = rgb
    for i, rgb in enumerate(SKIN):
        x0 = 280 + i * 58
        img[300:374, x0 : x0 + 52] = rgb
    img[392:416, 16:624] = np.linspace(0, 255, 608, dtype=np.float32).astype(np.uint8)[None, :, None]
    return cv2.cvtColor(img, cv2.COLOR_RGB2BGR)


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(OUT), draw(), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
