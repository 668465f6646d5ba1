"""ONNX Runtime backend for meiyan's face models (optional ``onnx`` extra).

Runs the ONNX models shipped in the repository's ``models/`` folder (built by
``python -m model_export build`` from MediaPipe's ``.tflite`` files):

* :class:`FaceDetector` -- BlazeFace short-range (128x128) or full-range
  (192x192) detector: SSD anchors, box/keypoint decoding, weighted NMS.
  Returns boxes, 6 keypoints (right eye, left eye, nose tip, mouth, right ear
  tragion, left ear tragion -- "right/left" from the subject's point of view)
  and scores, in image pixels.
* :class:`FaceLandmarker` -- 468-point face mesh on a rotated ROI built from a
  detection (square box scaled 1.5x around the detection, rotated so the eyes
  are horizontal), mapped back to image pixels.
* :class:`IrisLandmarker` -- 71 eye-contour + 5 iris points per eye on ROIs
  built from mesh eye corners.
* :class:`SelfieSegmenter` -- person mask ``HxW`` float32 in ``[0, 1]``.

Pure Python + numpy; ``onnxruntime`` is imported lazily when a model is
loaded, so importing this module never requires it.  Images are ``HxWx3``
``uint8`` BGR (OpenCV order).  Coordinates are continuous pixel coordinates:
the image covers ``[0, W] x [0, H]`` and the centre of pixel ``(i, j)`` is at
``(j + 0.5, i + 0.5)``.

Pre/post-processing is written against a *runner* (``NHWC float32 array ->
list of output arrays``) so the same code evaluates the ``.tflite`` sources,
the fp32 ONNX and the int8 ONNX models (see ``model_export``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "Detection",
    "FaceDetector",
    "FaceLandmarker",
    "FaceLandmarks",
    "IrisLandmarker",
    "IrisLandmarks",
    "OnnxModel",
    "RotatedRect",
    "Runner",
    "SelfieSegmenter",
    "crop_to_tensor",
    "default_models_dir",
    "eye_roi",
    "face_roi_from_detection",
    "find_models_dir",
    "load_manifest",
]

FloatArray = npt.NDArray[np.float32]
Runner = Callable[[FloatArray], list[FloatArray]]
"""A model runner: NHWC float32 input batch -> outputs in the model's order."""

MODELS_DIR_ENV = "MEIYAN_MODELS_DIR"
MANIFEST_NAME = "manifest.json"

# Mesh vertices used for the iris ROIs (eye corners), as in MediaPipe.
_EYE_CORNERS = {"right": (33, 133), "left": (362, 263)}


# ---------------------------------------------------------------------------
# locating and loading models


def default_models_dir() -> Path:
    """``$MEIYAN_MODELS_DIR`` if set, else the repository's ``models/``."""
    env = os.environ.get(MODELS_DIR_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for cand in (here / "models", here.parent.parent / "models"):
        if (cand / MANIFEST_NAME).is_file():
            return cand
    return here.parent.parent / "models"


def find_models_dir(models_dir: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the folder holding ``manifest.json`` and the ONNX files.

    Order: the explicit argument, ``$MEIYAN_MODELS_DIR``, ``models/`` next to
    this package, the repository's ``models/``.  Raises ``FileNotFoundError``
    when the folder or its manifest is missing.
    """
    path = Path(models_dir) if models_dir is not None else default_models_dir()
    if not path.is_dir():
        raise FileNotFoundError(f"meiyan models directory not found: {path}")
    if not (path / MANIFEST_NAME).is_file():
        raise FileNotFoundError(f"meiyan models manifest not found: {path / MANIFEST_NAME}")
    return path


def load_manifest(models_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read and sanity-check ``manifest.json``."""
    path = find_models_dir(models_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read models manifest {path}: {exc}") from exc
    models = data.get("models") if isinstance(data, dict) else None
    valid = isinstance(models, dict)
    if not valid:
        raise ValueError(f"models manifest {path} has no 'models' table")
    return data


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class OnnxModel:
    """One ONNX model file run with onnxruntime (CPU).

    ``expected`` is the file's manifest entry; when given, the size and sha256
    are checked before loading so that a truncated or corrupted file gives a
    ``ValueError`` naming the file.  Without it, onnxruntime's own parse error
    is converted to a ``ValueError`` naming the file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        expected: dict[str, Any] | None = None,
        num_threads: int | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"ONNX model file not found: {self.path}")
        if expected is not None:
            size = self.path.stat().st_size
            if "size" in expected and size != int(expected["size"]):
                raise ValueError(
                    f"ONNX model file {self.path} is truncated or corrupt: {size} bytes, "
                    f"manifest says {expected['size']}"
                )
            if "sha256" in expected and _sha256(self.path) != expected["sha256"]:
                raise ValueError(f"ONNX model file {self.path} is corrupt: sha256 does not match the manifest")
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "meiyan.onnx_backend needs onnxruntime: pip install 'meiyan[onnx]' (or onnxruntime)"
            ) from exc
        opts = ort.SessionOptions()
        if num_threads is not None:
            opts.intra_op_num_threads = num_threads
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(self.path), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ValueError(f"cannot load ONNX model file {self.path}: {exc}") from exc
        self.input_name = self.session.get_inputs()[0].name
        self.input_shape = tuple(self.session.get_inputs()[0].shape)
        self.output_names = [o.name for o in self.session.get_outputs()]
        if expected is not None and "outputs" in expected:
            want = [o["name"] for o in expected["outputs"]]
            if want != self.output_names:
                raise ValueError(f"ONNX model file {self.path}: outputs {self.output_names}, manifest says {want}")

    def __call__(self, x: FloatArray) -> list[FloatArray]:
        outs = self.session.run(self.output_names, {self.input_name: np.ascontiguousarray(x, dtype=np.float32)})
        return [np.asarray(o, dtype=np.float32) for o in outs]


def _open_task(
    task: str, precision: str, models_dir: str | os.PathLike[str] | None, num_threads: int | None
) -> tuple[OnnxModel, dict[str, Any]]:
    root = find_models_dir(models_dir)
    manifest = load_manifest(root)
    entries = {
        name: e
        for name, e in manifest["models"].items()
        if isinstance(e, dict) and e.get("task") == task and name.endswith(".onnx")
    }
    if not entries:
        raise FileNotFoundError(f"no model for task '{task}' in {root / MANIFEST_NAME}")
    order = ["fp32", "int8"] if precision == "auto" else [precision]
    for prec in order:
        for name, e in sorted(entries.items()):
            if e.get("precision") == prec:
                return OnnxModel(root / name, e, num_threads), e
    have = sorted({str(e.get("precision")) for e in entries.values()})
    raise FileNotFoundError(f"no {precision} model for task '{task}' in {root} (available: {have})")


# ---------------------------------------------------------------------------
# geometry and image sampling


@dataclass(frozen=True)
class RotatedRect:
    """A rotated rectangle in image pixels; ``rotation`` in radians.

    The rect's x axis points along ``(cos r, sin r)`` in image coordinates
    (y down), i.e. a positive rotation is clockwise on screen.
    """

    center_x: float
    center_y: float
    width: float
    height: float
    rotation: float = 0.0

    def crop_to_image(self, out_w: int, out_h: int) -> npt.NDArray[np.float64]:
        """2x3 affine mapping continuous crop coords (``[0,out_w]x[0,out_h]``) to image coords."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        sx, sy = self.width / out_w, self.height / out_h
        lin = np.array([[c * sx, -s * sy], [s * sx, c * sy]])
        t = np.array([self.center_x, self.center_y]) - lin @ np.array([out_w / 2.0, out_h / 2.0])
        return np.hstack([lin, t[:, None]])

    def corners(self) -> npt.NDArray[np.float64]:
        m = self.crop_to_image(1, 1)
        pts = np.array([[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], dtype=np.float64)
        return pts @ m.T


def _warp(
    image: npt.NDArray[Any], crop_to_image: npt.NDArray[np.float64], out_w: int, out_h: int, border: str
) -> FloatArray:
    """Bilinear sample ``image`` (HxWxC) on an ``out_h x out_w`` grid.

    ``crop_to_image`` maps continuous output coordinates to continuous image
    coordinates; pixel centres sit at ``index + 0.5`` in both frames.
    ``border`` is ``"zero"`` or ``"replicate"``.
    """
    img = image.astype(np.float32, copy=False)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w = img.shape[:2]
    u = np.arange(out_w, dtype=np.float64) + 0.5
    v = np.arange(out_h, dtype=np.float64) + 0.5
    uu, vv = np.meshgrid(u, v)
    m = crop_to_image
    sx = m[0, 0] * uu + m[0, 1] * vv + m[0, 2] - 0.5
    sy = m[1, 0] * uu + m[1, 1] * vv + m[1, 2] - 0.5
    x0 = np.floor(sx).astype(np.int64)
    y0 = np.floor(sy).astype(np.int64)
    fx = (sx - x0).astype(np.float32)[..., None]
    fy = (sy - y0).astype(np.float32)[..., None]
    out = np.zeros((out_h, out_w, img.shape[2]), dtype=np.float32)
    for dy, wy in ((0, 1.0 - fy), (1, fy)):
        for dx, wx in ((0, 1.0 - fx), (1, fx)):
            xi, yi = x0 + dx, y0 + dy
            if border == "replicate":
                vals = img[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
            else:
                ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                vals = img[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * ok[..., None]
            out += vals * (wx * wy)
    return out


def crop_to_tensor(
    image_bgr: npt.NDArray[np.uint8],
    rect: RotatedRect,
    size: tuple[int, int],
    value_range: tuple[float, float],
    border: str,
    flip: bool = False,
) -> FloatArray:
    """Crop ``rect`` to an RGB NHWC float tensor scaled to ``value_range``."""
    _check_image(image_bgr)
    out_w, out_h = size
    m = rect.crop_to_image(out_w, out_h)
    if flip:  # mirror the crop horizontally: u -> out_w - u
        m = m @ np.array([[-1.0, 0.0, out_w], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    crop = _warp(image_bgr[:, :, ::-1], m, out_w, out_h, border)
    lo, hi = value_range
    return (crop * ((hi - lo) / 255.0) + lo)[None].astype(np.float32)


def _check_image(image: Any) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        desc = f"{type(image).__name__} {getattr(image, 'dtype', '')} {getattr(image, 'shape', '')}"
        raise ValueError(f"expected an HxWx3 uint8 BGR image, got {desc}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError("empty image")


def _sigmoid(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))


def _normalize_radians(a: float) -> float:
    return a - 2 * math.pi * math.floor((a + math.pi) / (2 * math.pi))


# ---------------------------------------------------------------------------
# face detection


@dataclass(frozen=True)
class Detection:
    """A face: ``box`` = (x_min, y_min, x_max, y_max) and ``keypoints`` (6x2), image pixels."""

    box: FloatArray
    keypoints: FloatArray
    score: float


@dataclass(frozen=True)
class _DetectorSpec:
    size: int
    strides: tuple[int, ...]
    interpolated_anchor: bool
    score_threshold: float


_DETECTORS = {
    "face_detection_short_range": _DetectorSpec(128, (8, 16, 16, 16), True, 0.5),
    "face_detection_full_range": _DetectorSpec(192, (4,), False, 0.6),
}


def ssd_anchors(size: int, strides: Sequence[int], interpolated_anchor: bool) -> FloatArray:
    """Anchor centres (N x 2, normalised) of MediaPipe's SSD anchor generator.

    With ``fixed_anchor_size`` every anchor is 1x1, so only the centres matter:
    consecutive layers with the same stride share one grid, and each layer
    contributes one anchor per cell (aspect ratio 1.0) plus one more when the
    interpolated-scale anchor is enabled.
    """
    out: list[FloatArray] = []
    i = 0
    while i < len(strides):
        stride = strides[i]
        j = i
        while j < len(strides) and strides[j] == stride:
            j += 1
        per_cell = (j - i) * (2 if interpolated_anchor else 1)
        fm = math.ceil(size / stride)
        ys, xs = np.meshgrid((np.arange(fm) + 0.5) / fm, (np.arange(fm) + 0.5) / fm, indexing="ij")
        centers = np.stack([xs, ys], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(centers, per_cell, axis=1).reshape(-1, 2).astype(np.float32))
        i = j
    return np.concatenate(out, axis=0)


def _iou(box: FloatArray, boxes: FloatArray) -> FloatArray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0).astype(np.float32)


def weighted_nms(
    boxes: FloatArray, keypoints: FloatArray, scores: FloatArray, iou_threshold: float = 0.3
) -> list[tuple[FloatArray, FloatArray, float]]:
    """MediaPipe-style weighted NMS: each cluster (IoU > threshold with the best
    remaining box) is replaced by the score-weighted mean of its boxes and
    keypoints, keeping the best score."""
    order = np.argsort(-scores, kind="stable")
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    remaining = np.arange(len(scores))
    out: list[tuple[FloatArray, FloatArray, float]] = []
    while remaining.size:
        top = remaining[0]
        ious = _iou(boxes[top], boxes[remaining])
        members = remaining[ious > iou_threshold]
        if members.size == 0:
            members = np.array([top])
        w = scores[members][:, None]
        box = (boxes[members] * w).sum(0) / w.sum()
        kps = (keypoints[members] * w[:, :, None]).sum(0) / w.sum()
        out.append((box.astype(np.float32), kps.astype(np.float32), float(scores[top])))
        remaining = remaining[ious <= iou_threshold]
        remaining = remaining[remaining != top]
    return out


class FaceDetector:
    """BlazeFace face detector.

    ``variant``: ``"short_range"`` (faces within ~2 m, 128x128 input) or
    ``"full_range"`` (192x192 input, smaller faces).  ``precision``:
    ``"auto"`` (fp32 if shipped, else int8), ``"fp32"`` or ``"int8"``.
    ``runner`` replaces the ONNX model (used by ``model_export`` to evaluate
    other back-ends with identical pre/post-processing).
    """

    def __init__(
        self,
        models_dir: str | os.PathLike[str] | None = None,
        variant: str = "short_range",
        precision: str = "auto",
        score_threshold: float | None = None,
        iou_threshold: float = 0.3,
        runner: Runner | None = None,
        num_threads: int | None = None,
    ) -> None:
        task = f"face_detection_{variant}"
        if task not in _DETECTORS:
            raise ValueError(f"unknown detector variant {variant!r} (use 'short_range' or 'full_range')")
        self.spec = _DETECTORS[task]
        self.runner: Runner = runner if runner is not None else _open_task(task, precision, models_dir, num_threads)[0]
        self.anchors = ssd_anchors(self.spec.size, self.spec.strides, self.spec.interpolated_anchor)
        self.score_threshold = self.spec.score_threshold if score_threshold is None else score_threshold
        self.iou_threshold = iou_threshold

    def letterbox(self, image_bgr: npt.NDArray[np.uint8]) -> RotatedRect:
        h, w = image_bgr.shape[:2]
        side = float(max(h, w))
        return RotatedRect(w / 2.0, h / 2.0, side, side, 0.0)

    def raw(self, image_bgr: npt.NDArray[np.uint8]) -> tuple[FloatArray, FloatArray, RotatedRect]:
        """Model outputs (regressors N x 16, score logits N) for the letterboxed image."""
        rect = self.letterbox(image_bgr)
        x = crop_to_tensor(image_bgr, rect, (self.spec.size, self.spec.size), (-1.0, 1.0), "zero")
        outs = self.runner(x)
        reg = np.asarray(outs[0], np.float32).reshape(-1, 16)
        logits = np.asarray(outs[1], np.float32).reshape(-1)
        if reg.shape[0] != self.anchors.shape[0] or logits.shape[0] != self.anchors.shape[0]:
            raise ValueError(f"detector output has {reg.shape[0]} boxes, expected {self.anchors.shape[0]}")
        return reg, logits, rect

    def detect(self, image_bgr: npt.NDArray[np.uint8]) -> list[Detection]:
        """Faces in a BGR uint8 image, best first."""
        _check_image(image_bgr)
        reg, logits, rect = self.raw(image_bgr)
        scores = _sigmoid(np.clip(logits, -100.0, 100.0))
        keep = scores >= self.score_threshold
        if not np.any(keep):
            return []
        reg, scores, anchors = reg[keep], scores[keep].astype(np.float32), self.anchors[keep]
        size = float(self.spec.size)
        cx = reg[:, 0] / size + anchors[:, 0]
        cy = reg[:, 1] / size + anchors[:, 1]
        bw = reg[:, 2] / size
        bh = reg[:, 3] / size
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        kps = reg[:, 4:16].reshape(-1, 6, 2) / size + anchors[:, None, :]
        # normalised letterbox square -> image pixels
        m = rect.crop_to_image(1, 1)
        boxes_px = np.empty_like(boxes)
        boxes_px[:, 0::2] = boxes[:, 0::2] * m[0, 0] + m[0, 2]
        boxes_px[:, 1::2] = boxes[:, 1::2] * m[1, 1] + m[1, 2]
        kps_px = np.empty_like(kps)
        kps_px[..., 0] = kps[..., 0] * m[0, 0] + m[0, 2]
        kps_px[..., 1] = kps[..., 1] * m[1, 1] + m[1, 2]
        clusters = weighted_nms(boxes_px.astype(np.float32), kps_px.astype(np.float32), scores, self.iou_threshold)
        return [Detection(b, k, s) for b, k, s in clusters]


def face_roi_from_detection(det: Detection, scale: float = 1.5) -> RotatedRect:
    """MediaPipe's face-mesh ROI: box centre, rotation from the eye keypoints
    (right eye -> left eye made horizontal), square on the long side, scaled."""
    (x0, y0), (x1, y1) = det.keypoints[0], det.keypoints[1]
    rotation = _normalize_radians(-math.atan2(-(float(y1) - float(y0)), float(x1) - float(x0)))
    bx0, by0, bx1, by1 = (float(v) for v in det.box)
    side = max(bx1 - bx0, by1 - by0) * scale
    return RotatedRect((bx0 + bx1) / 2.0, (by0 + by1) / 2.0, side, side, rotation)


# ---------------------------------------------------------------------------
# face landmarks


@dataclass(frozen=True)
class FaceLandmarks:
    """468 mesh points (x, y in image pixels; z in pixels, relative depth),
    the face presence probability and the ROI the mesh was computed in."""

    points: FloatArray
    presence: float
    roi: RotatedRect


class FaceLandmarker:
    """468-point face mesh (``face_landmark.tflite``, 192x192 input in [0, 1])."""

    size = 192

    def __init__(
        self,
        models_dir: str | os.PathLike[str] | None = None,
        precision: str = "auto",
        detector: FaceDetector | None = None,
        runner: Runner | None = None,
        num_threads: int | None = None,
    ) -> None:
        self.runner: Runner = (
            runner if runner is not None else _open_task("face_landmark", precision, models_dir, num_threads)[0]
        )
        self._models_dir = models_dir
        self._precision = precision
        self._num_threads = num_threads
        self._detector = detector

    @property
    def detector(self) -> FaceDetector:
        if self._detector is None:
            self._detector = FaceDetector(self._models_dir, precision=self._precision, num_threads=self._num_threads)
        return self._detector

    def from_roi(self, image_bgr: npt.NDArray[np.uint8], roi: RotatedRect) -> FaceLandmarks:
        x = crop_to_tensor(image_bgr, roi, (self.size, self.size), (0.0, 1.0), "replicate")
        outs = self.runner(x)
        pts = np.asarray(outs[0], np.float32).reshape(-1, 3)
        if pts.shape[0] != 468:
            raise ValueError(f"face landmark model returned {pts.shape[0]} points, expected 468")
        presence = float(_sigmoid(np.asarray(outs[1], np.float64).reshape(-1)[0]))
        m = roi.crop_to_image(self.size, self.size)
        xy = pts[:, :2].astype(np.float64) @ m[:, :2].T + m[:, 2]
        z = pts[:, 2:3].astype(np.float64) * (roi.width / self.size)
        return FaceLandmarks(np.hstack([xy, z]).astype(np.float32), presence, roi)

    def from_detection(self, image_bgr: npt.NDArray[np.uint8], det: Detection) -> FaceLandmarks:
        return self.from_roi(image_bgr, face_roi_from_detection(det))

    def detect(self, image_bgr: npt.NDArray[np.uint8], max_faces: int = 1) -> list[FaceLandmarks]:
        """Detect faces and run the mesh on each (at most ``max_faces``)."""
        return [self.from_detection(image_bgr, d) for d in self.detector.detect(image_bgr)[:max_faces]]


# ---------------------------------------------------------------------------
# iris


@dataclass(frozen=True)
class IrisLandmarks:
    """Per eye: 71 eye-contour/brow points and 5 iris points (centre first), image pixels (x, y, z)."""

    eye: str
    contour: FloatArray
    iris: FloatArray
    roi: RotatedRect


def eye_roi(mesh: FaceLandmarks | FloatArray, eye: str, scale: float = 2.3) -> RotatedRect:
    """Square ROI around one eye from the mesh eye corners (as MediaPipe's iris graph)."""
    pts = mesh.points if isinstance(mesh, FaceLandmarks) else mesh
    a, b = _EYE_CORNERS[eye]
    p0, p1 = pts[a, :2].astype(np.float64), pts[b, :2].astype(np.float64)
    rotation = _normalize_radians(-math.atan2(-(p1[1] - p0[1]), p1[0] - p0[0]))
    lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
    side = float(max(hi - lo)) * scale
    c = (lo + hi) / 2.0
    return RotatedRect(float(c[0]), float(c[1]), side, side, rotation)


class IrisLandmarker:
    """Iris + eye contour model (``iris_landmark.tflite``, 64x64 input in [0, 1]).

    The model was trained on one eye side; the subject's left eye is mirrored
    horizontally before inference and the result mirrored back.
    """

    size = 64

    def __init__(
        self,
        models_dir: str | os.PathLike[str] | None = None,
        precision: str = "auto",
        runner: Runner | None = None,
        num_threads: int | None = None,
    ) -> None:
        self.runner: Runner = (
            runner if runner is not None else _open_task("iris_landmark", precision, models_dir, num_threads)[0]
        )

    def from_roi(self, image_bgr: npt.NDArray[np.uint8], roi: RotatedRect, eye: str) -> IrisLandmarks:
        flip = eye == "left"
        x = crop_to_tensor(image_bgr, roi, (self.size, self.size), (0.0, 1.0), "replicate", flip=flip)
        outs = self.runner(x)
        contour = np.asarray(outs[0], np.float64).reshape(-1, 3)
        iris = np.asarray(outs[1], np.float64).reshape(-1, 3)
        m = roi.crop_to_image(self.size, self.size)

        def project(p: npt.NDArray[np.float64]) -> FloatArray:
            u = self.size - p[:, 0] if flip else p[:, 0]
            xy = np.stack([u, p[:, 1]], axis=1) @ m[:, :2].T + m[:, 2]
            z = p[:, 2:3] * (roi.width / self.size)
            return np.hstack([xy, z]).astype(np.float32)

        return IrisLandmarks(eye, project(contour), project(iris), roi)

    def from_mesh(self, image_bgr: npt.NDArray[np.uint8], mesh: FaceLandmarks) -> list[IrisLandmarks]:
        return [self.from_roi(image_bgr, eye_roi(mesh, eye), eye) for eye in ("right", "left")]


# ---------------------------------------------------------------------------
# segmentation


class SelfieSegmenter:
    """Selfie segmentation (``selfie_segmentation.tflite``, 256x256 input in [0, 1],
    image stretched to the square as MediaPipe does)."""

    size = 256

    def __init__(
        self,
        models_dir: str | os.PathLike[str] | None = None,
        precision: str = "auto",
        runner: Runner | None = None,
        num_threads: int | None = None,
    ) -> None:
        self.runner: Runner = (
            runner if runner is not None else _open_task("selfie_segmentation", precision, models_dir, num_threads)[0]
        )

    def raw(self, image_bgr: npt.NDArray[np.uint8]) -> FloatArray:
        """The model's 256x256 mask."""
        _check_image(image_bgr)
        h, w = image_bgr.shape[:2]
        rect = RotatedRect(w / 2.0, h / 2.0, float(w), float(h), 0.0)
        x = crop_to_tensor(image_bgr, rect, (self.size, self.size), (0.0, 1.0), "zero")
        return np.asarray(self.runner(x)[0], np.float32).reshape(self.size, self.size)

    def segment(self, image_bgr: npt.NDArray[np.uint8]) -> FloatArray:
        """Person probability per pixel, ``HxW`` float32 in [0, 1]."""
        small = self.raw(image_bgr)
        h, w = image_bgr.shape[:2]
        # output pixel grid -> mask coordinates (continuous, pixel centres at +0.5)
        m = np.array([[self.size / w, 0.0, 0.0], [0.0, self.size / h, 0.0]])
        mask = _warp(small, m, w, h, "replicate")[:, :, 0]
        return np.clip(mask, 0.0, 1.0).astype(np.float32)
