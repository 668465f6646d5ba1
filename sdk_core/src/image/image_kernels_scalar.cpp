// Scalar row kernels: the reference every SIMD kernel must reproduce exactly.
#include "image/image_kernels.h"

namespace meiyan {
namespace image_detail {

namespace {

uint8_t clamp_u8(int v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

uint8_t rgb_to_y(const uint8_t* p) {
    return static_cast<uint8_t>((kRToY * p[0] + kGToY * p[1] + kBToY * p[2] + kYRound) >> 15);
}

}  // namespace

// Ranges in 16-bit lanes (what keeps the SIMD versions exact): yt + kYBias lies in -1160..17842;
// adding the R term (-13056..12954) or the G term (-9779..9856) stays inside int16, the B term
// (-16512..16383) can pass 32767, so SIMD adds it with saturation, which only happens where the
// result clamps to 255 anyway.
void yuv_to_rgba_row(const uint8_t* y, const uint8_t* u, const uint8_t* v, int uv_step, uint8_t* dst, int width,
                     bool bgra) {
    const int ri = bgra ? 2 : 0;
    for (int x = 0; x < width; ++x) {
        const int c = (x >> 1) * uv_step;
        const int du = u[c] - 128, dv = v[c] - 128;
        const int yb = ((y[x] * kYScale) >> 8) + kYBias;
        uint8_t* d = dst + 4 * x;
        d[ri] = clamp_u8((yb + kVToR * dv) >> 6);
        d[1] = clamp_u8((yb - (kUToG * du + kVToG * dv)) >> 6);
        d[2 - ri] = clamp_u8((yb + kUToB * du) >> 6);
        d[3] = 255;
    }
}

void swap_rb4_row(const uint8_t* src, uint8_t* dst, int width) {
    for (int x = 0; x < width; ++x, src += 4, dst += 4) {
        const uint8_t r = src[0], g = src[1], b = src[2], a = src[3];
        dst[0] = b;
        dst[1] = g;
        dst[2] = r;
        dst[3] = a;
    }
}

void swap_rb3_row(const uint8_t* src, uint8_t* dst, int width) {
    for (int x = 0; x < width; ++x, src += 3, dst += 3) {
        const uint8_t r = src[0], g = src[1], b = src[2];
        dst[0] = b;
        dst[1] = g;
        dst[2] = r;
    }
}

void rgb3_to_rgba_row(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    const int ri = swap_rb ? 2 : 0;
    for (int x = 0; x < width; ++x, src += 3, dst += 4) {
        dst[0] = src[ri];
        dst[1] = src[1];
        dst[2] = src[2 - ri];
        dst[3] = 255;
    }
}

void rgba_to_rgb3_row(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    const int ri = swap_rb ? 2 : 0;
    for (int x = 0; x < width; ++x, src += 4, dst += 3) {
        dst[0] = src[ri];
        dst[1] = src[1];
        dst[2] = src[2 - ri];
    }
}

void rgba_to_yuv_rows(const uint8_t* rgba0, const uint8_t* rgba1, uint8_t* y0, uint8_t* y1, uint8_t* u, uint8_t* v,
                      int uv_step, int width) {
    for (int x = 0; x < width; ++x) {
        y0[x] = rgb_to_y(rgba0 + 4 * x);
        y1[x] = rgb_to_y(rgba1 + 4 * x);
    }
    for (int cx = 0; cx < (width + 1) / 2; ++cx) {
        const int x0 = 8 * cx, x1 = 2 * cx + 1 < width ? x0 + 4 : x0;
        int s[3];
        for (int c = 0; c < 3; ++c) s[c] = rgba0[x0 + c] + rgba0[x1 + c] + rgba1[x0 + c] + rgba1[x1 + c];
        u[cx * uv_step] = static_cast<uint8_t>((kRToU * s[0] + kGToU * s[1] + kBToU * s[2] + kUVRound) >> 17);
        v[cx * uv_step] = static_cast<uint8_t>((kRToV * s[0] + kGToV * s[1] + kBToV * s[2] + kUVRound) >> 17);
    }
}

void resize_h_row(const uint8_t* src, int src_width, const int32_t* xofs, const int32_t* xweights, int32_t* dst,
                  int dst_width) {
    const int next = src_width > 1 ? 4 : 0;
    for (int i = 0; i < dst_width; ++i, dst += 4) {
        const uint8_t* p = src + xofs[i];
        const int w0 = xweights[i] & 0xffff, w1 = xweights[i] >> 16;
        for (int c = 0; c < 4; ++c) dst[c] = p[c] * w0 + p[next + c] * w1;
    }
}

void resize_v_row(const int32_t* r0, const int32_t* r1, int b0, int b1, uint8_t* dst, int n) {
    for (int i = 0; i < n; ++i) {
        // Sums are at most 255 << 11, so each product fits in 31 bits and the result in 0..255.
        dst[i] = static_cast<uint8_t>(((((r0[i] >> 4) * b0) >> 16) + (((r1[i] >> 4) * b1) >> 16) + 2) >> 2);
    }
}

const Kernels kScalarKernels = {yuv_to_rgba_row,  swap_rb4_row, rgb3_to_rgba_row, rgba_to_rgb3_row,
                                rgba_to_yuv_rows, resize_h_row, resize_v_row};

}  // namespace image_detail
}  // namespace meiyan
