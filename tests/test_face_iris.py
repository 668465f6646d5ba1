"""Iris landmarks in the native face tracker (478 points: the mesh's 468 + 10 iris points)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

import meiyan  # noqa: E402
from meiyan.nn import NativeModel  # noqa: E402
from meiyan.onnx_backend import IrisLandmarker, eye_roi  # noqa: E402

from .conftest import ROOT  # noqa: E402

# MediaPipe's eye outlines in the 468-point mesh (FACEMESH_RIGHT_EYE / FACEMESH_LEFT_EYE, in order round the eye)
RIGHT_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
LEFT_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]
NAMES = ("lenna", "takeo", "breakingbad")


@pytest.fixture(scope="module")
def photos():
    from model_export.data import load_images

    return {p.name: p.image for p in load_images(NAMES)}


def reference_iris(landmarker: IrisLandmarker, img: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """The Python pipeline (eye ROI from the mesh, left eye mirrored) on `mesh`: right eye's 5 then the left's."""
    eyes = [landmarker.from_roi(img, eye_roi(mesh, eye), eye) for eye in ("right", "left")]
    return np.concatenate([e.iris for e in eyes]).astype(np.float64)


def eye_width(mesh: np.ndarray) -> float:
    return float(np.hypot(*(mesh[33, :2] - mesh[133, :2])) + np.hypot(*(mesh[362, :2] - mesh[263, :2]))) / 2


def test_native_iris_matches_the_python_reference(photos):
    """The tracker's crops, mirroring and mapping back equal onnx_backend's on its own raw mesh: with the same
    network (the shipped .mynn run from Python) to a hundredth of a pixel, and with onnxruntime on the shipped
    int8 ONNX file within that file's quantisation error."""
    same_net = IrisLandmarker(runner=NativeModel(ROOT / "models" / "iris_landmark.fp32.mynn", "iris_landmark"))
    onnx_int8 = IrisLandmarker(precision="int8")
    for name in NAMES:
        img = photos[name]
        tracker = meiyan.FaceTracker(smoothing=False, precision="fp32", iris=True)
        assert tracker.has_iris
        faces = tracker.track(img, timestamp=0.0)
        assert faces, name
        for f in faces:
            assert f.iris is not None and f.raw_iris is not None
            assert f.iris.shape == (10, 3) and f.iris.dtype == np.float32
            assert np.array_equal(f.iris, f.raw_iris)  # smoothing off
            expected = reference_iris(same_net, img, f.raw_landmarks)
            assert np.abs(f.raw_iris - expected).max() < 0.01, name
            # onnxruntime, int8 weights and activations: within 1.6 of the 64 crop pixels
            ort = reference_iris(onnx_int8, img, f.raw_landmarks)
            crop_px = eye_roi(f.raw_landmarks, "right").width / 64
            assert np.abs(f.raw_iris[:, :2] - ort[:, :2]).max() < 1.6 * crop_px, name
        st = tracker.stats
        assert st["iris_runs"] == 2 * len(faces) and st["iris_seconds"] > 0


def test_iris_centre_inside_the_eye(photos):
    """Each eye's iris centre lies inside that eye's outline in the mesh (a swapped or unmirrored eye would
    not), and the four boundary points surround it at about one radius."""
    tracker = meiyan.FaceTracker(precision="fp32", iris=True)
    for name in NAMES:
        tracker.reset()
        for f in tracker.track(photos[name], timestamp=0.0):
            assert f.iris is not None
            for k, outline in ((0, RIGHT_EYE), (5, LEFT_EYE)):
                contour = f.landmarks[outline, :2].astype(np.float32)
                centre = f.iris[k, :2]
                assert cv2.pointPolygonTest(contour, (float(centre[0]), float(centre[1])), False) > 0, (name, k)
                ring = f.iris[k + 1 : k + 5, :2]
                radii = np.hypot(*(ring - centre).T)
                assert radii.min() > 0.5 * radii.max() > 0, (name, k)
                assert np.hypot(*(ring.mean(0) - centre)) < 0.25 * radii.mean(), (name, k)
                # an iris is about 40 % of its eye's corner-to-corner width across (25-50 % on these faces,
                # turned ones included)
                corners = f.landmarks[outline[0], :2] - f.landmarks[outline[8], :2]
                assert 0.2 < 2 * radii.mean() / np.hypot(*corners) < 0.7, (name, k)


def test_landmarks478(photos):
    f = meiyan.FaceTracker(iris=True).track(photos["takeo"], timestamp=0.0)[0]
    pts = f.landmarks478
    assert pts is not None and pts.shape == (478, 3)
    assert np.array_equal(pts[:468], f.landmarks) and np.array_equal(pts[468:], f.iris)


def test_iris_off_changes_nothing_else(photos):
    """iris=False: no iris points and no iris runs, and landmarks, pose and expressions bit-identical to a
    tracker that runs the iris (smoothing on, a moving face over several frames)."""
    img = photos["breakingbad"]
    on, off = meiyan.FaceTracker(iris=True), meiyan.FaceTracker(iris=False)
    assert on.has_iris and not off.has_iris and not meiyan.FaceTracker().has_iris  # off by default
    for i in range(4):
        frame = np.roll(img, 3 * i, axis=1)
        a, b = on.track(frame, timestamp=i / 30), off.track(frame, timestamp=i / 30)
        assert len(a) == len(b) == 2
        for fa, fb in zip(a, b, strict=True):
            assert np.array_equal(fa.landmarks, fb.landmarks) and np.array_equal(fa.raw_landmarks, fb.raw_landmarks)
            assert np.array_equal(fa.pose.rotation, fb.pose.rotation) and fa.expressions == fb.expressions
            assert fa.iris is not None and fb.iris is None and fb.raw_iris is None and fb.landmarks478 is None
    assert off.stats["iris_runs"] == 0 and on.stats["iris_runs"] == 2 * 2 * 4
    # switching it on later through the options starts the points from that frame
    opts = off._native.options
    opts.iris = True
    off._native.options = opts
    assert off.has_iris
    f = off.track(img, timestamp=5 / 30)[0]
    assert f.iris is not None and np.array_equal(f.iris, f.raw_iris)  # the filters restart on the first sample


def test_iris_is_smoothed_like_the_landmarks(photos):
    """One Euro on the iris points: a still face's first frame passes through, a jump is followed partly."""
    img = photos["takeo"]
    tracker = meiyan.FaceTracker(iris=True)
    f0 = tracker.track(img, timestamp=0.0)[0]
    assert f0.iris is not None and np.array_equal(f0.iris, f0.raw_iris)
    f1 = tracker.track(np.roll(img, 6, axis=1), timestamp=1 / 30)[0]
    assert f1.iris is not None and f1.raw_iris is not None
    moved_raw = f1.raw_iris[:, 0] - f0.iris[:, 0]
    moved = f1.iris[:, 0] - f0.iris[:, 0]
    assert np.all(moved_raw > 3)
    assert np.all((moved > 0) & (moved < moved_raw))  # behind the measurement, as the mesh points are
    lm_lag = (f1.raw_landmarks[:, 0] - f1.landmarks[:, 0]).mean()
    assert abs((f1.raw_iris[:, 0] - f1.iris[:, 0]).mean() - lm_lag) < 0.5 * abs(lm_lag) + 0.2


def test_onnx_backend_runs_the_iris_too(photos):
    img = photos["lenna"]
    native = meiyan.FaceTracker("native", smoothing=False, iris=True).track(img, timestamp=0.0)
    onnx = meiyan.FaceTracker("onnx", smoothing=False, iris=True).track(img, timestamp=0.0)
    assert len(native) == len(onnx) == 1
    a, b = native[0].iris, onnx[0].iris
    assert a is not None and b is not None  # the onnx backend: the int8 ONNX file (the one shipped)
    assert np.abs(a[:, :2] - b[:, :2]).max() < 1.6 * eye_roi(native[0].raw_landmarks, "right").width / 64
