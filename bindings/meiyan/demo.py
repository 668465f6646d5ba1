"""``meiyan demo``: the live camera / video demo, and the same pipeline headless for servers and CI.

Window mode (see :mod:`meiyan.demo_ui`) shows the processed stream with controls for every preset,
filter, effect package and parameter, a before/after split, FPS and per-stage timings, snapshot,
recording and virtual-camera output. ``--headless`` runs the same :class:`DemoPipeline` over a video
or an image folder (the bundled clip by default) and writes the result and a PNG contact sheet.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

import meiyan
from meiyan import media
from meiyan.beauty import BeautyParams, MakeupParams, ReshapeParams
from meiyan.engine import Backend, Engine, GlContext, PixelFormat
from meiyan.face import FaceResult, FaceTracker

BUNDLED_CLIP = media.SAMPLE_DIR / "demo_clip.mp4"
BUNDLED_CLIP_NOTE = "bundled clip: one still photo with synthetic camera motion, see data/samples/NOTICE"
DEFAULT_OUTPUT_DIR = Path("meiyan-demo")
DEFAULT_PRESET = "party"  # what the demo shows when no look is asked for
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
SHEET_COLUMNS = 6
SHEET_TILE_HEIGHT = 180


class DemoError(Exception):
    """A problem the user can fix (no camera, camera busy, no display, unreadable file): one message, exit 2."""


@dataclass(frozen=True)
class Features:
    """Engine APIs that this installation has; the demo hides the controls of missing ones."""

    effects: bool  # meiyan.effects.bundled()/load() and Engine.set_effect
    background: bool  # Engine.set_background


@functools.cache
def features() -> Features:
    """Detected once per process; everything in the demo asks here."""
    effects = False
    if importlib.util.find_spec("meiyan.effects") is not None:
        module = importlib.import_module("meiyan.effects")
        effects = hasattr(module, "bundled") and hasattr(module, "load") and hasattr(Engine, "set_effect")
    return Features(effects=effects, background=hasattr(Engine, "set_background"))


def effect_names() -> list[str]:
    """Names of the bundled effect packages (empty where this installation has no effect packages)."""
    if not features().effects:
        return []
    return list(importlib.import_module("meiyan.effects").bundled())


BACKGROUND_MODES = ("none", "blur", "color", "image")
# what "color" and "image" put behind the person in the demo: a studio green, the bundled scene
BACKGROUND_COLOR = (0.0, 0.69, 0.25)


# --- the pipeline ---------------------------------------------------------------------------------


class TimedTracker(FaceTracker):
    """Wraps a FaceTracker and times each ``track`` call, which the engine makes inside ``process``.

    It keeps the tracking inside :meth:`Engine.process` (where effects get the faces' expressions and
    timestamps) and still lets the demo report tracking and rendering separately.
    """

    def __init__(self, inner: FaceTracker) -> None:  # wraps a built tracker: no second model load
        self._inner = inner
        self.backend = inner.backend
        self.last_seconds = 0.0

    def track(
        self,
        image: np.ndarray,
        *,
        timestamp: float | None = None,
        camera_rotation: int = 0,
        format: PixelFormat = "bgr",
    ) -> list[FaceResult]:
        start = time.perf_counter()
        try:
            return self._inner.track(image, timestamp=timestamp, camera_rotation=camera_rotation, format=format)
        finally:
            self.last_seconds = time.perf_counter() - start

    def reset(self) -> None:
        self._inner.reset()

    @property
    def stats(self) -> dict[str, float]:
        return self._inner.stats

    def __getattr__(self, name: str) -> Any:  # anything else FaceTracker has (e.g. its native handle)
        if name == "_inner":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self._inner, name)


@dataclass
class StageTimes:
    """Seconds one frame spent in each stage."""

    tracking: float
    effects: float


class DemoPipeline:
    """Face tracking and the effect stack, with the demo's look (preset, filter, effect package, background)."""

    def __init__(self, backend: Backend = "cpu", *, gl_context: GlContext = "own", threads: int = 1) -> None:
        self.tracker = TimedTracker(FaceTracker(threads=threads))
        self.engine = Engine(backend, gl_context=gl_context, tracker=self.tracker)
        self.preset: str | None = None
        self.effect: str | None = None
        self.background = "none"

    @property
    def faces(self) -> list[FaceResult]:
        return self.engine.faces

    def process(self, frame: np.ndarray, timestamp: float) -> tuple[np.ndarray, StageTimes]:
        self.tracker.last_seconds = 0.0
        start = time.perf_counter()
        out = self.engine.process(frame, timestamp=timestamp)
        total = time.perf_counter() - start
        tracking = self.tracker.last_seconds
        return out, StageTimes(tracking=tracking, effects=total - tracking)

    def set_preset(self, name: str | None) -> None:
        """A bundled preset or preset .json; None clears beauty, reshape, makeup and the filter."""
        if name is None:
            self.engine.set_beauty(BeautyParams())
            self.engine.set_reshape(ReshapeParams())
            self.engine.set_makeup(MakeupParams())
            self.engine.set_filter(None)
        else:
            self.engine.set_preset(name)
        self.preset = name

    def set_filter(self, name: str | None, intensity: float | None = None) -> None:
        self.engine.set_filter(name, intensity=intensity)

    def set_effect(self, name_or_path: str | None) -> None:
        """A bundled effect package by name, or a package path; None removes it."""
        if not features().effects:
            raise DemoError("this meiyan has no effect packages (meiyan.effects)")
        engine: Any = self.engine  # set_effect exists (features() checked it)
        if name_or_path is None:
            engine.set_effect(None)
        else:
            engine.set_effect(importlib.import_module("meiyan.effects").load(name_or_path))
        self.effect = name_or_path

    def set_background(self, mode: str) -> None:
        if not features().background:
            raise DemoError("this meiyan has no background effects (Engine.set_background)")
        if mode not in BACKGROUND_MODES:
            raise ValueError(f"unknown background mode {mode!r}; available here: {', '.join(BACKGROUND_MODES)}")
        engine: Any = self.engine
        if mode == "color":
            engine.set_background(mode, color=BACKGROUND_COLOR)
        elif mode == "image":
            scene = cv2.imread(str(Path(__file__).parent / "data" / "samples" / "scene.png"))
            engine.set_background(mode, image=scene)
        else:
            engine.set_background(mode)
        self.background = mode

    def apply_options(self, args: argparse.Namespace) -> None:
        """The look asked for on the command line; with none, the default preset."""
        preset = getattr(args, "preset", None)
        effect = getattr(args, "effect", None)
        background = getattr(args, "background", None)
        if preset is None and args.filter is None and effect is None and background is None:
            preset = DEFAULT_PRESET if DEFAULT_PRESET in meiyan.preset_names() else None
        if preset is not None and preset != "none":
            self.set_preset(preset)
        if args.filter is not None:
            self.set_filter(None if args.filter == "none" else args.filter, intensity=args.intensity)
        elif args.intensity is not None:
            self.engine.set_params(lut_intensity=args.intensity)
        if effect is not None and effect != "none":
            self.set_effect(effect)
        if background is not None:
            self.set_background(background)

    def describe(self, renderer: bool = True) -> str:
        parts = [f"preset {self.preset or 'none'}", f"filter {self.engine.filter or 'none'}"]
        if features().effects:
            parts.append(f"effect {self.effect or 'none'}")
        if features().background:
            parts.append(f"background {self.background}")
        text = ", ".join(parts)
        return f"{text}; renderer {self.engine.renderer_name.split(' |')[0]}" if renderer else text


# --- frame sources --------------------------------------------------------------------------------


class FrameSource:
    """BGR frames from a camera, a video or images. ``read`` gives None at the end."""

    name: str = ""
    fps: float = 30.0
    live: bool = False  # a camera: frames come at their own pace

    def read(self) -> np.ndarray | None:
        raise NotImplementedError

    def close(self) -> None:
        """Releases the device or file."""


class VideoSource(FrameSource):
    def __init__(self, path: Path, *, loop: bool = False) -> None:
        self.path, self.loop, self.name = path, loop, path.name
        self._cap = cv2.VideoCapture(str(path))
        ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok:
            self._cap.release()
            raise DemoError(f"cannot read {path}: not a video or image that OpenCV can decode")
        self._pending: np.ndarray | None = first
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or 30.0
        self.frame_count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))

    def read(self) -> np.ndarray | None:
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        ok, frame = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        self._cap.release()


class ImageSource(FrameSource):
    """Still images in order; each is given ``hold`` times (the window shows each a while)."""

    def __init__(self, paths: list[Path], *, loop: bool = False, hold: int = 1, fps: float = 15.0) -> None:
        self.paths, self.loop, self.hold, self.fps = paths, loop, hold, fps
        self.name = paths[0].parent.name if len(paths) > 1 else paths[0].name
        self._index = 0
        self._cached: tuple[int, np.ndarray] | None = None

    def read(self) -> np.ndarray | None:
        i = self._index // self.hold
        if i >= len(self.paths):
            if not self.loop:
                return None
            self._index, i = 0, 0
        self._index += 1
        if self._cached is None or self._cached[0] != i:
            image = cv2.imread(str(self.paths[i]), cv2.IMREAD_COLOR)
            if image is None:
                raise DemoError(f"cannot read image {self.paths[i]}: not an image OpenCV can decode")
            self._cached = (i, image)
        return self._cached[1]


class CameraSource(FrameSource):
    live = True

    def __init__(self, index: int, *, width: int | None = None, height: int | None = None) -> None:
        self.index, self.name = index, f"camera {index}"
        hint = "try another --camera N, or --input FILE (meiyan demo --headless needs no camera)"
        device = Path(f"/dev/video{index}")
        if sys.platform.startswith("linux"):
            if not device.exists():
                found = sorted(p.name for p in Path("/dev").glob("video*"))
                raise DemoError(f"no camera {index}: {device} does not exist "
                                f"(video devices here: {', '.join(found) or 'none'}); {hint}")
            if not os.access(device, os.R_OK | os.W_OK):
                raise DemoError(f"camera {index}: no permission to open {device} "
                                f"(add yourself to its group, e.g. 'video'); {hint}")
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise DemoError(f"no camera {index}: OpenCV could not open it; {hint}")
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, first = self._cap.read()
        if not ok:
            self._cap.release()
            raise DemoError(f"camera {index} opened but gives no frames: it is probably busy (another program "
                            f"is using it); close that program, or {hint}")
        self._pending: np.ndarray | None = first
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or 30.0

    def read(self) -> np.ndarray | None:
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        ok, frame = self._cap.read()
        if not ok:
            raise DemoError(f"camera {self.index} stopped giving frames (unplugged, or taken by another program)")
        return frame

    def close(self) -> None:
        self._cap.release()


def image_paths(folder: Path) -> list[Path]:
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not paths:
        raise DemoError(f"no images in {folder} (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
    return paths


def open_input(path: Path, *, loop: bool = False, hold: int = 1) -> FrameSource:
    """A video, an image or a folder of images; FileNotFoundError or DemoError with a plain message."""
    if not path.exists():
        raise FileNotFoundError(f"input not found: {path}")
    if path.is_dir():
        return ImageSource(image_paths(path), loop=loop, hold=hold)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path], loop=loop, hold=hold)
    return VideoSource(path, loop=loop)


# --- outputs --------------------------------------------------------------------------------------


def next_free_path(folder: Path, prefix: str, suffix: str) -> Path:
    """folder/prefix_0001.suffix, or the first number not taken."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while (path := folder / f"{prefix}_{n:04d}{suffix}").exists():
        n += 1
    return path


class Recorder:
    """MP4 (mp4v) of the processed frames; the file is checked to open when recording stops."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.path, self.size, self.frames = path, size, 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
        if not self._writer.isOpened():
            raise DemoError(f"cannot record to {path}: this OpenCV has no MPEG-4 writer")

    def write(self, frame: np.ndarray) -> None:
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA)
        self._writer.write(frame)
        self.frames += 1

    def close(self) -> str:
        self._writer.release()
        cap = cv2.VideoCapture(str(self.path))
        ok = cap.isOpened() and cap.read()[0]
        cap.release()
        if not ok:
            return f"recording failed: {self.path} does not play back"
        return f"recorded {self.frames} frames to {self.path}"


def open_virtual_camera(width: int, height: int, fps: float) -> tuple[Any | None, str]:
    """A pyvirtualcam camera sending BGR frames and a message, or (None, why there is none)."""
    try:
        import pyvirtualcam
    except ImportError:
        return None, "virtual camera: pyvirtualcam is not installed (pip install 'meiyan[demo]')"
    try:
        cam = pyvirtualcam.Camera(width, height, fps, fmt=pyvirtualcam.PixelFormat.BGR)
    except RuntimeError as exc:
        linux = sys.platform.startswith("linux")
        hint = " Linux needs v4l2loopback: sudo modprobe v4l2loopback exclusive_caps=1." if linux else ""
        return None, f"virtual camera: no virtual camera device ({exc}).{hint}"
    return cam, f"virtual camera: sending {width}x{height} to {cam.device}"


def caption(tile: np.ndarray, text: str) -> np.ndarray:
    """A copy of ``tile`` with ``text`` at the top left, white on a dark outline."""
    out = tile.copy()
    for color, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):
        cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, thickness, cv2.LINE_AA)
    return out


def fit_tile(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled into a (width, height) tile, keeping its aspect ratio, centred on black."""
    tw, th = size
    h, w = image.shape[:2]
    s = min(tw / w, th / h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    tile = np.zeros((th, tw, 3), np.uint8)
    x, y = (tw - nw) // 2, (th - nh) // 2
    tile[y:y + nh, x:x + nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    return tile


class ContactSheet:
    """Keeps a few evenly spread frames of a stream of any length (before and after) for a PNG sheet.

    The layout: one column per picked frame (at most ``columns``; the first and the last among them),
    the input above, the processed frame below, each tile ``tile_height`` pixels high with the first
    frame's aspect ratio. Memory stays bounded: every ``stride``-th frame is kept, and the stride
    doubles whenever more than 2 x ``columns`` frames are kept.
    """

    def __init__(self, columns: int = SHEET_COLUMNS, tile_height: int = SHEET_TILE_HEIGHT) -> None:
        self.columns, self.tile_height = columns, tile_height
        self.tile_size: tuple[int, int] | None = None
        self._stride = 1
        self._kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._last: tuple[int, np.ndarray, np.ndarray] | None = None

    def add(self, index: int, before: np.ndarray, after: np.ndarray) -> None:
        if self.tile_size is None:
            h, w = before.shape[:2]
            self.tile_size = (max(1, round(w * self.tile_height / h)), self.tile_height)
        self._last = (index, before, after)
        if index % self._stride:
            return
        self._kept[index] = (fit_tile(before, self.tile_size), fit_tile(after, self.tile_size))
        if len(self._kept) > 2 * self.columns:
            self._stride *= 2
            self._kept = {i: t for i, t in self._kept.items() if i % self._stride == 0}

    def _candidates(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        out = dict(self._kept)
        if self._last is not None and self._last[0] not in out and self.tile_size is not None:
            i, before, after = self._last
            out[i] = (fit_tile(before, self.tile_size), fit_tile(after, self.tile_size))
        return out

    def indices(self) -> list[int]:
        """The frames on the sheet: for evenly spaced targets from the first to the last frame, the nearest kept."""
        have = sorted(self._candidates())
        k = min(self.columns, len(have))
        if k <= 1:
            return have[:k]
        picked: list[int] = []
        for j in range(k):
            target = have[0] + j * (have[-1] - have[0]) / (k - 1)
            picked.append(min((i for i in have if i not in picked), key=lambda i: abs(i - target)))
        return sorted(picked)

    def image(self) -> np.ndarray:
        tiles = self._candidates()
        if not tiles:
            raise ValueError("no frames for the contact sheet")
        picked = self.indices()
        top = np.hstack([caption(tiles[i][0], f"#{i} input") for i in picked])
        bottom = np.hstack([caption(tiles[i][1], f"#{i} processed") for i in picked])
        return np.vstack([top, bottom])


# --- headless -------------------------------------------------------------------------------------


def headless_paths(src: Path, output: str | None) -> tuple[Path, Path]:
    """(result path, contact sheet path): a video file for a video, a folder for images."""
    if src.is_dir() or src.suffix.lower() in IMAGE_SUFFIXES:
        out = Path(output) if output else DEFAULT_OUTPUT_DIR / (src.stem if src.is_file() else src.name)
        return out, out / "contact_sheet.png"
    out = Path(output) if output else DEFAULT_OUTPUT_DIR / f"{src.stem}_demo.mp4"
    if not media.is_video(out):
        raise DemoError(f"--output for a video input must be a video file (.mp4, .avi, ...), got {out}")
    return out, out.with_name(f"{out.stem}_sheet.png")


def run_headless(args: argparse.Namespace) -> int:
    if args.camera is not None:
        raise DemoError("--headless processes files: give --input FILE or FOLDER (or nothing for the bundled clip)")
    src = Path(args.input) if args.input else BUNDLED_CLIP
    note = f" ({BUNDLED_CLIP_NOTE})" if not args.input else ""
    out, sheet_path = headless_paths(src, args.output)
    source = open_input(src)  # checks the input can be read before anything is written
    pipeline = DemoPipeline(resolve_backend(args), threads=args.threads)
    pipeline.apply_options(args)
    print(f"input: {src}{note}")
    print(f"look: {pipeline.describe()}")
    sheet = ContactSheet()
    tracking = effects = 0.0
    count = 0

    def frame_fn(frame: np.ndarray, timestamp: float) -> np.ndarray:
        nonlocal tracking, effects, count
        result, times = pipeline.process(frame, timestamp)
        tracking += times.tracking
        effects += times.effects
        sheet.add(count, frame, result)
        count += 1
        return result

    start = time.perf_counter()
    if isinstance(source, VideoSource):
        source.close()
        fps = source.fps
        media.process_video(src, out, frame_fn, progress=not args.quiet, max_frames=args.max_frames)
        what = f"{count} frames at {fps:g} fps"
    else:
        assert isinstance(source, ImageSource)
        paths = source.paths[: args.max_frames] if args.max_frames else source.paths
        for i, path in enumerate(tqdm(paths, unit="image", disable=args.quiet, desc=src.name)):
            media.write_image(out / f"{path.stem}.png", frame_fn(media.read_image(path), i / source.fps))
        what = f"{count} image(s)"
    wall = time.perf_counter() - start
    media.write_image(sheet_path, sheet.image())
    print(f"wrote {out} ({what})")
    print(f"wrote {sheet_path} (contact sheet: frames {', '.join(map(str, sheet.indices()))}; "
          "input above, processed below)")
    per = 1000.0 / max(count, 1)
    print(f"{count} frames in {wall:.2f} s ({count / wall:.1f} fps); per frame: tracking {tracking * per:.1f} ms, "
          f"effects {effects * per:.1f} ms, decode/encode/other {(wall - tracking - effects) * per:.1f} ms")
    return 0


# --- the command ----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    if args.headless:
        return run_headless(args)
    from meiyan import demo_ui  # needs glfw and moderngl; headless does not

    return demo_ui.run_window(args)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Adds ``meiyan demo`` to the CLI's subcommands."""
    d = sub.add_parser("demo", help="live camera / video demo window, or --headless for servers and CI",
                       description="Shows the processed camera or video with controls for every effect "
                                   "(the panel lists the keys too). --headless writes the processed video "
                                   "(or images) and a PNG contact sheet instead.")
    src = d.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, metavar="N", help="camera index (window mode default: 0)")
    src.add_argument("--input", metavar="FILE", help="a video, an image or a folder of images "
                                                     "(headless default: the bundled clip)")
    d.add_argument("--headless", action="store_true", help="no window: write the result and a contact sheet")
    d.add_argument("--output", help="headless: the result video, or a folder for images "
                                    f"(default: under {DEFAULT_OUTPUT_DIR}/)")
    d.add_argument("--preset", help=f"a look ({', '.join(meiyan.preset_names())}, none) or a preset .json "
                                    f"(default when no look option is given: {DEFAULT_PRESET})")
    d.add_argument("--filter", help=f"a colour filter ({', '.join(meiyan.filter_names())}, none) or a .cube path")
    d.add_argument("--intensity", type=float, default=None, help="filter strength 0..1")
    if features().effects:
        names = ", ".join(effect_names()) or "none bundled"
        d.add_argument("--effect", help=f"an effect package ({names}) or a package path")
    if features().background:
        d.add_argument("--background", choices=BACKGROUND_MODES, help="background effect")
    d.add_argument("--backend", choices=["cpu", "gl"], default=None,
                   help="renderer (default headless: cpu; in the window: gl on the window's context, or cpu "
                        "where that OpenGL is a software rasteriser such as llvmpipe, which the CPU path beats)")
    d.add_argument("--threads", type=int, default=1, help="face tracker threads (0: one per core)")
    d.add_argument("--max-frames", type=int, default=None, help="stop after N frames")
    d.add_argument("--width", type=int, default=None, help="camera: requested frame width")
    d.add_argument("--height", type=int, default=None, help="camera: requested frame height")
    d.add_argument("--mirror", action="store_true", help="window: mirror the picture (selfie view)")
    d.add_argument("--split", action="store_true", help="window: start with the before/after split on")
    d.add_argument("--save-dir", type=Path, default=DEFAULT_OUTPUT_DIR,
                   help=f"window: where snapshots and recordings go (default: {DEFAULT_OUTPUT_DIR})")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(fn=run)
    return d


SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "swiftshader")


def resolve_backend(args: argparse.Namespace, gl_renderer: str | None = None) -> Backend:
    """--backend, else cpu headless; in the window gl, unless the window's OpenGL is software."""
    if args.backend is not None:
        return args.backend  # type: ignore[no-any-return]
    if args.headless or gl_renderer is None:
        return "cpu"
    return "cpu" if any(s in gl_renderer.lower() for s in SOFTWARE_GL) else "gl"
