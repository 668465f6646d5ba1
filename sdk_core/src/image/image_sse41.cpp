// SSE4.1 row kernels (built with -msse4.1, run only after the CPU check in image_simd.cpp). Each
// reproduces its scalar row in image_kernels_scalar.cpp exactly and leaves the tail to it.
#include <smmintrin.h>

#include <cstring>

#include "image/image_kernels.h"

namespace meiyan {
namespace image_detail {

namespace {

__m128i load(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
void store(void* p, __m128i v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }

int64_t load8(const uint8_t* p) {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// 8 pixels of 16-bit (Y << 8) and per-pixel chroma terms -> 8 clamped values per channel.
struct Rgb16 {
    __m128i r, g, b;
};

Rgb16 yuv_to_rgb16(__m128i y_hi8, __m128i r_term, __m128i g_term, __m128i b_term) {
    const __m128i yb =
        _mm_add_epi16(_mm_mulhi_epu16(y_hi8, _mm_set1_epi16(kYScale)), _mm_set1_epi16(static_cast<short>(kYBias)));
    return {_mm_srai_epi16(_mm_add_epi16(yb, r_term), 6), _mm_srai_epi16(_mm_sub_epi16(yb, g_term), 6),
            _mm_srai_epi16(_mm_adds_epi16(yb, b_term), 6)};
}

// 16 pixels: Y bytes and 8 samples of U and V (16-bit).
void yuv16_to_rgba(__m128i yv, __m128i u16, __m128i v16, uint8_t* dst, bool bgra) {
    const __m128i k128 = _mm_set1_epi16(128);
    const __m128i du = _mm_sub_epi16(u16, k128), dv = _mm_sub_epi16(v16, k128);
    const __m128i r_c = _mm_mullo_epi16(dv, _mm_set1_epi16(kVToR));
    const __m128i g_c =
        _mm_add_epi16(_mm_mullo_epi16(du, _mm_set1_epi16(kUToG)), _mm_mullo_epi16(dv, _mm_set1_epi16(kVToG)));
    const __m128i b_c = _mm_mullo_epi16(du, _mm_set1_epi16(kUToB));
    const __m128i zero = _mm_setzero_si128();
    // Each chroma sample covers two pixels: unpacking a term with itself doubles it up.
    const Rgb16 lo = yuv_to_rgb16(_mm_unpacklo_epi8(zero, yv), _mm_unpacklo_epi16(r_c, r_c),
                                  _mm_unpacklo_epi16(g_c, g_c), _mm_unpacklo_epi16(b_c, b_c));
    const Rgb16 hi = yuv_to_rgb16(_mm_unpackhi_epi8(zero, yv), _mm_unpackhi_epi16(r_c, r_c),
                                  _mm_unpackhi_epi16(g_c, g_c), _mm_unpackhi_epi16(b_c, b_c));
    const __m128i r = _mm_packus_epi16(lo.r, hi.r), g = _mm_packus_epi16(lo.g, hi.g), b = _mm_packus_epi16(lo.b, hi.b);
    const __m128i c0 = bgra ? b : r, c2 = bgra ? r : b;
    const __m128i a = _mm_set1_epi8(-1);
    const __m128i c01_lo = _mm_unpacklo_epi8(c0, g), c01_hi = _mm_unpackhi_epi8(c0, g);
    const __m128i c23_lo = _mm_unpacklo_epi8(c2, a), c23_hi = _mm_unpackhi_epi8(c2, a);
    store(dst, _mm_unpacklo_epi16(c01_lo, c23_lo));
    store(dst + 16, _mm_unpackhi_epi16(c01_lo, c23_lo));
    store(dst + 32, _mm_unpacklo_epi16(c01_hi, c23_hi));
    store(dst + 48, _mm_unpackhi_epi16(c01_hi, c23_hi));
}

void yuv_to_rgba_sse41(const uint8_t* y, const uint8_t* u, const uint8_t* v, int uv_step, uint8_t* dst, int width,
                       bool bgra) {
    int x = 0;
    if (uv_step == 2) {
        // Interleaved chroma: 16 bytes hold 8 (first, second) pairs; u < v means U comes first.
        const uint8_t* uv = u < v ? u : v;
        const __m128i low_bytes = _mm_set1_epi16(0xff);
        for (; x + 16 <= width; x += 16) {
            const __m128i c = load(uv + x);
            const __m128i first = _mm_and_si128(c, low_bytes), second = _mm_srli_epi16(c, 8);
            yuv16_to_rgba(load(y + x), u < v ? first : second, u < v ? second : first, dst + 4 * x, bgra);
        }
    } else {
        for (; x + 16 <= width; x += 16) {
            const __m128i u16 = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(u + x / 2)));
            const __m128i v16 = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(v + x / 2)));
            yuv16_to_rgba(load(y + x), u16, v16, dst + 4 * x, bgra);
        }
    }
    yuv_to_rgba_row(y + x, u + x / 2 * uv_step, v + x / 2 * uv_step, uv_step, dst + 4 * x, width - x, bgra);
}

void swap_rb4_sse41(const uint8_t* src, uint8_t* dst, int width) {
    const __m128i mask = _mm_setr_epi8(2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15);
    int x = 0;
    for (; x + 4 <= width; x += 4) store(dst + 4 * x, _mm_shuffle_epi8(load(src + 4 * x), mask));
    swap_rb4_row(src + 4 * x, dst + 4 * x, width - x);
}

// Byte shuffles for 4 pixels between 3-byte groups (bytes 0..11) and 4-byte groups; -1 gives zero.
__m128i rgb3_to_rgba_mask(bool swap_rb) {
    return swap_rb ? _mm_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1)
                   : _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
}

__m128i rgba_to_rgb3_mask(bool swap_rb) {
    return swap_rb ? _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1)
                   : _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
}

// 4 pixels per step from a 16-byte load of which 12 bytes are used; the loop bound keeps the other 4
// inside the row.
void rgb3_to_rgba_sse41(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    const __m128i mask = rgb3_to_rgba_mask(swap_rb);
    const __m128i alpha = _mm_set1_epi32(static_cast<int>(0xff000000u));
    int x = 0;
    for (; x + 6 <= width; x += 4) store(dst + 4 * x, _mm_or_si128(_mm_shuffle_epi8(load(src + 3 * x), mask), alpha));
    rgb3_to_rgba_row(src + 3 * x, dst + 4 * x, width - x, swap_rb);
}

// 4 pixels per step into a 16-byte store whose last 4 bytes the next step (or the tail) overwrites.
void rgba_to_rgb3_sse41(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    const __m128i mask = rgba_to_rgb3_mask(swap_rb);
    int x = 0;
    for (; x + 6 <= width; x += 4) store(dst + 3 * x, _mm_shuffle_epi8(load(src + 4 * x), mask));
    rgba_to_rgb3_row(src + 4 * x, dst + 3 * x, width - x, swap_rb);
}

// RGBA -> YUV, 16 pixels of two rows per step. Multiply-adds of (R, G) and (B, A) pairs followed by
// a horizontal add give exact 32-bit sums per pixel (and, added again, per 2x2 block).
__m128i coefficients(int r, int g, int b) {
    return _mm_setr_epi16(static_cast<short>(r), static_cast<short>(g), static_cast<short>(b), 0, static_cast<short>(r),
                          static_cast<short>(g), static_cast<short>(b), 0);
}

// Weighted sums of 4 pixels, given as two registers of two pixels in 16-bit lanes.
__m128i weighted4(__m128i px01, __m128i px23, __m128i coef) {
    return _mm_hadd_epi32(_mm_madd_epi16(px01, coef), _mm_madd_epi16(px23, coef));
}

__m128i luma16(const uint8_t* rgba) {
    const __m128i coef = coefficients(kRToY, kGToY, kBToY), round = _mm_set1_epi32(kYRound);
    const __m128i zero = _mm_setzero_si128();
    __m128i y[4];
    for (int k = 0; k < 4; ++k) {
        const __m128i p = load(rgba + 16 * k);
        y[k] = _mm_srli_epi32(
            _mm_add_epi32(weighted4(_mm_unpacklo_epi8(p, zero), _mm_unpackhi_epi8(p, zero), coef), round), 15);
    }
    return _mm_packus_epi16(_mm_packs_epi32(y[0], y[1]), _mm_packs_epi32(y[2], y[3]));
}

// 8 chroma samples (16-bit) from the two-row sums of 16 pixels, two pixels per register.
__m128i chroma8(const __m128i* sums, __m128i coef) {
    const __m128i round = _mm_set1_epi32(kUVRound);
    __m128i block[2];
    for (int h = 0; h < 2; ++h) {
        const __m128i* s = sums + 4 * h;
        const __m128i px = _mm_hadd_epi32(weighted4(s[0], s[1], coef), weighted4(s[2], s[3], coef));
        block[h] = _mm_srli_epi32(_mm_add_epi32(px, round), 17);
    }
    return _mm_packs_epi32(block[0], block[1]);
}

void rgba_to_yuv_sse41(const uint8_t* rgba0, const uint8_t* rgba1, uint8_t* y0, uint8_t* y1, uint8_t* u, uint8_t* v,
                       int uv_step, int width) {
    const __m128i cu = coefficients(kRToU, kGToU, kBToU), cv = coefficients(kRToV, kGToV, kBToV);
    const __m128i zero = _mm_setzero_si128();
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        const uint8_t* a = rgba0 + 4 * x;
        const uint8_t* b = rgba1 + 4 * x;
        store(y0 + x, luma16(a));
        store(y1 + x, luma16(b));
        __m128i sums[8];
        for (int k = 0; k < 4; ++k) {
            const __m128i pa = load(a + 16 * k), pb = load(b + 16 * k);
            sums[2 * k] = _mm_add_epi16(_mm_unpacklo_epi8(pa, zero), _mm_unpacklo_epi8(pb, zero));
            sums[2 * k + 1] = _mm_add_epi16(_mm_unpackhi_epi8(pa, zero), _mm_unpackhi_epi8(pb, zero));
        }
        const __m128i u16 = chroma8(sums, cu), v16 = chroma8(sums, cv);
        if (uv_step == 2) {
            // Interleaved: the sample at the lower address goes to the low byte of each pair.
            const __m128i first = u < v ? u16 : v16, second = u < v ? v16 : u16;
            store((u < v ? u : v) + x, _mm_or_si128(first, _mm_slli_epi16(second, 8)));
        } else {
            _mm_storel_epi64(reinterpret_cast<__m128i*>(u + x / 2), _mm_packus_epi16(u16, u16));
            _mm_storel_epi64(reinterpret_cast<__m128i*>(v + x / 2), _mm_packus_epi16(v16, v16));
        }
    }
    rgba_to_yuv_rows(rgba0 + 4 * x, rgba1 + 4 * x, y0 + x, y1 + x, u + x / 2 * uv_step, v + x / 2 * uv_step, uv_step,
                     width - x);
}

// 2 output pixels per step: each reads its 8-byte tap pair, the shuffle puts channel c of both
// taps side by side, and one multiply-add per pixel applies (w0, w1).
void resize_h_sse41(const uint8_t* src, int src_width, const int32_t* xofs, const int32_t* xweights, int32_t* dst,
                    int dst_width) {
    int i = 0;
    if (src_width > 1) {
        const __m128i pairs = _mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
        const __m128i zero = _mm_setzero_si128();
        for (; i + 2 <= dst_width; i += 2) {
            const __m128i p = _mm_shuffle_epi8(_mm_set_epi64x(load8(src + xofs[i + 1]), load8(src + xofs[i])), pairs);
            store(dst + 4 * i, _mm_madd_epi16(_mm_cvtepu8_epi16(p), _mm_set1_epi32(xweights[i])));
            store(dst + 4 * i + 4, _mm_madd_epi16(_mm_unpackhi_epi8(p, zero), _mm_set1_epi32(xweights[i + 1])));
        }
    }
    resize_h_row(src, src_width, xofs + i, xweights + i, dst + 4 * i, dst_width - i);
}

// 8 sums of one row, shifted to 15 bits and packed to 16-bit lanes (no saturation: sums < 2^19).
__m128i sums_to_16(const int32_t* r) {
    return _mm_packs_epi32(_mm_srai_epi32(load(r), 4), _mm_srai_epi32(load(r + 4), 4));
}

void resize_v_sse41(const int32_t* r0, const int32_t* r1, int b0, int b1, uint8_t* dst, int n) {
    const __m128i w0 = _mm_set1_epi16(static_cast<short>(b0)), w1 = _mm_set1_epi16(static_cast<short>(b1));
    const __m128i two = _mm_set1_epi16(2);
    const auto blend8 = [&](int i) {
        const __m128i t =
            _mm_add_epi16(_mm_mulhi_epi16(sums_to_16(r0 + i), w0), _mm_mulhi_epi16(sums_to_16(r1 + i), w1));
        return _mm_srai_epi16(_mm_add_epi16(t, two), 2);
    };
    int i = 0;
    for (; i + 16 <= n; i += 16) store(dst + i, _mm_packus_epi16(blend8(i), blend8(i + 8)));
    resize_v_row(r0 + i, r1 + i, b0, b1, dst + i, n - i);
}

}  // namespace

const Kernels kSse41Kernels = {yuv_to_rgba_sse41, swap_rb4_sse41, rgb3_to_rgba_sse41, rgba_to_rgb3_sse41,
                               rgba_to_yuv_sse41, resize_h_sse41, resize_v_sse41};

}  // namespace image_detail
}  // namespace meiyan
