"""Full-pipeline benchmark: decode -> track -> effects -> output on the bundled demo clip, per stage,
beside the pipeline a Python user would assemble without meiyan, on the same frames in the same run.

Frames: the bundled ``demo_clip.mp4`` (480x360, a real portrait with camera motion) at its own size
and upscaled to 1280x720. Stages, per frame:

* decode: ``cv2.VideoCapture.read`` (+ the upscale), timed once while the frames are read;
* track: the face tracker;
* effects: everything else ``Engine.process`` does: person segmentation, the look (the 'natural'
  preset: beauty, reshape, makeup, its filter), the 'sunglasses' effect package, background blur;
* output: ``cv2.VideoWriter.write`` (mp4v) into a temporary file.

Pipelines, interleaved frame by frame so that all see the same machine load:

* ``meiyan``: meiyan.Engine on the CPU renderer with meiyan.FaceTracker (native engine, one thread);
* ``meiyan_onnx_tracker``: the same with FaceTracker("onnx") -- onnxruntime runs the same models;
* ``peer``: no meiyan engine: meiyan.onnx_backend (onnxruntime, one thread) face detector + 468-point
  mesh (ROI from the last frame's landmarks, as MediaPipe's FaceMesh tracks; the detector again when
  the face is lost) and selfie segmentation on every frame, then OpenCV: cv2.bilateralFilter (d=9)
  on the face box blended through the face-oval polygon, an alpha-blended lipstick drawn with
  cv2.fillPoly on the lip landmarks, and a Gaussian background blur through the person mask.
  It does less than meiyan's pipeline (no reshape, no sticker, no filter, no whitening/blush).

Quality tiers (meiyan.tiers) are timed on the 1280x720 frames too, and the tier that holds the target
frame time is picked from their p95.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

import meiyan
from meiyan import onnx_backend, tiers
from meiyan.demo import TimedTracker

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_common, beside this file
import peer_effects  # noqa: E402
from bench_common import commit, mediapipe_python, pyplot, save_figure  # noqa: E402

CLIP = Path(meiyan.__file__).parent / "data" / "samples" / "demo_clip.mp4"
SIZES: dict[str, tuple[int, int] | None] = {"clip": None, "720p": (1280, 720)}
STAGES = ("decode", "track", "effects", "output")
PRESET, EFFECT = "natural", "sunglasses"
BLUR = peer_effects.BLUR
WARMUP = 3  # first frames of every pipeline left out of the statistics (first-touch allocation, caches)

def peak_rss_mb() -> float:
    """The process's peak resident set size so far, MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def read_clip(size: tuple[int, int] | None, max_frames: int) -> tuple[list[np.ndarray], list[float], float]:
    """The clip's BGR frames (resized to ``size``), the decode seconds of each, and the clip's fps."""
    cap = cv2.VideoCapture(str(CLIP))
    if not cap.isOpened():
        raise FileNotFoundError(f"cannot open the bundled clip {CLIP}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames: list[np.ndarray] = []
    seconds: list[float] = []
    try:
        while len(frames) < max_frames:
            t0 = time.perf_counter()
            ok, frame = cap.read()
            if not ok:
                break
            if size is not None:
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
            seconds.append(time.perf_counter() - t0)
            frames.append(frame)
    finally:
        cap.release()
    if not frames:
        raise ValueError(f"no frames in {CLIP}")
    return frames, seconds, fps


class _Writer:
    """The output stage: frames into an mp4v file."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps = path, fps
        self.writer: cv2.VideoWriter | None = None

    def write(self, frame: np.ndarray) -> None:
        if self.writer is None:
            self.writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter.fourcc(*"mp4v"), self.fps,
                                          (frame.shape[1], frame.shape[0]))
        self.writer.write(frame)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()


class MeiyanPipeline:
    """meiyan.Engine (CPU renderer) with a tracker; the tracker's share of ``process`` timed apart."""

    def __init__(self, backend: str = "native", tier: tiers.Tier | None = None) -> None:
        if tier is not None and backend == "native":
            self.tracker = tiers.tracker_for(tier)  # the tier's mesh network (lite: the trained lite mesh)
        else:
            self.tracker = meiyan.FaceTracker(backend, threads=1)  # type: ignore[arg-type]
        self.timed = TimedTracker(self.tracker)  # the engine calls track() inside process()
        self.engine = meiyan.Engine("cpu", tracker=self.timed)
        self.engine.set_preset(PRESET)
        self.engine.set_effect(EFFECT, apply_look=False)
        self.engine.set_background(mode="blur", strength=BLUR)
        self.tier = tier
        if tier is not None:
            tiers.apply_tier(self.engine, self.tracker, tier)

    def process(self, frame: np.ndarray, t: float) -> tuple[np.ndarray, float, float]:
        """(output frame, track seconds, effects seconds)."""
        self.timed.last_seconds = 0.0
        t0 = time.perf_counter()
        if self.tier is not None:  # the downscale counts as effects work
            frame = tiers.fit_frame(frame, self.tier)
        out = self.engine.process(frame, timestamp=t)
        total = time.perf_counter() - t0
        return out, self.timed.last_seconds, total - self.timed.last_seconds

    def counters(self) -> dict[str, float]:
        st, seg = self.tracker.stats, self.engine.segmentation_stats
        return {"frames": st["frames"], "detector_runs": st["detector_runs"], "mesh_runs": st["mesh_runs"],
                "segmentation_runs": seg.get("network_runs", 0), "faces_last_frame": len(self.engine.faces)}


class PeerPipeline:
    """What a Python user assembles without meiyan's engine: onnxruntime models + OpenCV effects."""

    def __init__(self) -> None:
        self.landmarker = onnx_backend.FaceLandmarker(num_threads=1)
        self.detector = self.landmarker.detector
        self.segmenter = onnx_backend.SelfieSegmenter(num_threads=1)
        self.points: np.ndarray | None = None
        self.detector_runs = 0
        self.frames = 0

    def _roi(self, pts: np.ndarray) -> onnx_backend.RotatedRect:
        """The next frame's ROI from this frame's mesh: its box, squared and scaled 1.5x, eyes level."""
        (x0, y0), (x1, y1) = pts[33, :2], pts[263, :2]
        rotation = math.atan2(float(y1 - y0), float(x1 - x0))
        lo, hi = pts[:, :2].min(0), pts[:, :2].max(0)
        side = float(max(hi - lo)) * 1.5
        return onnx_backend.RotatedRect(float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2, side, side, rotation)

    def track(self, frame: np.ndarray) -> np.ndarray | None:
        self.frames += 1
        if self.points is not None:
            mesh = self.landmarker.from_roi(frame, self._roi(self.points))
            if mesh.presence >= 0.5:
                self.points = mesh.points
                return self.points
        self.detector_runs += 1
        dets = self.detector.detect(frame)
        self.points = self.landmarker.from_detection(frame, dets[0]).points if dets else None
        return self.points

    def effects(self, frame: np.ndarray, pts: np.ndarray | None) -> np.ndarray:
        h, w = frame.shape[:2]
        person = cv2.resize(self.segmenter.raw(frame), (w, h), interpolation=cv2.INTER_LINEAR)
        return peer_effects.apply(frame, person, pts)

    def process(self, frame: np.ndarray, t: float) -> tuple[np.ndarray, float, float]:
        t0 = time.perf_counter()
        pts = self.track(frame)
        t1 = time.perf_counter()
        out = self.effects(frame, pts)
        return out, t1 - t0, time.perf_counter() - t1

    def counters(self) -> dict[str, float]:
        return {"frames": self.frames, "detector_runs": self.detector_runs, "mesh_runs": self.frames,
                "segmentation_runs": self.frames, "faces_last_frame": int(self.points is not None)}


def _stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms, np.float64)
    return {"median_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95))}


def run_mediapipe(python: Path, size: tuple[int, int] | None, frames: int) -> dict:
    """The mediapipe peer on the clip in its own process (after the in-process pipelines, not interleaved)."""
    cmd = [str(python), str(Path(__file__).resolve().parent / "peer_mediapipe.py"), str(CLIP), "--frames", str(frames)]
    if size is not None:
        cmd += ["--size", f"{size[0]}x{size[1]}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"the mediapipe peer failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    st = data["stages_ms"]
    keep = slice(WARMUP if len(st["track"]) > WARMUP else 0, None)  # as the in-process pipelines
    per = {k: v[keep] for k, v in st.items()}
    per["total"] = [sum(x) for x in zip(*(per[k] for k in STAGES), strict=True)]
    total = _stats(per["total"])
    return {"stages": {k: _stats(per[k]) for k in STAGES}, "total": total, "fps": 1e3 / total["median_ms"],
            "cpu_ms_per_frame": float(np.mean(per["cpu"])), "frames_timed": len(per["total"]),
            "counters": {"frames": len(st["track"]), "faces_last_frame": data["faces_last_frame"]},
            "versions": {k: data[k] for k in ("mediapipe", "numpy", "opencv")}}


def _run_pipelines(pipes: dict[str, Any], frames: list[np.ndarray], decode_s: list[float], fps: float,
                   tmp: Path, label: str, bar: Any) -> dict[str, dict]:
    writers = {k: _Writer(tmp / f"{label}_{k}.mp4", fps) for k in pipes}
    per: dict[str, dict[str, list[float]]] = {k: {s: [] for s in (*STAGES, "total", "cpu")} for k in pipes}
    try:
        for i, frame in enumerate(frames):
            for k, pipe in pipes.items():
                c0 = time.process_time()
                out, track_s, effects_s = pipe.process(frame, i / fps)
                t0 = time.perf_counter()
                writers[k].write(out)
                output_s = time.perf_counter() - t0
                cpu_s = time.process_time() - c0
                if i < WARMUP and len(frames) > WARMUP:
                    continue
                stages = {"decode": decode_s[i], "track": track_s, "effects": effects_s, "output": output_s}
                for s, v in stages.items():
                    per[k][s].append(v * 1e3)
                per[k]["total"].append(sum(stages.values()) * 1e3)
                per[k]["cpu"].append((cpu_s + decode_s[i]) * 1e3)  # decode ran on this thread, once for all
            bar.update(1)
    finally:
        for w in writers.values():
            w.close()
    result: dict[str, dict] = {}
    for k, d in per.items():
        total = _stats(d["total"])
        result[k] = {"stages": {s: _stats(d[s]) for s in STAGES}, "total": total, "fps": 1e3 / total["median_ms"],
                  "cpu_ms_per_frame": float(np.mean(d["cpu"])), "frames_timed": len(d["total"]),
                  "counters": pipes[k].counters()}
    return result


def run(frames: int = 90, progress: bool = True, tier: str | None = "auto",
        target_ms: float = tiers.DEFAULT_TARGET_MS, mediapipe: bool = True) -> dict:
    """``frames``: clip frames per size (at most the clip's 90); ``tier``: "auto" times every tier at 1280x720
    and picks the one holding ``target_ms``, a tier name times that one, None leaves tiers out; ``mediapipe``:
    the mediapipe peer too where an isolated Python with mediapipe is found (:func:`mediapipe_python`)."""
    if not 1 <= frames <= 10_000:
        raise ValueError(f"frames must be in 1..10000, got {frames}")
    if tier is not None and tier != "auto":
        tiers.get_tier(tier)
    cv2.setNumThreads(1)
    rss0 = peak_rss_mb()
    results: dict[str, Any] = {}
    tier_results: dict[str, Any] = {}
    tier_names = list(tiers.TIER_NAMES) if tier == "auto" else ([tier] if tier else [])
    mp_python = mediapipe_python() if mediapipe else None
    with tempfile.TemporaryDirectory() as tmp:
        clips = {name: read_clip(size, frames) for name, size in SIZES.items()}
        n = sum(len(c[0]) for c in clips.values()) + len(clips["720p"][0]) * len(tier_names)
        bar = tqdm(total=n, desc="bench pipeline", unit="frame", disable=not progress)
        for name, (fr, dec, fps) in clips.items():
            pipes: dict[str, Any] = {"meiyan": MeiyanPipeline("native"), "meiyan_onnx_tracker": MeiyanPipeline("onnx"),
                                     "peer": PeerPipeline()}
            res = _run_pipelines(pipes, fr, dec, fps, Path(tmp), name, bar)
            if mp_python is not None:
                res["mediapipe"] = run_mediapipe(mp_python, SIZES[name], len(fr))
            m, o, p = res["meiyan"], res["meiyan_onnx_tracker"], res["peer"]
            results[name] = {
                "width": fr[0].shape[1], "height": fr[0].shape[0], "frames": len(fr), "pipelines": res,
                "ratios": {
                    "meiyan_over_peer_total": m["total"]["median_ms"] / p["total"]["median_ms"],
                    "meiyan_over_peer_track": m["stages"]["track"]["median_ms"] / p["stages"]["track"]["median_ms"],
                    "meiyan_over_peer_effects": (m["stages"]["effects"]["median_ms"]
                                                 / p["stages"]["effects"]["median_ms"]),
                    "native_over_onnx_tracker_track": (m["stages"]["track"]["median_ms"]
                                                       / o["stages"]["track"]["median_ms"]),
                },
            }
            if "mediapipe" in res:
                mp = res["mediapipe"]
                results[name]["ratios"].update({
                    "meiyan_over_mediapipe_total": m["total"]["median_ms"] / mp["total"]["median_ms"],
                    "meiyan_over_mediapipe_track": (m["stages"]["track"]["median_ms"]
                                                    / mp["stages"]["track"]["median_ms"]),
                })
        if tier_names:
            fr, dec, fps = clips["720p"]
            pipes = {t: MeiyanPipeline("native", tiers.get_tier(t)) for t in tier_names}
            res = _run_pipelines(pipes, fr, dec, fps, Path(tmp), "tiers", bar)
            for t, r in res.items():
                tr = tiers.get_tier(t)
                r["processed_size"] = list(tiers.fit_size(fr[0].shape[1], fr[0].shape[0], tr))
                r["knobs"] = {f: getattr(tr, f) for f in tr.__dataclass_fields__ if f != "name"}
                tier_results[t] = r
        bar.close()
    picked = (tiers.pick_tier({t: r["total"]["p95_ms"] for t, r in tier_results.items()}, target_ms).name
              if tier == "auto" else tier)
    import onnxruntime

    return {
        "suite": "pipeline",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count(), "cpu_features": meiyan.cpu_features()},
        "versions": {"meiyan": meiyan.__version__, "opencv": cv2.__version__, "numpy": np.__version__,
                     "onnxruntime": onnxruntime.__version__},
        "look": {"preset": PRESET, "effect": EFFECT, "background_blur": BLUR},
        "warmup_frames": WARMUP,
        "mediapipe_peer": str(mp_python) if mp_python else "not run: no Python with mediapipe (see peer_mediapipe.py)",
        "sizes": results,
        "tiers": {"target_ms": target_ms, "frame": "720p", "results": tier_results, "picked": picked},
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_delta_mb": peak_rss_mb() - rss0,
    }


LABELS = {"meiyan": "meiyan", "meiyan_onnx_tracker": "meiyan, onnxruntime tracker", "peer": "peer (ORT + OpenCV)",
          "mediapipe": "peer (mediapipe + OpenCV)"}


def format_table(result: dict) -> str:
    lines = ["| frame | pipeline | decode | track | effects | output | total median / p95 ms | fps | CPU ms/frame |",
             "|" + "---|" * 9]
    for s in result["sizes"].values():
        for k, r in s["pipelines"].items():
            st = r["stages"]
            lines.append(f"| {s['width']}x{s['height']} | {LABELS[k]} | "
                         + " | ".join(f"{st[x]['median_ms']:.1f}" for x in STAGES)
                         + f" | {r['total']['median_ms']:.1f} / {r['total']['p95_ms']:.1f} | {r['fps']:.1f}"
                         f" | {r['cpu_ms_per_frame']:.1f} |")
    for s in result["sizes"].values():
        ra = s["ratios"]
        lines.append(f"\n{s['width']}x{s['height']}: meiyan/peer time: total {ra['meiyan_over_peer_total']:.2f}, "
                     f"track {ra['meiyan_over_peer_track']:.2f}, effects {ra['meiyan_over_peer_effects']:.2f}; "
                     f"native/onnxruntime tracker: {ra['native_over_onnx_tracker_track']:.2f}"
                     + (f"; meiyan/mediapipe peer: total {ra['meiyan_over_mediapipe_total']:.2f}, "
                        f"track {ra['meiyan_over_mediapipe_track']:.2f}" if "meiyan_over_mediapipe_total" in ra
                        else ""))
    t = result["tiers"]
    if t["results"]:
        lines.append(f"\nquality tiers at 1280x720 (target {t['target_ms']:.1f} ms/frame):")
        lines.append("| tier | processed | total median / p95 ms | fps | CPU ms/frame | detector runs "
                     "| segmentation runs |")
        lines.append("|" + "---|" * 7)
        for name, r in t["results"].items():
            c = r["counters"]
            lines.append(f"| {name} | {r['processed_size'][0]}x{r['processed_size'][1]} | "
                         f"{r['total']['median_ms']:.1f} / {r['total']['p95_ms']:.1f} | {r['fps']:.1f} | "
                         f"{r['cpu_ms_per_frame']:.1f} | {c['detector_runs']:.0f} | {c['segmentation_runs']:.0f} |")
        lines.append(f"picked tier: {t['picked']}")
    lines.append(f"\npeak RSS {result['peak_rss_mb']:.0f} MiB")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    plt = pyplot()

    rows = [(f"{s['width']}x{s['height']}\n{LABELS[k]}", r) for s in result["sizes"].values()
            for k, r in s["pipelines"].items()]
    rows += [(f"1280x720\ntier {k}", r) for k, r in result["tiers"]["results"].items()]
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(rows) + 1.5))
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    for stage in STAGES:
        v = np.array([r["stages"][stage]["median_ms"] for _, r in rows])
        ax.barh(y, v, left=left, label=stage)
        left += v
    ax.scatter([r["total"]["p95_ms"] for _, r in rows], y, marker="|", color="black", s=200, label="p95 total")
    target = result["tiers"]["target_ms"]
    ax.axvline(target, color="red", linestyle="--", label=f"target {target:.1f} ms")
    ax.set_yticks(y, [n for n, _ in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ms per frame (median per stage)")
    ax.set_title(f"full pipeline on the demo clip ({result['commit']})")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save_figure(fig, path)

