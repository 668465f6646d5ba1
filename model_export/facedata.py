"""Face training data: annotation readers and a teacher labeller.

Readers turn common annotated formats into :class:`AnnotatedImage` records
(iBUG ``.pts``, menpo ``.ljson``, the WFLW list file, a folder of images and
videos with optional sidecar annotations).  Every coordinate is in the
continuous pixel convention of ``meiyan.onnx_backend``: the image covers
``[0, W] x [0, H]`` and the centre of pixel ``(i, j)`` is ``(j + 0.5, i + 0.5)``.

:func:`label_dataset` runs the shipped fp32 models (BlazeFace short-range,
face mesh and selfie segmentation ONNX files from ``models/``) on every image
and on every n-th frame of every video, and writes one square crop per face
with the teacher's 468-point mesh, iris points and person mask;
:func:`load_dataset` reads it back.  The iris model and the full-range
detector (used only when the short-range one finds nothing, as the
MediaPipe-style pipeline in ``evaluate.py`` does) are not shipped as fp32
ONNX; they run as the fp32 PyTorch rebuild of the pinned ``.tflite`` files
(``torch_graph``), which matches the ONNX export to ~1e-5 (README).

On-disk format of a labelled dataset (``out_dir``)::

    dataset.json            format/version, teacher model files + sha256,
                            parameters, counts, one entry per sample
    samples/000000.jpg      the crop (BGR, JPEG quality 95, square, side <= 384)
    samples/000000.npz      mesh (468,3) f32, iris (10,2) f32, mask (H,W) u8,
                            presence f32, detector_score f32, crop_to_source
                            (2,3) f64, source str, identity str, frame int64,
                            and when the source had a human annotation:
                            human (K,2) f32 and scheme str

All points in a sample are in the crop's continuous pixel coordinates;
``crop_to_source`` maps them back to the source image/frame
(``source_xy = crop_to_source[:, :2] @ xy + crop_to_source[:, 2]``).
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from .data import parse_ljson, parse_pts
from .runners import load_backend, torch_runner
from .sources import MEDIAPIPE

__all__ = [
    "DATASET_FORMAT",
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "AnnotatedImage",
    "Sample",
    "Teacher",
    "TeacherFace",
    "label_dataset",
    "load_dataset",
    "read_pts",
    "read_wflw",
    "scan_folder",
    "scheme_for",
    "split_by_identity",
]

DATASET_FORMAT = "meiyan.facedata"
DATASET_VERSION = 1
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".webp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")
ANNOTATION_SUFFIXES = (".pts", ".ljson")
WFLW_ATTRIBUTES = ("pose", "expression", "illumination", "make_up", "occlusion", "blur")
_WFLW_POINTS = 98
_SAMPLE_FILE = re.compile(r"^\d{6}\.(jpg|npz)$")

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


def scheme_for(n_points: int) -> str:
    """Name of the annotation scheme with ``n_points`` points."""
    return {68: "ibug68", 98: "wflw98"}.get(n_points, f"points{n_points}")


@dataclass
class AnnotatedImage:
    """One image (or video) file and its optional human annotation.

    ``points``: ``(N, 2)`` float64 continuous pixel coordinates or ``None``;
    ``bbox``: ``(x_min, y_min, x_max, y_max)`` in the same coordinates or ``None``;
    ``attributes``: per-image flags where the format has them (WFLW).
    """

    path: Path
    points: F64 | None = None
    scheme: str | None = None
    identity: str = ""
    bbox: F64 | None = None
    attributes: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not self.identity:
            self.identity = self.path.stem
        if self.points is not None:
            pts = np.asarray(self.points, dtype=np.float64)
            if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
                raise ValueError(f"{self.path}: annotation points must be (N, 2), got {pts.shape}")
            self.points = pts
            if self.scheme is None:
                self.scheme = scheme_for(len(pts))

    @property
    def is_video(self) -> bool:
        return self.path.suffix.lower() in VIDEO_SUFFIXES


# ---------------------------------------------------------------------------
# readers


def read_pts(path: str | os.PathLike[str]) -> F64:
    """Points of an iBUG ``.pts`` (1-based pixels) or menpo ``.ljson`` (0-based ``(y, x)``) file.

    Returns ``(N, 2)`` float64 ``(x, y)`` in the continuous pixel convention.
    Malformed files raise ``ValueError`` naming the file.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in ANNOTATION_SUFFIXES:
        raise ValueError(f"{p}: unsupported annotation format {suffix!r} (use .pts or .ljson)")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p}: not a UTF-8 text file: {exc}") from exc
    try:
        pts = parse_pts(text) if suffix == ".pts" else parse_ljson(text)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        what = exc.args[0] if isinstance(exc, ValueError) and exc.args else f"{type(exc).__name__}: {exc}"
        raise ValueError(f"{p}: malformed {suffix} annotation: {what}") from exc
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise ValueError(f"{p}: expected a non-empty list of (x, y) points, got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError(f"{p}: annotation contains non-finite coordinates")
    return pts


def read_wflw(list_file: str | os.PathLike[str], image_root: str | os.PathLike[str]) -> list[AnnotatedImage]:
    """Read a WFLW annotation list (e.g. ``list_98pt_rect_attr_train.txt``).

    Each line: 196 floats (98 ``x y`` pairs, 0-based pixel coordinates), the
    face box ``x_min y_min x_max y_max`` (integers, same 0-based pixel frame),
    6 attribute flags (pose, expression, illumination, make-up, occlusion,
    blur) and the image path relative to ``image_root``.  Points and box get
    +0.5 (continuous convention).  Blank lines and ``#`` comments are skipped.
    A face per line; an image with several faces appears on several lines.
    """
    lf = Path(list_file)
    root = Path(image_root)
    n_fields = 2 * _WFLW_POINTS + 4 + len(WFLW_ATTRIBUTES) + 1
    out: list[AnnotatedImage] = []
    with lf.open("r", encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            where = f"{lf}:{lineno}"
            parts = text.split(maxsplit=n_fields - 1)
            if len(parts) != n_fields:
                raise ValueError(
                    f"{where}: expected {2 * _WFLW_POINTS} landmark values, 4 box values, "
                    f"{len(WFLW_ATTRIBUTES)} attribute flags and an image path ({n_fields} fields), "
                    f"got {len(parts)} fields"
                )
            try:
                vals = np.array([float(v) for v in parts[: 2 * _WFLW_POINTS]], dtype=np.float64)
            except ValueError as exc:
                raise ValueError(f"{where}: landmark value is not a number: {exc}") from exc
            if not np.all(np.isfinite(vals)):
                raise ValueError(f"{where}: non-finite landmark value")
            box_tokens = parts[2 * _WFLW_POINTS : 2 * _WFLW_POINTS + 4]
            try:
                box = np.array([int(v) for v in box_tokens], dtype=np.float64)
            except ValueError as exc:
                raise ValueError(f"{where}: face box values must be integers, got {box_tokens}") from exc
            if box[2] < box[0] or box[3] < box[1]:
                raise ValueError(f"{where}: face box {box_tokens} has x_max < x_min or y_max < y_min")
            flag_tokens = parts[2 * _WFLW_POINTS + 4 : 2 * _WFLW_POINTS + 4 + len(WFLW_ATTRIBUTES)]
            if any(t not in ("0", "1") for t in flag_tokens):
                raise ValueError(f"{where}: attribute flags must be 0 or 1, got {flag_tokens}")
            rel = parts[-1].strip()
            if _is_number(rel.split()[0]):
                # a number where the path should start: the line has more numeric fields than WFLW's 206
                raise ValueError(f"{where}: expected the image path after {n_fields - 1} numbers, got {rel!r}")
            path = root / rel
            out.append(
                AnnotatedImage(
                    path=path,
                    points=vals.reshape(_WFLW_POINTS, 2) + 0.5,
                    scheme="wflw98",
                    identity=path.stem,
                    bbox=box + 0.5,
                    attributes={k: t == "1" for k, t in zip(WFLW_ATTRIBUTES, flag_tokens, strict=True)},
                )
            )
    return out


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _sidecar(image: Path) -> Path | None:
    for suffix in ANNOTATION_SUFFIXES:
        cand = image.with_suffix(suffix)
        if cand.is_file():
            return cand
    return None


def _annotated_file(path: Path, identity: str) -> AnnotatedImage:
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return AnnotatedImage(path=path, identity=identity)
    side = _sidecar(path)
    points = read_pts(side) if side is not None else None
    return AnnotatedImage(path=path, points=points, identity=identity)


def scan_folder(directory: str | os.PathLike[str]) -> list[AnnotatedImage]:
    """Every image and video under ``directory`` (recursive, sorted by relative path).

    An image's annotation is the sidecar file with the same stem (``.pts``
    first, then ``.ljson``).  Identity: the first folder below ``directory``
    for files in subfolders (one folder per person), else the file stem.
    """
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    media = IMAGE_SUFFIXES + VIDEO_SUFFIXES
    files = sorted(
        (p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in media),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    out = []
    for p in files:
        rel = p.relative_to(root)
        identity = rel.parts[0] if len(rel.parts) > 1 else p.stem
        out.append(_annotated_file(p, identity))
    return out


# ---------------------------------------------------------------------------
# teacher


@dataclass(frozen=True)
class TeacherFace:
    """One face found by the teacher, in source pixels."""

    mesh: F32  # (468, 3); z in pixels (same scale as x, y)
    iris: F32  # (10, 2): right eye's 5 iris points (centre first), then the left eye's
    presence: float
    detector_score: float
    detector: str  # "short_range" or "full_range"


def _with_torch_threads(run: Callable[[F32], list[F32]], threads: int) -> Callable[[F32], list[F32]]:
    """Run a torch runner with ``threads`` intra-op threads (restored afterwards).

    These networks are tiny (64x64 and 192x192 inputs): with torch's default
    thread pool on a loaded 2-core machine one call took 0.35 s instead of 0.012 s.
    """
    import torch

    def wrapped(x: F32) -> list[F32]:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return run(x)
        finally:
            torch.set_num_threads(before)

    return wrapped


class Teacher:
    """The fp32 reference pipeline used to label data.

    ``iris_precision``: ``"fp32"`` (PyTorch rebuild of the pinned
    ``iris_landmark.tflite``; needs torch and the source archive) or ``"int8"``
    (the shipped int8 ONNX).  ``full_range_fallback``: run the full-range
    detector (fp32 PyTorch rebuild of the pinned ``.tflite``) when the
    short-range one finds no face.  ``num_threads``: onnxruntime intra-op
    threads (its default when ``None``) and torch threads (1 when ``None``).
    """

    def __init__(
        self,
        models_dir: str | os.PathLike[str] | None = None,
        *,
        iris_precision: str = "fp32",
        full_range_fallback: bool = True,
        source_cache: Path | None = None,
        num_threads: int | None = None,
    ) -> None:
        if iris_precision not in ("fp32", "int8"):
            raise ValueError(f"iris_precision must be 'fp32' or 'int8', got {iris_precision!r}")
        ob = load_backend()
        self._torch_threads = num_threads or 1
        self.models_dir = ob.find_models_dir(models_dir)
        self.detector = ob.FaceDetector(self.models_dir, "short_range", precision="fp32", num_threads=num_threads)
        self.landmarker = ob.FaceLandmarker(
            self.models_dir, precision="fp32", detector=self.detector, num_threads=num_threads
        )
        self.segmenter = ob.SelfieSegmenter(self.models_dir, precision="fp32", num_threads=num_threads)
        manifest = ob.load_manifest(self.models_dir)["models"]
        self.models: dict[str, dict[str, Any]] = {}
        for task, runner in (
            ("face_detection_short_range", self.detector.runner),
            ("face_landmark", self.landmarker.runner),
            ("selfie_segmentation", self.segmenter.runner),
        ):
            name = Path(runner.path).name
            self.models[task] = {
                "file": name,
                "sha256": manifest[name]["sha256"],
                "precision": "fp32",
                "runtime": "onnxruntime",
            }
        self.full_range = None
        if full_range_fallback:
            self.full_range = ob.FaceDetector(
                variant="full_range", runner=self._source_runner("face_detection_full_range", source_cache)
            )
        if iris_precision == "fp32":
            self.iris = ob.IrisLandmarker(runner=self._source_runner("iris_landmark", source_cache))
        else:
            self.iris = ob.IrisLandmarker(self.models_dir, precision="int8", num_threads=num_threads)
            name = Path(self.iris.runner.path).name
            self.models["iris_landmark"] = {
                "file": name,
                "sha256": manifest[name]["sha256"],
                "precision": "int8",
                "runtime": "onnxruntime",
            }

    def _source_runner(self, task: str, cache: Path | None) -> Any:
        from .specs import spec_by_task

        # imported lazily: torch (and onnx, for convert) are needed only here
        convert = importlib.import_module("model_export.convert")
        spec = spec_by_task(task)
        _, model = convert.load_source(spec, cache)
        self.models[task] = {
            "file": f"{MEDIAPIPE.requirement}:{spec.member}",
            "sha256": spec.source_sha256,
            "archive_sha256": MEDIAPIPE.sha256,
            "precision": "fp32",
            "runtime": "torch (model_export.torch_graph rebuild of the .tflite)",
        }
        return _with_torch_threads(torch_runner(convert.build_torch(model)), self._torch_threads)

    def faces(
        self, image_bgr: npt.NDArray[np.uint8], max_faces: int = 4, min_presence: float = 0.5
    ) -> tuple[list[TeacherFace], int]:
        """Faces with mesh presence >= ``min_presence`` among the first
        ``max_faces`` detections (best first), and the number of detections
        the mesh was run on."""
        dets = self.detector.detect(image_bgr)
        which = "short_range"
        if not dets and self.full_range is not None:
            dets, which = self.full_range.detect(image_bgr), "full_range"
        dets = dets[:max_faces]
        out = []
        for det in dets:
            lm = self.landmarker.from_detection(image_bgr, det)
            if lm.presence < min_presence:
                continue
            eyes = self.iris.from_mesh(image_bgr, lm)  # right eye, then left
            iris = np.concatenate([e.iris[:, :2] for e in eyes]).astype(np.float32)
            out.append(TeacherFace(lm.points.astype(np.float32), iris, float(lm.presence), float(det.score), which))
        return out, len(dets)

    def person_mask_small(self, image_bgr: npt.NDArray[np.uint8]) -> F32:
        """The segmenter's raw ``256x256`` person probability for the whole frame
        (the frame stretched to the square, as MediaPipe does)."""
        return np.clip(self.segmenter.raw(image_bgr), 0.0, 1.0).astype(np.float32)


# ---------------------------------------------------------------------------
# crops


@dataclass(frozen=True)
class _Crop:
    """Integer source window ``[x0, x0 + side) x [y0, y0 + side)`` resized to ``size``."""

    x0: int
    y0: int
    side: int
    size: int

    @property
    def scale(self) -> float:
        return self.size / self.side

    def to_crop(self, pts: npt.ArrayLike) -> F64:
        """Source continuous coordinates (x, y[, z]) -> crop coordinates; z is scaled like x, y."""
        p = np.array(pts, dtype=np.float64)
        p[:, 0] -= self.x0
        p[:, 1] -= self.y0
        return p * self.scale

    def crop_to_source(self) -> F64:
        inv = 1.0 / self.scale
        return np.array([[inv, 0.0, self.x0], [0.0, inv, self.y0]], dtype=np.float64)


def _face_crop(mesh_xy: npt.ArrayLike, crop_scale: float, max_side: int) -> _Crop:
    xy = np.asarray(mesh_xy, dtype=np.float64)
    lo, hi = xy.min(0), xy.max(0)
    side = max(1, int(round(crop_scale * float(np.max(hi - lo)))))
    cx, cy = (lo + hi) / 2.0
    x0 = int(math.floor(cx - side / 2.0 + 0.5))
    y0 = int(math.floor(cy - side / 2.0 + 0.5))
    return _Crop(x0, y0, side, min(side, max_side))


def _cut(image: npt.NDArray[Any], crop: _Crop) -> npt.NDArray[Any]:
    """The crop window, edge-replicated where it leaves the image, resized to ``crop.size``."""
    h, w = image.shape[:2]
    ys = np.clip(np.arange(crop.y0, crop.y0 + crop.side), 0, h - 1)
    xs = np.clip(np.arange(crop.x0, crop.x0 + crop.side), 0, w - 1)
    window = image[ys[:, None], xs[None, :]]
    if crop.size != crop.side:
        # INTER_AREA box-filters; its sample grid is the continuous scaling u = x * scale
        window = cv2.resize(window, (crop.size, crop.size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(window)


def _crop_mask(small: F32, frame_w: int, frame_h: int, crop: _Crop) -> npt.NDArray[np.uint8]:
    """Resample the segmenter's small mask (covering the whole frame) on the crop's pixel grid."""
    ms = small.shape[0]
    # crop continuous u -> frame x = x0 + u / scale -> mask coordinate x * ms / w
    ax = ms / (frame_w * crop.scale)
    ay = ms / (frame_h * crop.scale)
    bx = crop.x0 * ms / frame_w
    by = crop.y0 * ms / frame_h
    # continuous -> pixel-index form for cv2 (centres at +0.5 in both frames)
    m = np.array([[ax, 0.0, bx + 0.5 * ax - 0.5], [0.0, ay, by + 0.5 * ay - 0.5]], dtype=np.float64)
    out = cv2.warpAffine(
        small,
        m,
        (crop.size, crop.size),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def _box_iou(a: F64, b: F64) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _points_box(pts: npt.ArrayLike) -> F64:
    p = np.asarray(pts, dtype=np.float64)[:, :2]
    return np.concatenate([p.min(0), p.max(0)])


# ---------------------------------------------------------------------------
# progress


class _Bar(Protocol):
    def update(self, n: int = 1) -> Any: ...

    def close(self) -> None: ...


class _TextBar:
    """Minimal stderr progress line for when tqdm is not installed."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.n = total, desc, 0
        self._last = 0.0
        self._t0 = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last >= 0.5 or self.n >= self.total:
            self._last = now
            rate = self.n / max(now - self._t0, 1e-9)
            sys.stderr.write(f"\r{self.desc}: {self.n}/{self.total} [{rate:.1f}/s]")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, desc: str, enabled: bool) -> _Bar:
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return _TextBar(total, desc)
    bar: _Bar = tqdm(total=total, desc=desc, unit="frame", file=sys.stderr)
    return bar


# ---------------------------------------------------------------------------
# labelling


def _expand(sources: Sequence[Path | str | AnnotatedImage]) -> list[AnnotatedImage]:
    items: list[AnnotatedImage] = []
    for src in sources:
        if isinstance(src, AnnotatedImage):
            items.append(src)
            continue
        p = Path(src)
        if p.is_dir():
            items.extend(scan_folder(p))
        elif not p.exists():
            raise FileNotFoundError(f"source not found: {p}")
        elif p.suffix.lower() in IMAGE_SUFFIXES + VIDEO_SUFFIXES:
            items.append(_annotated_file(p, p.stem))
        else:
            raise ValueError(
                f"{p}: not an image ({', '.join(IMAGE_SUFFIXES)}) or video ({', '.join(VIDEO_SUFFIXES)}) file"
            )
    return items


def _video_frames(path: Path, every_n: int) -> Iterator[tuple[int, npt.NDArray[np.uint8]]]:
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ValueError(f"cannot open video {path}")
        index = 0
        while True:
            if index % every_n == 0:
                ok, frame = cap.read()
                if not ok:
                    break
                yield index, np.asarray(frame, dtype=np.uint8)
            elif not cap.grab():
                break
            index += 1
    finally:
        cap.release()


def _frame_estimate(path: Path, every_n: int) -> int:
    cap = cv2.VideoCapture(str(path))
    try:
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    finally:
        cap.release()
    return max(1, -(-n // every_n))


def _prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"output path exists and is not a folder: {out_dir}")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not overwrite:
            raise FileExistsError(
                f"output folder {out_dir} is not empty; pass overwrite=True to replace the dataset in it"
            )
        (out_dir / "dataset.json").unlink(missing_ok=True)
        samples = out_dir / "samples"
        if samples.is_dir():
            for f in samples.iterdir():
                if f.is_file() and _SAMPLE_FILE.match(f.name):
                    f.unlink()
    (out_dir / "samples").mkdir(parents=True, exist_ok=True)


def label_dataset(
    sources: Sequence[Path | str | AnnotatedImage],
    out_dir: Path | str,
    *,
    every_n_frames: int = 5,
    max_faces: int = 4,
    min_face_px: int = 40,
    min_presence: float = 0.5,
    crop_scale: float = 2.2,
    max_side: int = 384,
    progress: bool = True,
    identity_of: Callable[[Path], str] | None = None,
    overwrite: bool = False,
    teacher: Teacher | None = None,
    models_dir: Path | str | None = None,
) -> dict[str, Any]:
    """Label images and video frames with the fp32 teacher; write ``out_dir``.

    ``sources``: image files, video files, folders (see :func:`scan_folder`)
    or :class:`AnnotatedImage` records (e.g. from :func:`read_wflw`).  The same
    image listed several times (one line per face in WFLW) is labelled once;
    each human annotation goes to the teacher face whose mesh box overlaps it
    best (IoU >= 0.3).  Videos: frames ``0, n, 2n, ...``.  A face becomes a
    sample when its presence is >= ``min_presence`` and its mesh box's long
    side is >= ``min_face_px`` source pixels.

    The crop is the integer square window of side ``round(crop_scale x`` mesh
    box long side``)`` centred on the mesh box, edge-replicated where it leaves
    the frame, downscaled (INTER_AREA) to at most ``max_side``.  The person
    mask comes from the segmenter run once on the whole frame (as at run
    time), resampled on the crop's grid.

    Files that cannot be read are skipped and listed in ``dataset.json``.
    Returns the content of ``dataset.json``.
    """
    if every_n_frames < 1:
        raise ValueError(f"every_n_frames must be >= 1, got {every_n_frames}")
    if max_faces < 1:
        raise ValueError(f"max_faces must be >= 1, got {max_faces}")
    if crop_scale <= 1.0 or max_side < 16:
        raise ValueError(f"crop_scale must be > 1 and max_side >= 16, got {crop_scale}, {max_side}")
    out = Path(out_dir)
    items = _expand(sources)
    if not items:
        raise ValueError("no images or videos in the given sources")
    # one entry per file, in first-seen order, with all its annotations
    grouped: dict[Path, list[AnnotatedImage]] = {}
    for it in items:
        grouped.setdefault(it.path.resolve(), []).append(it)
    root = Path(os.path.commonpath([str(p.parent) for p in grouped]))
    _prepare_out_dir(out, overwrite)
    teacher = teacher if teacher is not None else Teacher(models_dir)

    counts = {
        "files": len(grouped),
        "images": 0,
        "videos": 0,
        "frames": 0,
        "detections": 0,
        "rejected_presence": 0,
        "rejected_small": 0,
        "samples": 0,
        "human_matched": 0,
        "human_unmatched": 0,
    }
    skipped: list[dict[str, str]] = []
    entries: list[dict[str, Any]] = []
    total = sum(_frame_estimate(p, every_n_frames) if its[0].is_video else 1 for p, its in grouped.items())
    bar = _progress(total, "label", progress)

    def write_frame(
        frame: npt.NDArray[np.uint8], index: int, rel: str, identity: str, ann: list[AnnotatedImage]
    ) -> None:
        counts["frames"] += 1
        faces, n_det = teacher.faces(frame, max_faces, min_presence)
        counts["detections"] += n_det
        counts["rejected_presence"] += n_det - len(faces)
        kept = []
        for face in faces:
            box = _points_box(face.mesh)
            if max(box[2] - box[0], box[3] - box[1]) < min_face_px:
                counts["rejected_small"] += 1
                continue
            kept.append((face, box))
        # human annotations -> best-overlapping kept face (greedy, best IoU first)
        human: dict[int, AnnotatedImage] = {}
        pairs = []
        for a in ann:
            if a.points is None:
                continue
            abox = _points_box(a.points) if a.bbox is None or len(a.points) >= 3 else a.bbox
            for k, (_, fbox) in enumerate(kept):
                pairs.append((_box_iou(abox, fbox), k, a))
        used: set[int] = set()
        for iou, k, a in sorted(pairs, key=lambda t: -t[0]):
            if iou < 0.3 or k in human or id(a) in used:
                continue
            human[k] = a
            used.add(id(a))
        n_ann = sum(a.points is not None for a in ann)
        counts["human_matched"] += len(used)
        counts["human_unmatched"] += n_ann - len(used)
        small = teacher.person_mask_small(frame) if kept else None
        h, w = frame.shape[:2]
        for k, (face, _) in enumerate(kept):
            crop = _face_crop(face.mesh[:, :2], crop_scale, max_side)
            sid = len(entries)
            stem = out / "samples" / f"{sid:06d}"
            image = _cut(frame, crop)
            assert small is not None
            data: dict[str, Any] = {
                "mesh": crop.to_crop(face.mesh).astype(np.float32),
                "iris": crop.to_crop(face.iris).astype(np.float32),
                "mask": _crop_mask(small, w, h, crop),
                "presence": np.float32(face.presence),
                "detector_score": np.float32(face.detector_score),
                "crop_to_source": crop.crop_to_source(),
                "source": np.str_(rel),
                "identity": np.str_(identity),
                "frame": np.int64(index),
            }
            scheme = None
            if k in human:
                a = human[k]
                assert a.points is not None
                data["human"] = crop.to_crop(a.points).astype(np.float32)
                scheme = a.scheme or scheme_for(len(a.points))
                data["scheme"] = np.str_(scheme)
            if not cv2.imwrite(str(stem) + ".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95]):
                raise OSError(f"cannot write {stem}.jpg")
            np.savez_compressed(str(stem) + ".npz", **data)
            entries.append(
                {
                    "id": sid,
                    "image": f"samples/{sid:06d}.jpg",
                    "data": f"samples/{sid:06d}.npz",
                    "source": rel,
                    "identity": identity,
                    "frame": index,
                    "scheme": scheme,
                    "presence": round(face.presence, 6),
                    "detector": face.detector,
                    "size": crop.size,
                }
            )
        counts["samples"] = len(entries)

    try:
        for path, its in grouped.items():
            rel = path.relative_to(root).as_posix()
            identity = identity_of(path) if identity_of is not None else its[0].identity
            if its[0].is_video:
                counts["videos"] += 1
                try:
                    for index, frame in _video_frames(path, every_n_frames):
                        write_frame(frame, index, rel, identity, [])
                        bar.update(1)
                except ValueError as exc:
                    skipped.append({"source": rel, "reason": str(exc)})
                continue
            counts["images"] += 1
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is None:
                skipped.append({"source": rel, "reason": "missing or not a decodable image"})
            else:
                write_frame(np.asarray(img, dtype=np.uint8), -1, rel, identity, its)
            bar.update(1)
    finally:
        bar.close()

    dataset: dict[str, Any] = {
        "format": DATASET_FORMAT,
        "version": DATASET_VERSION,
        "created_by": "model_export.facedata.label_dataset",
        "root": str(root),
        "teacher": {"models_dir": str(teacher.models_dir), "models": teacher.models},
        "parameters": {
            "every_n_frames": every_n_frames,
            "max_faces": max_faces,
            "min_face_px": min_face_px,
            "min_presence": min_presence,
            "crop_scale": crop_scale,
            "max_side": max_side,
            "jpeg_quality": 95,
            "mask": "selfie segmentation of the whole frame, resampled on the crop grid",
        },
        "counts": counts,
        "skipped": skipped,
        "samples": entries,
    }
    tmp = out / "dataset.json.tmp"
    tmp.write_text(json.dumps(dataset, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out / "dataset.json")
    return dataset


# ---------------------------------------------------------------------------
# reading a dataset back


@dataclass
class Sample:
    """One labelled face crop (all points in the crop's continuous pixel coordinates)."""

    id: int
    image: npt.NDArray[np.uint8]  # (S, S, 3) BGR
    mesh: F32  # (468, 3)
    iris: F32  # (10, 2)
    mask: npt.NDArray[np.uint8]  # (S, S), 0..255
    presence: float
    human: F32 | None  # (K, 2)
    scheme: str | None
    identity: str
    source: str
    frame: int  # -1 for images
    crop_to_source: F64  # (2, 3)


def _read_index(directory: Path) -> dict[str, Any]:
    index = directory / "dataset.json"
    if not directory.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {directory}")
    if not index.is_file():
        raise FileNotFoundError(f"{index} not found: not a labelled dataset (or labelling was interrupted)")
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{index} is corrupt: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != DATASET_FORMAT:
        raise ValueError(f"{index}: not a {DATASET_FORMAT} index")
    if data.get("version") != DATASET_VERSION:
        raise ValueError(f"{index}: unsupported version {data.get('version')!r} (this reader: {DATASET_VERSION})")
    if not isinstance(data.get("samples"), list):
        raise ValueError(f"{index}: no 'samples' list")
    return data


def _load_sample(directory: Path, entry: dict[str, Any]) -> Sample:
    try:
        img_path = directory / str(entry["image"])
        npz_path = directory / str(entry["data"])
        sid = int(entry["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{directory / 'dataset.json'}: malformed sample entry {entry!r}") from exc
    for p in (img_path, npz_path):
        if not p.is_file():
            raise FileNotFoundError(f"sample file missing: {p}")
    decoded = cv2.imread(str(img_path), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError(f"sample image is corrupt: {img_path}")
    image = np.asarray(decoded, dtype=np.uint8)
    try:
        with np.load(npz_path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"sample data is corrupt: {npz_path}: {exc}") from exc
    need = ("mesh", "iris", "mask", "presence", "crop_to_source", "source", "identity", "frame")
    missing = [k for k in need if k not in arrays]
    if missing:
        raise ValueError(f"sample data {npz_path} lacks {missing}")
    s = image.shape[0]
    shapes = {"mesh": (468, 3), "iris": (10, 2), "mask": image.shape[:2], "crop_to_source": (2, 3)}
    for k, shape in shapes.items():
        if arrays[k].shape != shape:
            raise ValueError(f"sample data {npz_path}: {k} has shape {arrays[k].shape}, expected {shape}")
    if image.shape[1] != s:
        raise ValueError(f"sample image {img_path} is not square: {image.shape}")
    human = arrays.get("human")
    if human is not None and (human.ndim != 2 or human.shape[1] != 2):
        raise ValueError(f"sample data {npz_path}: human has shape {human.shape}, expected (K, 2)")
    identity = str(arrays["identity"])
    if "identity" in entry and entry["identity"] != identity:
        raise ValueError(f"{npz_path}: identity {identity!r} differs from dataset.json's {entry['identity']!r}")
    return Sample(
        id=sid,
        image=image,
        mesh=arrays["mesh"].astype(np.float32),
        iris=arrays["iris"].astype(np.float32),
        mask=arrays["mask"].astype(np.uint8),
        presence=float(arrays["presence"]),
        human=None if human is None else human.astype(np.float32),
        scheme=str(arrays["scheme"]) if "scheme" in arrays else None,
        identity=identity,
        source=str(arrays["source"]),
        frame=int(arrays["frame"]),
        crop_to_source=arrays["crop_to_source"].astype(np.float64),
    )


def load_dataset(directory: str | os.PathLike[str]) -> list[Sample]:
    """All samples of a dataset written by :func:`label_dataset`, in id order.

    Missing files raise ``FileNotFoundError`` and damaged ones ``ValueError``,
    both naming the file.
    """
    d = Path(directory)
    index = _read_index(d)
    return [_load_sample(d, e) for e in index["samples"]]


class _HasIdentity(Protocol):
    @property
    def identity(self) -> str: ...


T = TypeVar("T", bound=_HasIdentity)


def split_by_identity(samples: Iterable[T], held_out: Iterable[str]) -> tuple[list[T], list[T]]:
    """``(train, held)``: the samples whose identity is in ``held_out`` go to ``held``.

    Raises ``ValueError`` for a held-out identity that no sample has (a typo
    would otherwise silently leave the held-out set empty).
    """
    held_ids = set(held_out)
    train: list[T] = []
    held: list[T] = []
    seen: set[str] = set()
    for s in samples:
        seen.add(s.identity)
        (held if s.identity in held_ids else train).append(s)
    unknown = sorted(held_ids - seen)
    if unknown:
        raise ValueError(f"held-out identities not in the samples: {unknown}")
    return train, held
