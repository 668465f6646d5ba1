# Cross-compiling for Android phones (arm64-v8a, API level 24 = Android 7.0) with the Android NDK.
# It wraps the NDK's own toolchain file, so everything that file offers still applies:
#   cmake -S sdk_core -B build/android -G Ninja -DCMAKE_BUILD_TYPE=Release \
#         -DCMAKE_TOOLCHAIN_FILE=sdk_core/cmake/toolchains/android-arm64.cmake -DANDROID_NDK=/path/to/ndk
# (or set the ANDROID_NDK environment variable; ANDROID_NDK_HOME and ANDROID_NDK_ROOT are read too).
# ANDROID_ABI and ANDROID_PLATFORM may be overridden on the command line. tools/adb_bench.py runs the
# resulting meiyan_bench on a phone. The GL renderer needs EGL/GLES headers, which the NDK sysroot has.
if(NOT ANDROID_NDK)
  foreach(var ANDROID_NDK ANDROID_NDK_HOME ANDROID_NDK_ROOT)
    if(DEFINED ENV{${var}} AND NOT "$ENV{${var}}" STREQUAL "")
      set(ANDROID_NDK "$ENV{${var}}")
      break()
    endif()
  endforeach()
endif()
if(NOT ANDROID_NDK)
  message(FATAL_ERROR "meiyan: Android NDK not found: set -DANDROID_NDK=/path/to/android-ndk or the ANDROID_NDK "
                      "environment variable")
endif()
set(_meiyan_ndk_toolchain "${ANDROID_NDK}/build/cmake/android.toolchain.cmake")
if(NOT EXISTS "${_meiyan_ndk_toolchain}")
  message(FATAL_ERROR "meiyan: Android NDK not found: '${ANDROID_NDK}' has no build/cmake/android.toolchain.cmake "
                      "(set -DANDROID_NDK or ANDROID_NDK to the NDK's root)")
endif()
# Try-compiles re-read this file: hand them the NDK path.
set(ANDROID_NDK "${ANDROID_NDK}" CACHE PATH "the Android NDK")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ANDROID_NDK)
if(NOT ANDROID_ABI)
  set(ANDROID_ABI arm64-v8a)
endif()
if(NOT ANDROID_PLATFORM)
  set(ANDROID_PLATFORM android-24)
endif()
if(NOT ANDROID_STL)
  set(ANDROID_STL c++_static)  # one self-contained binary to push; nothing else to copy to the phone
endif()
include("${_meiyan_ndk_toolchain}")
