"""`meiyan bench all --quick`: every suite, one JSON, an HTML report whose plots exist, peers as ratios."""

from __future__ import annotations

import json
import math
import re

import pytest

from meiyan.cli import load_benchmark, main

from .conftest import ROOT

pytest.importorskip("onnxruntime")
pytest.importorskip("matplotlib")

SUITES = ["image", "nn", "tracking", "effects", "pipeline"]


def _numbers(tree: object) -> list[float]:
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _numbers(v)]
    if isinstance(tree, (int, float)) and not isinstance(tree, bool):
        return [float(tree)]
    return []


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[dict, object]:
    out = tmp_path_factory.mktemp("bench_all")
    js, report = out / "all.json", out / "report"
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)  # benchmarks/ is found in the source checkout
    try:
        assert main(["bench", "all", "--quick", "--quiet", "--json", str(js), "--report", str(report)]) == 0
    finally:
        mp.undo()
    return json.loads(js.read_text()), report


def test_json_records_machine_versions_and_every_suite(quick_run) -> None:
    r, _ = quick_run
    assert r["suite"] == "all" and r["quick"] is True
    assert re.fullmatch(r"[0-9a-f]{4,40}|unknown", r["commit"])
    assert r["machine"]["cpu_features"] and r["machine"]["cpu_count"] >= 1 and r["machine"]["nn_kernels"]
    assert {"python", "meiyan", "numpy", "opencv", "onnxruntime", "matplotlib"} <= set(r["versions"])
    assert list(r["suites"]) == SUITES and list(r["resources"]) == SUITES
    assert [s["suite"] for s in r["suites"].values()] == SUITES
    for res in r["resources"].values():
        assert res["wall_s"] > 0 and res["cpu_s"] > 0 and res["peak_rss_mb"] > 10 and res["peak_rss_delta_mb"] >= 0


def test_pipeline_reports_stages_fps_and_tiers(quick_run) -> None:
    p = quick_run[0]["suites"]["pipeline"]
    assert set(p["sizes"]) == {"clip", "720p"}
    assert (p["sizes"]["clip"]["width"], p["sizes"]["720p"]["width"]) == (480, 1280)
    for size in p["sizes"].values():
        in_process = {"meiyan", "meiyan_onnx_tracker", "peer"}
        # the mediapipe peer runs where an isolated Python with mediapipe is found (build/mp-venv)
        assert set(size["pipelines"]) == in_process | ({"mediapipe"} if size["pipelines"].keys() - in_process
                                                        else set())
        for name, pipe in size["pipelines"].items():
            assert set(pipe["stages"]) == {"decode", "track", "effects", "output"}
            for st in [*pipe["stages"].values(), pipe["total"]]:
                assert 0 < st["median_ms"] <= st["p95_ms"]
            assert pipe["fps"] > 0 and pipe["cpu_ms_per_frame"] > 0
            c = pipe["counters"]
            assert c["faces_last_frame"] == 1
            if name in in_process:
                assert c["segmentation_runs"] >= 1 and c["mesh_runs"] >= c["frames"] - 1
    t = p["tiers"]
    assert list(t["results"]) == ["lite", "standard", "high"] and t["picked"] in t["results"]
    runs = [t["results"][n]["counters"]["segmentation_runs"] for n in ("lite", "standard", "high")]
    assert runs[0] < runs[1] < runs[2]


def test_peer_ratios_are_positive_numbers(quick_run) -> None:
    r = quick_run[0]
    peers = r["peers"]
    assert {"image_over_opencv", "nn_native_over_onnxruntime", "tracking_native_over_onnx",
            "effects_beauty_over_bilateral", "pipeline"} <= set(peers)
    assert {"meiyan_over_peer_total", "meiyan_over_peer_track", "meiyan_over_peer_effects",
            "native_over_onnx_tracker_track"} <= set(peers["pipeline"]["720p"])
    values = _numbers(peers)
    assert len(values) >= 20 and all(math.isfinite(v) and v > 0 for v in values)
    ratios = [row["ratio"] for row in r["headline"] if "ratio" in row]
    assert len(ratios) >= 6 and all(math.isfinite(v) and v > 0 for v in ratios)


def test_report_references_existing_plots(quick_run) -> None:
    r, report = quick_run
    index = (report / "index.html").read_text()
    images = re.findall(r"<img src='([^']+)'", index)
    assert sorted(images) == sorted(f"{s}.png" for s in SUITES)
    for name in images:
        png = report / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert index.count("<table>") >= 2 + len(SUITES)  # headline, peers, resources and every suite's table
    assert r["commit"] in index and r["machine"]["cpu_features"] in index


def test_unknown_suite_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # benchmarks/ is found in the source checkout
    bench = load_benchmark("bench_all")
    with pytest.raises(ValueError, match="unknown suite"):
        bench.run(suites=("image", "gpu"))
