"""The ``meiyan`` command: info, apply, demo, bench."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import platform
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

import meiyan
from meiyan import background, demo, media, tiers
from meiyan.draw import draw_faces
from meiyan.engine import Backend, ColorParams, Engine, gl_status

COLOR_FIELDS = [f for f in ColorParams.__dataclass_fields__ if f != "lut_intensity"]
# Face-effect options: (option name, parameter object, field). Colour already has --whitening.
FACE_OPTIONS = [("smoothing", "beauty", "smoothing"), ("skin-whitening", "beauty", "whitening"),
                ("rosy", "beauty", "rosy"), ("sharpen", "beauty", "sharpen"),
                ("teeth-whiten", "beauty", "teeth_whiten"), ("eye-brighten", "beauty", "eye_brighten"),
                ("dark-circles", "beauty", "dark_circles"),
                ("face-slim", "reshape", "face_slim"), ("v-chin", "reshape", "v_chin"),
                ("big-eyes", "reshape", "big_eyes"), ("chin-length", "reshape", "chin_length"),
                ("nose-width", "reshape", "nose_width"), ("mouth-size", "reshape", "mouth_size"),
                ("forehead", "reshape", "forehead"), ("lips", "makeup", "lips"), ("lip-gloss", "makeup", "lip_gloss"),
                ("blush", "makeup", "blush"), ("brows", "makeup", "brows"), ("eyeshadow", "makeup", "eyeshadow"),
                ("eyeliner", "makeup", "eyeliner"), ("lashes", "makeup", "lashes"), ("contour", "makeup", "contour"),
                ("highlight", "makeup", "highlight"), ("contacts", "makeup", "contacts")]


def _face_values(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {"beauty": {}, "reshape": {}, "makeup": {}}
    for option, group, field in FACE_OPTIONS:
        value = getattr(args, option.replace("-", "_"), None)
        if value is not None:
            out[group][field] = value
    return out


def cmd_info(_: argparse.Namespace) -> int:
    ok, gl = gl_status()
    print(f"meiyan {meiyan.__version__} (python {platform.python_version()}, {platform.machine()})")
    print(f"CPU features used: {meiyan.cpu_features()} (active kernels: {meiyan.simd_active()})")
    print(f"OpenGL: {gl}" if ok else f"OpenGL: not available: {gl}")
    print(f"filters: {', '.join(meiyan.filter_names())}")
    print(f"presets: {', '.join(meiyan.preset_names())}")
    print(f"samples: {', '.join(media.sample_names())}")
    print(f"effects: {', '.join(meiyan.effects.bundled())}")
    from meiyan.onnx_backend import default_models_dir

    root = default_models_dir()
    engine_files = sorted(p.name.removesuffix(".mynn") for p in root.glob("*.mynn"))
    print(f"native models ({root}): {', '.join(engine_files) if engine_files else 'none'}")
    return 0


def effect_sheet(image: np.ndarray, names: list[str], tile: int = 240, cols: int = 4) -> np.ndarray:
    """Every named effect package on the first face of `image` (all expressions on, so triggered
    elements show), labelled, `cols` tiles per row."""
    import cv2

    faces = meiyan.FaceTracker(max_faces=1, smoothing=False).track(image, timestamp=0.0)
    if not faces:
        raise ValueError("no face found in the input image")
    face = dataclasses.replace(faces[0], expressions_active={k: True for k in faces[0].expressions_active})
    tiles = []
    for name in names:
        engine = Engine(effect=name)
        engine.set_faces([face])
        out = engine.process(image, timestamp=0.3)
        h, w = out.shape[:2]
        tiles.append(_label(cv2.resize(out, (max(1, round(w * tile / h)), tile), interpolation=cv2.INTER_AREA), name))
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    return np.vstack([np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)])


def cmd_effect(args: argparse.Namespace) -> int:
    if args.action == "sheet":
        names = meiyan.effects.bundled()
        if not 32 <= args.tile <= 1024:
            raise ValueError(f"--tile must be in 32..1024, got {args.tile}")
        sheet = effect_sheet(media.read_image(media.resolve_input(args.input)), names, tile=args.tile)
        media.write_image(Path(args.output), sheet)
        print(f"wrote {args.output} ({len(names)} effect packages)")
        return 0
    if args.action == "list":
        for name in meiyan.effects.bundled():
            pkg = meiyan.effects.load(name)
            kinds = sorted({e["type"] for e in pkg.elements})
            print(f"{name:20s} {pkg.name} -- {len(pkg.elements)} element(s) ({', '.join(kinds)}); "
                  f"triggers: {', '.join(sorted(pkg.triggers()))}")
        return 0
    problems = meiyan.effects.validate(args.path)
    if not problems:
        pkg = meiyan.effects.load(args.path)
        images = len(pkg.native.image_names)
        print(f"{args.path}: OK -- '{pkg.name}', {len(pkg.elements)} element(s), {images} image(s)")
        return 0
    print(f"{args.path}: {len(problems)} problem(s)")
    for p in problems:
        print(f"  - {p}")
    return 1


def build_engine(args: argparse.Namespace) -> Engine:
    color = {name: getattr(args, name) for name in COLOR_FIELDS if getattr(args, name) is not None}
    face = _face_values(args)
    preset = getattr(args, "preset", None)
    effect = getattr(args, "effect", None)
    # Presets, effect packages and face effects need faces: a tracker then runs on every frame.
    needs_faces = (getattr(args, "debug_faces", False) or preset is not None or effect is not None
                   or any(face.values()))
    # --contacts (coloured contact lenses) needs the iris points: the tracker then runs its iris network
    iris = face["makeup"].get("contacts", 0.0) > 0
    tracker = meiyan.FaceTracker(iris=True) if iris else meiyan.FaceTracker() if needs_faces else None
    engine = Engine(args.backend, tracker=tracker, **color)
    if effect is not None:
        engine.set_effect(effect)
    background.apply_cli_options(engine, args)
    if preset is not None:
        engine.set_preset(preset)
    if face["beauty"]:
        engine.set_beauty(engine.beauty.replace(**face["beauty"]))
    if face["reshape"]:
        engine.set_reshape(engine.reshape.replace(**face["reshape"]))
    if face["makeup"]:
        engine.set_makeup(engine.makeup.replace(**face["makeup"]))
    if args.filter:
        engine.set_filter(args.filter, intensity=args.intensity)
    return engine


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    import cv2

    out = tile.copy()
    scale = max(0.5, tile.shape[0] / 500)
    for color, thickness in (((0, 0, 0), 4), ((255, 255, 255), 1)):
        cv2.putText(out, text, (10, int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness, cv2.LINE_AA)
    return out


def contact_sheet(image: np.ndarray, backend: Backend = "cpu", tile_height: int = 360) -> np.ndarray:
    """The image before and after every bundled preset, labelled, three tiles per row."""
    import cv2

    if tile_height < 16:
        raise ValueError(f"tile height must be at least 16 pixels, got {tile_height}")
    faces = meiyan.FaceTracker().track(image)
    landmarks = [f.landmarks for f in faces]
    tiles = [_label(image, f"original ({len(faces)} face(s))")]
    for name in meiyan.preset_names():
        engine = Engine(backend)
        engine.set_preset(name)
        engine.set_faces(landmarks)
        tiles.append(_label(engine.process(image), name))
    h, w = image.shape[:2]
    size = (max(1, round(w * tile_height / h)), tile_height)
    tiles = [cv2.resize(t, size, interpolation=cv2.INTER_AREA) for t in tiles]
    cols = 3
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]
    return np.vstack(rows)


def cmd_apply(args: argparse.Namespace) -> int:
    src = media.resolve_input(args.input)
    dst = Path(args.output)
    if args.sheet:
        if media.is_video(src):
            raise ValueError("--sheet needs an image input")
        media.write_image(dst, contact_sheet(media.read_image(src), args.backend, args.tile_height))
        print(f"wrote {dst} (contact sheet: original + {len(meiyan.preset_names())} presets)")
        return 0
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
    elif args.suite == "effects":
        result = bench.run(repeats=args.repeats, progress=not args.quiet, renderer=args.renderer)
    elif args.suite == "nn":
        result = bench.run(models_dir=args.models, rounds=args.rounds, progress=not args.quiet, threads=args.threads)
    elif args.suite == "pipeline":
        tier = None if args.tier == "none" else args.tier
        result = bench.run(frames=args.frames, progress=not args.quiet, tier=tier, target_ms=args.target_ms)
    elif args.suite == "all":
        result = bench.run(quick=args.quick, progress=not args.quiet)
    elif args.suite == "tracking":
        result = bench.run(progress=not args.quiet, mesh=args.mesh, peer=not args.no_peer)
    else:
        result = bench.run(progress=not args.quiet)
    print(bench.format_table(result))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2))
        print(f"wrote {args.json}")
    if getattr(args, "plot", None):
        bench.plot(result, Path(args.plot))
        print(f"wrote {args.plot}")
    if getattr(args, "report", None):
        print(f"wrote {bench.write_report(result, Path(args.report))}")
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
    a.add_argument("--preset", help=f"a look ({', '.join(meiyan.preset_names())}) or a preset .json path")
    a.add_argument("--sheet", action="store_true", help="write a before/after contact sheet of every preset")
    a.add_argument("--tile-height", type=int, default=360, help="--sheet: height of each tile in pixels")
    for option, group, field in FACE_OPTIONS:
        signed = field in ("chin_length", "nose_width", "mouth_size", "forehead")
        a.add_argument(f"--{option}", type=float, default=None,
                       help=f"{group}, {'-1..1' if signed else '0..1'} (tracks faces)")
    background.add_cli_options(a)
    a.add_argument("--effect", help="an effect package: a bundled name (meiyan effect list) or a folder/.zip path")
    a.add_argument("--debug-faces", action="store_true", help="track faces and draw mesh, ids, pose and expressions")
    a.add_argument("--max-frames", type=int, default=None, help="videos: stop after N frames")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.set_defaults(fn=cmd_apply)

    demo.add_parser(sub)

    ef = sub.add_parser("effect", help="effect packages: list the bundled ones, validate a package")
    efs = ef.add_subparsers(dest="action", required=True)
    efs.add_parser("list", help="the bundled effect packages").set_defaults(fn=cmd_effect)
    es = efs.add_parser("sheet", help="a contact sheet of every bundled package on a photo")
    es.add_argument("output", help="PNG path")
    es.add_argument("--input", default="sample:portrait", help="a photo with a face (default: sample:portrait)")
    es.add_argument("--tile", type=int, default=240, help="tile height in pixels")
    es.set_defaults(fn=cmd_effect)
    ev = efs.add_parser("validate", help="explain every problem of a package (folder or .zip)")
    ev.add_argument("path")
    ev.set_defaults(fn=cmd_effect)

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
    bt.add_argument("--mesh", choices=["full", "lite"], default="full",
                    help="the tracker's mesh network (lite: face_landmark_lite.*.mynn, trained by model_export)")
    bt.add_argument("--no-peer", action="store_true",
                    help="leave out mediapipe's FaceMesh on the same frames (run when an isolated Python with "
                         "mediapipe is found: $MEIYAN_MEDIAPIPE_PYTHON or build/mp-venv)")
    bt.add_argument("--quiet", action="store_true", help="no progress bar")
    bt.set_defaults(fn=cmd_bench)
    be = bsub.add_parser("effects", help="beauty and reshape at 1280x720 on one CPU thread against cv2.bilateralFilter")
    be.add_argument("--json", help="write the results as JSON")
    be.add_argument("--plot", help="write a PNG bar chart of the medians")
    be.add_argument("--repeats", type=int, default=30)
    be.add_argument("--renderer", choices=("cpu", "gl"), default="cpu",
                    help="time this renderer (gl: upload, passes and read-back; the targets are the CPU's)")
    be.add_argument("--quiet", action="store_true", help="no progress bar")
    be.set_defaults(fn=cmd_bench)
    bn = bsub.add_parser("nn", help="every model, one thread: native engine against onnxruntime and litert")
    bn.add_argument("--json", help="write the results as JSON")
    bn.add_argument("--plot", help="write a PNG bar chart of the medians")
    bn.add_argument("--models", type=Path, default=None, help="models folder (default: the repository's models/)")
    bn.add_argument("--rounds", type=int, default=100, help="interleaved timing rounds per model")
    bn.add_argument("--threads", type=int, default=None,
                    help="also time the native engine on this many threads (default: CPU count, at most 4)")
    bn.add_argument("--quiet", action="store_true", help="no progress bar")
    bn.set_defaults(fn=cmd_bench)
    bp = bsub.add_parser("pipeline", help="decode, track, effects, output on the demo clip against an ORT+OpenCV peer")
    bp.add_argument("--json", help="write the results as JSON")
    bp.add_argument("--plot", help="write a PNG of the per-stage times")
    bp.add_argument("--frames", type=int, default=90, help="clip frames per frame size (the clip has 90)")
    bp.add_argument("--tier", choices=["auto", *tiers.TIER_NAMES, "none"], default="auto",
                    help="quality tiers at 1280x720: time all and pick one (auto), time one, or none")
    bp.add_argument("--target-ms", type=float, default=tiers.DEFAULT_TARGET_MS,
                    help="frame time the picked tier must hold (p95), default 33.3 (30 fps)")
    bp.add_argument("--quiet", action="store_true", help="no progress bar")
    bp.set_defaults(fn=cmd_bench)
    ba = bsub.add_parser("all", help="every suite; one JSON and an HTML report with plots")
    ba.add_argument("--json", help="write the results as JSON")
    ba.add_argument("--report", help="write an HTML report (index.html + PNG plots) into this folder")
    ba.add_argument("--quick", action="store_true", help="short settings for every suite (a smoke run)")
    ba.add_argument("--quiet", action="store_true", help="no progress bars (progress lines remain)")
    ba.set_defaults(fn=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except (ValueError, FileNotFoundError, TypeError, meiyan.MeiyanError, demo.DemoError) as exc:
        print(f"meiyan: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
