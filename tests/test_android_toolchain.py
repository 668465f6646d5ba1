"""sdk_core/cmake/toolchains/android-arm64.cmake: a clear error without an NDK, the NDK's file with one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

TOOLCHAIN = ROOT / "sdk_core" / "cmake" / "toolchains" / "android-arm64.cmake"
pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake not installed")


def configure(tmp_path: Path, *args: str, ndk: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANDROID_NDK")}
    if ndk is not None:
        env["ANDROID_NDK"] = ndk
    r = subprocess.run(["cmake", "-S", str(ROOT / "sdk_core"), "-B", str(tmp_path / "build"),
                        f"-DCMAKE_TOOLCHAIN_FILE={TOOLCHAIN}", *args], env=env, capture_output=True, text=True,
                       timeout=120)
    r.stderr = " ".join(r.stderr.split())  # CMake wraps messages
    return r


def test_configure_without_an_ndk_fails_with_a_clear_message(tmp_path):
    r = configure(tmp_path)
    assert r.returncode != 0
    assert "meiyan: Android NDK not found" in r.stderr and "ANDROID_NDK" in r.stderr


def test_an_ndk_path_without_its_toolchain_file_is_refused(tmp_path):
    r = configure(tmp_path, ndk=str(tmp_path))
    assert r.returncode != 0
    assert "has no build/cmake/android.toolchain.cmake" in r.stderr


def test_the_ndk_toolchain_is_included_for_arm64_api_24(tmp_path):
    # A stand-in NDK whose toolchain file reports what it was handed, then stops the configure.
    ndk = tmp_path / "ndk"
    (ndk / "build" / "cmake").mkdir(parents=True)
    (ndk / "build" / "cmake" / "android.toolchain.cmake").write_text(
        'message(FATAL_ERROR "stand-in NDK: ${ANDROID_ABI} ${ANDROID_PLATFORM} ${ANDROID_STL}")\n')
    r = configure(tmp_path, f"-DANDROID_NDK={ndk}")
    assert "stand-in NDK: arm64-v8a android-24 c++_static" in r.stderr
    r = configure(tmp_path / "env", "-DANDROID_PLATFORM=android-29", ndk=str(ndk))
    assert "stand-in NDK: arm64-v8a android-29 c++_static" in r.stderr
