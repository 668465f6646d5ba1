"""The ``meiyan`` command: info, apply, bench."""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

import meiyan
from meiyan import media
from meiyan.draw import draw_faces
from meiyan.engine import ColorParams, Engine, gl_status

COLOR_FIELDS = [f for f in ColorParams.__dataclass_fields__ if f != "lut_intensity"]


def cmd_info(_: argparse.Namespace) -> int:
    ok, gl = gl_status()
    print(f"meiyan {meiyan.__version__} (python {platform.python_version()}, {platform.machine()})")
    print(f"CPU features used: {meiyan.cpu_features()} (active kernels: {meiyan.simd_active()})")
    print(f"OpenGL: {gl}" if ok else f"OpenGL: not available: {gl}")
    print(f"filters: {', '.join(meiyan.filter_names())}")
    print(f"samples: {', '.join(media.sample_names())}")
    return 0


def build_engine(args: argparse.Namespace) -> Engine:
    color = {name: getattr(args, name) for name in COLOR_FIELDS if getattr(args, name) is not None}
    tracker = meiyan.FaceTracker() if getattr(args, "debug_faces", False) else None
    engine = Engine(args.backend, tracker=tracker, **color)
    if args.filter:
        engine.set_filter(args.filter, intensity=args.intensity)
    return engine


def cmd_apply(args: argparse.Namespace) -> int:
    src = media.resolve_input(args.input)
    dst = Path(args.output)
    engine = build_engine(args)

    def frame_fn(frame: np.ndarray, timestamp: float | None = None) -> np.ndarray:
        out = engine.process(frame, timestamp=timestamp)
        return draw_faces(out, engine.faces) if args.debug_faces else out

    if media.is_video(src):
        n = media.process_video(src, dst, frame_fn, progress=not args.quiet, max_frames=args.max_frames)
        print(f"wrote {dst} ({n} frames, renderer {engine.renderer_name})")
    else:
        media.write_image(dst, frame_fn(media.read_image(src)))
        faces = f", {len(engine.faces)} face(s)" if args.debug_faces else ""
        print(f"wrote {dst} (renderer {engine.renderer_name}{faces})")
    return 0


def load_benchmark(name: str) -> ModuleType:
    """Benchmarks live in the repository's benchmarks/ folder: the working directory's or the source tree's."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        path = root / "benchmarks" / f"{name}.py"
        if path.is_file():
            spec = importlib.util.spec_from_file_location(f"meiyan_benchmarks.{name}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses look their module up there
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("meiyan bench needs the repository's benchmarks/ folder: run it from a source checkout")


def cmd_bench(args: argparse.Namespace) -> int:
    bench = load_benchmark(f"bench_{args.suite}")
    if args.suite == "image":
        result = bench.run(width=args.width, height=args.height, repeats=args.repeats)
    else:
        result = bench.run(progress=not args.quiet)
    print(bench.format_table(result))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2))
        print(f"wrote {args.json}")
    if args.plot:
        bench.plot(result, Path(args.plot))
        print(f"wrote {args.plot}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="meiyan", description="meiyan face effects SDK")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("info", help="version, CPU features, OpenGL availability").set_defaults(fn=cmd_info)

    a = sub.add_parser("apply", help="apply effects to an image or a video")
    a.add_argument("input", help="image or video path, or 'sample' / 'sample:NAME' for a bundled sample")
    a.add_argument("output", help="output image or video path")
    a.add_argument("--backend", choices=["cpu", "gl"], default="cpu")
    a.add_argument("--filter", help=f"bundled filter ({', '.join(meiyan.filter_names())}) or a .cube path")
    a.add_argument("--intensity", type=float, default=None, help="filter strength 0..1")
    for name in COLOR_FIELDS:
        a.add_argument(f"--{name}", type=float, default=None)
    a.add_argument("--debug-faces", action="store_true", help="track faces and draw mesh, ids, pose and expressions")
    a.add_argument("--max-frames", type=int, default=None, help="videos: stop after N frames")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.set_defaults(fn=cmd_apply)

    b = sub.add_parser("bench", help="benchmarks (run from a source checkout)")
    bsub = b.add_subparsers(dest="suite", required=True)
    bi = bsub.add_parser("image", help="NV21->RGBA, resize and LUT at 1280x720 against OpenCV")
    bi.add_argument("--json", help="write the results as JSON")
    bi.add_argument("--plot", help="write a PNG bar chart of the ratios")
    bi.add_argument("--width", type=int, default=1280)
    bi.add_argument("--height", type=int, default=720)
    bi.add_argument("--repeats", type=int, default=30)
    bi.add_argument("--quiet", action="store_true")
    bi.set_defaults(fn=cmd_bench)
    bt = bsub.add_parser("tracking", help="face tracking on synthesised sequences from annotated photos")
    bt.add_argument("--json", help="write the results as JSON")
    bt.add_argument("--plot", help="write a PNG of NME over roll and jitter per sequence")
    bt.add_argument("--quiet", action="store_true", help="no progress bar")
    bt.set_defaults(fn=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except (ValueError, FileNotFoundError, TypeError, meiyan.MeiyanError) as exc:
        print(f"meiyan: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
