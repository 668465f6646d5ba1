#!/usr/bin/env bash
# The GL renderer on a machine with a real GPU (not a CI requirement: CI tests on Mesa's llvmpipe).
# Builds and installs meiyan into the current Python, prints the GL driver the engine gets, runs the
# GL-touching tests (CPU vs GL parity of every effect, goldens, beauty, makeup, packages, background,
# filters; with pytest-xdist when installed) and times every effect on the GL and the CPU renderer.
#   bash tools/gpu_gl_check.sh OUT_DIR
# Headless NVIDIA: EGL finds the driver through glvnd; if not, set __EGL_VENDOR_LIBRARY_FILENAMES to
# the driver's 10_nvidia.json. The EGL/GLES headers (libegl-dev, libgles-dev) are needed to build.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: tools/gpu_gl_check.sh OUT_DIR}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
t0=$SECONDS
"$PY" -m pip install --no-build-isolation --no-deps -q . >"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
echo "build + install: $((SECONDS - t0)) s"
(cd /tmp && "$PY" -c "import meiyan; ok, what = meiyan.gl_status(); print('GL', ok, what); assert ok, what")
xdist=()
"$PY" -c "import xdist" 2>/dev/null && xdist=(-n "$(( $(nproc) < 12 ? $(nproc) : 12 ))")
"$PY" -m pytest -q "${xdist[@]}" -p no:cacheprovider -rs tests/test_gl.py tests/test_goldens.py tests/test_beauty.py \
  tests/test_beauty_makeup.py tests/test_beauty_features.py tests/test_beauty_presets.py tests/test_effects.py \
  tests/test_background.py tests/test_makeup_contacts.py tests/test_filters.py tests/test_engine.py >"$OUT/pytest.log" 2>&1
rc=$?
echo "pytest rc $rc"; tail -8 "$OUT/pytest.log"
"$PY" -m meiyan bench effects --renderer gl --quiet --json "$OUT/bench_gl.json" --plot "$OUT/bench_gl.png"
"$PY" -m meiyan bench effects --renderer cpu --quiet --json "$OUT/bench_cpu.json" --plot "$OUT/bench_cpu.png"
exit $rc
