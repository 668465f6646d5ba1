// The scalar kernels: the reference every SIMD level is tested against, and the fallback.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/nn_kernels.h"

namespace meiyan {
namespace nn {

// The uint8 formulas must round exactly as the SIMD kernels do: no fused multiply-add here, even
// where the compiler could form one (AArch64 always can). GCC: MEIYAN_NO_CONTRACT on the functions.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

QAddParams qadd_params(float sa, int za, float sb, int zb, float sc, int zc) {
    QAddParams p;
    p.ra = sa / sc;
    p.rb = sb / sc;
    const float za_part = p.ra * static_cast<float>(za);
    const float zb_part = p.rb * static_cast<float>(zb);
    p.fixed = static_cast<float>(zc) - (za_part + zb_part);
    return p;
}

namespace {

inline uint8_t sat_u8(float v) {
    // Clamped first: out-of-range float to int conversion is undefined.
    v = std::min(std::max(v, -1.0f), 256.0f);
    const int q = static_cast<int>(std::nearbyint(v));
    return static_cast<uint8_t>(std::min(std::max(q, 0), 255));
}

}  // namespace

MEIYAN_NO_CONTRACT uint8_t qadd_one(int a, int b, const QAddParams& p) {
    // onnxruntime's fused QLinearAdd order: fixed + a*ra, then + b*rb, each a fused multiply-add.
    const float s = std::fma(static_cast<float>(a), p.ra, p.fixed);
    return sat_u8(std::fma(static_cast<float>(b), p.rb, s));
}

uint8_t requantize_float(float v, int zp) {
    v = std::min(std::max(v, -512.0f), 512.0f);
    const int q = static_cast<int>(std::nearbyint(v)) + zp;
    return static_cast<uint8_t>(std::min(std::max(q, 0), 255));
}

MEIYAN_NO_CONTRACT uint8_t requantize(int32_t acc, float mult, int zp) {
    float v = static_cast<float>(acc) * mult;
    v = std::min(std::max(v, -512.0f), 512.0f);  // saturates the same; keeps the conversion defined
    const int q = static_cast<int>(std::nearbyint(v)) + zp;
    return static_cast<uint8_t>(std::min(std::max(q, 0), 255));
}

MEIYAN_NO_CONTRACT uint8_t quantize_one(float x, float scale, int zp) {
    float v = x / scale;
    // NaN becomes the zero point (std::max/min keep the first argument when comparing with NaN).
    if (!(v == v)) v = 0.0f;
    v = std::min(std::max(v, -512.0f), 512.0f);
    return static_cast<uint8_t>(std::min(std::max(static_cast<int>(std::nearbyint(v)) + zp, 0), 255));
}

float activate(float x, int act, float slope) {
    switch (act) {
        case kActRelu: return x > 0.0f ? x : 0.0f;
        case kActPrelu: return x < 0.0f ? x * slope : x;
        case kActHardSwish: {
            const float t = x * (1.0f / 6.0f) + 0.5f;
            return x * std::min(std::max(t, 0.0f), 1.0f);
        }
        // |x| <= 87 keeps the result a normal float (denormals are slow; the result is the same to 1e-38)
        case kActSigmoid: return 1.0f / (1.0f + std::exp(-std::min(std::max(x, -87.0f), 87.0f)));
        default: return x;
    }
}

void sgemm_scalar(int m, int n, int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
                  const EpilogueF32& ep) {
    for (int i = 0; i < m; ++i) {
        const float* ar = a + static_cast<std::ptrdiff_t>(i) * lda;
        float* cr = c + static_cast<std::ptrdiff_t>(i) * ldc;
        for (int j = 0; j < n; ++j) {
            const float* bp = b + static_cast<std::ptrdiff_t>(j / kPanel) * k * kPanel + j % kPanel;
            float acc = bias[j];
            for (int kk = 0; kk < k; ++kk) acc += ar[kk] * bp[static_cast<std::ptrdiff_t>(kk) * kPanel];
            cr[j] = acc;
        }
        if (!ep.none()) {
            EpilogueF32 row = ep;
            if (row.residual) row.residual += static_cast<std::ptrdiff_t>(i) * ep.res_stride;
            epilogue_scalar(cr, 1, n, row);
        }
    }
}

void dwconv_row_scalar(const DwRow& r, const EpilogueF32& ep) {
    const float* in = static_cast<const float*>(r.in);
    const float* wt = static_cast<const float*>(r.weights);
    const float* bias = static_cast<const float*>(r.bias);
    float* out = static_cast<float*>(r.out);
    const int iy0 = r.oy * r.sh - r.pad_top;
    for (int ox = 0; ox < r.ow; ++ox) {
        const int ix0 = ox * r.sw - r.pad_left;
        float* o = out + static_cast<std::ptrdiff_t>(ox) * r.c;
        for (int ch = 0; ch < r.c; ++ch) o[ch] = bias[ch];
        for (int ky = 0; ky < r.kh; ++ky) {
            const int iy = iy0 + ky;
            if (iy < 0 || iy >= r.h) continue;
            for (int kx = 0; kx < r.kw; ++kx) {
                const int ix = ix0 + kx;
                if (ix < 0 || ix >= r.w) continue;
                const float* p = in + (static_cast<std::ptrdiff_t>(iy) * r.w + ix) * r.c;
                const float* wp = wt + static_cast<std::ptrdiff_t>(ky * r.kw + kx) * r.cpad;
                for (int ch = 0; ch < r.c; ++ch) o[ch] += p[ch] * wp[ch];
            }
        }
    }
    if (!ep.none()) epilogue_scalar(out, r.ow, r.c, ep);
}

void epilogue_scalar(float* y, int pixels, int c, const EpilogueF32& ep) {
    for (int p = 0; p < pixels; ++p) {
        float* row = y + static_cast<std::ptrdiff_t>(p) * c;
        const float* res = ep.residual ? ep.residual + static_cast<std::ptrdiff_t>(p) * ep.res_stride : nullptr;
        for (int ch = 0; ch < c; ++ch) {
            float v = activate(row[ch], ep.act_pre, ep.slopes_pre ? ep.slopes_pre[ch] : 0.0f);
            if (res && ch < ep.res_channels) v += res[ch];
            row[ch] = activate(v, ep.act_post, ep.slopes_post ? ep.slopes_post[ch] : 0.0f);
        }
    }
}

void qgemm_scalar(int m, int n, int k4, const uint8_t* a, int lda, const int8_t* b, const int32_t* bias,
                  const float* mult, int zp, uint8_t* c, int ldc) {
    for (int i = 0; i < m; ++i) {
        const uint8_t* ar = a + static_cast<std::ptrdiff_t>(i) * lda;
        uint8_t* cr = c + static_cast<std::ptrdiff_t>(i) * ldc;
        for (int j = 0; j < n; ++j) {
            const int8_t* bp = b + static_cast<std::ptrdiff_t>(j / kPanel) * k4 * kPanel * 4 + (j % kPanel) * 4;
            int32_t acc = bias[j];
            for (int g = 0; g < k4; ++g) {
                const int8_t* bg = bp + static_cast<std::ptrdiff_t>(g) * kPanel * 4;
                for (int t = 0; t < 4; ++t) acc += static_cast<int32_t>(ar[g * 4 + t]) * bg[t];
            }
            cr[j] = requantize(acc, mult[j], zp);
        }
    }
}

void qdwconv_row_scalar(const DwRow& r) {
    const uint8_t* in = static_cast<const uint8_t*>(r.in);
    const int16_t* wt = static_cast<const int16_t*>(r.weights);
    const int32_t* bias = static_cast<const int32_t*>(r.bias);
    uint8_t* out = static_cast<uint8_t*>(r.out);
    const int iy0 = r.oy * r.sh - r.pad_top;
    for (int ox = 0; ox < r.ow; ++ox) {
        const int ix0 = ox * r.sw - r.pad_left;
        uint8_t* o = out + static_cast<std::ptrdiff_t>(ox) * r.c;
        for (int ch = 0; ch < r.c; ++ch) {
            int32_t acc = bias[ch];
            for (int ky = 0; ky < r.kh; ++ky) {
                const int iy = iy0 + ky;
                const bool row_in = iy >= 0 && iy < r.h;
                for (int kx = 0; kx < r.kw; ++kx) {
                    const int ix = ix0 + kx;
                    const int v = row_in && ix >= 0 && ix < r.w
                                      ? in[(static_cast<std::ptrdiff_t>(iy) * r.w + ix) * r.c + ch]
                                      : r.in_zp;
                    acc += v * wt[static_cast<std::ptrdiff_t>(ky * r.kw + kx) * r.cpad + ch];
                }
            }
            o[ch] = requantize(acc, r.mult[ch], r.out_zp);
        }
    }
}

void qadd_scalar(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p) {
    for (size_t i = 0; i < n; ++i) y[i] = qadd_one(a[i], b[i], p);
}

void qmul_scalar(const uint8_t* a, const uint8_t* b, uint8_t* y, int pixels, int c, int b_stride, const QMulParams& p) {
    for (int px = 0; px < pixels; ++px) {
        const uint8_t* ar = a + static_cast<std::ptrdiff_t>(px) * c;
        const uint8_t* br = b + static_cast<std::ptrdiff_t>(px) * b_stride;
        uint8_t* yr = y + static_cast<std::ptrdiff_t>(px) * c;
        for (int i = 0; i < c; ++i) {
            const float v = static_cast<float>(ar[i] - p.za) * static_cast<float>(br[i] - p.zb);
            yr[i] = requantize_float(v * p.mul, p.zy);
        }
    }
}

void quantize_scalar(const float* x, uint8_t* y, size_t n, float scale, int zp) {
    for (size_t i = 0; i < n; ++i) y[i] = quantize_one(x[i], scale, zp);
}

void dequantize_scalar(const uint8_t* x, float* y, size_t n, float scale, int zp) {
    for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(static_cast<int>(x[i]) - zp) * scale;
}

void binary_f32_scalar(const float* a, const float* b, float* y, int pixels, int c, int b_stride, int kind) {
    for (int p = 0; p < pixels; ++p) {
        const float* ar = a + static_cast<std::ptrdiff_t>(p) * c;
        const float* br = b + static_cast<std::ptrdiff_t>(p) * b_stride;
        float* yr = y + static_cast<std::ptrdiff_t>(p) * c;
        if (kind == 0) {
            for (int i = 0; i < c; ++i) yr[i] = ar[i] + br[i];
        } else {
            for (int i = 0; i < c; ++i) yr[i] = ar[i] * br[i];
        }
    }
}

namespace {

template <typename T>
void maxpool_row(const T* in, int w, int c, int kh, int kw, int sw, int ow, T* out) {
    for (int ox = 0; ox < ow; ++ox) {
        T* o = out + static_cast<std::ptrdiff_t>(ox) * c;
        const T* first = in + static_cast<std::ptrdiff_t>(ox) * sw * c;
        std::memcpy(o, first, sizeof(T) * static_cast<size_t>(c));
        for (int ky = 0; ky < kh; ++ky) {
            for (int kx = 0; kx < kw; ++kx) {
                const T* p = in + (static_cast<std::ptrdiff_t>(ky) * w + ox * sw + kx) * c;
                for (int ch = 0; ch < c; ++ch) o[ch] = std::max(o[ch], p[ch]);
            }
        }
    }
}

}  // namespace

void maxpool_row_f32_scalar(const float* in, int w, int c, int kh, int kw, int sw, int ow, float* out) {
    maxpool_row(in, w, c, kh, kw, sw, ow, out);
}

void maxpool_row_u8_scalar(const uint8_t* in, int w, int c, int kh, int kw, int sw, int ow, uint8_t* out) {
    maxpool_row(in, w, c, kh, kw, sw, ow, out);
}

const Kernels kScalarKernels = {
    "scalar",         sgemm_scalar,    dwconv_row_scalar,      epilogue_scalar,       qgemm_scalar,
    qdwconv_row_scalar, qadd_scalar,   qmul_scalar,            quantize_scalar,        dequantize_scalar,     binary_f32_scalar,
    maxpool_row_f32_scalar, maxpool_row_u8_scalar,
};

}  // namespace nn
}  // namespace meiyan
