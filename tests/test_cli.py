from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from meiyan.cli import main

from .conftest import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "meiyan", *args], capture_output=True, text=True)


def test_info_reports_version_cpu_and_gl():
    out = run_cli("info")
    assert out.returncode == 0, out.stderr
    assert f"meiyan {importlib.metadata.version('meiyan')} " in out.stdout  # pyproject and CMake agree
    assert "CPU features used:" in out.stdout
    assert "OpenGL:" in out.stdout
    assert "film" in out.stdout
    models = next(line for line in out.stdout.splitlines() if line.startswith("native models"))
    for name in ("face_landmark.fp32", "face_landmark_lite.fp32", "iris_landmark.fp32"):
        assert name in models


def test_apply_bundled_sample(tmp_path, sample_bgr):
    dst = tmp_path / "out.png"
    assert main(["apply", "sample", str(dst), "--filter", "film", "--brightness", "0.2", "--quiet"]) == 0
    out = cv2.imread(str(dst))
    assert out.shape == sample_bgr.shape
    assert not np.array_equal(out, sample_bgr)


def test_apply_video_with_progress(tmp_path, sample_bgr):
    src, dst = tmp_path / "in.avi", tmp_path / "out.avi"
    writer = cv2.VideoWriter(str(src), cv2.VideoWriter.fourcc(*"MJPG"), 10, (320, 212))
    for i in range(12):
        writer.write(np.roll(cv2.resize(sample_bgr, (320, 212)), 5 * i, axis=1))
    writer.release()
    out = run_cli("apply", str(src), str(dst), "--filter", "mono")
    assert out.returncode == 0, out.stderr
    assert "12/12" in out.stderr  # the tqdm progress bar
    cap = cv2.VideoCapture(str(dst))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) == 12
    b, g, r = cv2.split(frames[3].astype(int))
    assert np.abs(b - r).mean() < 4  # mono look, up to MJPEG's chroma noise


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apply", "nope.png", "x.png"], "input not found"),
        (["apply", "sample", "x.png", "--filter", "nope"], "unknown filter"),
        (["apply", "sample", "x.png", "--brightness", "4"], "brightness"),
        (["apply", "sample:nope", "x.png"], "unknown sample"),
    ],
)
def test_apply_errors_are_clear(args, message, tmp_path, capsys):
    assert main([a if a != "x.png" else str(tmp_path / a) for a in args]) == 2
    assert message in capsys.readouterr().err


def test_apply_corrupt_image(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert main(["apply", str(bad), str(tmp_path / "o.png")]) == 2
    assert "cannot decode" in capsys.readouterr().err


def test_bench_image_writes_json_and_plot(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # benchmarks/ is found in the source checkout
    js, png = tmp_path / "bench.json", tmp_path / "bench.png"
    assert main(["bench", "image", "--json", str(js), "--plot", str(png), "--width", "320", "--height", "180",
                 "--repeats", "3"]) == 0
    data = json.loads(js.read_text())
    assert data["suite"] == "image" and data["frame"] == {"width": 320, "height": 180}
    names = {r["name"] for r in data["results"]}
    assert {"nv21_to_rgba", "lut3d_film"} <= names
    for r in data["results"]:
        assert r["meiyan_ms"] > 0 and r["opencv_ms"] > 0 and r["ratio_meiyan_over_opencv"] > 0
    assert png.stat().st_size > 1000


def test_apply_debug_faces_draws_the_tracked_faces(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    from model_export.data import load_images

    photo = load_images(("breakingbad",))[0].image
    src, dst = tmp_path / "in.png", tmp_path / "out.png"
    cv2.imwrite(str(src), photo)
    assert main(["apply", str(src), str(dst), "--debug-faces"]) == 0
    assert "2 face(s)" in capsys.readouterr().out
    out = cv2.imread(str(dst))
    changed = np.any(out != photo, axis=2)
    assert 0.001 < changed.mean() < 0.2  # points, axes and labels, not a repaint
