"""Command line: ``python -m model_export {build,eval}``."""

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
    args = p.parse_args(argv)
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
