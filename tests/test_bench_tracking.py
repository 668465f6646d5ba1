"""The tracking evaluation harness on one photo, with the targets it reports asserted."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT

pytest.importorskip("onnxruntime")


def load_bench():
    path = ROOT / "benchmarks" / "bench_tracking.py"
    spec = importlib.util.spec_from_file_location("bench_tracking_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_tracking_bench_on_one_photo(tmp_path):
    bench = load_bench()
    lenna = [p for p in bench._photos() if p.name == "lenna"]
    result = bench.run(progress=False, photos=lenna, peer=False)
    s = result["summary"]
    assert set(s) == {"roll_360", "scale_0.5_2", "translate", "light", "occlusion", "still"}
    assert s["roll_360"]["track_loss_rate"] <= 0.05
    assert s["roll_360"]["worst_nme_ratio_vs_upright"] <= 1.25
    assert s["still"]["jitter_smoothed_px"] <= 0.3 < s["still"]["jitter_raw_px"]
    assert s["still"]["detector_frame_rate"] <= 0.05  # the first frame and one redetect (max_faces 4)
    alone = result["alone"]
    assert 0 < alone["ms_per_frame_median_468"] < alone["ms_per_frame_median_478"]  # the iris costs two runs
    sizes = result["face_sizes"]
    assert all(sizes["found_rate"][str(w)] == 1.0 for w in sizes["widths_px"] if w >= 64)
    assert sizes["found_rate_without_tile_search"]["64"] < 1.0
    assert s["translate"]["track_loss_rate"] <= 0.05
    for seq in s.values():
        assert 0.02 < seq["nme_mean"] < 0.15
    bench.plot(result, tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000


def test_the_mediapipe_peer_on_the_same_frames():
    bench = load_bench()
    python = bench.mediapipe_python()
    if python is None:
        pytest.skip("no isolated Python with mediapipe (build/mp-venv or $MEIYAN_MEDIAPIPE_PYTHON)")
    lenna = [p for p in bench._photos() if p.name == "lenna"]
    peer = bench.mediapipe_peer(lenna, python)
    assert peer["versions"]["mediapipe"] == "0.10.21"
    for name in bench.PEER_SEQUENCES:
        assert peer[name]["landmarks"] == 478  # refine_landmarks: the attention mesh's 478 points
        assert 0.02 < peer[name]["nme_mean"] < 0.15
        assert len(peer[name]["nme_per_frame"]["lenna"]) == len(bench.sequences(lenna[0], names=(name,))[name])
        assert peer[name]["ms_per_frame_median"] > 0
    assert peer["still"]["track_loss_rate"] == 0.0
