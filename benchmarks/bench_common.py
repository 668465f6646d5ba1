"""Helpers every benchmark suite shares: timing and the commit being measured."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn`` in ms over ``repeats`` calls, after one warm-up call
    (first-touch allocation, dispatch, caches)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def commit() -> str:
    """The checkout's short commit hash, or "unknown" outside a git checkout."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def pyplot() -> Any:
    """matplotlib.pyplot on the headless Agg backend (matplotlib is imported only to plot)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path) -> None:
    """Writes a figure as PNG (creating the folder) and frees it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    pyplot().close(fig)


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what platform knows."""
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def mediapipe_python() -> Path | None:
    """A Python with mediapipe for the mediapipe peers: $MEIYAN_MEDIAPIPE_PYTHON, else build/mp-venv's (see
    peer_mediapipe.py); None when there is none (the peer is then left out)."""
    env = os.environ.get("MEIYAN_MEDIAPIPE_PYTHON")
    path = Path(env) if env else ROOT / "build" / "mp-venv" / "bin" / "python"
    return path if path.is_file() else None
