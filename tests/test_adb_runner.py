"""tools/adb_bench.py against a fake adb: the whole flow is real except the phone.

The shim (written to a temp bin/ put first on PATH) keeps the "device" file system in a temp folder,
copies files for push/pull and runs `shell` commands with /bin/sh there, so `shell` really runs the
x86-64 meiyan_bench (from MEIYAN_CORE_BUILD, as the C API tests; skipped without it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

BUILD = os.environ.get("MEIYAN_CORE_BUILD")
BENCH = Path(BUILD or "") / "meiyan_bench"

FAKE_ADB = r'''#!/usr/bin/env python3
import os, shutil, subprocess, sys
root = os.environ["FAKE_ADB_ROOT"]
with open(os.environ["FAKE_ADB_LOG"], "a") as log:
    log.write(repr(sys.argv[1:]) + "\n")
args = sys.argv[1:]
devices = [d.split(":") for d in os.environ.get("FAKE_ADB_DEVICES", "").split(",") if d]
serial = None
if args[:1] == ["-s"]:
    serial, args = args[1], args[2:]
def on_device(path):
    return os.path.join(root, path.lstrip("/"))
if args == ["devices"]:
    print("List of devices attached")
    for s, state in devices:
        print(f"{s}\t{state}")
    sys.exit(0)
if serial not in [s for s, state in devices if state == "device"]:
    print(f"adb: device '{serial}' not found", file=sys.stderr)
    sys.exit(1)
if args[0] == "push":
    if os.environ.get("FAKE_ADB_FAIL_PUSH", "\0") in args[1]:
        print(f"adb: error: failed to copy '{args[1]}': remote No space left on device", file=sys.stderr)
        sys.exit(1)
    dst = on_device(args[2])
    if not os.path.isdir(os.path.dirname(dst)):
        print(f"adb: error: remote secure_mkdirs failed", file=sys.stderr)
        sys.exit(1)
    shutil.copy(args[1], dst)
    print(f"{args[1]}: 1 file pushed.")
    sys.exit(0)
if args[0] == "pull":
    src = on_device(args[1])
    if not os.path.isfile(src):
        print(f"adb: error: remote object '{args[1]}' does not exist", file=sys.stderr)
        sys.exit(1)
    shutil.copy(src, args[2])
    sys.exit(0)
if args[0] == "shell":
    cmd = " ".join(args[1:]).replace("/data/local/tmp", on_device("/data/local/tmp"))
    sys.exit(subprocess.run(["/bin/sh", "-c", cmd]).returncode)
print(f"fake adb: unsupported {args}", file=sys.stderr)
sys.exit(1)
'''


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def fake_adb(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    adb = bin_dir / "adb"
    adb.write_text(FAKE_ADB)
    adb.chmod(0o755)
    device = tmp_path / "device"
    (device / "data" / "local" / "tmp").mkdir(parents=True)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_ADB_ROOT": str(device),
           "FAKE_ADB_LOG": str(tmp_path / "adb.log"), "FAKE_ADB_DEVICES": "PHONE123:device"}
    env.pop("ADB", None)
    return env, device, tmp_path


def run_tool(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "adb_bench.py"), *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not BENCH.is_file(), reason="MEIYAN_CORE_BUILD/meiyan_bench not built")
def test_adb_bench_pushes_runs_and_pulls_the_json(fake_adb):
    env, device, tmp = fake_adb
    clip = tmp / "clip.rgba"
    load_tool("callgrind_gate").write_clip(clip, frames=2)
    out = tmp / "phone.json"
    r = run_tool(env, "--serial", "PHONE123", "--bench", str(BENCH), "--frames", str(clip), "--width", "320",
                 "--height", "240", "--json-out", str(out), "--", "--count", "2", "--warmup", "0",
                 "--stages", "convert,track", "--expect-faces", "1")
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    assert report["schema"] == "meiyan-bench/1"
    assert report["machine"]["machine"] == platform.machine()
    assert report["input"] == {"source": "frames.rgba", "frames": 2, "width": 320, "height": 240, "format": "nv21"}
    assert [c["name"] for c in report["configs"]] == ["convert", "track"]
    assert report["configs"][1]["faces"] == 1
    assert [s["name"] for s in report["stages"]] == ["convert", "track"]
    assert all(s["median_ms"] > 0 for s in report["configs"])
    # The table came out, and what landed on the "phone" is what was pushed.
    assert "track" in r.stdout and "median ms" in r.stdout
    remote = device / "data" / "local" / "tmp" / "meiyan"
    assert (remote / "meiyan_bench").read_bytes() == BENCH.read_bytes()
    shipped = sorted(p.name for p in (ROOT / "models").glob("*.mynn"))
    assert sorted(p.name for p in (remote / "models").iterdir()) == shipped
    log = (tmp / "adb.log").read_text()
    assert "LD_LIBRARY_PATH=/data/local/tmp/meiyan" in log and "'-s', 'PHONE123'" in log


@pytest.mark.skipif(not BENCH.is_file(), reason="MEIYAN_CORE_BUILD/meiyan_bench not built")
def test_adb_bench_pushes_the_shared_library_and_reports_a_failing_run(fake_adb):
    env, device, tmp = fake_adb
    lib = tmp / "libmeiyan.so"
    lib.write_bytes(b"\x7fELF stand-in")
    r = run_tool(env, "--bench", str(BENCH), "--lib", str(lib), "--", "--stages", "nonsense")
    assert r.returncode == 1
    assert "meiyan_bench failed on PHONE123" in r.stderr and "unknown stage 'nonsense'" in r.stderr
    assert (device / "data" / "local" / "tmp" / "meiyan" / "libmeiyan.so").read_bytes() == lib.read_bytes()


@pytest.mark.parametrize(("devices", "serial", "message"), [
    ("", None, "no Android device connected"),
    ("PHONE123:unauthorized", None, "PHONE123 is unauthorized: accept the USB debugging prompt"),
    ("PHONE123:offline", None, "PHONE123 is offline"),
    ("A:device,B:device", None, "several devices connected (A, B): choose one with --serial"),
    ("A:device", "B", "device B is not connected (connected: A)"),
])
def test_adb_bench_device_errors(fake_adb, devices, serial, message):
    env, _, tmp = fake_adb
    env["FAKE_ADB_DEVICES"] = devices
    fake_bench = tmp / "meiyan_bench"
    fake_bench.write_bytes(b"not run")
    r = run_tool(env, "--bench", str(fake_bench), *(["--serial", serial] if serial else []))
    assert r.returncode == 2
    assert message in r.stderr


def test_adb_bench_push_failure(fake_adb):
    env, _, tmp = fake_adb
    env["FAKE_ADB_FAIL_PUSH"] = "face_landmark"
    fake_bench = tmp / "meiyan_bench"
    fake_bench.write_bytes(b"not run")
    r = run_tool(env, "--bench", str(fake_bench))
    assert r.returncode == 2
    assert "push of" in r.stderr and "face_landmark" in r.stderr and "No space left on device" in r.stderr


def test_adb_bench_without_adb(fake_adb):
    env, _, tmp = fake_adb
    env["PATH"] = str(tmp / "empty")
    fake_bench = tmp / "meiyan_bench"
    fake_bench.write_bytes(b"not run")
    r = run_tool(env, "--bench", str(fake_bench))
    assert r.returncode == 2
    assert "adb not found" in r.stderr


def test_adb_bench_dynamic_binary_needs_its_library(fake_adb):
    env, _, tmp = fake_adb
    fake_bench = tmp / "meiyan_bench"
    fake_bench.write_bytes(b"\x7fELF ... NEEDED libmeiyan.so.0 ...")
    r = run_tool(env, "--bench", str(fake_bench))
    assert r.returncode == 2
    assert "links libmeiyan.so dynamically" in r.stderr
