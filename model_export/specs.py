"""What the build produces: one entry per source network."""

from __future__ import annotations

from dataclasses import dataclass

from .sources import MEDIAPIPE

__all__ = ["MODELS", "ModelSpec", "spec_by_task"]


@dataclass(frozen=True)
class ModelSpec:
    task: str
    member: str  # path of the .tflite inside the mediapipe wheel
    input_name: str
    output_names: tuple[str, ...]  # ONNX names, in the TFLite subgraph's output order
    tflite_output_names: tuple[str, ...]
    value_range: tuple[float, float]
    preprocessing: str
    outputs_doc: tuple[str, ...]
    ship_fp32: bool
    description: str

    @property
    def source_sha256(self) -> str:
        return MEDIAPIPE.members[self.member]

    def filename(self, precision: str) -> str:
        return f"{self.task}.{precision}.onnx"


_MP = "mediapipe/modules/"

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        task="face_detection_short_range",
        member=_MP + "face_detection/face_detection_short_range.tflite",
        input_name="image",
        output_names=("regressors", "classificators"),
        tflite_output_names=("regressors", "classificators"),
        value_range=(-1.0, 1.0),
        preprocessing="whole image letterboxed (aspect kept, zero border) to 128x128, RGB",
        outputs_doc=(
            "896 anchors x 16: box centre dx, dy, w, h then 6 keypoints (x, y), in 128-px input units",
            "896 anchors x 1: score logit (sigmoid -> probability)",
        ),
        ship_fp32=True,
        description="BlazeFace short-range face detector (faces within ~2 m)",
    ),
    ModelSpec(
        task="face_detection_full_range",
        member=_MP + "face_detection/face_detection_full_range_sparse.tflite",
        input_name="image",
        output_names=("regressors", "classificators"),
        tflite_output_names=("Identity", "Identity_1"),
        value_range=(-1.0, 1.0),
        preprocessing="whole image letterboxed (aspect kept, zero border) to 192x192, RGB",
        outputs_doc=(
            "2304 anchors x 16: box centre dx, dy, w, h then 6 keypoints (x, y), in 192-px input units",
            "2304 anchors x 1: score logit",
        ),
        ship_fp32=False,
        description="BlazeFace full-range face detector (sparse weights densified)",
    ),
    ModelSpec(
        task="face_landmark",
        member=_MP + "face_landmark/face_landmark.tflite",
        input_name="image",
        output_names=("landmarks", "presence_logit"),
        tflite_output_names=("conv2d_21", "conv2d_31"),
        value_range=(0.0, 1.0),
        preprocessing="rotated square ROI (detection box x1.5, eyes horizontal) warped to 192x192, RGB",
        outputs_doc=(
            "468 x (x, y, z) in 192-px crop units",
            "face presence logit",
        ),
        ship_fp32=True,
        description="MediaPipe face mesh, 468 landmarks",
    ),
    ModelSpec(
        task="iris_landmark",
        member=_MP + "iris_landmark/iris_landmark.tflite",
        input_name="image",
        output_names=("eye_contours", "iris"),
        tflite_output_names=("output_eyes_contours_and_brows", "output_iris"),
        value_range=(0.0, 1.0),
        preprocessing="square eye ROI (eye corners x2.3, rotated) warped to 64x64, RGB; left eye mirrored",
        outputs_doc=(
            "71 x (x, y, z) eye contour and brow points in 64-px crop units",
            "5 x (x, y, z) iris centre + 4 boundary points",
        ),
        ship_fp32=False,
        description="MediaPipe iris landmarks",
    ),
    ModelSpec(
        task="selfie_segmentation",
        member=_MP + "selfie_segmentation/selfie_segmentation.tflite",
        input_name="image",
        output_names=("mask",),
        tflite_output_names=("activation_10",),
        value_range=(0.0, 1.0),
        preprocessing="whole image stretched to 256x256, RGB",
        outputs_doc=("256x256x1 person probability",),
        ship_fp32=True,
        description="MediaPipe selfie segmentation (general model)",
    ),
)


def spec_by_task(task: str) -> ModelSpec:
    for s in MODELS:
        if s.task == task:
            return s
    raise KeyError(task)
