"""The background rows of ``meiyan bench effects`` (bench_effects.py imports this module).

The renderer rows time Engine.process on the CPU renderer with the person mask given (segmented
once beforehand), so they cover the background effect alone; the segmenter is timed on its own:
a frame with a network run (resize, selfie segmentation fp32, temporal blend, refinement) and a
frame without one (refinement only), and amortised over its default interval of 2 frames.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import meiyan
from meiyan.background import segmenter

TARGET_BLUR_MS = 5.0  # background blur at 1280x720, CPU renderer, one thread
INTERVAL = 2  # the segmenter's default: the network on every other frame

BLUR = "background blur 0.6 (mask given)"
BLUR_MAX = "background blur 1.0 (mask given)"
COLOR = "background colour (mask given)"
IMAGE = "background image (mask given)"
SEG_RUN = "segmenter: frame with a network run"
SEG_REFINE = "segmenter: frame without one (refinement)"


def cases(rgba: np.ndarray, out: np.ndarray) -> list[tuple[str, Callable[[], object]]]:
    """(name, function) pairs, each function one timed call."""
    mask = segmenter(interval=1).update(rgba)
    h, w = rgba.shape[:2]
    picture = np.ascontiguousarray(np.flipud(rgba)[: h * 3 // 4, : w // 2])  # another size and aspect

    def engine(**params: object) -> Callable[[], object]:
        e = meiyan.Engine("cpu")
        e.set_person_mask(mask)
        e.set_background(**params)
        return lambda: e.process(rgba, out=out)

    every = segmenter(interval=1)
    rarely = segmenter(interval=10)  # the median call of a run of them has no network run
    return [
        (BLUR, engine(mode="blur", strength=0.6)),
        (BLUR_MAX, engine(mode="blur", strength=1.0)),
        (COLOR, engine(mode="color", color=(0.1, 0.8, 0.3))),
        (IMAGE, engine(mode="image", image=picture)),
        (SEG_RUN, lambda: every.update(rgba)),
        (SEG_REFINE, lambda: rarely.update(rgba)),
    ]


def summary(by_name: dict[str, float]) -> dict[str, float | int]:
    run, refine = by_name[SEG_RUN], by_name[SEG_REFINE]
    amortised = (run + (INTERVAL - 1) * refine) / INTERVAL
    return {"segmenter_interval": INTERVAL, "segmenter_run_ms": run, "segmenter_refine_ms": refine,
            "segmenter_amortised_ms": amortised, "blur_with_segmentation_ms": by_name[BLUR] + amortised}


def targets(by_name: dict[str, float]) -> dict[str, dict[str, float | bool]]:
    blur = max(by_name[BLUR], by_name[BLUR_MAX])
    return {"background_blur_ms": {"target": TARGET_BLUR_MS, "measured": blur, "met": blur <= TARGET_BLUR_MS}}


def format_summary(s: dict[str, float | int]) -> str:
    return (f"\nsegmenter: {s['segmenter_run_ms']:.2f} ms on a frame with a network run, "
            f"{s['segmenter_refine_ms']:.2f} ms without; amortised over interval {s['segmenter_interval']}: "
            f"{s['segmenter_amortised_ms']:.2f} ms/frame (background blur + segmentation: "
            f"{s['blur_with_segmentation_ms']:.2f} ms/frame)")
