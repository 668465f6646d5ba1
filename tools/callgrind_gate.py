#!/usr/bin/env python3
"""Performance regression gate on instruction counts, not on a clock.

Runs ``meiyan_bench`` under ``valgrind --tool=callgrind`` on a fixed short clip (frames cropped from
the bundled portrait, 320x240 NV21), once per pipeline configuration (convert, + track, + beauty, + grade,
+ background), counting only the instructions inside ``meiyan_engine_process``. A stage's count is its
configuration's count minus the one below it. The counts are compared with the committed baseline
``benchmarks/callgrind_baseline.json``; a stage that grows by more than the threshold (3%) fails the gate
(exit 1) with a per-stage diff table. ``--update`` rewrites the baseline.

Counts depend on the compiler, its flags and the SIMD level the library dispatches to (the C API has no
switch to pin it), so the baseline records the build (compiler, version, flags, as the bench reports it)
and the CPU features the library saw under valgrind. The gate compares only when both match and
otherwise exits 3 saying why: record a baseline per toolchain with ``--update``.

Exit codes: 0 pass (or baseline written), 1 regression, 2 usage or run error, 3 baseline not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = ROOT / "benchmarks" / "callgrind_baseline.json"
PORTRAIT = ROOT / "bindings" / "meiyan" / "data" / "samples" / "portrait.png"
STAGES = ("convert", "track", "beauty", "grade", "background")
WIDTH, HEIGHT, FRAMES = 320, 240, 3
SCHEMA = "meiyan-callgrind-baseline/1"


class GateError(Exception):
    """A problem that stops the gate before it can compare (exit 2)."""


@dataclass
class Measurement:
    configs: dict[str, int]  # instructions inside meiyan_engine_process per configuration
    build: str
    cpu_features: str

    def stages(self) -> dict[str, int]:
        """Each stage's own count: its configuration minus the one below, where both were measured."""
        out: dict[str, int] = {}
        for i, name in enumerate(STAGES):
            if name not in self.configs:
                continue
            if i == 0:
                out[name] = self.configs[name]
            elif STAGES[i - 1] in self.configs:
                out[name] = self.configs[name] - self.configs[STAGES[i - 1]]
        return out


def write_clip(path: Path, frames: int = FRAMES) -> None:
    """Raw RGBA frames: 320x240 crops of the 320x320 portrait, the face moving up 3 px per frame."""
    import cv2
    import numpy as np

    bgr = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    if bgr is None:
        raise GateError(f"cannot read {PORTRAIT}")
    rgba = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA)
    if rgba.shape[1] != WIDTH or rgba.shape[0] < HEIGHT + 30 + 3 * frames:
        raise GateError(f"{PORTRAIT} is {rgba.shape[1]}x{rgba.shape[0]}, expected 320 wide and >= 282 high")
    np.ascontiguousarray(np.stack([rgba[30 + 3 * i : 30 + 3 * i + HEIGHT] for i in range(frames)])).tofile(path)


def find_bench(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else []
    if not explicit:
        if os.environ.get("MEIYAN_CORE_BUILD"):
            candidates.append(Path(os.environ["MEIYAN_CORE_BUILD"]) / "meiyan_bench")
        candidates.append(ROOT / "build" / "ci-release" / "meiyan_bench")
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise GateError(f"meiyan_bench not found (tried {', '.join(map(str, candidates))}); build sdk_core or pass --bench")


def read_totals(out_file: Path) -> int:
    """The Ir total of a callgrind out file (its 'totals:' line, else 'summary:')."""
    text = out_file.read_text()
    for key in ("totals", "summary"):
        m = re.search(rf"^{key}:\s+(\d+)", text, re.MULTILINE)
        if m:
            return int(m.group(1))
    raise GateError(f"{out_file}: no totals/summary line")


def measure_config(bench: Path, clip: Path, models: Path, stage: str, work: Path) -> tuple[int, dict[str, object]]:
    out_file = work / f"callgrind.{stage}.out"
    json_file = work / f"bench.{stage}.json"
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", "--toggle-collect=meiyan_engine_process",
           "-q", str(bench), "--frames", str(clip), "--width", str(WIDTH), "--height", str(HEIGHT),
           "--count", str(FRAMES), "--warmup", "0", "--format", "nv21", "--threads", "1", "--models", str(models),
           "--stages", stage, "--json", str(json_file), "--quiet"]
    if stage == "track":
        cmd += ["--expect-faces", "1"]  # the clip's face must be found, else the count measures a miss
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise GateError(f"{stage}: valgrind/meiyan_bench failed (exit {r.returncode}):\n{r.stderr.strip()}")
    return read_totals(out_file), json.loads(json_file.read_text())


def measure(bench: Path, models: Path, stages: list[str], jobs: int) -> Measurement:
    if shutil.which("valgrind") is None:
        raise GateError("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="meiyan-callgrind-") as tmp:
        work = Path(tmp)
        clip = work / "clip.rgba"
        write_clip(clip)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = list(pool.map(lambda s: measure_config(bench, clip, models, s, work), stages))
    reports = [r for _, r in results]
    builds = {str(r["build"]) for r in reports}
    features = {str(r["cpu_features"]) for r in reports}
    if len(builds) != 1 or len(features) != 1:
        raise GateError(f"runs disagree on build/CPU features: {builds} {features}")
    return Measurement({s: n for s, (n, _) in zip(stages, results, strict=True)}, builds.pop(), features.pop())


def load_baseline(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as e:
        raise GateError(f"no baseline at {path}: write one with --update") from e
    except json.JSONDecodeError as e:
        raise GateError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise GateError(f"{path} is not a {SCHEMA} file")
    for key in ("configs", "toolchain"):
        if not isinstance(data.get(key), dict):
            raise GateError(f"{path}: '{key}' missing or not an object")
    return data


def baseline_json(m: Measurement, threshold: float) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "what": "valgrind callgrind Ir inside meiyan_engine_process, per pipeline configuration; stages are "
                "differences of consecutive configurations (tools/callgrind_gate.py)",
        "toolchain": {"build": m.build, "cpu_features": m.cpu_features},
        "run": {"width": WIDTH, "height": HEIGHT, "frames": FRAMES, "format": "nv21", "threads": 1,
                "clip": "portrait.png rows 30+3i..270+3i, i = 0..2"},
        "threshold_pct": threshold,
        "configs": m.configs,
        "stages": m.stages(),
    }


def compare(m: Measurement, base: dict[str, object], threshold: float) -> tuple[bool, str]:
    """(passed, the diff table). Every stage is gated; the configurations are shown for context."""
    base_configs = {str(k): int(v) for k, v in dict(base["configs"]).items()}  # type: ignore[call-overload]
    base_m = Measurement(base_configs, "", "")
    rows: list[tuple[str, int | None, int, float | None, str]] = []
    passed = True
    cur_stages, base_stages = m.stages(), base_m.stages()
    for name, cur in cur_stages.items():
        b = base_stages.get(name)
        pct = None if not b else 100.0 * (cur - b) / abs(b)
        verdict = "new" if b is None else ("FAIL" if pct is not None and pct > threshold else "ok")
        passed &= verdict != "FAIL"
        rows.append((f"stage {name}", b, cur, pct, verdict))
    for name, cur in m.configs.items():
        b = base_configs.get(name)
        pct = None if not b else 100.0 * (cur - b) / abs(b)
        rows.append((f"config {name}", b, cur, pct, ""))
    lines = [f"{'':18} {'baseline Ir':>14} {'current Ir':>14} {'change':>9}",
             *(f"{label:18} {('-' if b is None else f'{b:,}'):>14} {cur:>14,} "
               f"{('-' if pct is None else f'{pct:+.2f}%'):>9} {verdict}" for label, b, cur, pct, verdict in rows)]
    return passed, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", help="the meiyan_bench binary (default: $MEIYAN_CORE_BUILD or build/ci-release)")
    ap.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    ap.add_argument("--models", type=Path, default=ROOT / "models")
    ap.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset of " + ",".join(STAGES))
    ap.add_argument("--threshold", type=float, default=3.0, help="allowed growth per stage, percent (default 3)")
    ap.add_argument("--jobs", type=int, default=2, help="valgrind runs at once (default 2)")
    ap.add_argument("--update", action="store_true", help="measure and write the baseline instead of comparing")
    args = ap.parse_args(argv)
    stages = [s for s in args.stages.split(",") if s]
    bad = [s for s in stages if s not in STAGES]
    if bad or not stages:
        print(f"callgrind_gate: unknown stage(s) {bad or args.stages!r}; choose from {', '.join(STAGES)}",
              file=sys.stderr)
        return 2
    stages = [s for s in STAGES if s in stages]
    try:
        bench = find_bench(args.bench)
        base = None if args.update else load_baseline(args.baseline)
        m = measure(bench, args.models, stages, args.jobs)
    except GateError as e:
        print(f"callgrind_gate: {e}", file=sys.stderr)
        return 2
    print(f"callgrind_gate: {bench} | build: {m.build} | CPU features: {m.cpu_features}")
    if args.update:
        if set(stages) != set(STAGES):
            print("callgrind_gate: --update needs every stage", file=sys.stderr)
            return 2
        args.baseline.write_text(json.dumps(baseline_json(m, args.threshold), indent=2) + "\n")
        _, table = compare(m, baseline_json(m, args.threshold), args.threshold)
        print(table)
        print(f"callgrind_gate: wrote {args.baseline}")
        return 0
    assert base is not None
    tc = dict(base["toolchain"])  # type: ignore[call-overload]
    if tc.get("build") != m.build or tc.get("cpu_features") != m.cpu_features:
        print(f"callgrind_gate: baseline not comparable: it was recorded with build '{tc.get('build')}', CPU features "
              f"'{tc.get('cpu_features')}'; this run has build '{m.build}', CPU features '{m.cpu_features}'. "
              "Instruction counts differ between toolchains; record a baseline for this one with --update.",
              file=sys.stderr)
        return 3
    passed, table = compare(m, base, args.threshold)
    print(table)
    if not passed:
        print(f"callgrind_gate: FAIL: a stage grew by more than {args.threshold:g}% over {args.baseline}",
              file=sys.stderr)
        return 1
    print(f"callgrind_gate: pass (no stage grew by more than {args.threshold:g}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
