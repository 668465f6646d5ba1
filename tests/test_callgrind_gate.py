"""tools/callgrind_gate.py: instruction counts of the pipeline against the committed baseline.

The real runs need valgrind and meiyan_bench (MEIYAN_CORE_BUILD, as the C API tests); the comparison
logic is also checked on its own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

BUILD = os.environ.get("MEIYAN_CORE_BUILD")
BENCH = Path(BUILD or "") / "meiyan_bench"
GATE = ROOT / "tools" / "callgrind_gate.py"
BASELINE = ROOT / "benchmarks" / "callgrind_baseline.json"
needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None or not BENCH.is_file(),
                                    reason="valgrind or MEIYAN_CORE_BUILD/meiyan_bench missing")


def load_gate():
    spec = importlib.util.spec_from_file_location("callgrind_gate", GATE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["callgrind_gate"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def run_gate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(GATE), "--bench", str(BENCH), *args], capture_output=True, text=True,
                          timeout=600)


@needs_valgrind
def test_gate_passes_on_the_committed_baseline_and_fails_on_a_lower_one(tmp_path):
    r = run_gate()
    if r.returncode == 3:
        pytest.skip(f"the committed baseline is for another toolchain: {r.stderr.strip()}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pass (no stage grew by more than 3%)" in r.stdout
    for stage in ("convert", "track", "beauty", "grade", "background"):
        assert f"stage {stage}" in r.stdout

    # The same code against a baseline 10% lower: +11.1% on every stage, the gate fails with the diff.
    base = json.loads(BASELINE.read_text())
    base["configs"] = {k: int(v * 0.9) for k, v in base["configs"].items()}
    lower = tmp_path / "lower.json"
    lower.write_text(json.dumps(base))
    r = run_gate("--baseline", str(lower), "--stages", "convert,track")
    assert r.returncode == 1, r.stdout + r.stderr
    rows = {line.split()[1]: line for line in r.stdout.splitlines() if line.startswith("stage ")}
    assert set(rows) == {"convert", "track"}
    for row in rows.values():
        assert row.rstrip().endswith("FAIL") and "+11.1" in row
    assert "FAIL: a stage grew by more than 3%" in r.stderr


def test_compare_gates_each_stage_at_the_threshold():
    gate = load_gate()
    base = {"configs": {"convert": 1000, "track": 11000, "beauty": 11500, "grade": 12500, "background": 20500}}
    # convert +2.9%, track stage (10000 -> 10300) +3.0%: both pass.
    ok = gate.Measurement({"convert": 1029, "track": 11329, "beauty": 11829, "grade": 12829, "background": 20829},
                          "b", "f")
    passed, table = gate.compare(ok, base, 3.0)
    assert passed, table
    # Only the grade stage grows (1000 -> 1040, +4%): it alone fails, though its configuration grew 0.3%.
    bad = gate.Measurement({"convert": 1000, "track": 11000, "beauty": 11500, "grade": 12540, "background": 20540},
                           "b", "f")
    passed, table = gate.compare(bad, base, 3.0)
    assert not passed
    failing = [line.split()[1] for line in table.splitlines() if line.rstrip().endswith("FAIL")]
    assert failing == ["grade"]
    # Getting faster never fails.
    fast = gate.Measurement({"convert": 500, "track": 5000, "beauty": 5200, "grade": 6000, "background": 9000},
                            "b", "f")
    assert gate.compare(fast, base, 3.0)[0]


def test_gate_refuses_a_baseline_of_another_toolchain(tmp_path, monkeypatch, capsys):
    gate = load_gate()
    base = gate.baseline_json(gate.Measurement({"convert": 1, "track": 2, "grade": 3, "background": 4},
                                               "GNU 12.2.0 x86_64 Release -O3", "sse4.1 avx2"), 3.0)
    path = tmp_path / "base.json"
    path.write_text(json.dumps(base))
    bench = tmp_path / "meiyan_bench"
    bench.write_text("")
    bench.chmod(0o755)
    monkeypatch.setattr(gate, "measure", lambda *a: gate.Measurement(dict(base["configs"]), "Clang 16 aarch64", "neon"))
    assert gate.main(["--bench", str(bench), "--baseline", str(path)]) == 3
    assert "baseline not comparable" in capsys.readouterr().err
    # A missing or malformed baseline is an error, not a pass.
    assert gate.main(["--bench", str(bench), "--baseline", str(tmp_path / "none.json")]) == 2
    path.write_text("{}")
    assert gate.main(["--bench", str(bench), "--baseline", str(path)]) == 2
    assert "not a meiyan-callgrind-baseline/1 file" in capsys.readouterr().err
