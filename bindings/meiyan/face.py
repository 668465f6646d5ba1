"""Face tracking: the C++ FaceTracker with a selectable inference backend.

>>> tracker = meiyan.FaceTracker()            # native engine on the shipped models
>>> faces = tracker.track(bgr_frame)          # list[FaceResult], landmarks in frame pixels
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from meiyan import _core

if TYPE_CHECKING:
    from meiyan.engine import PixelFormat

Precision = Literal["auto", "fp32", "int8"]
EXPRESSIONS = ("mouth_open", "blink_left", "blink_right", "brow_raise", "smile")


@dataclass(frozen=True)
class HeadPose:
    yaw: float  # degrees
    pitch: float
    roll: float
    rotation: npt.NDArray[np.float32]  # 3x3, canonical face -> frame (x right, y down, z away)
    translation: tuple[float, float, float]  # frame pixels
    scale: float  # pixels per canonical unit (the canonical inter-ocular distance is 1)


@dataclass(frozen=True)
class FaceResult:
    id: int
    presence: float
    landmarks: npt.NDArray[np.float32]  # 468 x 3, frame pixels (z: relative depth in pixels), smoothed
    raw_landmarks: npt.NDArray[np.float32]  # unsmoothed
    roi: tuple[float, float, float, float, float]  # centre x, centre y, width, height, rotation (radians)
    pose: HeadPose
    expressions: dict[str, float] = field(default_factory=dict)  # 0..1
    expressions_active: dict[str, bool] = field(default_factory=dict)  # with hysteresis
    # 10 x 3, frame pixels, smoothed: the right eye's iris centre + 4 boundary points, then the left
    # eye's (MediaPipe's refine_landmarks points 468..477); None without the iris network
    iris: npt.NDArray[np.float32] | None = None
    raw_iris: npt.NDArray[np.float32] | None = None  # unsmoothed

    @property
    def landmarks478(self) -> npt.NDArray[np.float32] | None:
        """The 468 mesh points and the 10 iris points (478 x 3, MediaPipe's refined topology), or None
        when the tracker ran no iris network."""
        if self.iris is None:
            return None
        return np.concatenate([self.landmarks, self.iris], axis=0)

    @property
    def box(self) -> tuple[float, float, float, float]:
        xy = self.landmarks[:, :2]
        x0, y0 = xy.min(0)
        x1, y1 = xy.max(0)
        return float(x0), float(y0), float(x1), float(y1)


def _to_result(d: dict[str, Any]) -> FaceResult:
    p = d["pose"]
    pose = HeadPose(p["yaw"], p["pitch"], p["roll"], p["rotation"], tuple(p["translation"]), p["scale"])
    return FaceResult(
        d["id"],
        d["presence"],
        d["landmarks"],
        d["raw_landmarks"],
        tuple(d["roi"]),
        pose,
        d["expressions"],
        d["expressions_active"],
        d.get("iris"),
        d.get("raw_iris"),
    )


def _onnx_networks(models_dir: str | os.PathLike[str] | None, precision: Precision, threads: int) -> dict[str, Any]:
    from meiyan import onnx_backend

    nets: dict[str, Any] = {}
    for key, task in (
        ("detector", "face_detection_short_range"),
        ("mesh", "face_landmark"),
        ("detector_full_range", "face_detection_full_range"),
        ("iris", "iris_landmark"),
    ):
        try:
            nets[key] = onnx_backend._open_task(task, precision, models_dir, threads)[0]
        except FileNotFoundError:
            if key not in ("detector_full_range", "iris"):  # optional
                raise
            try:
                nets[key] = onnx_backend._open_task(task, "auto", models_dir, threads)[0]
            except FileNotFoundError:
                nets[key] = None
    return nets


class FaceTracker:
    """Tracks up to ``max_faces`` faces: detection only when needed, the 468-point mesh on a rotated
    ROI that follows each face, One Euro smoothing, head pose and expression scores.

    Args:
        backend: ``"native"`` (meiyan's own engine on the ``.mynn`` files, no onnxruntime needed) or
            ``"onnx"`` (onnxruntime on the ``.onnx`` files, the reference).
        precision: which shipped model files to use (``"auto"`` prefers fp32).
        smoothing: One Euro smoothing of the landmarks (``min_cutoff`` Hz, ``beta``).
        threads: threads per network run (1, the default, leaves the other cores to the app; 0: one
            per core). The native engine gives the same landmarks for any count.
        mesh: ``"full"`` (MediaPipe's 192x192 face mesh) or ``"lite"`` (the 128x128 student trained
            by ``python -m model_export train lite-mesh``, for slow devices; native backend only;
            needs ``face_landmark_lite.*.mynn`` in the models folder).
        iris: run the iris network (``iris_landmark.*``, when the models folder has it) on both eyes
            of every face: :attr:`FaceResult.iris` and :attr:`FaceResult.landmarks478`. Two more
            network runs per face and frame, so off by default; the landmarks are the same either way.
        tile_search: look for small faces (from ~48 px wide at 1280x720) in overlapping tiles of the
            frame too: every tile on the first frame (a single image is searched whole), then
            ``tile_runs_per_frame`` tiles (one detector run each) whenever the tracker looks for new
            faces (``0``: every tile every time).
    """

    def __init__(
        self,
        backend: Literal["native", "onnx"] = "native",
        *,
        models_dir: str | Path | None = None,
        precision: Precision = "auto",
        max_faces: int = 4,
        smoothing: bool = True,
        min_cutoff: float = 1.0,
        beta: float = 40.0,
        rotation_sweep: bool = True,
        redetect_interval: int = 30,
        threads: int = 1,
        mesh: Literal["full", "lite"] = "full",
        iris: bool = False,
        tile_search: bool = True,
        tile_runs_per_frame: int = 2,
    ) -> None:
        if backend not in ("native", "onnx"):
            raise ValueError(f"unknown face backend {backend!r}; available: 'native', 'onnx'")
        if mesh not in ("full", "lite"):
            raise ValueError(f"unknown mesh {mesh!r}; available: 'full' (192x192) and 'lite' (128x128, trained here)")
        if mesh == "lite" and backend != "native":
            raise ValueError("the lite mesh runs in the native engine only (backend='native')")
        opts = _core.TrackerOptions()
        opts.max_faces = max_faces
        opts.smoothing = smoothing
        opts.one_euro.min_cutoff = min_cutoff
        opts.one_euro.beta = beta
        opts.rotation_sweep = rotation_sweep
        opts.redetect_interval = redetect_interval
        if not 0 <= threads <= 64:
            raise ValueError(f"threads must be in 0..64 (0: one per core), got {threads}")
        opts.threads = threads
        opts.iris = bool(iris)
        if not 0 <= tile_runs_per_frame <= 1000:
            raise ValueError(f"tile_runs_per_frame must be in 0..1000 (0: every tile), got {tile_runs_per_frame}")
        opts.tile_search = bool(tile_search)
        opts.tile_runs_per_frame = tile_runs_per_frame
        self.backend = backend
        if backend == "native":
            from meiyan.onnx_backend import default_models_dir

            # For "auto", fp32 first: the int8 files trade accuracy for size (see models/manifest.json).
            precisions = ["fp32", "int8"] if precision == "auto" else [precision]
            root = str(models_dir) if models_dir is not None else str(default_models_dir())
            task = "face_landmark_lite" if mesh == "lite" else "face_landmark"
            self._native = _core.FaceTracker.native(root, precisions, options=opts, mesh_task=task)
        else:
            nets = _onnx_networks(models_dir, precision, threads or (os.cpu_count() or 1))
            self._native = _core.FaceTracker(
                nets["detector"], nets["mesh"], nets["detector_full_range"], opts, iris=nets["iris"]
            )
        self.mesh = mesh
        self._t0 = time.monotonic()

    def track(
        self,
        image: np.ndarray,
        *,
        timestamp: float | None = None,
        camera_rotation: int = 0,
        format: PixelFormat = "bgr",
    ) -> list[FaceResult]:
        """Faces in one frame of a stream (BGR by default, or ``format="rgb"``, ``"bgra"``, ``"rgba"``, or
        any format :func:`meiyan.convert` reads, e.g. a YUV frame). Packed frames with contiguous pixels
        are read where they are, without a conversion."""
        ts = time.monotonic() - self._t0 if timestamp is None else timestamp
        bpp = 3 if format in ("bgr", "rgb") else 4
        direct = (isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3
                  and image.shape[2] == bpp and image.strides[2] == 1 and image.strides[1] == bpp)
        if not direct:  # other layouts (and bad input, which convert() explains) go through RGBA
            image, format = _core.convert(image, format, "rgba"), "rgba"
        return [_to_result(d) for d in self._native.track(image, ts, camera_rotation, format)]

    def reset(self) -> None:
        self._native.reset()

    @property
    def has_iris(self) -> bool:
        """Whether faces get iris points: the iris network is loaded and ``iris`` is on."""
        return bool(self._native.has_iris_network and self._native.options.iris)

    @property
    def stats(self) -> dict[str, float]:
        """Frames, detector, mesh and iris runs, and cumulative seconds per stage since construction."""
        return dict(self._native.stats())
