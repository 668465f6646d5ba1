// AVX2 reshape row: 8 output pixels at a time with gathers, the scalar row's arithmetic in the same
// order and without fused multiply-adds, so that the results are identical.
#include <immintrin.h>

#include "core/avx2_exact.h"
#include "effects/beauty/reshape_simd.h"

#if MEIYAN_RESHAPE_X86
namespace meiyan {
namespace reshape_detail {

using avx2::lerp;
using avx2::unfused;

void warp_row_avx2(const WarpRow& r, int count) {
    const __m256i lo_x = _mm256_set1_epi32(r.sx0), hi_x = _mm256_set1_epi32(r.sx1 - 1);
    const __m256i lo_y = _mm256_set1_epi32(r.sy0), hi_y = _mm256_set1_epi32(r.sy1 - 1);
    const __m256i one = _mm256_set1_epi32(1), bytes = _mm256_set1_epi32(0xff);
    const __m256i row_px = _mm256_set1_epi32(static_cast<int>(r.source_row / 4));
    const __m256 fy = _mm256_set1_ps(static_cast<float>(r.y));
    const __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps(255.0f), half = _mm256_set1_ps(0.5f);
    const int* src = reinterpret_cast<const int*>(r.source);
    const __m256 steps = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
    for (int i = 0; i < count; i += 8) {
        const __m256i a2 = _mm256_slli_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r.col_a + i)), 1);
        const __m256i b2 = _mm256_slli_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r.col_b + i)), 1);
        const __m256 t = _mm256_loadu_ps(r.col_t + i);
        const __m256 dx = lerp(_mm256_i32gather_ps(r.disp, a2, 4), _mm256_i32gather_ps(r.disp, b2, 4), t);
        const __m256 dy = lerp(_mm256_i32gather_ps(r.disp + 1, a2, 4), _mm256_i32gather_ps(r.disp + 1, b2, 4), t);
        const __m256 mx = _mm256_cmp_ps(dx, zero, _CMP_NEQ_UQ), my = _mm256_cmp_ps(dy, zero, _CMP_NEQ_UQ);
        const int moved = _mm256_movemask_ps(_mm256_or_ps(mx, my));
        if (moved == 0) continue;  // the scalar row leaves such pixels alone
        const __m256 sx = _mm256_add_ps(_mm256_add_ps(_mm256_set1_ps(static_cast<float>(r.x0 + i)), steps), dx);
        const __m256 sy = _mm256_add_ps(fy, dy);
        const __m256 fsx = _mm256_floor_ps(sx), fsy = _mm256_floor_ps(sy);
        const __m256 bx = _mm256_sub_ps(sx, fsx), by = _mm256_sub_ps(sy, fsy);
        const __m256i ix = _mm256_cvttps_epi32(fsx), iy = _mm256_cvttps_epi32(fsy);
        const __m256i xa = _mm256_sub_epi32(_mm256_min_epi32(_mm256_max_epi32(ix, lo_x), hi_x), lo_x);
        const __m256i xb = _mm256_sub_epi32(_mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(ix, one), lo_x), hi_x), lo_x);
        const __m256i ya = _mm256_mullo_epi32(_mm256_sub_epi32(_mm256_min_epi32(_mm256_max_epi32(iy, lo_y), hi_y), lo_y), row_px);
        const __m256i yb = _mm256_mullo_epi32(
            _mm256_sub_epi32(_mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(iy, one), lo_y), hi_y), lo_y), row_px);
        const __m256i p00 = _mm256_i32gather_epi32(src, _mm256_add_epi32(ya, xa), 4);
        const __m256i p10 = _mm256_i32gather_epi32(src, _mm256_add_epi32(ya, xb), 4);
        const __m256i p01 = _mm256_i32gather_epi32(src, _mm256_add_epi32(yb, xa), 4);
        const __m256i p11 = _mm256_i32gather_epi32(src, _mm256_add_epi32(yb, xb), 4);
        __m256i packed = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c) {
            const __m128i shift = _mm_cvtsi32_si128(8 * c);
            const __m256i c00 = _mm256_and_si256(_mm256_srl_epi32(p00, shift), bytes);
            const __m256i c10 = _mm256_and_si256(_mm256_srl_epi32(p10, shift), bytes);
            const __m256i c01 = _mm256_and_si256(_mm256_srl_epi32(p01, shift), bytes);
            const __m256i c11 = _mm256_and_si256(_mm256_srl_epi32(p11, shift), bytes);
            // top = p00 + float(p10 - p00) * bx, as the scalar row (the difference in integers)
            const __m256 tp = _mm256_add_ps(_mm256_cvtepi32_ps(c00),
                                            unfused(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(c10, c00)), bx)));
            const __m256 bt = _mm256_add_ps(_mm256_cvtepi32_ps(c01),
                                            unfused(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(c11, c01)), bx)));
            const __m256 v = _mm256_add_ps(_mm256_min_ps(_mm256_max_ps(lerp(tp, bt, by), zero), top), half);
            packed = _mm256_or_si256(packed, _mm256_sll_epi32(_mm256_cvttps_epi32(v), shift));
        }
        uint8_t* o = r.out + 4 * (r.x0 + i);
        if (moved == 0xff) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), packed);
        } else {
            _mm256_maskstore_epi32(reinterpret_cast<int*>(o), _mm256_castps_si256(_mm256_or_ps(mx, my)), packed);
        }
    }
}

}  // namespace reshape_detail
}  // namespace meiyan
#endif
