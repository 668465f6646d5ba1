#!/usr/bin/env python3
"""Runs meiyan_bench on an Android phone over adb and brings the JSON back.

Build the benchmark with the NDK first (sdk_core/cmake/toolchains/android-arm64.cmake), then:

    python tools/adb_bench.py --bench build/android/meiyan_bench [--serial SERIAL] [--json-out phone.json] \
        [--frames clip.rgba --width 320 --height 240] [-- extra meiyan_bench arguments]

It pushes the binary (and libmeiyan.so when the binary links it dynamically, or --lib), the .mynn models
and the optional frames file to /data/local/tmp/meiyan, runs the benchmark there with LD_LIBRARY_PATH
set, pulls its JSON and prints the per-stage table. The adb binary is $ADB or the first `adb` on PATH.
Exit codes: 0 ok, 1 the benchmark failed on the device, 2 adb, device or usage problems.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REMOTE_DIR = "/data/local/tmp/meiyan"


class AdbError(Exception):
    """adb missing, no usable device, or a transfer that failed (exit 2)."""


class Adb:
    def __init__(self, exe: str, serial: str | None = None) -> None:
        self.exe = exe
        self.serial = serial

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [self.exe, *(["-s", self.serial] if self.serial else []), *args]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:
            raise AdbError(f"cannot run {self.exe}: {e}") from e
        if check and r.returncode != 0:
            msg = (r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}")
            raise AdbError(f"adb {' '.join(args[:2])} failed: {msg}")
        return r

    def push(self, local: Path, remote: str) -> None:
        r = self.run("push", str(local), remote, check=False)
        if r.returncode != 0:
            msg = r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}"
            raise AdbError(f"push of {local} to {remote} failed: {msg}")

    def pull(self, remote: str, local: Path) -> None:
        r = self.run("pull", remote, str(local), check=False)
        if r.returncode != 0:
            msg = r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}"
            raise AdbError(f"pull of {remote} failed: {msg}")


def find_adb() -> str:
    name = os.environ.get("ADB", "adb")
    exe = shutil.which(name)
    if exe is None:
        raise AdbError(f"adb not found ({name!r} is not on PATH): install Android platform-tools or set ADB")
    return exe


def list_devices(adb: Adb) -> dict[str, str]:
    """serial -> state ('device', 'unauthorized', 'offline', ...) from `adb devices`."""
    out = adb.run("devices").stdout
    devices: dict[str, str] = {}
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("List of devices") or line.startswith("*"):
            continue
        parts = line.split(None, 1)
        if len(parts) == 2:
            devices[parts[0]] = parts[1].split()[0] if parts[1].split() else parts[1]
    return devices


def pick_device(devices: dict[str, str], serial: str | None) -> str:
    if not devices:
        raise AdbError("no Android device connected (adb devices lists none): plug one in with USB debugging on")
    if serial is None:
        if len(devices) > 1:
            raise AdbError(f"several devices connected ({', '.join(sorted(devices))}): choose one with --serial")
        serial = next(iter(devices))
    state = devices.get(serial)
    if state is None:
        raise AdbError(f"device {serial} is not connected (connected: {', '.join(sorted(devices))})")
    if state == "unauthorized":
        raise AdbError(f"device {serial} is unauthorized: accept the USB debugging prompt on the phone, then retry")
    if state != "device":
        raise AdbError(f"device {serial} is {state}, not ready (reconnect it or restart adb)")
    return serial


def links_libmeiyan(binary: Path) -> bool:
    """Whether the binary names libmeiyan.so (a dynamic link; the default build links it statically)."""
    return b"libmeiyan.so" in binary.read_bytes()


def table(report: dict[str, object]) -> str:
    machine = dict(report.get("machine", {}))  # type: ignore[call-overload]
    inp = dict(report.get("input", {}))  # type: ignore[call-overload]
    lines = [f"{machine.get('machine', '?')} {machine.get('sysname', '')} {machine.get('release', '')} | "
             f"meiyan {report.get('version')} ABI {report.get('abi_version')} | CPU {report.get('cpu_features')} | "
             f"{report.get('renderer')} | {inp.get('width')}x{inp.get('height')} {inp.get('format')}, "
             f"{report.get('frames')} frames",
             f"{'configuration':14} {'median ms':>10} {'p95 ms':>10} {'fps':>8} {'faces':>6}"]
    for c in list(report.get("configs", [])):  # type: ignore[call-overload]
        lines.append(f"{c['name']:14} {c['median_ms']:>10.3f} {c['p95_ms']:>10.3f} {c['fps']:>8.1f} {c['faces']:>6}")
    lines.append(f"{'stage':14} {'median ms':>10} {'p95 ms':>10}")
    for s in list(report.get("stages", [])):  # type: ignore[call-overload]
        lines.append(f"{s['name']:14} {s['median_ms']:>10.3f} {s['p95_ms']:>10.3f}")
    return "\n".join(lines)


def run(args: argparse.Namespace, bench_args: list[str]) -> int:
    bench = Path(args.bench)
    if not bench.is_file():
        raise AdbError(f"benchmark binary {bench} not found: build sdk_core with the Android toolchain first")
    models = Path(args.models)
    model_files = sorted(models.glob("*.mynn"))
    if not model_files:
        raise AdbError(f"no .mynn models in {models}")
    if args.frames and not Path(args.frames).is_file():
        raise AdbError(f"frames file {args.frames} not found")

    adb = Adb(find_adb())
    serial = pick_device(list_devices(adb), args.serial)
    adb.serial = serial
    remote = args.remote_dir.rstrip("/")
    adb.run("shell", f"mkdir -p {shlex.quote(remote + '/models')}")
    adb.push(bench, f"{remote}/meiyan_bench")
    lib = Path(args.lib) if args.lib else (bench.parent / "libmeiyan.so" if links_libmeiyan(bench) else None)
    if lib is not None:
        if not lib.is_file():
            raise AdbError(f"{bench} links libmeiyan.so dynamically but {lib} does not exist (pass --lib)")
        adb.push(lib, f"{remote}/libmeiyan.so")
    for m in model_files:
        adb.push(m, f"{remote}/models/{m.name}")
    cmd = ["./meiyan_bench", "--models", "models", "--json", "bench.json", *bench_args]
    if args.frames:
        adb.push(Path(args.frames), f"{remote}/frames.rgba")
        cmd += ["--frames", "frames.rgba", "--width", str(args.width), "--height", str(args.height)]
    elif args.width:
        cmd += ["--width", str(args.width), "--height", str(args.height)]
    q = shlex.quote
    adb.run("shell", f"chmod 755 {q(remote + '/meiyan_bench')} && rm -f {q(remote + '/bench.json')}")
    shell = f"cd {shlex.quote(remote)} && LD_LIBRARY_PATH={shlex.quote(remote)} " + " ".join(map(shlex.quote, cmd))
    print(f"adb_bench: {serial}: {shell}", file=sys.stderr)
    r = adb.run("shell", shell, check=False)
    if r.returncode != 0:
        print(f"adb_bench: meiyan_bench failed on {serial} (exit {r.returncode}):\n{r.stdout}{r.stderr}",
              file=sys.stderr)
        return 1
    out = Path(args.json_out or f"meiyan_bench_{serial}.json")
    adb.pull(f"{remote}/bench.json", out)
    try:
        report = json.loads(out.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise AdbError(f"the pulled {out} is not the benchmark's JSON: {e}") from e
    print(table(report))
    print(f"adb_bench: wrote {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    bench_args: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, bench_args = argv[:i], argv[i + 1 :]
    ap = argparse.ArgumentParser(description="Run meiyan_bench on an Android phone over adb and pull its JSON.",
                                 epilog="Arguments after -- go to meiyan_bench (e.g. -- --count 50 --stages all).")
    ap.add_argument("--serial", help="the device (adb -s); needed when several are connected")
    ap.add_argument("--bench", default=str(ROOT / "build" / "android" / "meiyan_bench"),
                    help="meiyan_bench built for the phone (default build/android/meiyan_bench)")
    ap.add_argument("--lib", help="libmeiyan.so to push (found next to the binary when it links it dynamically)")
    ap.add_argument("--models", default=str(ROOT / "models"), help="folder with the .mynn models (default models/)")
    ap.add_argument("--frames", help="raw RGBA frames to push and replay (with --width/--height)")
    ap.add_argument("--width", type=int, default=0)
    ap.add_argument("--height", type=int, default=0)
    ap.add_argument("--json-out", help="where to write the pulled JSON (default meiyan_bench_SERIAL.json)")
    ap.add_argument("--remote-dir", default=REMOTE_DIR, help=f"working folder on the device (default {REMOTE_DIR})")
    args = ap.parse_args(argv)
    if (args.width > 0) != (args.height > 0) or (args.frames and args.width <= 0):
        print("adb_bench: --width and --height go together (and are needed with --frames)", file=sys.stderr)
        return 2
    try:
        return run(args, bench_args)
    except AdbError as e:
        print(f"adb_bench: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
