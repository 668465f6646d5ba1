#!/usr/bin/env bash
# Installs what the tests need and runs them all: C++ (warnings as errors, ASan + UBSan), the C
# example built as C99, shader validation, lint, and the Python suite on a fresh install.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-2}

step() { printf '\n=== %s (%ss)\n' "$1" "$SECONDS"; }

step "system packages"
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  need=()
  for p in g++ cmake ninja-build python3-venv libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 libegl-dev libgles-dev glslang-tools xvfb x11-apps libgl1 libglx-mesa0 locales-all clang \
           g++-aarch64-linux-gnu qemu-user valgrind; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

step "C++ core: ASan/UBSan build, warnings as errors"
cmake -S sdk_core -B build/ci-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEIYAN_SANITIZE=ON -DMEIYAN_WERROR=ON >/dev/null
cmake --build build/ci-asan -j "$JOBS"
# Mesa's own allocations are not ours to fix: leak checking stays off, every other ASan check is on.
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/ci-asan --output-on-failure

step "C++ core: release build; the C example compiled with cc -std=c99 against the static library"
cmake -S sdk_core -B build/ci-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEIYAN_WERROR=ON -DMEIYAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/ci-release -j "$JOBS"
cc -std=c99 -Wall -Wextra -pedantic -Werror sdk_core/examples/process_frame.c -Isdk_core/include \
  build/ci-release/libmeiyan.a -lstdc++ -ldl -lm -o build/ci-release/process_frame_c99
build/ci-release/process_frame_c99

step "C++ core: clang build, warnings as errors, tests (Android and iOS build with clang)"
CLANGXX=$(command -v clang++ || ls /usr/bin/clang++-* 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$CLANGXX" ]; then
  cmake -S sdk_core -B build/ci-clang -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEIYAN_WERROR=ON \
    -DCMAKE_CXX_COMPILER="$CLANGXX" -DCMAKE_C_COMPILER="${CLANGXX/clang++/clang}" >/dev/null
  cmake --build build/ci-clang -j "$JOBS"
  ctest --test-dir build/ci-clang --output-on-failure
else
  echo "skipped: clang not installed"
fi

step "C++ core: aarch64 cross build (NEON kernels), tests under qemu-aarch64"
if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
  # The host's EGL/GLES headers serve (they are architecture-independent); GL is not loaded under qemu.
  cmake -S sdk_core -B build/ci-aarch64 -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEIYAN_WERROR=ON \
    -DCMAKE_TOOLCHAIN_FILE="$ROOT/sdk_core/cmake/toolchains/aarch64-linux-gnu.cmake" >/dev/null
  cmake --build build/ci-aarch64 -j "$JOBS"
  ctest --test-dir build/ci-aarch64 --output-on-failure
else
  echo "skipped: g++-aarch64-linux-gnu or qemu-user not installed"
fi

step "Python: fresh virtual environment, pip install .[test,export]"
python3 -m venv build/ci-venv
. build/ci-venv/bin/activate
python -m pip install -q --upgrade pip
# torch is the CPU build pinned in pyproject's export extra; nothing may pull another one.
MEIYAN_WERROR=ON python -m pip install -q ".[test,export]"

step "lint"
ruff check bindings/meiyan model_export benchmarks tests tools
mypy --ignore-missing-imports bindings/meiyan

step "pytest"
cd "$ROOT/build"  # import the installed package, not the source tree
MEIYAN_CORE_BUILD="$ROOT/build/ci-release" python -m pytest "$ROOT/tests" -q -p no:cacheprovider
