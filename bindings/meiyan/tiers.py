"""Quality tiers: sets of the pipeline's real cost knobs, picked from a benchmark so that the
pipeline holds a target frame time on slower devices.

>>> times = {"lite": 23.1, "standard": 49.1, "high": 65.0}   # measured ms per frame (meiyan bench pipeline)
>>> tier = pick_tier(times, target_ms=50.0)                   # the best tier that holds the target: standard
>>> apply_tier(engine, engine.tracker, tier)                  # after setting the look (preset, effect)
>>> out = engine.process(fit_frame(frame, tier))

The knobs (each one the engine or the tracker really has):

* ``max_side``: the processed frame's longer side; larger frames are downscaled first (0: as given).
  The renderer passes and the segmenter's refinement grow with the pixel count. (Standard caps at 1280:
  on the CPU renderer the makeup pass costs more at 854x480..1024x576 than at 1280x720, measured, so
  sizes between lite's and standard's would not save time.)
* ``max_faces``, ``redetect_interval``, ``rotation_sweep``, ``tracker_threads``: the tracker's
  options (:class:`meiyan._core.TrackerOptions`): how many faces are tracked, how often the detector
  looks for more, whether a lost face is searched for at other rotations, threads per network run.
* ``segmentation_interval``, ``segmentation_refine``: :meth:`Engine.enable_segmentation`: the
  person network on every n-th frame, the mask edge refined against each frame or not.
* ``sharpen``: whether the beauty sharpen pass of the look is kept (off: ``BeautyParams.sharpen = 0``).
* ``mesh``: the tracker's mesh network, ``"full"`` (192x192) or ``"lite"`` (the 128x128 student trained by
  ``python -m model_export train lite-mesh``, about 2.3x faster). It is chosen when the tracker is made:
  :func:`tracker_for` makes one for a tier (the full mesh where no lite file is installed);
  :func:`apply_tier` sets the other knobs on any tracker.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from meiyan.engine import Engine
    from meiyan.face import FaceTracker

TierName = Literal["lite", "standard", "high"]
TIER_NAMES: tuple[TierName, ...] = ("lite", "standard", "high")  # cheapest first
DEFAULT_TARGET_MS = 1000.0 / 30.0  # 30 frames per second


@dataclass(frozen=True)
class Tier:
    name: TierName
    max_side: int  # longer side of the processed frame in pixels (0: the frame as given)
    max_faces: int  # tracker: faces tracked at most (1..16)
    redetect_interval: int  # tracker: frames between detector runs while fewer than max_faces are tracked
    rotation_sweep: bool  # tracker: search a lost face at 90/180/270 degrees too
    tracker_threads: int  # tracker: threads per network run (0: one per core)
    segmentation_interval: int  # person segmentation network on every n-th frame (1..10)
    segmentation_refine: bool  # person mask edge refined against each frame
    sharpen: bool  # keep the look's beauty sharpen pass
    mesh: Literal["full", "lite"] = "full"  # the tracker's mesh network (see tracker_for)

    def __post_init__(self) -> None:
        if self.name not in TIER_NAMES:
            raise ValueError(f"tier name must be one of {', '.join(TIER_NAMES)}, got {self.name!r}")
        if self.max_side != 0 and not 64 <= self.max_side <= 8192:
            raise ValueError(f"max_side must be 0 (as given) or in 64..8192, got {self.max_side}")
        if not 1 <= self.max_faces <= 16:
            raise ValueError(f"max_faces must be in 1..16, got {self.max_faces}")
        if self.redetect_interval < 1:
            raise ValueError(f"redetect_interval must be at least 1, got {self.redetect_interval}")
        if not 0 <= self.tracker_threads <= 64:
            raise ValueError(f"tracker_threads must be in 0..64, got {self.tracker_threads}")
        if not 1 <= self.segmentation_interval <= 10:
            raise ValueError(f"segmentation_interval must be in 1..10, got {self.segmentation_interval}")
        if self.mesh not in ("full", "lite"):
            raise ValueError(f"mesh must be 'full' or 'lite', got {self.mesh!r}")

    def replace(self, **changes: Any) -> Tier:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown tier field(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)


TIERS: dict[str, Tier] = {
    "lite": Tier("lite", max_side=640, max_faces=1, redetect_interval=60, rotation_sweep=False, tracker_threads=1,
                 segmentation_interval=4, segmentation_refine=False, sharpen=False, mesh="lite"),
    "standard": Tier("standard", max_side=1280, max_faces=2, redetect_interval=30, rotation_sweep=True,
                     tracker_threads=1, segmentation_interval=2, segmentation_refine=True, sharpen=True),
    "high": Tier("high", max_side=0, max_faces=4, redetect_interval=15, rotation_sweep=True, tracker_threads=0,
                 segmentation_interval=1, segmentation_refine=True, sharpen=True),
}


def get_tier(name: str) -> Tier:
    """The named tier (ValueError naming the choices otherwise)."""
    if name not in TIERS:
        raise ValueError(f"unknown quality tier {name!r}; available: {', '.join(TIER_NAMES)}")
    return TIERS[name]


def pick_tier(frame_ms: Mapping[str, float], target_ms: float = DEFAULT_TARGET_MS) -> Tier:
    """The best tier whose measured frame time (ms, e.g. the p95 of ``meiyan bench pipeline`` at the
    device's frame size) holds ``target_ms``; lite when none does (lite is the floor: it is not
    measured out of the choice). Tiers missing from ``frame_ms`` are not picked, except lite."""
    if not (isinstance(target_ms, (int, float)) and math.isfinite(target_ms) and target_ms > 0):
        raise ValueError(f"target_ms must be a positive number, got {target_ms!r}")
    unknown = set(frame_ms) - set(TIER_NAMES)
    if unknown:
        raise ValueError(f"unknown tier name(s) in the measurements: {', '.join(sorted(unknown))}")
    for name, ms in frame_ms.items():
        if not (isinstance(ms, (int, float)) and math.isfinite(ms) and ms > 0):
            raise ValueError(f"measured frame time of tier {name!r} must be a positive number, got {ms!r}")
    for name in reversed(TIER_NAMES):
        if name in frame_ms and frame_ms[name] <= target_ms:
            return TIERS[name]
    return TIERS["lite"]


def _native_tracker(tracker: Any) -> Any:
    """The _core.FaceTracker inside a FaceTracker (or a wrapper of one, as the demo's TimedTracker)."""
    seen = 0
    while not hasattr(tracker, "_native") and hasattr(tracker, "_inner") and seen < 8:
        tracker, seen = tracker._inner, seen + 1
    native = getattr(tracker, "_native", None)
    if native is None or not hasattr(native, "options"):
        raise TypeError(f"apply_tier needs a meiyan.FaceTracker, got {type(tracker).__name__}")
    return native


def apply_tier(engine: Engine | None, tracker: FaceTracker | None, tier: Tier | str) -> Tier:
    """Sets the tier's knobs on the engine (segmentation, sharpen) and the tracker (options); either may be
    None. The frame size is the caller's: :func:`fit_frame`. Call it after setting the look (a preset or an
    effect package sets sharpen again). Returns the tier."""
    t = get_tier(tier) if isinstance(tier, str) else tier
    if not isinstance(t, Tier):
        raise TypeError(f"tier must be a Tier or a tier name, got {type(tier).__name__}")
    if tracker is None and engine is not None:
        tracker = engine.tracker
    if tracker is not None:
        native = _native_tracker(tracker)
        opts = native.options
        opts.max_faces = t.max_faces
        opts.redetect_interval = t.redetect_interval
        opts.rotation_sweep = t.rotation_sweep
        opts.threads = t.tracker_threads
        native.options = opts
    if engine is not None:
        engine.enable_segmentation(interval=t.segmentation_interval, refine=t.segmentation_refine)
        if not t.sharpen and engine.beauty.sharpen != 0.0:
            engine.set_beauty(sharpen=0.0)
    return t


def lite_mesh_available(models_dir: str | Path | None = None) -> bool:
    """Whether the lite mesh's engine file (``face_landmark_lite.{fp32,int8}.mynn``) is installed."""
    from meiyan.onnx_backend import default_models_dir

    root = Path(models_dir) if models_dir is not None else default_models_dir()
    return any((root / f"face_landmark_lite.{p}.mynn").is_file() for p in ("fp32", "int8"))


def tracker_for(tier: Tier | str, models_dir: str | Path | None = None, **kwargs: Any) -> FaceTracker:
    """A native :class:`meiyan.FaceTracker` for the tier: its mesh network (the full one where the lite
    file is not installed) and its tracker options. ``kwargs`` go to ``FaceTracker`` (e.g. ``smoothing``)."""
    from meiyan.face import FaceTracker

    t = get_tier(tier) if isinstance(tier, str) else tier
    mesh = t.mesh if t.mesh == "full" or lite_mesh_available(models_dir) else "full"
    tracker = FaceTracker("native", models_dir=models_dir, mesh=mesh, **kwargs)
    apply_tier(None, tracker, t)  # the tier's tracker options
    return tracker


def fit_size(width: int, height: int, tier: Tier) -> tuple[int, int]:
    """The processed frame size for a ``width`` x ``height`` input under the tier (aspect kept, even sides)."""
    if width < 1 or height < 1:
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    side = max(width, height)
    if tier.max_side == 0 or side <= tier.max_side:
        return width, height
    s = tier.max_side / side
    return max(2, round(width * s / 2) * 2), max(2, round(height * s / 2) * 2)


def fit_frame(frame: np.ndarray, tier: Tier) -> np.ndarray:
    """The frame downscaled (area filter) to the tier's ``max_side``; the frame itself when it fits."""
    import cv2

    if not isinstance(frame, np.ndarray) or frame.ndim not in (2, 3):
        raise TypeError("frame must be an (H, W) or (H, W, C) numpy array")
    h, w = frame.shape[:2]
    size = fit_size(w, h, tier)
    if size == (w, h):
        return frame
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
