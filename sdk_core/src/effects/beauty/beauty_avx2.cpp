// AVX2 beauty pixels: 8 at a time, every operation of the scalar pixel in the same order and without
// fused multiply-adds (tables read through gathers), so the frame is identical to the scalar one.
#include <immintrin.h>

#include "core/avx2_exact.h"
#include "effects/beauty/beauty_params.h"
#include "effects/beauty/beauty_simd.h"

#if MEIYAN_BEAUTY_X86
namespace meiyan {
namespace beauty_detail {

namespace {
using avx2::lerp;
using avx2::unfused;
inline __m256 mul(__m256 a, __m256 b) { return unfused(_mm256_mul_ps(a, b)); }
inline __m256 add(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
inline __m256 sub(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
inline __m256 k(float v) { return _mm256_set1_ps(v); }
// a + (b - a) * t with a, b gathered at index i and i + step of `table`.
inline __m256 gather_lerp(const float* table, __m256i i, int step, __m256 t) {
    const __m256 a = _mm256_i32gather_ps(table, i, 4);
    const __m256 b = _mm256_i32gather_ps(table, _mm256_add_epi32(i, _mm256_set1_epi32(step)), 4);
    return lerp(a, b, t);
}
// Byte `c` of each RGBA pixel as a float.
inline __m256 byte_of(__m256i px, int c) {
    return _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(px, _mm_cvtsi32_si128(8 * c)), _mm256_set1_epi32(0xff)));
}
inline __m256 luma(const __m256 c[3]) { return add(add(mul(k(0.299f), c[0]), mul(k(0.587f), c[1])), mul(k(0.114f), c[2])); }
// The scalar ExpTable: exp(-x) by interpolation, 0 where x * scale is not below size.
inline __m256 table_exp(const ExpLookup& e, __m256 x) {
    const __m256 t = mul(x, k(e.scale));
    const __m256 in = _mm256_cmp_ps(t, k(static_cast<float>(e.size)), _CMP_LT_OQ);
    const __m256 tc = _mm256_and_ps(t, in);  // 0 for the lanes beyond the table
    const __m256i i = _mm256_cvttps_epi32(tc);
    const __m256 v = gather_lerp(e.table, i, 1, sub(tc, _mm256_cvtepi32_ps(i)));
    return _mm256_and_ps(v, in);
}
inline __m256i to_u8(__m256 x) {  // static_cast<uint8_t>(clamp(x, 0, 1) * 255 + 0.5)
    return _mm256_cvttps_epi32(add(mul(_mm256_min_ps(_mm256_max_ps(x, _mm256_setzero_ps()), k(1.0f)), k(255.0f)), k(0.5f)));
}
}  // namespace

void bilateral_group8_avx2(const BilateralRow& r, int x) {
    constexpr float kInv = 1.0f / 255.0f;
    auto load = [&](int xx, int yy) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r.src + 4 * (static_cast<std::ptrdiff_t>(yy) * r.w + xx)));
    };
    const __m256i cp = load(x, r.y);
    __m256 c[3];
    for (int ch = 0; ch < 3; ++ch) c[ch] = mul(byte_of(cp, ch), k(kInv));
    const __m256 yc = luma(c);
    __m256 sum[3] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    __m256 wsum = _mm256_setzero_ps();
    for (int t = -r.radius; t <= r.radius; ++t) {
        const __m256i qp = load(x + t * r.dx, r.y + t * r.dy);
        __m256 q[3];
        for (int ch = 0; ch < 3; ++ch) q[ch] = mul(byte_of(qp, ch), k(kInv));
        const __m256 d = sub(luma(q), yc);
        const __m256 wgt = mul(k(r.spatial[t + r.radius]), table_exp(r.exp, mul(mul(d, d), k(r.inv_2sr2))));
        for (int ch = 0; ch < 3; ++ch) sum[ch] = add(sum[ch], mul(wgt, q[ch]));
        wsum = add(wsum, wgt);
    }
    __m256i packed = _mm256_set1_epi32(static_cast<int>(0xff000000u));
    for (int ch = 0; ch < 3; ++ch) {
        packed = _mm256_or_si256(packed, _mm256_sll_epi32(to_u8(_mm256_div_ps(sum[ch], wsum)), _mm_cvtsi32_si128(8 * ch)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(r.dst + 4 * (static_cast<std::ptrdiff_t>(r.y) * r.w + x)), packed);
}

void skin_group8_avx2(const SkinRow& r, int x) {
    constexpr float kInv = 1.0f / 255.0f;
    const int ci = x - r.xs;
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r.col_a + ci));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r.col_b + ci));
    const __m256i a5 = _mm256_add_epi32(_mm256_slli_epi32(a, 2), a), b5 = _mm256_add_epi32(_mm256_slli_epi32(b, 2), b);
    const __m256 t = _mm256_loadu_ps(r.col_t + ci);
    auto cell = [&](int c) {
        const __m256 ca = _mm256_i32gather_ps(r.cells + c, a5, 4), cb = _mm256_i32gather_ps(r.cells + c, b5, 4);
        return lerp(ca, cb, t);
    };
    const __m256 m0 = cell(0), m1 = cell(1);
    const __m256 zero = _mm256_setzero_ps();
    const __m256 write = _mm256_or_ps(_mm256_cmp_ps(m0, zero, _CMP_NEQ_UQ), _mm256_cmp_ps(m1, zero, _CMP_NEQ_UQ));
    if (_mm256_movemask_ps(write) == 0) return;  // the scalar pixel leaves these alone
    const uint8_t* sp = r.src + 4 * ci;
    const __m256i px = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp));
    __m256 c[3];
    for (int ch = 0; ch < 3; ++ch) c[ch] = mul(byte_of(px, ch), k(kInv));
    const __m256 cbv = add(sub(mul(k(-0.168736f), c[0]), mul(k(0.331264f), c[1])), mul(k(0.5f), c[2]));
    const __m256 crv = sub(sub(mul(k(0.5f), c[0]), mul(k(0.418688f), c[1])), mul(k(0.081312f), c[2]));
    const __m256 dcb = sub(cbv, k(r.tone_cb)), dcr = sub(crv, k(r.tone_cr));
    const __m256 skin = mul(m0, table_exp(r.exp, mul(add(mul(dcb, dcb), mul(dcr, dcr)), k(r.inv_2c2))));
    __m256 rgb[3] = {c[0], c[1], c[2]};
    if (r.smoothing > 0.0f) {
        const __m256 s[3] = {cell(2), cell(3), cell(4)};
        const __m256 d = sub(luma(s), luma(c));
        const __m256 kk = mul(mul(k(r.smoothing), skin), table_exp(r.exp, mul(mul(d, d), k(r.inv_2e2))));
        // (where skin is 0, k is 0 and the values stay as they are, as the scalar branch)
        for (int ch = 0; ch < 3; ++ch) rgb[ch] = add(rgb[ch], mul(sub(s[ch], rgb[ch]), kk));
    }
    if (r.whitening > 0.0f) {
        const __m256 size = k(static_cast<float>(r.curve_size));
        const __m256i last = _mm256_set1_epi32(r.curve_size - 1);
        for (int ch = 0; ch < 3; ++ch) {
            const __m256 tt = mul(_mm256_min_ps(_mm256_max_ps(rgb[ch], zero), k(1.0f)), size);
            const __m256i i0 = _mm256_min_epi32(_mm256_cvttps_epi32(tt), last);
            const __m256 curved = gather_lerp(r.curve, i0, 1, sub(tt, _mm256_cvtepi32_ps(i0)));
            rgb[ch] = add(rgb[ch], mul(sub(curved, rgb[ch]), skin));
        }
    }
    if (r.rosy > 0.0f) {
        const __m256 kk = mul(k(beauty::kRosyStrength * r.rosy), skin);
        for (int ch = 0; ch < 3; ++ch) rgb[ch] = mul(rgb[ch], add(k(1.0f), mul(k(beauty::kRosyTint[ch] - 1.0f), kk)));
    }
    if (r.sharpen > 0.0f) {
        __m256 mean[3] = {zero, zero, zero};
        for (int dy = -1; dy <= 1; ++dy) {
            for (int dx = -1; dx <= 1; ++dx) {
                const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp + dy * r.src_row + 4 * dx));
                for (int ch = 0; ch < 3; ++ch) mean[ch] = add(mean[ch], mul(byte_of(q, ch), k(kInv)));
            }
        }
        const __m256 kk = mul(k(beauty::kSharpenGain * r.sharpen), m1);
        for (int ch = 0; ch < 3; ++ch) rgb[ch] = add(rgb[ch], mul(sub(c[ch], _mm256_div_ps(mean[ch], k(9.0f))), kk));
    }
    const __m256i alpha = _mm256_and_si256(px, _mm256_set1_epi32(static_cast<int>(0xff000000u)));
    const __m256i packed = _mm256_or_si256(
        _mm256_or_si256(to_u8(rgb[0]), _mm256_slli_epi32(to_u8(rgb[1]), 8)),
        _mm256_or_si256(_mm256_slli_epi32(to_u8(rgb[2]), 16), alpha));
    _mm256_maskstore_epi32(reinterpret_cast<int*>(r.out + 4 * ci), _mm256_castps_si256(write), packed);
}

}  // namespace beauty_detail
}  // namespace meiyan
#endif
