"""Builds the bundled demo clip (bindings/meiyan/data/samples/demo_clip.mp4) from one real photo.

The clip is ONE still photo — scikit-image 0.26.0's ``skimage/data/astronaut.png``, NASA's portrait
of Eileen Collins, public domain — seen through a synthetic hand-held camera: a slow pan, a zoom in
and out, a slight roll and a brightness drift, at 480x360 and 15 fps. The photo is read from the
pinned wheel (downloaded with pip into the source cache, sha256-checked, see model_export/sources.py);
nothing of scikit-image's code is used. Deterministic: the same machine writes the same bytes again.

    python tools/make_demo_clip.py [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bindings" / "meiyan" / "data" / "samples" / "demo_clip.mp4"
PHOTO = "skimage/data/astronaut.png"
PROVENANCE = "skimage/data/_fetchers.py"
LICENCE_STATEMENT = "No known copyright restrictions, released into the public domain."
WIDTH, HEIGHT, FPS, SECONDS = 480, 360, 15, 6


def load_photo() -> np.ndarray:
    """The astronaut photo (BGR) from the pinned wheel, after checking its licence statement is there."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from model_export import sources

    statement = sources.read_member(sources.SCIKIT_IMAGE, PROVENANCE).decode()
    if LICENCE_STATEMENT not in statement[statement.find("def astronaut"):]:
        raise RuntimeError(f"{PROVENANCE} no longer states that the astronaut photo is public domain")
    data = np.frombuffer(sources.read_member(sources.SCIKIT_IMAGE, PHOTO), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise RuntimeError(f"cannot decode {PHOTO}")
    return image


def camera(t: float) -> tuple[float, float, float, float, float]:
    """The synthetic camera at time t (s): view centre x, y in photo pixels, view width, roll (deg), gain."""
    u = t / SECONDS  # 0..1 over the clip; every path below is periodic, so the clip loops without a jump
    cx = 236 + 28 * np.sin(2 * np.pi * u) + 5 * np.sin(6 * np.pi * u + 0.7)
    cy = 182 + 14 * np.sin(4 * np.pi * u + 0.4)
    width = 380 - 70 * (0.5 - 0.5 * np.cos(2 * np.pi * u))  # zoom in to 310 px, back out to 380
    roll = 6 * np.sin(2 * np.pi * u + 1.2)
    gain = 1.0 + 0.12 * np.sin(2 * np.pi * u + 2.0)
    return float(cx), float(cy), float(width), float(roll), float(gain)


def frame_at(photo: np.ndarray, t: float) -> np.ndarray:
    """One 480x360 BGR frame: the photo under the camera at time t."""
    cx, cy, width, roll, gain = camera(t)
    scale = WIDTH / width
    m = cv2.getRotationMatrix2D((cx, cy), roll, scale)
    m[0, 2] += WIDTH / 2 - cx
    m[1, 2] += HEIGHT / 2 - cy
    view = cv2.warpAffine(photo, m, (WIDTH, HEIGHT), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    return np.clip(view.astype(np.float32) * gain + 0.5, 0, 255).astype(np.uint8)


def frames(photo: np.ndarray) -> list[np.ndarray]:
    return [frame_at(photo, i / FPS) for i in range(FPS * SECONDS)]


def write(path: Path, clip: list[np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path} (OpenCV without an MPEG-4 encoder?)")
    for f in clip:
        writer.write(f)
    writer.release()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    clip = frames(load_photo())
    write(args.out, clip)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out}: {len(clip)} frames {WIDTH}x{HEIGHT} @ {FPS} fps, "
          f"{args.out.stat().st_size} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
