// AVX2 row kernels (built with -mavx2 -mfma, run only after the CPU check in image_simd.cpp). Each
// reproduces its scalar row in image_kernels_scalar.cpp exactly and leaves the tail to it.
// AVX2 unpacks and packs work within 128-bit lanes; the comments say where that orders pixels.
#include <immintrin.h>

#include <cstring>

#include "image/image_kernels.h"

namespace meiyan {
namespace image_detail {

namespace {

__m256i load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
__m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
void store(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
void store128(void* p, __m128i v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }

// Two 16-byte loads into the low and high lanes.
__m256i load_2x128(const void* lo, const void* hi) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(load128(lo)), load128(hi), 1);
}

int64_t load8(const uint8_t* p) {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

struct Rgb16 {
    __m256i r, g, b;
};

Rgb16 yuv_to_rgb16(__m256i y_hi8, __m256i r_term, __m256i g_term, __m256i b_term) {
    const __m256i yb = _mm256_add_epi16(_mm256_mulhi_epu16(y_hi8, _mm256_set1_epi16(kYScale)),
                                        _mm256_set1_epi16(static_cast<short>(kYBias)));
    return {_mm256_srai_epi16(_mm256_add_epi16(yb, r_term), 6), _mm256_srai_epi16(_mm256_sub_epi16(yb, g_term), 6),
            _mm256_srai_epi16(_mm256_adds_epi16(yb, b_term), 6)};
}

// 32 pixels: Y bytes and 16 samples of U and V (16-bit, in order). Unpacking Y and the doubled
// chroma terms "lo" gives pixels 0-7 | 16-23, "hi" pixels 8-15 | 24-31, so they line up, and the
// lane-wise pack restores pixel order 0-31. The final RGBA unpacks give 4-pixel groups
// 0|4, 1|5, 2|6, 3|7 (in units of 4 pixels), put back in order by the lane permutes.
void yuv32_to_rgba(__m256i yv, __m256i u16, __m256i v16, uint8_t* dst, bool bgra) {
    const __m256i k128 = _mm256_set1_epi16(128);
    const __m256i du = _mm256_sub_epi16(u16, k128), dv = _mm256_sub_epi16(v16, k128);
    const __m256i r_c = _mm256_mullo_epi16(dv, _mm256_set1_epi16(kVToR));
    const __m256i g_c = _mm256_add_epi16(_mm256_mullo_epi16(du, _mm256_set1_epi16(kUToG)),
                                         _mm256_mullo_epi16(dv, _mm256_set1_epi16(kVToG)));
    const __m256i b_c = _mm256_mullo_epi16(du, _mm256_set1_epi16(kUToB));
    const __m256i zero = _mm256_setzero_si256();
    const Rgb16 lo = yuv_to_rgb16(_mm256_unpacklo_epi8(zero, yv), _mm256_unpacklo_epi16(r_c, r_c),
                                  _mm256_unpacklo_epi16(g_c, g_c), _mm256_unpacklo_epi16(b_c, b_c));
    const Rgb16 hi = yuv_to_rgb16(_mm256_unpackhi_epi8(zero, yv), _mm256_unpackhi_epi16(r_c, r_c),
                                  _mm256_unpackhi_epi16(g_c, g_c), _mm256_unpackhi_epi16(b_c, b_c));
    const __m256i r = _mm256_packus_epi16(lo.r, hi.r), g = _mm256_packus_epi16(lo.g, hi.g);
    const __m256i b = _mm256_packus_epi16(lo.b, hi.b);
    const __m256i c0 = bgra ? b : r, c2 = bgra ? r : b;
    const __m256i a = _mm256_set1_epi8(-1);
    const __m256i c01_lo = _mm256_unpacklo_epi8(c0, g), c01_hi = _mm256_unpackhi_epi8(c0, g);
    const __m256i c23_lo = _mm256_unpacklo_epi8(c2, a), c23_hi = _mm256_unpackhi_epi8(c2, a);
    const __m256i q0 = _mm256_unpacklo_epi16(c01_lo, c23_lo), q1 = _mm256_unpackhi_epi16(c01_lo, c23_lo);
    const __m256i q2 = _mm256_unpacklo_epi16(c01_hi, c23_hi), q3 = _mm256_unpackhi_epi16(c01_hi, c23_hi);
    store(dst, _mm256_permute2x128_si256(q0, q1, 0x20));
    store(dst + 32, _mm256_permute2x128_si256(q2, q3, 0x20));
    store(dst + 64, _mm256_permute2x128_si256(q0, q1, 0x31));
    store(dst + 96, _mm256_permute2x128_si256(q2, q3, 0x31));
}

void yuv_to_rgba_avx2(const uint8_t* y, const uint8_t* u, const uint8_t* v, int uv_step, uint8_t* dst, int width,
                      bool bgra) {
    int x = 0;
    if (uv_step == 2) {
        // Interleaved chroma: 32 bytes hold 16 (first, second) pairs; u < v means U comes first.
        const uint8_t* uv = u < v ? u : v;
        const __m256i low_bytes = _mm256_set1_epi16(0xff);
        for (; x + 32 <= width; x += 32) {
            const __m256i c = load(uv + x);
            const __m256i first = _mm256_and_si256(c, low_bytes), second = _mm256_srli_epi16(c, 8);
            yuv32_to_rgba(load(y + x), u < v ? first : second, u < v ? second : first, dst + 4 * x, bgra);
        }
    } else {
        for (; x + 32 <= width; x += 32) {
            yuv32_to_rgba(load(y + x), _mm256_cvtepu8_epi16(load128(u + x / 2)),
                          _mm256_cvtepu8_epi16(load128(v + x / 2)), dst + 4 * x, bgra);
        }
    }
    yuv_to_rgba_row(y + x, u + x / 2 * uv_step, v + x / 2 * uv_step, uv_step, dst + 4 * x, width - x, bgra);
}

void swap_rb4_avx2(const uint8_t* src, uint8_t* dst, int width) {
    const __m256i mask = _mm256_setr_epi8(2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15,  //
                                          2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15);
    int x = 0;
    for (; x + 8 <= width; x += 8) store(dst + 4 * x, _mm256_shuffle_epi8(load(src + 4 * x), mask));
    swap_rb4_row(src + 4 * x, dst + 4 * x, width - x);
}

// 8 pixels per step: each lane takes 4 pixels from a 16-byte load of which 12 bytes are used; the
// loop bound keeps the other 4 inside the row.
void rgb3_to_rgba_avx2(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    const __m256i mask = swap_rb ? _mm256_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1,  //
                                                    2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1)
                                 : _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1,  //
                                                    0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    const __m256i alpha = _mm256_set1_epi32(static_cast<int>(0xff000000u));
    int x = 0;
    for (; x + 10 <= width; x += 8) {
        const uint8_t* s = src + 3 * x;
        store(dst + 4 * x, _mm256_or_si256(_mm256_shuffle_epi8(load_2x128(s, s + 12), mask), alpha));
    }
    rgb3_to_rgba_row(src + 3 * x, dst + 4 * x, width - x, swap_rb);
}

// 8 pixels per step, each lane packed to 12 bytes and stored with 16-byte stores whose last 4
// bytes the next store (or the tail) overwrites.
void rgba_to_rgb3_avx2(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    const __m256i mask = swap_rb ? _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,  //
                                                    2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1)
                                 : _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,  //
                                                    0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    int x = 0;
    for (; x + 10 <= width; x += 8) {
        const __m256i p = _mm256_shuffle_epi8(load(src + 4 * x), mask);
        store128(dst + 3 * x, _mm256_castsi256_si128(p));
        store128(dst + 3 * x + 12, _mm256_extracti128_si256(p, 1));
    }
    rgba_to_rgb3_row(src + 4 * x, dst + 3 * x, width - x, swap_rb);
}

// RGBA -> YUV, 16 pixels of two rows per step. Multiply-adds of (R, G) and (B, A) pairs followed by
// a horizontal add give exact 32-bit sums per pixel (and, added again, per 2x2 block).
__m256i coefficients(int r, int g, int b) {
    const short rs = static_cast<short>(r), gs = static_cast<short>(g), bs = static_cast<short>(b);
    return _mm256_setr_epi16(rs, gs, bs, 0, rs, gs, bs, 0, rs, gs, bs, 0, rs, gs, bs, 0);
}

// Weighted sums of 8 pixels given in 16-bit lanes as pixels 0,1 | 4,5 and 2,3 | 6,7: the in-lane
// horizontal add returns them in order.
__m256i weighted8(__m256i px_lo, __m256i px_hi, __m256i coef) {
    return _mm256_hadd_epi32(_mm256_madd_epi16(px_lo, coef), _mm256_madd_epi16(px_hi, coef));
}

// 16 int32 in two registers -> 16 lanes of int16 in order (the lane-wise pack interleaves 4-groups).
__m256i pack_16_in_order(__m256i a, __m256i b) { return _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xd8); }

__m128i luma16(const uint8_t* rgba) {
    const __m256i coef = coefficients(kRToY, kGToY, kBToY), round = _mm256_set1_epi32(kYRound);
    const __m256i zero = _mm256_setzero_si256();
    __m256i y[2];
    for (int k = 0; k < 2; ++k) {
        const __m256i p = load(rgba + 32 * k);
        y[k] = _mm256_srli_epi32(
            _mm256_add_epi32(weighted8(_mm256_unpacklo_epi8(p, zero), _mm256_unpackhi_epi8(p, zero), coef), round), 15);
    }
    const __m256i y16 = pack_16_in_order(y[0], y[1]);
    return _mm_packus_epi16(_mm256_castsi256_si128(y16), _mm256_extracti128_si256(y16, 1));
}

// 8 chroma samples (32-bit) from the two-row sums of 16 pixels (as weighted8 takes them). The
// block sums come out as samples 0,1,4,5 | 2,3,6,7; the permute puts them in order.
__m256i chroma8(const __m256i* sums, __m256i coef) {
    const __m256i blocks = _mm256_hadd_epi32(weighted8(sums[0], sums[1], coef), weighted8(sums[2], sums[3], coef));
    const __m256i ordered = _mm256_permutevar8x32_epi32(blocks, _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7));
    return _mm256_srli_epi32(_mm256_add_epi32(ordered, _mm256_set1_epi32(kUVRound)), 17);
}

void rgba_to_yuv_avx2(const uint8_t* rgba0, const uint8_t* rgba1, uint8_t* y0, uint8_t* y1, uint8_t* u, uint8_t* v,
                      int uv_step, int width) {
    const __m256i cu = coefficients(kRToU, kGToU, kBToU), cv = coefficients(kRToV, kGToV, kBToV);
    const __m256i zero = _mm256_setzero_si256();
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        const uint8_t* a = rgba0 + 4 * x;
        const uint8_t* b = rgba1 + 4 * x;
        store128(y0 + x, luma16(a));
        store128(y1 + x, luma16(b));
        __m256i sums[4];
        for (int k = 0; k < 2; ++k) {
            const __m256i pa = load(a + 32 * k), pb = load(b + 32 * k);
            sums[2 * k] = _mm256_add_epi16(_mm256_unpacklo_epi8(pa, zero), _mm256_unpacklo_epi8(pb, zero));
            sums[2 * k + 1] = _mm256_add_epi16(_mm256_unpackhi_epi8(pa, zero), _mm256_unpackhi_epi8(pb, zero));
        }
        const __m256i uv16 = pack_16_in_order(chroma8(sums, cu), chroma8(sums, cv));
        const __m128i u16 = _mm256_castsi256_si128(uv16), v16 = _mm256_extracti128_si256(uv16, 1);
        if (uv_step == 2) {
            // Interleaved: the sample at the lower address goes to the low byte of each pair.
            const __m128i first = u < v ? u16 : v16, second = u < v ? v16 : u16;
            store128((u < v ? u : v) + x, _mm_or_si128(first, _mm_slli_epi16(second, 8)));
        } else {
            _mm_storel_epi64(reinterpret_cast<__m128i*>(u + x / 2), _mm_packus_epi16(u16, u16));
            _mm_storel_epi64(reinterpret_cast<__m128i*>(v + x / 2), _mm_packus_epi16(v16, v16));
        }
    }
    rgba_to_yuv_rows(rgba0 + 4 * x, rgba1 + 4 * x, y0 + x, y1 + x, u + x / 2 * uv_step, v + x / 2 * uv_step, uv_step,
                     width - x);
}

// 4 output pixels per step, tap pairs a, b | c, d in the two lanes. After the channel shuffle,
// unpacking "lo" widens a | c and "hi" b | d; the permutes restore a, b, c, d.
void resize_h_avx2(const uint8_t* src, int src_width, const int32_t* xofs, const int32_t* xweights, int32_t* dst,
                   int dst_width) {
    int i = 0;
    if (src_width > 1) {
        const __m256i pairs = _mm256_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15,  //
                                               0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
        const __m256i pick_ac = _mm256_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2);
        const __m256i pick_bd = _mm256_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3);
        const __m256i zero = _mm256_setzero_si256();
        for (; i + 4 <= dst_width; i += 4) {
            const __m256i p = _mm256_shuffle_epi8(_mm256_set_epi64x(load8(src + xofs[i + 3]), load8(src + xofs[i + 2]),
                                                                    load8(src + xofs[i + 1]), load8(src + xofs[i])),
                                                  pairs);
            const __m256i w = _mm256_castsi128_si256(load128(xweights + i));
            const __m256i ac =
                _mm256_madd_epi16(_mm256_unpacklo_epi8(p, zero), _mm256_permutevar8x32_epi32(w, pick_ac));
            const __m256i bd =
                _mm256_madd_epi16(_mm256_unpackhi_epi8(p, zero), _mm256_permutevar8x32_epi32(w, pick_bd));
            store(dst + 4 * i, _mm256_permute2x128_si256(ac, bd, 0x20));
            store(dst + 4 * i + 8, _mm256_permute2x128_si256(ac, bd, 0x31));
        }
    }
    resize_h_row(src, src_width, xofs + i, xweights + i, dst + 4 * i, dst_width - i);
}

// 16 sums of one row, shifted to 15 bits and packed to 16-bit lanes in order (the lane-wise pack
// gives 0-3, 8-11, 4-7, 12-15; the 64-bit permute fixes that).
__m256i sums_to_16(const int32_t* r) {
    const __m256i p = _mm256_packs_epi32(_mm256_srai_epi32(load(r), 4), _mm256_srai_epi32(load(r + 8), 4));
    return _mm256_permute4x64_epi64(p, 0xd8);
}

void resize_v_avx2(const int32_t* r0, const int32_t* r1, int b0, int b1, uint8_t* dst, int n) {
    const __m256i w0 = _mm256_set1_epi16(static_cast<short>(b0)), w1 = _mm256_set1_epi16(static_cast<short>(b1));
    const __m256i two = _mm256_set1_epi16(2);
    const auto blend16 = [&](int i) {
        const __m256i t =
            _mm256_add_epi16(_mm256_mulhi_epi16(sums_to_16(r0 + i), w0), _mm256_mulhi_epi16(sums_to_16(r1 + i), w1));
        return _mm256_srai_epi16(_mm256_add_epi16(t, two), 2);
    };
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        store(dst + i, _mm256_permute4x64_epi64(_mm256_packus_epi16(blend16(i), blend16(i + 16)), 0xd8));
    }
    resize_v_row(r0 + i, r1 + i, b0, b1, dst + i, n - i);
}

}  // namespace

const Kernels kAvx2Kernels = {yuv_to_rgba_avx2, swap_rb4_avx2, rgb3_to_rgba_avx2, rgba_to_rgb3_avx2,
                              rgba_to_yuv_avx2, resize_h_avx2, resize_v_avx2};

}  // namespace image_detail
}  // namespace meiyan
