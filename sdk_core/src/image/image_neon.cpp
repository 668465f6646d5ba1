// NEON row kernels (AArch64 only). Each reproduces its scalar row in image_kernels_scalar.cpp
// exactly and leaves the tail to it; the resize passes use the scalar rows for now.
#include <arm_neon.h>

#include "image/image_kernels.h"

namespace meiyan {
namespace image_detail {

namespace {

// 8 pixels: yt = (Y * kYScale) >> 8 through a 32-bit product, then the 6-bit sums of the scalar
// row; vqshrun shifts and clamps to 0..255 like the scalar clamp (and the SSE pack).
uint8x8_t narrow_channel(int16x8_t yb, int16x8_t term) { return vqshrun_n_s16(vaddq_s16(yb, term), 6); }

void yuv16_to_rgba(uint8x16_t yv, uint8x8_t u8, uint8x8_t v8, uint8_t* dst, bool bgra) {
    const int16x8_t du = vreinterpretq_s16_u16(vsubl_u8(u8, vdup_n_u8(128)));
    const int16x8_t dv = vreinterpretq_s16_u16(vsubl_u8(v8, vdup_n_u8(128)));
    const int16x8_t r_c = vmulq_n_s16(dv, kVToR);
    const int16x8_t g_c = vnegq_s16(vmlaq_n_s16(vmulq_n_s16(du, kUToG), dv, kVToG));
    const int16x8_t b_c = vmulq_n_s16(du, kUToB);
    const int16x8_t bias = vdupq_n_s16(kYBias);
    int16x8_t yb[2];
    for (int h = 0; h < 2; ++h) {
        const uint16x8_t y16 = vmovl_u8(h == 0 ? vget_low_u8(yv) : vget_high_u8(yv));
        const uint16x4_t lo = vshrn_n_u32(vmull_n_u16(vget_low_u16(y16), kYScale), 8);
        const uint16x4_t hi = vshrn_n_u32(vmull_n_u16(vget_high_u16(y16), kYScale), 8);
        yb[h] = vaddq_s16(vreinterpretq_s16_u16(vcombine_u16(lo, hi)), bias);
    }
    // Each chroma sample covers two pixels: zipping a term with itself doubles it up.
    const uint8x16_t r =
        vcombine_u8(narrow_channel(yb[0], vzip1q_s16(r_c, r_c)), narrow_channel(yb[1], vzip2q_s16(r_c, r_c)));
    const uint8x16_t g =
        vcombine_u8(narrow_channel(yb[0], vzip1q_s16(g_c, g_c)), narrow_channel(yb[1], vzip2q_s16(g_c, g_c)));
    // The B sum can pass 32767 where the result is 255 anyway: add with saturation.
    const uint8x16_t b = vcombine_u8(vqshrun_n_s16(vqaddq_s16(yb[0], vzip1q_s16(b_c, b_c)), 6),
                                     vqshrun_n_s16(vqaddq_s16(yb[1], vzip2q_s16(b_c, b_c)), 6));
    uint8x16x4_t out;
    out.val[0] = bgra ? b : r;
    out.val[1] = g;
    out.val[2] = bgra ? r : b;
    out.val[3] = vdupq_n_u8(255);
    vst4q_u8(dst, out);
}

void yuv_to_rgba_neon(const uint8_t* y, const uint8_t* u, const uint8_t* v, int uv_step, uint8_t* dst, int width,
                      bool bgra) {
    int x = 0;
    if (uv_step == 2) {
        const uint8_t* uv = u < v ? u : v;  // u < v means U comes first in each pair
        for (; x + 16 <= width; x += 16) {
            const uint8x8x2_t c = vld2_u8(uv + x);
            yuv16_to_rgba(vld1q_u8(y + x), u < v ? c.val[0] : c.val[1], u < v ? c.val[1] : c.val[0], dst + 4 * x, bgra);
        }
    } else {
        for (; x + 16 <= width; x += 16)
            yuv16_to_rgba(vld1q_u8(y + x), vld1_u8(u + x / 2), vld1_u8(v + x / 2), dst + 4 * x, bgra);
    }
    yuv_to_rgba_row(y + x, u + x / 2 * uv_step, v + x / 2 * uv_step, uv_step, dst + 4 * x, width - x, bgra);
}

void swap_rb4_neon(const uint8_t* src, uint8_t* dst, int width) {
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        uint8x16x4_t p = vld4q_u8(src + 4 * x);
        const uint8x16_t r = p.val[0];
        p.val[0] = p.val[2];
        p.val[2] = r;
        vst4q_u8(dst + 4 * x, p);
    }
    swap_rb4_row(src + 4 * x, dst + 4 * x, width - x);
}

void rgb3_to_rgba_neon(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        const uint8x16x3_t p = vld3q_u8(src + 3 * x);
        uint8x16x4_t q;
        q.val[0] = p.val[swap_rb ? 2 : 0];
        q.val[1] = p.val[1];
        q.val[2] = p.val[swap_rb ? 0 : 2];
        q.val[3] = vdupq_n_u8(255);
        vst4q_u8(dst + 4 * x, q);
    }
    rgb3_to_rgba_row(src + 3 * x, dst + 4 * x, width - x, swap_rb);
}

void rgba_to_rgb3_neon(const uint8_t* src, uint8_t* dst, int width, bool swap_rb) {
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        const uint8x16x4_t p = vld4q_u8(src + 4 * x);
        uint8x16x3_t q;
        q.val[0] = p.val[swap_rb ? 2 : 0];
        q.val[1] = p.val[1];
        q.val[2] = p.val[swap_rb ? 0 : 2];
        vst3q_u8(dst + 3 * x, q);
    }
    rgba_to_rgb3_row(src + 4 * x, dst + 3 * x, width - x, swap_rb);
}

// Weighted sum of three 16-bit channels in 32-bit lanes (half = 0: lanes 0-3, 1: lanes 4-7).
int32x4_t weighted(const int16x8_t* ch, int half, int r, int g, int b) {
    const auto part = [half](int16x8_t v) { return half == 0 ? vget_low_s16(v) : vget_high_s16(v); };
    return vmlal_n_s16(
        vmlal_n_s16(vmull_n_s16(part(ch[0]), static_cast<int16_t>(r)), part(ch[1]), static_cast<int16_t>(g)),
        part(ch[2]), static_cast<int16_t>(b));
}

uint8x16_t luma16(const uint8x16x4_t& p) {
    uint16x8_t y[2];
    for (int h = 0; h < 2; ++h) {
        int16x8_t ch[3];
        for (int c = 0; c < 3; ++c) {
            ch[c] = vreinterpretq_s16_u16(vmovl_u8(h == 0 ? vget_low_u8(p.val[c]) : vget_high_u8(p.val[c])));
        }
        const int32x4_t round = vdupq_n_s32(kYRound);
        y[h] = vcombine_u16(vqmovun_s32(vshrq_n_s32(vaddq_s32(weighted(ch, 0, kRToY, kGToY, kBToY), round), 15)),
                            vqmovun_s32(vshrq_n_s32(vaddq_s32(weighted(ch, 1, kRToY, kGToY, kBToY), round), 15)));
    }
    return vcombine_u8(vmovn_u16(y[0]), vmovn_u16(y[1]));
}

uint8x8_t chroma8(const int16x8_t* sums, int r, int g, int b) {
    const int32x4_t round = vdupq_n_s32(kUVRound);
    const int32x4_t lo = vshrq_n_s32(vaddq_s32(weighted(sums, 0, r, g, b), round), 17);
    const int32x4_t hi = vshrq_n_s32(vaddq_s32(weighted(sums, 1, r, g, b), round), 17);
    return vmovn_u16(vcombine_u16(vqmovun_s32(lo), vqmovun_s32(hi)));
}

// 16 pixels of two rows per step; the pairwise widening adds build the 2x2 block sums.
void rgba_to_yuv_neon(const uint8_t* rgba0, const uint8_t* rgba1, uint8_t* y0, uint8_t* y1, uint8_t* u, uint8_t* v,
                      int uv_step, int width) {
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        const uint8x16x4_t a = vld4q_u8(rgba0 + 4 * x), b = vld4q_u8(rgba1 + 4 * x);
        vst1q_u8(y0 + x, luma16(a));
        vst1q_u8(y1 + x, luma16(b));
        int16x8_t sums[3];
        for (int c = 0; c < 3; ++c) sums[c] = vreinterpretq_s16_u16(vpadalq_u8(vpaddlq_u8(a.val[c]), b.val[c]));
        const uint8x8_t u8 = chroma8(sums, kRToU, kGToU, kBToU), v8 = chroma8(sums, kRToV, kGToV, kBToV);
        if (uv_step == 2) {
            uint8x8x2_t pairs;
            pairs.val[0] = u < v ? u8 : v8;  // the sample at the lower address first
            pairs.val[1] = u < v ? v8 : u8;
            vst2_u8((u < v ? u : v) + x, pairs);
        } else {
            vst1_u8(u + x / 2, u8);
            vst1_u8(v + x / 2, v8);
        }
    }
    rgba_to_yuv_rows(rgba0 + 4 * x, rgba1 + 4 * x, y0 + x, y1 + x, u + x / 2 * uv_step, v + x / 2 * uv_step, uv_step,
                     width - x);
}

}  // namespace

const Kernels kNeonKernels = {yuv_to_rgba_neon, swap_rb4_neon, rgb3_to_rgba_neon, rgba_to_rgb3_neon,
                              rgba_to_yuv_neon, resize_h_row,  resize_v_row};

}  // namespace image_detail
}  // namespace meiyan
