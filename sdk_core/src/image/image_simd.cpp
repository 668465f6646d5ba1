// Run-time choice of the kernel table: the best level the CPU supports, clamped by simd_force().
#include <atomic>

#include "image/image_kernels.h"

namespace meiyan {

namespace {

bool level_supported(SimdLevel level) {
    switch (level) {
        case SimdLevel::Scalar: return true;
#if MEIYAN_IMAGE_X86
        // The 128-bit x86 tier is built with -msse4.1; the AVX2 file with -mavx2 -mfma.
        case SimdLevel::SSE2: return __builtin_cpu_supports("sse4.1");
        case SimdLevel::AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
#if MEIYAN_IMAGE_NEON
        case SimdLevel::NEON: return true;  // part of every AArch64 CPU
#endif
        default: return false;
    }
}

// The best supported level whose value does not exceed `level`.
SimdLevel best_supported_up_to(SimdLevel level) {
    for (int l = static_cast<int>(level); l > 0; --l) {
        if (level_supported(static_cast<SimdLevel>(l))) return static_cast<SimdLevel>(l);
    }
    return SimdLevel::Scalar;
}

std::atomic<int>& active_level() {
    static std::atomic<int> level{static_cast<int>(simd_detected())};
    return level;
}

}  // namespace

bool simd_available(SimdLevel level) { return level_supported(level); }

SimdLevel simd_detected() {
    static const SimdLevel detected = best_supported_up_to(SimdLevel::NEON);
    return detected;
}

SimdLevel simd_active() { return static_cast<SimdLevel>(active_level().load(std::memory_order_relaxed)); }

void simd_force(SimdLevel level) {
    active_level().store(static_cast<int>(best_supported_up_to(level)), std::memory_order_relaxed);
}

const char* simd_level_name(SimdLevel level) {
    switch (level) {
        case SimdLevel::Scalar: return "scalar";
        case SimdLevel::SSE2: return "sse4.1";
        case SimdLevel::AVX2: return "avx2";
        case SimdLevel::NEON: return "neon";
    }
    return "unknown";
}

namespace image_detail {

const Kernels& active_kernels() {
    switch (simd_active()) {
#if MEIYAN_IMAGE_X86
        case SimdLevel::SSE2: return kSse41Kernels;
        case SimdLevel::AVX2: return kAvx2Kernels;
#endif
#if MEIYAN_IMAGE_NEON
        case SimdLevel::NEON: return kNeonKernels;
#endif
        default: return kScalarKernels;
    }
}

}  // namespace image_detail
}  // namespace meiyan
