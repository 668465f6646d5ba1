"""Face pipeline evaluation shared by ``build`` and ``eval``.

Every back-end (TFLite source, torch, fp32 ONNX, int8 ONNX) runs through
``meiyan.onnx_backend``'s pre/post-processing with its own runners:

* detection: BlazeFace short-range; when it finds nothing (small faces, e.g.
  the ``einstein`` photo), the full-range detector;
* mesh: rotated ROI from the detection, 468 points mapped back to the image;
* iris: eye ROIs from the mesh;
* segmentation: whole image.

Metrics:

* ``nme68``: mean point-to-point error of the 68 iBUG points (mesh vertices
  chosen by :mod:`model_export.mesh68`) against the annotation, divided by the
  annotation's outer-eye-corner distance (points 37 and 46).
* int8 vs fp32 (same inputs): landmark/iris NME normalised by the fp32 mesh's
  outer-eye-corner distance (vertices 33 and 263); detections: same number of
  faces, each matched with box IoU; segmentation: IoU of ``mask > 0.5``.  The
  summaries also name the worst sample and give the figure over the samples
  whose fp32 result is confident (face presence >= 0.9, mask maximum >= 0.9);
  the pass/fail thresholds use every sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from .data import FaceImage
from .mesh68 import MESH68
from .runners import Runner, load_backend

__all__ = [
    "PipelineResult",
    "TASKS",
    "box_iou",
    "contact_sheet",
    "derive_mesh68",
    "mask_iou",
    "run_pipeline",
]

TASKS = (
    "face_detection_short_range",
    "face_detection_full_range",
    "face_landmark",
    "iris_landmark",
    "selfie_segmentation",
)
MESH_OUTER_EYE = (33, 263)
# Diagnostics only (the thresholds use every sample): a face whose fp32 mesh has
# presence >= 0.9 (the bar tests/model_export/test_mx_onnx_backend.py uses for a
# found face), a mask whose fp32 maximum is >= 0.9 (the model sees a person).
CONFIDENT_FACE = 0.9
CONFIDENT_MASK = 0.9


@dataclass
class PipelineResult:
    name: str
    detections: list[Any]  # onnx_backend.Detection
    detector: str  # which detector produced them
    meshes: list[Any]  # onnx_backend.FaceLandmarks, one per detection
    irises: list[list[Any]]
    mask: np.ndarray
    face: int | None = None  # index of the annotated face (best IoU with annotation box)
    extra: dict[str, Any] = field(default_factory=dict)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(x1 - x0, 0.0) * max(y1 - y0, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def mask_iou(a: np.ndarray, b: np.ndarray, thr: float = 0.5) -> float:
    ma, mb = a > thr, b > thr
    union = np.logical_or(ma, mb).sum()
    return float(np.logical_and(ma, mb).sum() / union) if union else 1.0


def run_pipeline(img: FaceImage, runners: dict[str, Runner], max_faces: int = 4) -> PipelineResult:
    ob = load_backend()
    short = ob.FaceDetector(runner=runners["face_detection_short_range"])
    dets, which = short.detect(img.image), "short_range"
    if not dets:
        full = ob.FaceDetector(variant="full_range", runner=runners["face_detection_full_range"])
        dets, which = full.detect(img.image), "full_range"
    dets = dets[:max_faces]
    lm = ob.FaceLandmarker(runner=runners["face_landmark"], detector=short)
    iris = ob.IrisLandmarker(runner=runners["iris_landmark"])
    seg = ob.SelfieSegmenter(runner=runners["selfie_segmentation"])
    meshes = [lm.from_detection(img.image, d) for d in dets]
    irises = [iris.from_mesh(img.image, m) for m in meshes]
    mask = seg.segment(img.image)
    res = PipelineResult(img.name, dets, which, meshes, irises, mask)
    if img.ibug68 is not None and dets:
        ann_box = img.annotation_box()
        ious = [box_iou(d.box, ann_box) for d in dets]
        res.face = int(np.argmax(ious))
        res.extra["annotation_box_iou"] = max(ious)
    return res


def nme68(res: PipelineResult, img: FaceImage, mapping: tuple[int, ...] = MESH68) -> float:
    if img.ibug68 is None or res.face is None:
        return float("nan")
    pts = res.meshes[res.face].points[list(mapping), :2]
    return float(np.linalg.norm(pts - img.ibug68, axis=1).mean() / img.interocular)


def derive_mesh68(results: list[PipelineResult], images: list[FaceImage]) -> tuple[list[int], np.ndarray]:
    """Per iBUG point, the mesh vertex with the smallest mean normalised distance
    to it over the annotated images.  Returns (indices, mean distance per point)."""
    dists = []
    for res, img in zip(results, images, strict=True):
        if img.ibug68 is None or res.face is None:
            continue
        mesh = res.meshes[res.face].points[:, :2]
        d = np.linalg.norm(img.ibug68[:, None, :] - mesh[None, :, :], axis=2) / img.interocular
        dists.append(d)
    if not dists:
        raise ValueError("no annotated face found to derive the 468->68 mapping")
    mean = np.mean(dists, axis=0)  # 68 x 468
    idx = np.argmin(mean, axis=1)
    return [int(i) for i in idx], mean[np.arange(68), idx]


# ---------------------------------------------------------------------------
# int8 vs fp32 comparisons on identical inputs


def detection_agreement(ref: list[Any], test: list[Any]) -> dict[str, Any]:
    used: set[int] = set()
    ious = []
    for d in ref:
        best, bi = 0.0, -1
        for j, t in enumerate(test):
            if j in used:
                continue
            iou = box_iou(d.box, t.box)
            if iou > best:
                best, bi = iou, j
        if bi >= 0:
            used.add(bi)
        ious.append(best)
    return {"n_ref": len(ref), "n_test": len(test), "min_iou": min(ious) if ious else 1.0}


def landmark_nme(ref_pts: np.ndarray, test_pts: np.ndarray, interocular: float) -> float:
    return float(np.linalg.norm(ref_pts[:, :2] - test_pts[:, :2], axis=1).mean() / interocular)


def mesh_interocular(mesh_points: np.ndarray) -> float:
    a, b = MESH_OUTER_EYE
    return float(np.linalg.norm(mesh_points[a, :2] - mesh_points[b, :2]))


def make_metric(
    task: str,
    images: list[FaceImage],
    fp32: dict[str, Runner],
    ref: list[PipelineResult],
    open_runner: Callable[[Any], Runner],
) -> Callable[[Any], tuple[bool, dict[str, Any], float]]:
    """Metric callback for :func:`quantize.quantize_search` (int8 model path -> (ok, figures))."""
    ob = load_backend()

    def metric(path: Any) -> tuple[bool, dict[str, Any], float]:
        r = open_runner(path)
        if task.startswith("face_detection"):
            variant = task.replace("face_detection_", "")
            det_ref = ob.FaceDetector(variant=variant, runner=fp32[task])
            det_q = ob.FaceDetector(variant=variant, runner=r)
            min_iou, mismatched, worst_image = 1.0, 0, ""
            for img in images:
                a = det_ref.detect(img.image)
                b = det_q.detect(img.image)
                agr = detection_agreement(a, b)
                if agr["n_ref"] != agr["n_test"]:
                    mismatched += 1
                if agr["min_iou"] < min_iou:
                    min_iou, worst_image = agr["min_iou"], img.name
            ok = mismatched == 0 and min_iou >= 0.95
            summary = {
                "min_box_iou": round(min_iou, 4),
                "images_with_different_faces": mismatched,
                "worst_image": worst_image,
            }
            return ok, summary, min_iou - mismatched
        if task == "face_landmark":
            lm_ref = ob.FaceLandmarker(runner=fp32[task])
            lm_q = ob.FaceLandmarker(runner=r)
            nmes, names, confident = [], [], []
            for img, res in zip(images, ref, strict=True):
                for mesh in res.meshes:
                    q = lm_q.from_roi(img.image, mesh.roi)
                    a = lm_ref.from_roi(img.image, mesh.roi)
                    nmes.append(landmark_nme(a.points, q.points, mesh_interocular(a.points)))
                    names.append(img.name)
                    confident.append(a.presence >= CONFIDENT_FACE)
            worst = max(nmes) if nmes else 0.0
            summary = {
                "max_nme": round(worst, 5),
                "mean_nme": round(float(np.mean(nmes)), 5),
                "faces": len(nmes),
                "worst_face": names[int(np.argmax(nmes))] if nmes else "",
                "max_nme_confident_faces": round(
                    max([n for n, c in zip(nmes, confident, strict=True) if c] or [0.0]), 5
                ),
                "confident_faces": int(sum(confident)),
            }
            return worst <= 0.01, summary, -worst
        if task == "iris_landmark":
            ir_ref = ob.IrisLandmarker(runner=fp32[task])
            ir_q = ob.IrisLandmarker(runner=r)
            nmes, names, confident = [], [], []
            for img, res in zip(images, ref, strict=True):
                for mesh in res.meshes:
                    io = mesh_interocular(mesh.points)
                    for eye in ("right", "left"):
                        roi = ob.eye_roi(mesh, eye)
                        a = ir_ref.from_roi(img.image, roi, eye)
                        b = ir_q.from_roi(img.image, roi, eye)
                        pa = np.vstack([a.contour, a.iris])
                        pb = np.vstack([b.contour, b.iris])
                        nmes.append(landmark_nme(pa, pb, io))
                        names.append(f"{img.name}/{eye}")
                        confident.append(mesh.presence >= CONFIDENT_FACE)
            worst = max(nmes) if nmes else 0.0
            summary = {
                "max_nme": round(worst, 5),
                "mean_nme": round(float(np.mean(nmes)), 5),
                "eyes": len(nmes),
                "worst_eye": names[int(np.argmax(nmes))] if nmes else "",
                "max_nme_confident_faces": round(
                    max([n for n, c in zip(nmes, confident, strict=True) if c] or [0.0]), 5
                ),
                "confident_eyes": int(sum(confident)),
            }
            return worst <= 0.01, summary, -worst
        if task == "selfie_segmentation":
            seg_q = ob.SelfieSegmenter(runner=r)
            ious = [mask_iou(res.mask, seg_q.segment(img.image)) for img, res in zip(images, ref, strict=True)]
            confident = [float(res.mask.max()) >= CONFIDENT_MASK for res in ref]
            worst = min(ious)
            summary = {
                "min_mask_iou": round(worst, 4),
                "mean_mask_iou": round(float(np.mean(ious)), 4),
                "worst_image": images[int(np.argmin(ious))].name,
                "min_mask_iou_confident_masks": round(
                    min([i for i, c in zip(ious, confident, strict=True) if c] or [1.0]), 4
                ),
                "confident_masks": int(sum(confident)),
            }
            return worst >= 0.97, summary, worst
        raise KeyError(task)

    return metric


# ---------------------------------------------------------------------------
# drawing


def draw_result(
    img: FaceImage, res: PipelineResult, title: str, mapping: tuple[int, ...] = MESH68, height: int = 360
) -> np.ndarray:
    vis = img.image.astype(np.float32)
    tint = np.zeros_like(vis)
    tint[..., 1] = 255.0
    a = (res.mask * 0.45)[..., None]
    vis = (vis * (1 - a) + tint * a).astype(np.uint8)
    s = height / vis.shape[0]
    vis = cv2.resize(vis, (max(1, round(vis.shape[1] * s)), height), interpolation=cv2.INTER_AREA)

    def pt(p: np.ndarray) -> tuple[int, int]:
        return round(float(p[0]) * s), round(float(p[1]) * s)

    for k, (d, mesh) in enumerate(zip(res.detections, res.meshes, strict=True)):
        cv2.rectangle(vis, pt(d.box[:2]), pt(d.box[2:]), (0, 255, 255), 1)
        cv2.polylines(vis, [np.array([pt(c) for c in mesh.roi.corners()], np.int32)], True, (255, 128, 0), 1)
        for p in mesh.points[:, :2]:
            cv2.circle(vis, pt(p), 1, (255, 255, 255), -1)
        for p in mesh.points[list(mapping), :2]:
            cv2.circle(vis, pt(p), 2, (0, 0, 255), -1)
        for eye in res.irises[k]:
            for p in eye.iris[:, :2]:
                cv2.circle(vis, pt(p), 1, (255, 0, 255), -1)
    if img.ibug68 is not None:
        for p in img.ibug68:
            cv2.drawMarker(vis, pt(p), (0, 255, 0), cv2.MARKER_CROSS, 5, 1)
    cv2.rectangle(vis, (0, 0), (vis.shape[1], 18), (0, 0, 0), -1)
    cv2.putText(vis, title, (3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1, cv2.LINE_AA)
    return vis


def contact_sheet(rows: list[list[np.ndarray]]) -> np.ndarray:
    """Rows of equal-height tiles -> one image (rows padded to the widest)."""
    lines = [np.hstack(r) for r in rows if r]
    width = max(line.shape[1] for line in lines)
    padded = [np.pad(line, ((0, 4), (0, width - line.shape[1]), (0, 0))) for line in lines]
    return np.vstack(padded)
