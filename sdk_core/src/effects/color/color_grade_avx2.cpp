// 8 pixels at a time of the CPU colour grade, the same arithmetic in the same order as the scalar
// pixel (grade_rows in color_grade_cpu.cpp): products rounded before the adds (avx2::unfused), the
// LUT's 8 corners x 3 channels fetched by gathers, and the lerps in the scalar order.
#include <immintrin.h>

#include "core/avx2_exact.h"
#include "effects/color/color_grade_simd.h"

namespace meiyan {
namespace color_detail {

using avx2::lerp;
using avx2::unfused;

namespace {

inline __m256 clamp01(__m256 v) { return _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(1.0f)); }

}  // namespace

void grade_group8_avx2(const GradeParams& g, uint8_t* px) {
    const __m256i in = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(px));
    const __m256i byte = _mm256_set1_epi32(0xff);
    __m256 rgb[3];
    for (int c = 0; c < 3; ++c) {
        const __m256i v = _mm256_and_si256(_mm256_srli_epi32(in, 8 * c), byte);
        rgb[c] = _mm256_i32gather_ps(g.curve[c], v, 4);
    }
    if (g.saturation) {
        // luma = 0.299 r + 0.587 g + 0.114 b, each product rounded, added left to right
        const __m256 luma = _mm256_add_ps(
            _mm256_add_ps(unfused(_mm256_mul_ps(_mm256_set1_ps(0.299f), rgb[0])),
                          unfused(_mm256_mul_ps(_mm256_set1_ps(0.587f), rgb[1]))),
            unfused(_mm256_mul_ps(_mm256_set1_ps(0.114f), rgb[2])));
        const __m256 sat = _mm256_set1_ps(g.sat);
        for (__m256& v : rgb) v = clamp01(lerp(luma, v, sat));
    }
    if (g.lut != nullptr) {
        const int n = g.lut_size;
        const __m256 scale = _mm256_set1_ps(static_cast<float>(n - 1));
        const __m256i top = _mm256_set1_epi32(n - 2);
        __m256i i0[3];
        __m256 f[3];
        for (int c = 0; c < 3; ++c) {
            const __m256 x = _mm256_mul_ps(clamp01(rgb[c]), scale);
            i0[c] = _mm256_min_epi32(_mm256_cvttps_epi32(x), top);
            f[c] = _mm256_sub_ps(x, _mm256_cvtepi32_ps(i0[c]));
        }
        const int sg = 3 * n, sb = 3 * n * n;
        // float index of corner (0, 0, 0): 3 r + g * sg + b * sb
        const __m256i base = _mm256_add_epi32(
            _mm256_add_epi32(_mm256_mullo_epi32(i0[0], _mm256_set1_epi32(3)),
                             _mm256_mullo_epi32(i0[1], _mm256_set1_epi32(sg))),
            _mm256_mullo_epi32(i0[2], _mm256_set1_epi32(sb)));
        const __m256 k = _mm256_set1_ps(g.lut_intensity);
        for (int c = 0; c < 3; ++c) {
            const __m256i p = _mm256_add_epi32(base, _mm256_set1_epi32(c));
            auto at = [&](int offset) {
                return _mm256_i32gather_ps(g.lut, _mm256_add_epi32(p, _mm256_set1_epi32(offset)), 4);
            };
            const __m256 c00 = lerp(at(0), at(3), f[0]);
            const __m256 c10 = lerp(at(sg), at(sg + 3), f[0]);
            const __m256 c01 = lerp(at(sb), at(sb + 3), f[0]);
            const __m256 c11 = lerp(at(sb + sg), at(sb + sg + 3), f[0]);
            const __m256 c0 = lerp(c00, c10, f[1]);
            const __m256 c1 = lerp(c01, c11, f[1]);
            const __m256 graded = lerp(c0, c1, f[2]);
            rgb[c] = lerp(rgb[c], graded, k);
        }
    }
    // to_u8: clamp to [0, 1], * 255 (rounded), + 0.5, truncated
    __m256i out = _mm256_and_si256(in, _mm256_set1_epi32(static_cast<int>(0xff000000u)));
    for (int c = 0; c < 3; ++c) {
        const __m256 v = _mm256_add_ps(unfused(_mm256_mul_ps(clamp01(rgb[c]), _mm256_set1_ps(255.0f))),
                                       _mm256_set1_ps(0.5f));
        out = _mm256_or_si256(out, _mm256_slli_epi32(_mm256_cvttps_epi32(v), 8 * c));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(px), out);
}

}  // namespace color_detail
}  // namespace meiyan
