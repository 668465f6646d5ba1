"""Writes the bundled portrait sample (bindings/meiyan/data/samples/portrait.png) from one real photo.

The portrait is a 320x320 head-and-shoulders crop, at the photo's own resolution (no resampling), of
scikit-image 0.26.0's ``skimage/data/astronaut.png`` — NASA's portrait of Eileen Collins, public
domain. The photo is read from the pinned wheel (downloaded with pip into the source cache,
sha256-checked, see model_export/sources.py) after checking that the wheel still states it is public
domain (``tools/make_demo_clip.py``'s ``load_photo``); nothing of scikit-image's code is used. It is the
face that ``meiyan apply sample:portrait``, the README's preset sheet and the golden-image tests use.
Deterministic: run it again and the PNG is identical.

    python tools/make_portrait.py [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bindings" / "meiyan" / "data" / "samples" / "portrait.png"
# The crop in the 512x512 photo: x0, y0, size. The face (about 95 px wide) sits in its upper middle.
CROP = (65, 0, 320)


def _demo_clip_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo_clip", Path(__file__).with_name("make_demo_clip.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def portrait() -> np.ndarray:
    """The portrait (BGR uint8, 320x320): the crop of the public-domain photo."""
    photo = _demo_clip_tool().load_photo()
    x0, y0, size = CROP
    if photo.shape[0] < y0 + size or photo.shape[1] < x0 + size:
        raise RuntimeError(f"the astronaut photo is {photo.shape[1]}x{photo.shape[0]}, too small for the crop {CROP}")
    return np.ascontiguousarray(photo[y0:y0 + size, x0:x0 + size])


def encode(image: np.ndarray) -> bytes:
    """The PNG bytes the tool writes (maximum zlib compression, no metadata): the same image, the same bytes."""
    ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise RuntimeError("cannot encode the portrait as PNG")
    return data.tobytes()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    data = encode(portrait())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out}: {CROP[2]}x{CROP[2]}, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
