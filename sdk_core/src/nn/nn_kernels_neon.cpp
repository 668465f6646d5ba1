// AArch64 NEON kernels (baseline ARMv8-A: no dot-product extension assumed). uint8 results equal
// the scalar kernels bit for bit; float results agree to rounding.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "nn/nn_kernels.h"

#if MEIYAN_NN_NEON

namespace meiyan {
namespace nn {

namespace {

// Keeps a value in a register so that the multiply before and the add after stay two roundings
// (GCC's arm_neon.h writes vmulq_f32 as a plain vector multiply, which it may fuse).
inline float32x4_t no_fuse(float32x4_t v) {
    __asm__("" : "+w"(v));
    return v;
}

// ------------------------------------------------------------------ float activations

// exp(x) for x clamped to [-87, 87] (relative error ~2e-7), as the AVX2 version.
inline float32x4_t exp_ps(float32x4_t x) {
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.0f)), vdupq_n_f32(87.0f));
    const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
    float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
    r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
    float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
    p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
    const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

inline float32x4_t activate4(float32x4_t v, int act, const float* slopes) {
    switch (act) {
        case kActRelu: return vmaxq_f32(v, vdupq_n_f32(0.0f));
        case kActPrelu: return vbslq_f32(vcltq_f32(v, vdupq_n_f32(0.0f)), vmulq_f32(v, vld1q_f32(slopes)), v);
        case kActHardSwish: {
            float32x4_t t = vfmaq_f32(vdupq_n_f32(0.5f), v, vdupq_n_f32(1.0f / 6.0f));
            t = vminq_f32(vmaxq_f32(t, vdupq_n_f32(0.0f)), vdupq_n_f32(1.0f));
            return vmulq_f32(v, t);
        }
        case kActSigmoid: return vdivq_f32(vdupq_n_f32(1.0f), vaddq_f32(vdupq_n_f32(1.0f), exp_ps(vnegq_f32(v))));
        default: return v;
    }
}

// Four channels at col of one pixel (residual row res_row or null); lanes < n are valid.
inline float32x4_t epilogue4(float32x4_t v, const EpilogueF32& ep, int col, const float* res_row, int n) {
    float tmp[4] = {0, 0, 0, 0};
    auto slopes = [&](const float* s) -> const float* {
        if (s == nullptr || n >= 4) return s ? s + col : nullptr;
        std::memcpy(tmp, s + col, sizeof(float) * static_cast<size_t>(n));
        return tmp;
    };
    v = activate4(v, ep.act_pre, slopes(ep.slopes_pre));
    if (res_row != nullptr && col < ep.res_channels) {
        const int rn = std::min(4, ep.res_channels - col);
        float r[4] = {0, 0, 0, 0};
        std::memcpy(r, res_row + col, sizeof(float) * static_cast<size_t>(rn));
        v = vaddq_f32(v, vld1q_f32(r));
    }
    return activate4(v, ep.act_post, slopes(ep.slopes_post));
}

inline float32x4_t load_n(const float* p, int n) {
    if (n >= 4) return vld1q_f32(p);
    float t[4] = {0, 0, 0, 0};
    std::memcpy(t, p, sizeof(float) * static_cast<size_t>(n));
    return vld1q_f32(t);
}

inline void store_n(float* p, float32x4_t v, int n) {
    if (n >= 4) {
        vst1q_f32(p, v);
        return;
    }
    float t[4];
    vst1q_f32(t, v);
    std::memcpy(p, t, sizeof(float) * static_cast<size_t>(n));
}

// ------------------------------------------------------------------ float GEMM (4 rows x 16 columns)

template <int MR>
inline void sgemm_tile(int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
                       int ncols, const EpilogueF32* ep, int col0, const float* res) {
    float32x4_t acc[MR][4];
    for (int r = 0; r < MR; ++r) {
        for (int q = 0; q < 4; ++q) acc[r][q] = vld1q_f32(bias + 4 * q);
    }
    for (int kk = 0; kk < k; ++kk) {
        const float* bk = b + static_cast<std::ptrdiff_t>(kk) * kPanel;
        const float32x4_t w0 = vld1q_f32(bk), w1 = vld1q_f32(bk + 4), w2 = vld1q_f32(bk + 8), w3 = vld1q_f32(bk + 12);
        for (int r = 0; r < MR; ++r) {
            const float av = a[static_cast<std::ptrdiff_t>(r) * lda + kk];
            acc[r][0] = vfmaq_n_f32(acc[r][0], w0, av);
            acc[r][1] = vfmaq_n_f32(acc[r][1], w1, av);
            acc[r][2] = vfmaq_n_f32(acc[r][2], w2, av);
            acc[r][3] = vfmaq_n_f32(acc[r][3], w3, av);
        }
    }
    for (int r = 0; r < MR; ++r) {
        const float* rr = ep && res ? res + static_cast<std::ptrdiff_t>(r) * ep->res_stride : nullptr;
        float* cr = c + static_cast<std::ptrdiff_t>(r) * ldc;
        for (int q = 0; q < 4 && 4 * q < ncols; ++q) {
            float32x4_t v = acc[r][q];
            if (ep) v = epilogue4(v, *ep, col0 + 4 * q, rr, ncols - 4 * q);
            store_n(cr + 4 * q, v, ncols - 4 * q);
        }
    }
}

void sgemm_neon(int m, int n, int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
                const EpilogueF32& epilogue) {
    const EpilogueF32* ep = epilogue.none() ? nullptr : &epilogue;
    const int panels = (n + kPanel - 1) / kPanel;
    for (int i = 0; i < m; i += 4) {
        const int rows = std::min(4, m - i);
        const float* ai = a + static_cast<std::ptrdiff_t>(i) * lda;
        const float* res = ep && ep->residual ? ep->residual + static_cast<std::ptrdiff_t>(i) * ep->res_stride : nullptr;
        for (int p = 0; p < panels; ++p) {
            const float* bp = b + static_cast<std::ptrdiff_t>(p) * k * kPanel;
            float* ci = c + static_cast<std::ptrdiff_t>(i) * ldc + p * kPanel;
            const int nc = std::min(kPanel, n - p * kPanel), col0 = p * kPanel;
            switch (rows) {
                case 4: sgemm_tile<4>(k, ai, lda, bp, bias + col0, ci, ldc, nc, ep, col0, res); break;
                case 3: sgemm_tile<3>(k, ai, lda, bp, bias + col0, ci, ldc, nc, ep, col0, res); break;
                case 2: sgemm_tile<2>(k, ai, lda, bp, bias + col0, ci, ldc, nc, ep, col0, res); break;
                default: sgemm_tile<1>(k, ai, lda, bp, bias + col0, ci, ldc, nc, ep, col0, res); break;
            }
        }
    }
}

// ------------------------------------------------------------------ float depthwise and epilogue

void dwconv_row_neon(const DwRow& r, const EpilogueF32& epilogue) {
    const EpilogueF32* ep = epilogue.none() ? nullptr : &epilogue;
    const float* in = static_cast<const float*>(r.in);
    const float* wt = static_cast<const float*>(r.weights);
    const float* bias = static_cast<const float*>(r.bias);
    float* out = static_cast<float*>(r.out);
    const int iy0 = r.oy * r.sh - r.pad_top;
    const int ky0 = std::max(0, -iy0), ky1 = std::min(r.kh, r.h - iy0);
    for (int ox = 0; ox < r.ow; ++ox) {
        const int ix0 = ox * r.sw - r.pad_left;
        const int kx0 = std::max(0, -ix0), kx1 = std::min(r.kw, r.w - ix0);
        for (int ch = 0; ch < r.c; ch += 4) {
            const int lanes = std::min(4, r.c - ch);
            float32x4_t acc = vld1q_f32(bias + ch);
            for (int ky = ky0; ky < ky1; ++ky) {
                for (int kx = kx0; kx < kx1; ++kx) {
                    // input lanes past c read the next pixel (or the tensor slack); their weights are 0
                    const float* p = in + (static_cast<std::ptrdiff_t>(iy0 + ky) * r.w + ix0 + kx) * r.c + ch;
                    acc = vfmaq_f32(acc, vld1q_f32(p), vld1q_f32(wt + static_cast<std::ptrdiff_t>(ky * r.kw + kx) * r.cpad + ch));
                }
            }
            if (ep) {
                acc = epilogue4(acc, *ep, ch, ep->residual ? ep->residual + static_cast<std::ptrdiff_t>(ox) * ep->res_stride : nullptr,
                                lanes);
            }
            store_n(out + static_cast<std::ptrdiff_t>(ox) * r.c + ch, acc, lanes);
        }
    }
}

void epilogue_neon(float* y, int pixels, int c, const EpilogueF32& ep) {
    for (int p = 0; p < pixels; ++p) {
        float* row = y + static_cast<std::ptrdiff_t>(p) * c;
        const float* res = ep.residual ? ep.residual + static_cast<std::ptrdiff_t>(p) * ep.res_stride : nullptr;
        for (int ch = 0; ch < c; ch += 4) {
            const int lanes = std::min(4, c - ch);
            store_n(row + ch, epilogue4(load_n(row + ch, lanes), ep, ch, res, lanes), lanes);
        }
    }
}

// ------------------------------------------------------------------ uint8 requantisation

// 16 int32 sums -> 16 bytes sat_u8(rint(acc * mult) + zp), as the scalar requantize().
inline uint8x16_t requant16(const int32x4_t acc[4], const float* mult, int zp) {
    const float32x4_t lo = vdupq_n_f32(-512.0f), hi = vdupq_n_f32(512.0f);
    int16x8_t h[2];
    for (int q = 0; q < 2; ++q) {
        int32x4_t i[2];
        for (int s = 0; s < 2; ++s) {
            float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc[2 * q + s]), vld1q_f32(mult + 8 * q + 4 * s));
            f = vminq_f32(vmaxq_f32(f, lo), hi);
            i[s] = vaddq_s32(vcvtnq_s32_f32(f), vdupq_n_s32(zp));
        }
        h[q] = vcombine_s16(vqmovn_s32(i[0]), vqmovn_s32(i[1]));
    }
    return vcombine_u8(vqmovun_s16(h[0]), vqmovun_s16(h[1]));
}

inline void store_bytes(uint8_t* dst, uint8x16_t v, int n) {
    if (n >= 16) {
        vst1q_u8(dst, v);
        return;
    }
    uint8_t t[16];
    vst1q_u8(t, v);
    std::memcpy(dst, t, static_cast<size_t>(n));
}

// ------------------------------------------------------------------ uint8 GEMM: widening multiply-adds, exact

void qgemm_neon(int m, int n, int k4, const uint8_t* a, int lda, const int8_t* b, const int32_t* bias,
                const float* mult, int zp, uint8_t* c, int ldc) {
    const int panels = (n + kPanel - 1) / kPanel;
    for (int i = 0; i < m; ++i) {
        const uint8_t* ar = a + static_cast<std::ptrdiff_t>(i) * lda;
        for (int p = 0; p < panels; ++p) {
            const int8_t* bp = b + static_cast<std::ptrdiff_t>(p) * k4 * kPanel * 4;
            int32x4_t acc[4];
            for (int q = 0; q < 4; ++q) acc[q] = vld1q_s32(bias + p * kPanel + 4 * q);
            for (int g = 0; g < k4; ++g) {
                const int8x16x4_t w = vld4q_s8(bp + static_cast<std::ptrdiff_t>(g) * 64);  // w.val[t][j] = column j, tap t
                for (int t = 0; t < 4; ++t) {
                    const int16_t av = static_cast<int16_t>(ar[4 * g + t]);
                    const int16x8_t wl = vmovl_s8(vget_low_s8(w.val[t])), wh = vmovl_s8(vget_high_s8(w.val[t]));
                    acc[0] = vmlal_n_s16(acc[0], vget_low_s16(wl), av);
                    acc[1] = vmlal_n_s16(acc[1], vget_high_s16(wl), av);
                    acc[2] = vmlal_n_s16(acc[2], vget_low_s16(wh), av);
                    acc[3] = vmlal_n_s16(acc[3], vget_high_s16(wh), av);
                }
            }
            store_bytes(c + static_cast<std::ptrdiff_t>(i) * ldc + p * kPanel, requant16(acc, mult + p * kPanel, zp),
                        std::min(kPanel, n - p * kPanel));
        }
    }
}

void qdwconv_row_neon(const DwRow& r) {
    const uint8_t* in = static_cast<const uint8_t*>(r.in);
    const int16_t* wt = static_cast<const int16_t*>(r.weights);
    const int32_t* bias = static_cast<const int32_t*>(r.bias);
    uint8_t* out = static_cast<uint8_t*>(r.out);
    const int iy0 = r.oy * r.sh - r.pad_top;
    const int16x8_t zp16 = vdupq_n_s16(static_cast<int16_t>(r.in_zp));
    for (int ox = 0; ox < r.ow; ++ox) {
        const int ix0 = ox * r.sw - r.pad_left;
        for (int ch = 0; ch < r.c; ch += 16) {
            int32x4_t acc[4];
            for (int q = 0; q < 4; ++q) acc[q] = vld1q_s32(bias + ch + 4 * q);
            for (int ky = 0; ky < r.kh; ++ky) {
                const int iy = iy0 + ky;
                const bool row_in = iy >= 0 && iy < r.h;
                for (int kx = 0; kx < r.kw; ++kx) {
                    const int ix = ix0 + kx;
                    int16x8_t x0 = zp16, x1 = zp16;
                    if (row_in && ix >= 0 && ix < r.w) {
                        const uint8x16_t v = vld1q_u8(in + (static_cast<std::ptrdiff_t>(iy) * r.w + ix) * r.c + ch);
                        x0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(v)));
                        x1 = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(v)));
                    }
                    const int16_t* wp = wt + static_cast<std::ptrdiff_t>(ky * r.kw + kx) * r.cpad + ch;
                    const int16x8_t w0 = vld1q_s16(wp), w1 = vld1q_s16(wp + 8);
                    acc[0] = vmlal_s16(acc[0], vget_low_s16(x0), vget_low_s16(w0));
                    acc[1] = vmlal_s16(acc[1], vget_high_s16(x0), vget_high_s16(w0));
                    acc[2] = vmlal_s16(acc[2], vget_low_s16(x1), vget_low_s16(w1));
                    acc[3] = vmlal_s16(acc[3], vget_high_s16(x1), vget_high_s16(w1));
                }
            }
            store_bytes(out + static_cast<std::ptrdiff_t>(ox) * r.c + ch, requant16(acc, r.mult + ch, r.out_zp),
                        std::min(16, r.c - ch));
        }
    }
}

// ------------------------------------------------------------------ uint8 elementwise

void qadd_neon(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p) {
    const float32x4_t ra = vdupq_n_f32(p.ra), rb = vdupq_n_f32(p.rb), fixed = vdupq_n_f32(p.fixed);
    const float32x4_t lo = vdupq_n_f32(-1.0f), hi = vdupq_n_f32(256.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint16x8_t a16 = vmovl_u8(vld1_u8(a + i)), b16 = vmovl_u8(vld1_u8(b + i));
        int32x4_t q[2];
        for (int h = 0; h < 2; ++h) {
            const uint32x4_t a32 = h ? vmovl_high_u16(a16) : vmovl_u16(vget_low_u16(a16));
            const uint32x4_t b32 = h ? vmovl_high_u16(b16) : vmovl_u16(vget_low_u16(b16));
            // fixed + a*ra, then + b*rb, each fused (vfmaq rounds once, as std::fma in the reference).
            float32x4_t v = vfmaq_f32(fixed, vcvtq_f32_u32(a32), ra);
            v = vfmaq_f32(v, vcvtq_f32_u32(b32), rb);
            v = vminq_f32(vmaxq_f32(v, lo), hi);
            q[h] = vcvtnq_s32_f32(v);
        }
        vst1_u8(y + i, vqmovun_s16(vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]))));
    }
    for (; i < n; ++i) y[i] = qadd_one(a[i], b[i], p);
}

void qmul_neon(const uint8_t* a, const uint8_t* b, uint8_t* y, int pixels, int c, int b_stride, const QMulParams& p) {
    if (b_stride == c) {
        c *= pixels;
        pixels = 1;
    }
    const int32x4_t za = vdupq_n_s32(p.za), zb = vdupq_n_s32(p.zb), zy = vdupq_n_s32(p.zy);
    const float32x4_t mul = vdupq_n_f32(p.mul), lo = vdupq_n_f32(-512.0f), hi = vdupq_n_f32(512.0f);
    for (int px = 0; px < pixels; ++px) {
        const uint8_t* ar = a + static_cast<std::ptrdiff_t>(px) * c;
        const uint8_t* br = b + static_cast<std::ptrdiff_t>(px) * b_stride;
        uint8_t* yr = y + static_cast<std::ptrdiff_t>(px) * c;
        int i = 0;
        for (; i + 8 <= c; i += 8) {
            const uint16x8_t a16 = vmovl_u8(vld1_u8(ar + i)), b16 = vmovl_u8(vld1_u8(br + i));
            int32x4_t q[2];
            for (int h = 0; h < 2; ++h) {
                const int32x4_t a32 = vreinterpretq_s32_u32(h ? vmovl_high_u16(a16) : vmovl_u16(vget_low_u16(a16)));
                const int32x4_t b32 = vreinterpretq_s32_u32(h ? vmovl_high_u16(b16) : vmovl_u16(vget_low_u16(b16)));
                const float32x4_t prod = no_fuse(vmulq_f32(vcvtq_f32_s32(vsubq_s32(a32, za)), vcvtq_f32_s32(vsubq_s32(b32, zb))));
                float32x4_t v = vmulq_f32(prod, mul);
                v = vminq_f32(vmaxq_f32(v, lo), hi);
                q[h] = vaddq_s32(vcvtnq_s32_f32(v), zy);
            }
            vst1_u8(yr + i, vqmovun_s16(vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]))));
        }
        for (; i < c; ++i) {
            const float v = static_cast<float>(ar[i] - p.za) * static_cast<float>(br[i] - p.zb);
            yr[i] = requantize_float(v * p.mul, p.zy);
        }
    }
}

void quantize_neon(const float* x, uint8_t* y, size_t n, float scale, int zp) {
    const float32x4_t s = vdupq_n_f32(scale), lo = vdupq_n_f32(-512.0f), hi = vdupq_n_f32(512.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int32x4_t q[2];
        for (int h = 0; h < 2; ++h) {
            float32x4_t v = vdivq_f32(vld1q_f32(x + i + 4 * h), s);
            v = vbslq_f32(vceqq_f32(v, v), v, vdupq_n_f32(0.0f));  // NaN -> 0, as the scalar kernel
            v = vminq_f32(vmaxq_f32(v, lo), hi);
            q[h] = vaddq_s32(vcvtnq_s32_f32(v), vdupq_n_s32(zp));
        }
        vst1_u8(y + i, vqmovun_s16(vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]))));
    }
    for (; i < n; ++i) y[i] = quantize_one(x[i], scale, zp);
}

void dequantize_neon(const uint8_t* x, float* y, size_t n, float scale, int zp) {
    const float32x4_t s = vdupq_n_f32(scale);
    const int32x4_t z = vdupq_n_s32(zp);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint16x8_t v = vmovl_u8(vld1_u8(x + i));
        const int32x4_t l = vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(v))), z);
        const int32x4_t h = vsubq_s32(vreinterpretq_s32_u32(vmovl_high_u16(v)), z);
        vst1q_f32(y + i, vmulq_f32(vcvtq_f32_s32(l), s));
        vst1q_f32(y + i + 4, vmulq_f32(vcvtq_f32_s32(h), s));
    }
    for (; i < n; ++i) y[i] = static_cast<float>(static_cast<int>(x[i]) - zp) * scale;
}

void binary_f32_neon(const float* a, const float* b, float* y, int pixels, int c, int b_stride, int kind) {
    if (b_stride == c) {
        c *= pixels;
        pixels = 1;
    }
    for (int p = 0; p < pixels; ++p) {
        const float* ar = a + static_cast<std::ptrdiff_t>(p) * c;
        const float* br = b + static_cast<std::ptrdiff_t>(p) * b_stride;
        float* yr = y + static_cast<std::ptrdiff_t>(p) * c;
        int i = 0;
        for (; i + 4 <= c; i += 4) {
            const float32x4_t va = vld1q_f32(ar + i), vb = vld1q_f32(br + i);
            vst1q_f32(yr + i, kind == 0 ? vaddq_f32(va, vb) : vmulq_f32(va, vb));
        }
        for (; i < c; ++i) yr[i] = kind == 0 ? ar[i] + br[i] : ar[i] * br[i];
    }
}

void maxpool_row_f32_neon(const float* in, int w, int c, int kh, int kw, int sw, int ow, float* out) {
    for (int ox = 0; ox < ow; ++ox) {
        float* o = out + static_cast<std::ptrdiff_t>(ox) * c;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
            float32x4_t m = vld1q_f32(in + static_cast<std::ptrdiff_t>(ox) * sw * c + ch);
            for (int ky = 0; ky < kh; ++ky) {
                for (int kx = 0; kx < kw; ++kx) m = vmaxq_f32(m, vld1q_f32(in + (static_cast<std::ptrdiff_t>(ky) * w + ox * sw + kx) * c + ch));
            }
            vst1q_f32(o + ch, m);
        }
        for (; ch < c; ++ch) {
            float m = in[static_cast<std::ptrdiff_t>(ox) * sw * c + ch];
            for (int ky = 0; ky < kh; ++ky) {
                for (int kx = 0; kx < kw; ++kx) m = std::max(m, in[(static_cast<std::ptrdiff_t>(ky) * w + ox * sw + kx) * c + ch]);
            }
            o[ch] = m;
        }
    }
}

void maxpool_row_u8_neon(const uint8_t* in, int w, int c, int kh, int kw, int sw, int ow, uint8_t* out) {
    for (int ox = 0; ox < ow; ++ox) {
        uint8_t* o = out + static_cast<std::ptrdiff_t>(ox) * c;
        int ch = 0;
        for (; ch + 16 <= c; ch += 16) {
            uint8x16_t m = vld1q_u8(in + static_cast<std::ptrdiff_t>(ox) * sw * c + ch);
            for (int ky = 0; ky < kh; ++ky) {
                for (int kx = 0; kx < kw; ++kx) m = vmaxq_u8(m, vld1q_u8(in + (static_cast<std::ptrdiff_t>(ky) * w + ox * sw + kx) * c + ch));
            }
            vst1q_u8(o + ch, m);
        }
        for (; ch < c; ++ch) {
            uint8_t m = in[static_cast<std::ptrdiff_t>(ox) * sw * c + ch];
            for (int ky = 0; ky < kh; ++ky) {
                for (int kx = 0; kx < kw; ++kx) m = std::max(m, in[(static_cast<std::ptrdiff_t>(ky) * w + ox * sw + kx) * c + ch]);
            }
            o[ch] = m;
        }
    }
}

}  // namespace

const Kernels kNeonKernels = {
    "neon",           sgemm_neon,     dwconv_row_neon,   epilogue_neon,   qgemm_neon,
    qdwconv_row_neon, qadd_neon,      qmul_neon,         quantize_neon,     dequantize_neon, binary_f32_neon,
    maxpool_row_f32_neon, maxpool_row_u8_neon,
};

}  // namespace nn
}  // namespace meiyan

#endif  // MEIYAN_NN_NEON
