"""Quality tiers: picking from measured frame times, the knobs reaching the engine and the tracker, and
lite doing less work than high on the same frames (work counters, not wall-clock time)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import tiers
from meiyan.cli import main
from meiyan.demo import TimedTracker

from .conftest import ROOT

CLIP = ROOT / "bindings" / "meiyan" / "data" / "samples" / "demo_clip.mp4"


@pytest.fixture(scope="module")
def frames_720p() -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(CLIP))
    out = []
    while len(out) < 8:
        ok, frame = cap.read()
        assert ok, "the bundled clip has fewer than 8 frames"
        out.append(cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_LINEAR))
    cap.release()
    return out


def test_pick_tier_takes_the_best_tier_that_holds_the_target() -> None:
    measured = {"lite": 10.0, "standard": 20.0, "high": 40.0}
    assert tiers.pick_tier(measured, 50.0).name == "high"
    assert tiers.pick_tier(measured, 40.0).name == "high"
    assert tiers.pick_tier(measured, 33.3).name == "standard"
    assert tiers.pick_tier(measured, 15.0).name == "lite"
    assert tiers.pick_tier(measured, 5.0).name == "lite"  # the floor, even when it misses the target
    assert tiers.pick_tier({"high": 12.0}, 33.3).name == "high"
    assert tiers.pick_tier({"standard": 50.0}, 33.3).name == "lite"


@pytest.mark.parametrize("measured, target, match", [
    ({"lite": 10.0}, 0.0, "target_ms"),
    ({"lite": 10.0}, float("nan"), "target_ms"),
    ({"ultra": 10.0}, 33.0, "unknown tier"),
    ({"lite": -1.0}, 33.0, "lite"),
    ({"high": float("inf")}, 33.0, "high"),
])
def test_pick_tier_rejects_bad_measurements(measured: dict, target: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tiers.pick_tier(measured, target)


def test_tier_lookup_and_validation() -> None:
    assert [tiers.get_tier(n).name for n in tiers.TIER_NAMES] == ["lite", "standard", "high"]
    with pytest.raises(ValueError, match="unknown quality tier 'ultra'"):
        tiers.get_tier("ultra")
    with pytest.raises(ValueError, match="segmentation_interval"):
        tiers.TIERS["lite"].replace(segmentation_interval=0)
    with pytest.raises(ValueError, match="max_side"):
        tiers.TIERS["lite"].replace(max_side=10)
    with pytest.raises(TypeError, match="unknown tier field"):
        tiers.TIERS["lite"].replace(radius=3)
    # cheaper tiers never ask for more work than dearer ones
    lite, std, high = (tiers.TIERS[n] for n in tiers.TIER_NAMES)
    assert lite.segmentation_interval >= std.segmentation_interval >= high.segmentation_interval
    assert lite.max_faces <= std.max_faces <= high.max_faces


def test_fit_size_and_frame() -> None:
    assert tiers.fit_size(1280, 720, tiers.TIERS["lite"]) == (640, 360)
    assert tiers.fit_size(1280, 720, tiers.TIERS["standard"]) == (1280, 720)
    assert tiers.fit_size(1920, 1080, tiers.TIERS["standard"]) == (1280, 720)
    assert tiers.fit_size(1920, 1080, tiers.TIERS["high"]) == (1920, 1080)
    assert tiers.fit_size(1280, 720, tiers.TIERS["high"]) == (1280, 720)
    assert tiers.fit_size(480, 360, tiers.TIERS["lite"]) == (480, 360)  # already fits
    assert tiers.fit_size(720, 1280, tiers.TIERS["lite"]) == (360, 640)  # portrait
    frame = np.full((720, 1280, 3), 77, np.uint8)
    small = tiers.fit_frame(frame, tiers.TIERS["lite"])
    assert small.shape == (360, 640, 3) and int(small[100, 100, 0]) == 77
    assert tiers.fit_frame(frame, tiers.TIERS["high"]) is frame
    with pytest.raises(ValueError, match="frame size"):
        tiers.fit_size(0, 10, tiers.TIERS["lite"])


def _engine() -> tuple[meiyan.Engine, meiyan.FaceTracker]:
    tracker = meiyan.FaceTracker(threads=1)
    engine = meiyan.Engine("cpu", tracker=tracker)
    engine.set_preset("natural")  # its beauty has sharpen > 0
    engine.set_background(mode="blur", strength=0.6)
    return engine, tracker


@pytest.mark.parametrize("name", tiers.TIER_NAMES)
def test_forced_tier_reaches_engine_and_tracker(name: str) -> None:
    engine, tracker = _engine()
    assert engine.beauty.sharpen > 0
    tier = tiers.apply_tier(engine, tracker, name)
    assert tier is tiers.TIERS[name]
    opts = tracker._native.options
    assert (opts.max_faces, opts.redetect_interval, opts.rotation_sweep, opts.threads) == (
        tier.max_faces, tier.redetect_interval, tier.rotation_sweep, tier.tracker_threads)
    seg = engine.segmentation_stats
    assert seg["interval"] == tier.segmentation_interval and seg["refine"] == tier.segmentation_refine
    assert (engine.beauty.sharpen > 0) == tier.sharpen


def test_apply_tier_through_a_wrapped_tracker() -> None:
    tracker = TimedTracker(meiyan.FaceTracker(threads=1))
    engine = meiyan.Engine("cpu", tracker=tracker)
    tiers.apply_tier(engine, None, "lite")  # the engine's tracker, through the wrapper
    assert tracker._inner._native.options.max_faces == 1
    with pytest.raises(TypeError, match="FaceTracker"):
        tiers.apply_tier(None, object(), "lite")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Tier"):
        tiers.apply_tier(engine, None, 3)  # type: ignore[arg-type]


def test_lite_does_less_work_than_high_on_the_same_frames(frames_720p: list[np.ndarray]) -> None:
    work = {}
    for name in ("lite", "high"):
        engine, tracker = _engine()
        tier = tiers.apply_tier(engine, tracker, name)
        pixels = 0
        for i, frame in enumerate(frames_720p):
            small = tiers.fit_frame(frame, tier)
            out = engine.process(small, timestamp=i / 30)
            assert out.shape == small.shape
            pixels += small.shape[0] * small.shape[1]
        assert len(engine.faces) == 1  # both track the face
        work[name] = {"pixels": pixels, "segmentation_runs": engine.segmentation_stats["network_runs"],
                      "detector_runs": tracker.stats["detector_runs"], "frames": tracker.stats["frames"]}
    lite, high = work["lite"], work["high"]
    assert lite["frames"] == high["frames"] == len(frames_720p)
    assert lite["segmentation_runs"] == 2 and high["segmentation_runs"] == 8  # every 4th frame against every one
    assert lite["pixels"] * 4 == high["pixels"]  # 640x360 against 1280x720
    assert lite["detector_runs"] <= high["detector_runs"]


def test_bench_pipeline_cli_with_a_forced_tier(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    js, png = tmp_path / "p.json", tmp_path / "p.png"
    assert main(["bench", "pipeline", "--frames", "5", "--tier", "lite", "--quiet", "--json", str(js),
                 "--plot", str(png)]) == 0
    r = json.loads(js.read_text())
    t = r["tiers"]
    assert t["picked"] == "lite" and list(t["results"]) == ["lite"]
    lite = t["results"]["lite"]
    assert lite["processed_size"] == [640, 360] and lite["knobs"]["segmentation_interval"] == 4
    assert lite["counters"]["segmentation_runs"] == 2  # frames 1 and 5 of 5
    assert png.stat().st_size > 1000
    assert main(["bench", "pipeline", "--frames", "0", "--quiet"]) == 2  # a clear error, not a crash


def test_lite_tier_tracks_with_the_shipped_lite_mesh(tmp_path) -> None:
    """The lite tier's tracker runs the trained lite mesh (models/face_landmark_lite.*.mynn) and finds the
    face where the full mesh does; without the lite file it falls back to the full mesh."""
    assert tiers.TIERS["lite"].mesh == "lite" and tiers.TIERS["standard"].mesh == "full"
    assert tiers.lite_mesh_available(), "models/ ships face_landmark_lite.*.mynn (model_export train lite-mesh --ship)"
    photo = cv2.imread(str(ROOT / "bindings" / "meiyan" / "data" / "samples" / "portrait.png"))
    full = meiyan.FaceTracker(threads=1).track(photo, timestamp=0.0)
    lite_tracker = tiers.tracker_for("lite")
    assert lite_tracker.mesh == "lite" and lite_tracker._native.options.max_faces == 1
    lite = lite_tracker.track(photo, timestamp=0.0)
    assert len(full) == len(lite) == 1
    a, b = full[0].landmarks[:, :2], lite[0].landmarks[:, :2]
    iod = float(np.linalg.norm(a[33] - a[263]))
    err = float(np.linalg.norm(a - b, axis=1).mean() / iod)
    print(f"lite vs full mesh on the portrait: NME {err:.4f}")
    assert err < 0.08
    # a models folder without the lite file: the full mesh
    for f in (ROOT / "models").glob("*.mynn"):
        if not f.name.startswith("face_landmark_lite"):
            (tmp_path / f.name).symlink_to(f)
    assert not tiers.lite_mesh_available(tmp_path)
    assert tiers.tracker_for("lite", models_dir=tmp_path).mesh == "full"
    with pytest.raises(FileNotFoundError, match="face_landmark_lite"):
        meiyan.FaceTracker(models_dir=tmp_path, mesh="lite")
    with pytest.raises(ValueError, match="mesh"):
        tiers.TIERS["lite"].replace(mesh="tiny")
    with pytest.raises(ValueError, match="native"):
        meiyan.FaceTracker("onnx", mesh="lite")
