#include "face/crop.h"

#include <climits>

#include "face/crop_simd.h"

#include <algorithm>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace meiyan::face {

namespace {

// Bytes per pixel and the byte of R, G and B within a pixel.
struct Layout {
    int bpp;
    int at[3];
};

Layout layout_of(PixelFormat f) {
    switch (f) {
        case PixelFormat::BGRA8: return {4, {2, 1, 0}};
        case PixelFormat::RGB8: return {3, {0, 1, 2}};
        case PixelFormat::BGR8: return {3, {2, 1, 0}};
        default: return {4, {0, 1, 2}};
    }
}

// One bilinear sample; `inside` says all four taps are in the frame, so no clamping is needed.
// Every layout sums the taps as (p00 w00 + p01 w01) + (p10 w10 + p11 w11), so that all formats of the
// same pixels give the same tensor.
inline void sample(const ImageView& f, const Layout& lay, float sx, float sy, Border border, float acc[3]) {
    const float fx0 = std::floor(sx), fy0 = std::floor(sy);
    const float fx = sx - fx0, fy = sy - fy0;
    const int x0 = static_cast<int>(fx0), y0 = static_cast<int>(fy0);
    const int w = f.width, h = f.height;
    acc[0] = acc[1] = acc[2] = 0;
    if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const uint8_t* r0 = f.data[0] + static_cast<std::ptrdiff_t>(y0) * f.stride[0] + lay.bpp * x0;
        const uint8_t* r1 = r0 + f.stride[0];
        const float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
#if defined(__SSE2__)
        if (lay.bpp == 4 && lay.at[0] == 0) {
            // The four RGBA taps as float lanes (SSE2 is part of x86-64): one pixel per vector.
            const __m128i zero = _mm_setzero_si128();
            const __m128i top = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(r0)), zero);
            const __m128i bottom = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(r1)), zero);
            const __m128 p00 = _mm_cvtepi32_ps(_mm_unpacklo_epi16(top, zero));
            const __m128 p01 = _mm_cvtepi32_ps(_mm_unpackhi_epi16(top, zero));
            const __m128 p10 = _mm_cvtepi32_ps(_mm_unpacklo_epi16(bottom, zero));
            const __m128 p11 = _mm_cvtepi32_ps(_mm_unpackhi_epi16(bottom, zero));
            const __m128 sum = _mm_add_ps(_mm_add_ps(_mm_mul_ps(p00, _mm_set1_ps(w00)), _mm_mul_ps(p01, _mm_set1_ps(w01))),
                                          _mm_add_ps(_mm_mul_ps(p10, _mm_set1_ps(w10)), _mm_mul_ps(p11, _mm_set1_ps(w11))));
            float lanes[4];
            _mm_storeu_ps(lanes, sum);
            acc[0] = lanes[0];
            acc[1] = lanes[1];
            acc[2] = lanes[2];
            return;
        }
        for (int c = 0; c < 3; ++c) {
            const int o = lay.at[c];
            acc[c] = (w00 * r0[o] + w01 * r0[lay.bpp + o]) + (w10 * r1[o] + w11 * r1[lay.bpp + o]);
        }
#else
        for (int c = 0; c < 3; ++c) {
            const int o = lay.at[c];
            acc[c] = w00 * r0[o] + w01 * r0[lay.bpp + o] + w10 * r1[o] + w11 * r1[lay.bpp + o];
        }
#endif
        return;
    }
    for (int dy = 0; dy < 2; ++dy) {
        const float wy = dy ? fy : 1.0f - fy;
        const int yy = y0 + dy;
        const bool y_out = yy < 0 || yy >= h;
        const uint8_t* row = f.data[0] + static_cast<std::ptrdiff_t>(std::clamp(yy, 0, h - 1)) * f.stride[0];
        for (int dx = 0; dx < 2; ++dx) {
            const int xx = x0 + dx;
            if ((y_out || xx < 0 || xx >= w) && border == Border::Zero) continue;
            const float wgt = wy * (dx ? fx : 1.0f - fx);
            const uint8_t* px = row + lay.bpp * std::clamp(xx, 0, w - 1);
            for (int c = 0; c < 3; ++c) acc[c] += wgt * px[lay.at[c]];
        }
    }
}

}  // namespace

bool crop_supports(PixelFormat f) {
    return f == PixelFormat::RGBA8 || f == PixelFormat::BGRA8 || f == PixelFormat::RGB8 || f == PixelFormat::BGR8;
}

void crop_to_tensor(const ImageView& rgba, const Affine2& m, int out_w, int out_h, float lo, float hi, Border border,
                    float* out) {
    const Layout lay = layout_of(rgba.format);
    const float scale = (hi - lo) / 255.0f;
    // Far-away coordinates are clamped so the float -> int conversions stay defined.
    const float limit = 4.0f * static_cast<float>(std::max(rgba.width, rgba.height)) + 16.0f;
#if MEIYAN_CROP_X86
    // (the vector path's byte offsets are ints; strides may be negative)
    const bool avx2 = simd_active() == SimdLevel::AVX2 &&
                      std::fabs(static_cast<double>(rgba.stride[0])) * rgba.height < static_cast<double>(INT_MAX) - 64;
#endif
    for (int j = 0; j < out_h; ++j) {
        const double v = j + 0.5;
        for (int i = 0; i < out_w; ++i) {
#if MEIYAN_CROP_X86
            // 8 pixels at once where all their taps are inside the frame (the border ones below)
            if (avx2 && i % 8 == 0 && i + 8 <= out_w &&
                crop_detail::crop_group8_avx2(rgba, lay.bpp, lay.at, m, i, j, scale, lo, limit,
                                              out + 3 * (static_cast<std::ptrdiff_t>(j) * out_w + i))) {
                i += 7;
                continue;
            }
#endif
            const double u = i + 0.5;
            const float sx = std::clamp(static_cast<float>(m.a * u + m.b * v + m.c - 0.5), -limit, limit);
            const float sy = std::clamp(static_cast<float>(m.d * u + m.e * v + m.f - 0.5), -limit, limit);
            float acc[3];
            sample(rgba, lay, sx, sy, border, acc);
            float* o = out + 3 * (static_cast<std::ptrdiff_t>(j) * out_w + i);
            o[0] = acc[0] * scale + lo;
            o[1] = acc[1] * scale + lo;
            o[2] = acc[2] * scale + lo;
        }
    }
}

}  // namespace meiyan::face
