"""Every benchmark suite in one run: image, nn, tracking (native and onnxruntime), effects, pipeline.

Writes one JSON (machine, CPU features, commit, versions, each suite's result, its wall and CPU time
and peak RSS, the peers as ratios, a headline table) and an HTML report folder: index.html with the
tables and the PNG plot of every suite.

``quick=True`` runs each suite briefly (the tests); the default settings are the suites' own.
Ratios are meiyan's time over the peer's (below 1: meiyan is faster).
"""

from __future__ import annotations

import datetime
import html
import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import meiyan

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the suites, beside this file
from bench_common import commit, cpu_model  # noqa: E402

SUITES = ("image", "nn", "tracking", "effects", "pipeline")


def _module(name: str) -> Any:
    return importlib.import_module(f"bench_{name}")


def _settings(quick: bool) -> dict[str, Callable[[bool], dict]]:
    """suite -> run(progress) with the quick or the normal settings."""
    image, nn, tracking, effects, pipeline = (_module(s) for s in SUITES)

    def run_tracking(progress: bool) -> dict:
        photos = [p for p in tracking._photos() if p.name == "lenna"] if quick else None
        native = tracking.run(progress=progress, photos=photos, backend="native")
        onnx = tracking.run(progress=progress, photos=photos, backend="onnx", peer=False, sizes=False)
        ratios = {name: s["ms_per_frame_median"] / onnx["summary"][name]["ms_per_frame_median"]
                  for name, s in native["summary"].items()}
        return {**native, "onnx": {"backend": onnx["backend"], "summary": onnx["summary"]},
                "ratio_native_over_onnx_ms_per_frame": ratios}

    return {
        "image": lambda p: image.run(repeats=3 if quick else 30, progress=p),
        "nn": lambda p: nn.run(rounds=5 if quick else 100, warmup=2 if quick else 10, progress=p,
                               threads=1 if quick else None),
        "tracking": run_tracking,
        "effects": lambda p: effects.run(repeats=2 if quick else 30, progress=p),
        "pipeline": lambda p: pipeline.run(frames=12 if quick else 90, progress=p),
    }


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "meiyan": meiyan.__version__, "numpy": np.__version__,
           "opencv": cv2.__version__}
    for name in ("onnxruntime", "matplotlib", "ai_edge_litert"):
        try:
            out[name] = str(getattr(importlib.import_module(name), "__version__", "installed"))
        except ImportError:
            pass
    return out


def _geomean(values: list[float]) -> float:
    return float(np.exp(np.mean(np.log(values))))


def peers(suites: dict[str, dict]) -> dict[str, Any]:
    """The peer comparisons of every suite that ran, as time ratios (meiyan over peer)."""
    out: dict[str, Any] = {}
    if "image" in suites:
        out["image_over_opencv"] = {r["name"]: r["ratio_meiyan_over_opencv"] for r in suites["image"]["results"]}
    if "nn" in suites:
        rows = suites["nn"]["results"]
        out["nn_native_over_onnxruntime"] = {f"{r['task']} {r['precision']}": r["ratio_native_over_ort"] for r in rows}
        out["nn_native_over_onnxruntime_geomean"] = _geomean([r["ratio_native_over_ort"] for r in rows])
        lite = [r["ratio_native_over_litert"] for r in rows if "ratio_native_over_litert" in r]
        if lite:
            out["nn_native_over_litert_geomean"] = _geomean(lite)
    if "tracking" in suites:
        out["tracking_native_over_onnx"] = suites["tracking"]["ratio_native_over_onnx_ms_per_frame"]
        out["tracking_native_over_onnx_median"] = statistics.median(out["tracking_native_over_onnx"].values())
    if "effects" in suites:
        out["effects_beauty_over_bilateral"] = suites["effects"]["ratio_beauty_over_bilateral"]
    if "pipeline" in suites:
        out["pipeline"] = {name: s["ratios"] for name, s in suites["pipeline"]["sizes"].items()}
    return out


def headline(suites: dict[str, dict]) -> list[dict[str, Any]]:
    """The README's rows: what a frame costs here against the peers."""
    rows: list[dict[str, Any]] = []
    if "pipeline" in suites:
        for s in suites["pipeline"]["sizes"].values():
            m, p = s["pipelines"]["meiyan"], s["pipelines"]["peer"]
            size = f"{s['width']}x{s['height']}"
            rows.append({"what": f"full pipeline {size} (track + look + sticker + background blur), ms/frame",
                         "meiyan": m["total"]["median_ms"], "meiyan_p95": m["total"]["p95_ms"],
                         "peer": p["total"]["median_ms"], "peer_name": "onnxruntime + OpenCV",
                         "ratio": s["ratios"]["meiyan_over_peer_total"]})
            if "mediapipe" in s["pipelines"]:
                mp = s["pipelines"]["mediapipe"]
                rows.append({"what": f"full pipeline {size}, against mediapipe {mp['versions']['mediapipe']} "
                             "FaceMesh + SelfieSegmentation + the same OpenCV effects, ms/frame",
                             "meiyan": m["total"]["median_ms"], "meiyan_p95": m["total"]["p95_ms"],
                             "peer": mp["total"]["median_ms"], "peer_name": "mediapipe + OpenCV",
                             "ratio": s["ratios"]["meiyan_over_mediapipe_total"]})
                rows.append({"what": f"face tracking stage {size}, against mediapipe FaceMesh, ms/frame",
                             "meiyan": m["stages"]["track"]["median_ms"], "meiyan_p95": m["stages"]["track"]["p95_ms"],
                             "peer": mp["stages"]["track"]["median_ms"], "peer_name": "mediapipe FaceMesh",
                             "ratio": s["ratios"]["meiyan_over_mediapipe_track"]})
            rows.append({"what": f"face tracking stage {size}, ms/frame", "meiyan": m["stages"]["track"]["median_ms"],
                         "meiyan_p95": m["stages"]["track"]["p95_ms"], "peer": p["stages"]["track"]["median_ms"],
                         "peer_name": "onnx_backend detector + mesh", "ratio": s["ratios"]["meiyan_over_peer_track"]})
        t = suites["pipeline"]["tiers"]
        if t["results"]:
            rows.append({"what": f"tier picked for {t['target_ms']:.1f} ms at 1280x720", "meiyan": t["picked"]})
    if "nn" in suites:
        for r in suites["nn"]["results"]:
            if r["precision"] == "fp32":
                rows.append({"what": f"NN {r['task']} fp32, one thread, ms", "meiyan": r["native"]["median_ms"],
                             "meiyan_p95": r["native"]["p95_ms"], "peer": r["onnxruntime"]["median_ms"],
                             "peer_name": "onnxruntime", "ratio": r["ratio_native_over_ort"]})
    if "tracking" in suites:
        tr = suites["tracking"]
        native = statistics.median(s["ms_per_frame_median"] for s in tr["summary"].values())
        onnx = statistics.median(s["ms_per_frame_median"] for s in tr["onnx"]["summary"].values())
        rows.append({"what": "tracking eval 1280x720 (median over sequences), ms/frame", "meiyan": native,
                     "peer": onnx, "peer_name": "FaceTracker('onnx')", "ratio": native / onnx})
    if "effects" in suites:
        e = suites["effects"]
        beauty = next(r["ms"] for r in e["results"] if r["name"] == "smoothing+whitening+reshape")
        rows.append({"what": "beauty (smoothing+whitening+reshape) 1280x720, ms", "meiyan": beauty,
                     "peer": e["results"][-1]["ms"], "peer_name": "cv2.bilateralFilter d=9",
                     "ratio": e["ratio_beauty_over_bilateral"]})
    return rows


def format_headline(rows: list[dict[str, Any]]) -> str:
    lines = ["| measure | meiyan (median / p95) | peer | peer time | meiyan / peer |", "|---|---|---|---|---|"]
    for r in rows:
        if "peer" not in r:
            lines.append(f"| {r['what']} | {r['meiyan']} | | | |")
            continue
        ours = f"{r['meiyan']:.2f}" + (f" / {r['meiyan_p95']:.2f}" if "meiyan_p95" in r else "")
        lines.append(f"| {r['what']} | {ours} | {r['peer_name']} | {r['peer']:.2f} | {r['ratio']:.2f} |")
    return "\n".join(lines)


def run(quick: bool = False, suites: tuple[str, ...] = SUITES, progress: bool = True,
        log: Callable[[str], None] | None = None) -> dict:
    unknown = set(suites) - set(SUITES)
    if unknown:
        raise ValueError(f"unknown suite(s) {', '.join(sorted(unknown))}; available: {', '.join(SUITES)}")
    pipeline = _module("pipeline")
    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    settings = _settings(quick)
    results: dict[str, dict] = {}
    resources: dict[str, dict[str, float]] = {}
    for i, name in enumerate(suites, 1):
        say(f"[{i}/{len(suites)}] bench {name}{' (quick)' if quick else ''} ...")
        rss0, c0, t0 = pipeline.peak_rss_mb(), time.process_time(), time.perf_counter()
        results[name] = settings[name](progress)
        wall, cpu, rss = time.perf_counter() - t0, time.process_time() - c0, pipeline.peak_rss_mb()
        resources[name] = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss, "peak_rss_delta_mb": rss - rss0}
        say(f"[{i}/{len(suites)}] bench {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MiB")
    return {
        "suite": "all",
        "quick": quick,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"platform": platform.platform(), "cpu": cpu_model(), "cpu_count": os.cpu_count(),
                    "cpu_features": meiyan.cpu_features(), "simd_active": meiyan.simd_active(),
                    "nn_kernels": meiyan._core.nn_active_kernels()},
        "versions": _versions(),
        "resources": resources,
        "peers": peers(results),
        "headline": headline(results),
        "suites": results,
    }


def format_table(result: dict) -> str:
    parts = [f"meiyan {result['versions']['meiyan']} at {result['commit']} on {result['machine']['cpu']} "
             f"({result['machine']['cpu_count']} CPUs, {result['machine']['cpu_features']})", "",
             format_headline(result["headline"]), "",
             "| suite | wall s | CPU s | peak RSS MiB (+ this suite) |", "|---|---|---|---|"]
    for name, r in result["resources"].items():
        parts.append(f"| {name} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_mb']:.0f} "
                     f"(+{r['peak_rss_delta_mb']:.0f}) |")
    return "\n".join(parts)


def format_peers(p: dict[str, Any]) -> str:
    """Every peer ratio, flattened: comparison | case | ratio."""
    lines = ["| comparison | case | meiyan / peer |", "|---|---|---|"]
    for key, value in p.items():
        if isinstance(value, dict):
            for case, v in value.items():
                if isinstance(v, dict):
                    lines.extend(f"| {key} {case} | {k} | {x:.3f} |" for k, x in v.items())
                else:
                    lines.append(f"| {key} | {case} | {v:.3f} |")
        else:
            lines.append(f"| {key} | | {value:.3f} |")
    return "\n".join(lines)


def _md_to_html(text: str) -> str:
    """Markdown pipe tables as HTML tables, other lines as paragraphs (all escaped)."""
    out: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            head, *body = table
            out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>")
            out.extend("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body)
            out.append("</table>")
            table.clear()

    for line in text.splitlines():
        s = line.strip()
        if s.startswith("|"):
            cells = [c.strip() for c in s.strip("|").split("|")]
            if not all(set(c) <= {"-", ":"} and c for c in cells):  # not the separator row
                table.append(cells)
            continue
        flush()
        if s:
            out.append(f"<p>{html.escape(s)}</p>")
    flush()
    return "\n".join(out)


CSS = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
       "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px}"
       "th{background:#f3f3f3}img{max-width:100%;border:1px solid #ddd}")


def write_report(result: dict, folder: Path) -> Path:
    """index.html and one PNG per suite in ``folder``; returns the index path."""
    folder.mkdir(parents=True, exist_ok=True)
    m = result["machine"]
    body = [f"<h1>meiyan benchmarks{' (quick run)' if result['quick'] else ''}</h1>",
            f"<p>{html.escape(result['date'])}, commit {html.escape(result['commit'])}; "
            f"{html.escape(m['cpu'])}, {m['cpu_count']} CPUs, features {html.escape(m['cpu_features'])}, "
            f"NN kernels {html.escape(str(m['nn_kernels']))}; {html.escape(m['platform'])}</p>",
            "<p>Versions: " + html.escape(", ".join(f"{k} {v}" for k, v in result["versions"].items())) + "</p>",
            "<h2>Headline (ratios: meiyan time / peer time)</h2>", _md_to_html(format_headline(result["headline"])),
            "<h2>Peers (time ratios, meiyan / peer)</h2>", _md_to_html(format_peers(result["peers"])),
            "<h2>Resources per suite</h2>", _md_to_html(format_table(result).split("\n\n", 2)[-1])]
    for name, res in result["suites"].items():
        module = _module(name)
        png = f"{name}.png"
        module.plot(res, folder / png)
        body += [f"<h2 id='{name}'>{name}</h2>", f"<img src='{png}' alt='{name} plot'>",
                 _md_to_html(module.format_table(res))]
    index = folder / "index.html"
    index.write_text("<!doctype html>\n<html><head><meta charset='utf-8'><title>meiyan benchmarks</title>"
                     f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
    return index
