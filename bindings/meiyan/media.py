"""Image and video I/O for the CLI and the demo (OpenCV), with the bundled samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

SAMPLE_DIR = Path(__file__).parent / "data" / "samples"
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}


def sample_names() -> list[str]:
    return sorted(p.stem for p in SAMPLE_DIR.glob("*.png"))


def resolve_input(spec: str) -> Path:
    """A file path, or ``sample`` / ``sample:NAME`` for a bundled sample image."""
    if spec == "sample" or spec.startswith("sample:"):
        name = spec.partition(":")[2] or "scene"
        path = SAMPLE_DIR / f"{name}.png"
        if not path.is_file():
            raise ValueError(f"unknown sample {name!r}; bundled samples: {', '.join(sample_names())}")
        return path
    path = Path(spec)
    if not path.exists():
        raise FileNotFoundError(f"input not found: {path}")
    return path


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def read_image(path: Path) -> np.ndarray:
    """BGR uint8, or ValueError when the file is not a readable image."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot decode image: {path}")
    return image


def write_image(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), image):
        raise ValueError(f"cannot write image {path} (unsupported extension?)")


def process_video(
    src: Path,
    dst: Path,
    fn: Callable[[np.ndarray, float], np.ndarray],
    *,
    progress: bool = True,
    max_frames: int | None = None,
) -> int:
    """Runs ``fn(frame, timestamp)`` on every BGR frame of ``src`` and writes ``dst``; returns the frame count."""
    cap = cv2.VideoCapture(str(src))
    if not cap.isOpened():
        raise ValueError(f"cannot open video: {src}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    if max_frames is not None and total is not None:
        total = min(total, max_frames)
    writer: cv2.VideoWriter | None = None
    count = 0
    try:
        with tqdm(total=total, unit="frame", disable=not progress, desc=src.name) as bar:
            while max_frames is None or count < max_frames:
                ok, frame = cap.read()
                if not ok:
                    break
                out = fn(frame, count / fps)
                if writer is None:
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    codec = "mp4v" if dst.suffix.lower() in {".mp4", ".m4v", ".mov"} else "MJPG"
                    fourcc = cv2.VideoWriter.fourcc(*codec)
                    writer = cv2.VideoWriter(str(dst), fourcc, fps, (out.shape[1], out.shape[0]))
                    if not writer.isOpened():
                        raise ValueError(f"cannot write video: {dst}")
                writer.write(out)
                count += 1
                bar.update(1)
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    if count == 0:
        raise ValueError(f"no frames could be read from {src}")
    return count
