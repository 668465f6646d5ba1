// Run-time choice of the NN kernel table, following the image core's SIMD level (simd_active()),
// so that simd_force(SimdLevel::Scalar) runs the whole engine on the scalar reference.
#include "image/image.h"
#include "nn/nn_kernels.h"

#if MEIYAN_NN_X86
#include <cpuid.h>

#include <cstdint>
#endif

namespace meiyan {
namespace nn {

#if MEIYAN_NN_X86
namespace {

// CPUID and XGETBV directly: compilers differ in the feature names __builtin_cpu_supports knows.
struct CpuVnni {
    bool avx_vnni = false;     // VEX VPDPBUSD (CPUID.7.1:EAX[4])
    bool avx512_vnni = false;  // EVEX VPDPBUSD on ymm: AVX512-VNNI + AVX512VL, with the OS saving ZMM state
};

CpuVnni detect_vnni() {
    CpuVnni v;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d) || a < 7) return v;
    __get_cpuid(1, &a, &b, &c, &d);
    const bool osxsave = (c >> 27) & 1;
    if (!osxsave) return v;
    uint32_t xcr0_lo = 0, xcr0_hi = 0;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    const bool os_avx = (xcr0_lo & 0x6) == 0x6, os_avx512 = (xcr0_lo & 0xE6) == 0xE6;
    __cpuid_count(7, 0, a, b, c, d);
    const bool avx2 = (b >> 5) & 1, avx512vl = (b >> 31) & 1, avx512vnni = (c >> 11) & 1;
    const unsigned max_sub = a;
    unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
    if (max_sub >= 1) __cpuid_count(7, 1, a1, b1, c1, d1);
    v.avx_vnni = os_avx && avx2 && ((a1 >> 4) & 1);
    v.avx512_vnni = os_avx512 && avx2 && avx512vl && avx512vnni;
    return v;
}

const CpuVnni& vnni() {
    static const CpuVnni v = detect_vnni();
    return v;
}

}  // namespace

bool avx_vnni_supported() { return vnni().avx_vnni; }
bool avx512_vnni_supported() { return vnni().avx512_vnni; }

const Kernels* best_avx2_table() {
    if (avx_vnni_supported()) return &kAvx2VnniKernels;
    if (avx512_vnni_supported()) return &kAvx512VnniKernels;
    return &kAvx2Kernels;
}
#endif

const Kernels& active_kernels() {
    switch (simd_active()) {
#if MEIYAN_NN_X86
        case SimdLevel::AVX2: return *best_avx2_table();
#endif
#if MEIYAN_NN_NEON
        case SimdLevel::NEON: return kNeonKernels;
#endif
        default: return kScalarKernels;  // the SSE4.1 tier has no NN kernels of its own
    }
}

int available_kernels(const Kernels** out, int capacity) {
    int n = 0;
    auto add = [&](const Kernels* k) {
        if (n < capacity) out[n] = k;
        ++n;
    };
    add(&kScalarKernels);
#if MEIYAN_NN_X86
    if (simd_available(SimdLevel::AVX2)) {
        add(&kAvx2Kernels);
        if (avx_vnni_supported()) add(&kAvx2VnniKernels);
        if (avx512_vnni_supported()) add(&kAvx512VnniKernels);
    }
#endif
#if MEIYAN_NN_NEON
    add(&kNeonKernels);
#endif
    return n;
}

}  // namespace nn
}  // namespace meiyan
