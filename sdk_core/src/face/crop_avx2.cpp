// AVX2 face crop: 8 output pixels of a row at a time, the scalar sampling's arithmetic in the same
// order (coordinates in double, no fused multiply-adds), so the tensors are identical.
#include <immintrin.h>

#include "core/avx2_exact.h"
#include "face/crop_simd.h"

#if MEIYAN_CROP_X86
namespace meiyan::face::crop_detail {

namespace {
using avx2::unfused;
// ((p * u + q * v) + r) - 0.5 for 4 values of u, in double, then to float (as the scalar code).
inline __m128 coord4(double p, double q, double r, __m256d u, double v) {
    const __m256d pu = unfused(_mm256_mul_pd(_mm256_set1_pd(p), u));
    const __m256d qv = unfused(_mm256_set1_pd(q * v));
    return _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_add_pd(_mm256_add_pd(pu, qv), _mm256_set1_pd(r)), _mm256_set1_pd(0.5)));
}
}  // namespace

bool crop_group8_avx2(const ImageView& f, int bpp, const int at[3], const Affine2& m, int i, int j, float scale,
                      float lo, float limit, float* out) {
    const double v = j + 0.5;
    const __m256d u0 = _mm256_setr_pd(i + 0.5, i + 1.5, i + 2.5, i + 3.5);
    const __m256d u1 = _mm256_add_pd(u0, _mm256_set1_pd(4.0));
    const __m256 lim = _mm256_set1_ps(limit), nlim = _mm256_set1_ps(-limit);
    __m256 sx = _mm256_set_m128(coord4(m.a, m.b, m.c, u1, v), coord4(m.a, m.b, m.c, u0, v));
    __m256 sy = _mm256_set_m128(coord4(m.d, m.e, m.f, u1, v), coord4(m.d, m.e, m.f, u0, v));
    sx = _mm256_min_ps(_mm256_max_ps(sx, nlim), lim);
    sy = _mm256_min_ps(_mm256_max_ps(sy, nlim), lim);
    const __m256 fx0 = _mm256_floor_ps(sx), fy0 = _mm256_floor_ps(sy);
    const __m256i x0 = _mm256_cvttps_epi32(fx0), y0 = _mm256_cvttps_epi32(fy0);
    // all taps inside: 0 <= x0, x0 + 1 < w, 0 <= y0, y0 + 1 < h; 3-byte pixels are read 4 bytes at a
    // time, so their taps also stay off the last row (whose last pixel has no byte after it)
    const __m256i neg1 = _mm256_set1_epi32(-1);
    const int rows = bpp == 4 ? f.height - 1 : f.height - 2;
    const __m256i ok = _mm256_and_si256(
        _mm256_and_si256(_mm256_cmpgt_epi32(x0, neg1), _mm256_cmpgt_epi32(_mm256_set1_epi32(f.width - 1), x0)),
        _mm256_and_si256(_mm256_cmpgt_epi32(y0, neg1), _mm256_cmpgt_epi32(_mm256_set1_epi32(rows), y0)));
    if (_mm256_movemask_ps(_mm256_castsi256_ps(ok)) != 0xff) return false;
    const __m256 fx = _mm256_sub_ps(sx, fx0), fy = _mm256_sub_ps(sy, fy0);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 gx = _mm256_sub_ps(one, fx), gy = _mm256_sub_ps(one, fy);
    const __m256 w00 = _mm256_mul_ps(gx, gy), w01 = _mm256_mul_ps(fx, gy), w10 = _mm256_mul_ps(gx, fy),
                 w11 = _mm256_mul_ps(fx, fy);
    const int stride = static_cast<int>(f.stride[0]);
    const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(y0, _mm256_set1_epi32(stride)),
                                         _mm256_mullo_epi32(x0, _mm256_set1_epi32(bpp)));
    const int* base = reinterpret_cast<const int*>(f.data[0]);
    const __m256i p00 = _mm256_i32gather_epi32(base, off, 1);
    const __m256i p01 = _mm256_i32gather_epi32(base, _mm256_add_epi32(off, _mm256_set1_epi32(bpp)), 1);
    const __m256i p10 = _mm256_i32gather_epi32(base, _mm256_add_epi32(off, _mm256_set1_epi32(stride)), 1);
    const __m256i p11 = _mm256_i32gather_epi32(base, _mm256_add_epi32(off, _mm256_set1_epi32(stride + bpp)), 1);
    const __m256i bytes = _mm256_set1_epi32(0xff);
    const __m256 vscale = _mm256_set1_ps(scale), vlo = _mm256_set1_ps(lo);
    alignas(32) float ch[3][8];
    for (int c = 0; c < 3; ++c) {
        const __m128i shift = _mm_cvtsi32_si128(8 * at[c]);
        const __m256 c00 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(p00, shift), bytes));
        const __m256 c01 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(p01, shift), bytes));
        const __m256 c10 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(p10, shift), bytes));
        const __m256 c11 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(p11, shift), bytes));
        // (p00 w00 + p01 w01) + (p10 w10 + p11 w11), as the scalar (SSE2) sample
        const __m256 topv = _mm256_add_ps(unfused(_mm256_mul_ps(c00, w00)), unfused(_mm256_mul_ps(c01, w01)));
        const __m256 botv = _mm256_add_ps(unfused(_mm256_mul_ps(c10, w10)), unfused(_mm256_mul_ps(c11, w11)));
        const __m256 acc = _mm256_add_ps(topv, botv);
        _mm256_store_ps(ch[c], _mm256_add_ps(unfused(_mm256_mul_ps(acc, vscale)), vlo));
    }
    for (int k = 0; k < 8; ++k) {
        out[3 * k] = ch[0][k];
        out[3 * k + 1] = ch[1][k];
        out[3 * k + 2] = ch[2][k];
    }
    return true;
}

}  // namespace meiyan::face::crop_detail
#endif
