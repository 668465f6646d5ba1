// AVX2 + FMA kernels (this file is built with -mavx2 -mfma); the uint8 GEMM also comes in an
// AVX-VNNI flavour (VPDPBUSD), compiled through a target attribute and used only where the CPU
// has it. uint8 results equal the scalar kernels bit for bit; float results agree to rounding.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/avx2_exact.h"
#include "nn/nn_kernels.h"

#if MEIYAN_NN_X86

namespace meiyan {
namespace nn {

namespace {

using avx2::unfused;

inline __m256i tail_mask(int n) {  // lanes [0, n) set, n in 0..8
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

// ------------------------------------------------------------------ float activations

// exp(x) for x clamped to [-87, 87] (so that 1 / (1 + exp(x)) stays a normal float: denormal
// results are slow on x86), 2^n * p(r) with r = x - n ln2, a degree-6 polynomial (rel. err ~2e-7).
inline __m256 exp_ps(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(87.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

inline __m256 activate8(__m256 v, int act, const float* slopes) {
    switch (act) {
        case kActRelu: return _mm256_max_ps(v, _mm256_setzero_ps());
        case kActPrelu: {
            const __m256 neg = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
            return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_loadu_ps(slopes)), neg);
        }
        case kActHardSwish: {
            __m256 t = _mm256_fmadd_ps(v, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f));
            t = _mm256_min_ps(_mm256_max_ps(t, _mm256_setzero_ps()), _mm256_set1_ps(1.0f));
            return _mm256_mul_ps(v, t);
        }
        case kActSigmoid: {
            const __m256 one = _mm256_set1_ps(1.0f);
            return _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), v))));
        }
        default: return v;
    }
}

// The epilogue on 8 columns starting at col; res_row is the pixel's residual row (or null).
inline __m256 epilogue8(__m256 v, const EpilogueF32& ep, int col, const float* res_row) {
    v = activate8(v, ep.act_pre, ep.slopes_pre ? ep.slopes_pre + col : nullptr);
    if (res_row != nullptr && col < ep.res_channels) {
        const int n = ep.res_channels - col;
        v = _mm256_add_ps(v, n >= 8 ? _mm256_loadu_ps(res_row + col) : _mm256_maskload_ps(res_row + col, tail_mask(n)));
    }
    return activate8(v, ep.act_post, ep.slopes_post ? ep.slopes_post + col : nullptr);
}

inline bool simple_act(int act) { return act == kActNone || act == kActRelu || act == kActPrelu; }

inline __attribute__((always_inline)) __m256 simple_act8(__m256 v, int act, const float* slopes) {
    if (act == kActRelu) return _mm256_max_ps(v, _mm256_setzero_ps());
    if (act == kActPrelu) {
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_loadu_ps(slopes)), _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
    }
    return v;
}

// epilogue8 for NONE / RELU / PRELU activations (slopes padded to whole panels).
inline __attribute__((always_inline)) __m256 simple_epilogue8(__m256 v, const EpilogueF32& ep, int col,
                                                               const float* res_row) {
    v = simple_act8(v, ep.act_pre, ep.slopes_pre ? ep.slopes_pre + col : nullptr);
    if (res_row != nullptr && col < ep.res_channels) {
        const int n = ep.res_channels - col;
        v = _mm256_add_ps(v, n >= 8 ? _mm256_loadu_ps(res_row + col) : _mm256_maskload_ps(res_row + col, tail_mask(n)));
    }
    return simple_act8(v, ep.act_post, ep.slopes_post ? ep.slopes_post + col : nullptr);
}

// The epilogue on rows x ncols (<= 16) values at c (row stride ldc), columns from col0.
__attribute__((noinline)) void epilogue_tile(float* c, int ldc, int rows, int ncols, const EpilogueF32& ep, int col0,
                                             const float* res) {
    for (int r = 0; r < rows; ++r) {
        float* cr = c + static_cast<std::ptrdiff_t>(r) * ldc;
        const float* rr = res ? res + static_cast<std::ptrdiff_t>(r) * ep.res_stride : nullptr;
        for (int j = 0; j < ncols; j += 8) {
            const int lanes = std::min(8, ncols - j);
            const __m256i m = tail_mask(lanes);
            __m256 v = lanes == 8 ? _mm256_loadu_ps(cr + j) : _mm256_maskload_ps(cr + j, m);
            v = epilogue8(v, ep, col0 + j, rr);
            if (lanes == 8) {
                _mm256_storeu_ps(cr + j, v);
            } else {
                _mm256_maskstore_ps(cr + j, m, v);
            }
        }
    }
}

// ------------------------------------------------------------------ float GEMM

// MR rows x 16 columns (NC = 16), or x 8 for a panel whose last 8 columns are padding (NC = 8).
template <int MR, int NC>
inline void sgemm_tile(int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
                       int ncols, const EpilogueF32* ep, int col0, const float* res) {
    __m256 acc0[MR], acc1[MR];
    const __m256 b0 = _mm256_loadu_ps(bias), b1 = _mm256_loadu_ps(bias + 8);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
        acc0[r] = b0;
        acc1[r] = b1;
    }
    for (int kk = 0; kk < k; ++kk) {
        const __m256 w0 = _mm256_loadu_ps(b + kk * kPanel);
        const __m256 w1 = NC == 16 ? _mm256_loadu_ps(b + kk * kPanel + 8) : w0;
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const __m256 av = _mm256_broadcast_ss(a + static_cast<std::ptrdiff_t>(r) * lda + kk);
            acc0[r] = _mm256_fmadd_ps(av, w0, acc0[r]);
            if (NC == 16) acc1[r] = _mm256_fmadd_ps(av, w1, acc1[r]);
        }
    }
    const bool simple = ep != nullptr && simple_act(ep->act_pre) && simple_act(ep->act_post);
    if (simple) {  // ReLU / PReLU / residual on the registers; heavier activations go through memory below
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const float* rr = res ? res + static_cast<std::ptrdiff_t>(r) * ep->res_stride : nullptr;
            acc0[r] = simple_epilogue8(acc0[r], *ep, col0, rr);
            if (NC == 16) acc1[r] = simple_epilogue8(acc1[r], *ep, col0 + 8, rr);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
        float* cr = c + static_cast<std::ptrdiff_t>(r) * ldc;
        if (ncols == kPanel) {
            _mm256_storeu_ps(cr, acc0[r]);
            _mm256_storeu_ps(cr + 8, acc1[r]);
        } else if (ncols > 8) {
            _mm256_storeu_ps(cr, acc0[r]);
            _mm256_maskstore_ps(cr + 8, tail_mask(ncols - 8), acc1[r]);
        } else if (ncols == 8) {
            _mm256_storeu_ps(cr, acc0[r]);
        } else {
            _mm256_maskstore_ps(cr, tail_mask(ncols), acc0[r]);
        }
    }
    // Sigmoid and hard-swish read the tile back from L1: done on the registers, their code would
    // push the accumulators out of registers for the whole k loop.
    if (ep != nullptr && !simple) epilogue_tile(c, ldc, MR, ncols, *ep, col0, res);
}

template <int NC>
inline void sgemm_rows(int rows, int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
                       int ncols, const EpilogueF32* ep, int col0, const float* res) {
    switch (rows) {
        case 6: sgemm_tile<6, NC>(k, a, lda, b, bias, c, ldc, ncols, ep, col0, res); break;
        case 5: sgemm_tile<5, NC>(k, a, lda, b, bias, c, ldc, ncols, ep, col0, res); break;
        case 4: sgemm_tile<4, NC>(k, a, lda, b, bias, c, ldc, ncols, ep, col0, res); break;
        case 3: sgemm_tile<3, NC>(k, a, lda, b, bias, c, ldc, ncols, ep, col0, res); break;
        case 2: sgemm_tile<2, NC>(k, a, lda, b, bias, c, ldc, ncols, ep, col0, res); break;
        default: sgemm_tile<1, NC>(k, a, lda, b, bias, c, ldc, ncols, ep, col0, res); break;
    }
}

void sgemm_avx2(int m, int n, int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
                const EpilogueF32& epilogue) {
    const EpilogueF32* ep = epilogue.none() ? nullptr : &epilogue;
    const int panels = (n + kPanel - 1) / kPanel;
    for (int i = 0; i < m; i += 6) {
        const int rows = std::min(6, m - i);
        const float* ai = a + static_cast<std::ptrdiff_t>(i) * lda;
        const float* res = ep && ep->residual ? ep->residual + static_cast<std::ptrdiff_t>(i) * ep->res_stride : nullptr;
        for (int p = 0; p < panels; ++p) {
            const float* bp = b + static_cast<std::ptrdiff_t>(p) * k * kPanel;
            float* ci = c + static_cast<std::ptrdiff_t>(i) * ldc + p * kPanel;
            const int nc = std::min(kPanel, n - p * kPanel), col0 = p * kPanel;
            if (nc > 8) {
                sgemm_rows<16>(rows, k, ai, lda, bp, bias + col0, ci, ldc, nc, ep, col0, res);
            } else {
                sgemm_rows<8>(rows, k, ai, lda, bp, bias + col0, ci, ldc, nc, ep, col0, res);
            }
        }
    }
}

// ------------------------------------------------------------------ float depthwise

// One block of 8 channels of a depthwise row. Taps are loaded from L1 each time except for 3x3
// kernels, whose 9 weight vectors stay in registers.
template <int K>
inline void dw_block(const DwRow& r, const EpilogueF32* ep, int ch, const float* in, const float* wt, float* out) {
    const int lanes = std::min(8, r.c - ch);
    const __m256i mask = tail_mask(lanes);
    const __m256 bias = _mm256_loadu_ps(static_cast<const float*>(r.bias) + ch);
    const bool simple = ep != nullptr && simple_act(ep->act_pre) && simple_act(ep->act_post);
    const int iy0 = r.oy * r.sh - r.pad_top;
    const bool rows_in = iy0 >= 0 && iy0 + r.kh <= r.h;
    __m256 w3[K == 3 ? 9 : 1];
    if (K == 3) {
        for (int t = 0; t < 9; ++t) w3[t] = _mm256_loadu_ps(wt + static_cast<std::ptrdiff_t>(t) * r.cpad + ch);
    }
    for (int ox = 0; ox < r.ow; ++ox) {
        const int ix0 = ox * r.sw - r.pad_left;
        __m256 acc = bias;
        // input lanes past c read the next pixel (or the tensor slack); their weights are 0
        if (K == 3 && rows_in && ix0 >= 0 && ix0 + 3 <= r.w) {
            const float* p = in + (static_cast<std::ptrdiff_t>(iy0) * r.w + ix0) * r.c + ch;
            const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(r.w) * r.c;
#pragma GCC unroll 3
            for (int ky = 0; ky < 3; ++ky) {
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(p + ky * row), w3[3 * ky], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(p + ky * row + r.c), w3[3 * ky + 1], acc);
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(p + ky * row + 2 * r.c), w3[3 * ky + 2], acc);
            }
        } else {
            const int ky0 = std::max(0, -iy0), ky1 = std::min(r.kh, r.h - iy0);
            const int kx0 = std::max(0, -ix0), kx1 = std::min(r.kw, r.w - ix0);
            for (int ky = ky0; ky < ky1; ++ky) {
                const float* prow = in + (static_cast<std::ptrdiff_t>(iy0 + ky) * r.w + ix0) * r.c + ch;
                const float* wrow = wt + static_cast<std::ptrdiff_t>(ky * r.kw) * r.cpad + ch;
                for (int kx = kx0; kx < kx1; ++kx) {
                    acc = _mm256_fmadd_ps(_mm256_loadu_ps(prow + static_cast<std::ptrdiff_t>(kx) * r.c),
                                          _mm256_loadu_ps(wrow + static_cast<std::ptrdiff_t>(kx) * r.cpad), acc);
                }
            }
        }
        if (ep != nullptr) {
            const float* rr = ep->residual ? ep->residual + static_cast<std::ptrdiff_t>(ox) * ep->res_stride : nullptr;
            acc = simple ? simple_epilogue8(acc, *ep, ch, rr) : epilogue8(acc, *ep, ch, rr);
        }
        float* o = out + static_cast<std::ptrdiff_t>(ox) * r.c + ch;
        if (lanes == 8) {
            _mm256_storeu_ps(o, acc);
        } else {
            _mm256_maskstore_ps(o, mask, acc);
        }
    }
}

void dwconv_row_avx2(const DwRow& r, const EpilogueF32& epilogue) {
    const EpilogueF32* ep = epilogue.none() ? nullptr : &epilogue;
    const float* in = static_cast<const float*>(r.in);
    const float* wt = static_cast<const float*>(r.weights);
    float* out = static_cast<float*>(r.out);
    for (int ch = 0; ch < r.c; ch += 8) {
        if (r.kh == 3 && r.kw == 3) {
            dw_block<3>(r, ep, ch, in, wt, out);
        } else {
            dw_block<0>(r, ep, ch, in, wt, out);
        }
    }
}

void epilogue_avx2(float* y, int pixels, int c, const EpilogueF32& ep) {
    if (ep.residual == nullptr && ep.act_post == kActNone && ep.act_pre != kActPrelu) {
        // one activation over the whole block: a flat loop
        const size_t n = static_cast<size_t>(pixels) * static_cast<size_t>(c);
        size_t i = 0;
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, activate8(_mm256_loadu_ps(y + i), ep.act_pre, nullptr));
        if (i < n) {
            const __m256i m = tail_mask(static_cast<int>(n - i));
            _mm256_maskstore_ps(y + i, m, activate8(_mm256_maskload_ps(y + i, m), ep.act_pre, nullptr));
        }
        return;
    }
    float slope_pre[8] = {0}, slope_post[8] = {0};
    for (int p = 0; p < pixels; ++p) {
        float* row = y + static_cast<std::ptrdiff_t>(p) * c;
        const float* res = ep.residual ? ep.residual + static_cast<std::ptrdiff_t>(p) * ep.res_stride : nullptr;
        for (int ch = 0; ch < c; ch += 8) {
            const int lanes = std::min(8, c - ch);
            const __m256i m = tail_mask(lanes);
            __m256 v = lanes == 8 ? _mm256_loadu_ps(row + ch) : _mm256_maskload_ps(row + ch, m);
            EpilogueF32 e = ep;
            if (lanes < 8) {  // slope arrays may hold exactly c values: copy the tail
                if (e.slopes_pre) {
                    std::memcpy(slope_pre, e.slopes_pre + ch, sizeof(float) * static_cast<size_t>(lanes));
                    e.slopes_pre = slope_pre - ch;
                }
                if (e.slopes_post) {
                    std::memcpy(slope_post, e.slopes_post + ch, sizeof(float) * static_cast<size_t>(lanes));
                    e.slopes_post = slope_post - ch;
                }
            }
            v = epilogue8(v, e, ch, res);
            if (lanes == 8) {
                _mm256_storeu_ps(row + ch, v);
            } else {
                _mm256_maskstore_ps(row + ch, m, v);
            }
        }
    }
}

// ------------------------------------------------------------------ uint8 requantisation

// 16 int32 sums (lo: columns 0-7, hi: 8-15) -> 16 bytes sat_u8(rint(acc * mult) + zp)
inline __m128i requant16(__m256i lo, __m256i hi, const float* mult, __m256i zp) {
    const __m256 lim_lo = _mm256_set1_ps(-512.0f), lim_hi = _mm256_set1_ps(512.0f);
    __m256 f0 = _mm256_mul_ps(_mm256_cvtepi32_ps(lo), _mm256_loadu_ps(mult));
    __m256 f1 = _mm256_mul_ps(_mm256_cvtepi32_ps(hi), _mm256_loadu_ps(mult + 8));
    f0 = _mm256_min_ps(_mm256_max_ps(f0, lim_lo), lim_hi);
    f1 = _mm256_min_ps(_mm256_max_ps(f1, lim_lo), lim_hi);
    const __m256i i0 = _mm256_add_epi32(_mm256_cvtps_epi32(f0), zp);
    const __m256i i1 = _mm256_add_epi32(_mm256_cvtps_epi32(f1), zp);
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(i0, i1), 0xD8);
    return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

inline void store_bytes(uint8_t* dst, __m128i v, int n) {
    if (n == 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
    } else {
        alignas(16) uint8_t tmp[16];
        _mm_store_si128(reinterpret_cast<__m128i*>(tmp), v);
        std::memcpy(dst, tmp, static_cast<size_t>(n));
    }
}

inline int32_t load4(const uint8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// ------------------------------------------------------------------ uint8 GEMM (exact, AVX2)

// Two rows x 16 columns. Each group of 4 inputs meets 4 columns' 4 weights in one VPMADDWD
// (16-bit products, pairs summed to 32 bits: exact); the pair sums are folded at the end.
template <int MR>
inline void qgemm_tile_avx2(int k4, const uint8_t* a, int lda, const int8_t* b, const int32_t* bias,
                            const float* mult, int zp, uint8_t* c, int ldc, int ncols) {
    __m256i acc[MR][4];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
        for (int q = 0; q < 4; ++q) acc[r][q] = _mm256_setzero_si256();
    }
    for (int g = 0; g < k4; ++g) {
        const int8_t* bg = b + static_cast<std::ptrdiff_t>(g) * kPanel * 4;
        __m256i w[4];
        for (int q = 0; q < 4; ++q) {
            w[q] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bg + 16 * q)));
        }
#pragma GCC unroll 4
        for (int r = 0; r < MR; ++r) {
            const __m128i a4 = _mm_cvtsi32_si128(load4(a + static_cast<std::ptrdiff_t>(r) * lda + 4 * g));
            const __m256i av = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(a4));
            for (int q = 0; q < 4; ++q) acc[r][q] = _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(w[q], av));
        }
    }
    const __m256i vzp = _mm256_set1_epi32(zp);
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8));
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
        // acc[q] holds columns 4q..4q+3 as (t0+t1, t2+t3) pairs
        const __m256i lo = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][0], acc[r][1]), 0xD8);
        const __m256i hi = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][2], acc[r][3]), 0xD8);
        store_bytes(c + static_cast<std::ptrdiff_t>(r) * ldc,
                    requant16(_mm256_add_epi32(lo, b0), _mm256_add_epi32(hi, b1), mult, vzp), ncols);
    }
}

void qgemm_avx2(int m, int n, int k4, const uint8_t* a, int lda, const int8_t* b, const int32_t* bias,
                const float* mult, int zp, uint8_t* c, int ldc) {
    const int panels = (n + kPanel - 1) / kPanel;
    for (int i = 0; i < m; i += 2) {
        for (int p = 0; p < panels; ++p) {
            const uint8_t* ai = a + static_cast<std::ptrdiff_t>(i) * lda;
            const int8_t* bp = b + static_cast<std::ptrdiff_t>(p) * k4 * kPanel * 4;
            uint8_t* ci = c + static_cast<std::ptrdiff_t>(i) * ldc + p * kPanel;
            const int nc = std::min(kPanel, n - p * kPanel);
            if (i + 2 <= m) {
                qgemm_tile_avx2<2>(k4, ai, lda, bp, bias + p * kPanel, mult + p * kPanel, zp, ci, ldc, nc);
            } else {
                qgemm_tile_avx2<1>(k4, ai, lda, bp, bias + p * kPanel, mult + p * kPanel, zp, ci, ldc, nc);
            }
        }
    }
}

// ------------------------------------------------------------------ uint8 GEMM (VNNI)

// VPDPBUSD: four u8 x s8 products summed into each int32 lane, exactly. Two encodings, stamped out
// with their own target attributes: VEX (AVX-VNNI) and EVEX on ymm (AVX512-VNNI + AVX512VL); a CPU
// may have either one alone.
#define MEIYAN_QGEMM_VNNI(NAME, TARGET, DPBUSD)                                                                     \
    template <int MR>                                                                                               \
    __attribute__((target(TARGET))) inline void NAME##_tile(int k4, const uint8_t* a, int lda, const int8_t* b,      \
                                                            const int32_t* bias, const float* mult, int zp,         \
                                                            uint8_t* c, int ldc, int ncols) {                       \
        __m256i acc0[MR], acc1[MR];                                                                                 \
        const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));                             \
        const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8));                         \
        for (int r = 0; r < MR; ++r) {                                                                              \
            acc0[r] = b0;                                                                                           \
            acc1[r] = b1;                                                                                           \
        }                                                                                                           \
        for (int g = 0; g < k4; ++g) {                                                                              \
            const int8_t* bg = b + static_cast<std::ptrdiff_t>(g) * 64;                                            \
            const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bg));                           \
            const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bg + 32));                      \
            _Pragma("GCC unroll 8") for (int r = 0; r < MR; ++r) {                                                  \
                const __m256i av = _mm256_set1_epi32(load4(a + static_cast<std::ptrdiff_t>(r) * lda + 4 * g));      \
                acc0[r] = DPBUSD(acc0[r], av, w0);                                                                  \
                acc1[r] = DPBUSD(acc1[r], av, w1);                                                                  \
            }                                                                                                       \
        }                                                                                                           \
        const __m256i vzp = _mm256_set1_epi32(zp);                                                                  \
        for (int r = 0; r < MR; ++r) {                                                                              \
            store_bytes(c + static_cast<std::ptrdiff_t>(r) * ldc, requant16(acc0[r], acc1[r], mult, vzp), ncols);  \
        }                                                                                                           \
    }                                                                                                               \
    __attribute__((target(TARGET))) void NAME(int m, int n, int k4, const uint8_t* a, int lda, const int8_t* b,      \
                                              const int32_t* bias, const float* mult, int zp, uint8_t* c, int ldc) { \
        const int panels = (n + kPanel - 1) / kPanel;                                                               \
        for (int i = 0; i < m; i += 6) {                                                                            \
            const int rows = std::min(6, m - i);                                                                    \
            for (int p = 0; p < panels; ++p) {                                                                      \
                const uint8_t* ai = a + static_cast<std::ptrdiff_t>(i) * lda;                                       \
                const int8_t* bp = b + static_cast<std::ptrdiff_t>(p) * k4 * 64;                                    \
                uint8_t* ci = c + static_cast<std::ptrdiff_t>(i) * ldc + p * kPanel;                                \
                const int nc = std::min(kPanel, n - p * kPanel);                                                    \
                const int32_t* bi = bias + p * kPanel;                                                              \
                const float* mi = mult + p * kPanel;                                                                \
                switch (rows) {                                                                                     \
                    case 6: NAME##_tile<6>(k4, ai, lda, bp, bi, mi, zp, ci, ldc, nc); break;                        \
                    case 5: NAME##_tile<5>(k4, ai, lda, bp, bi, mi, zp, ci, ldc, nc); break;                        \
                    case 4: NAME##_tile<4>(k4, ai, lda, bp, bi, mi, zp, ci, ldc, nc); break;                        \
                    case 3: NAME##_tile<3>(k4, ai, lda, bp, bi, mi, zp, ci, ldc, nc); break;                        \
                    case 2: NAME##_tile<2>(k4, ai, lda, bp, bi, mi, zp, ci, ldc, nc); break;                        \
                    default: NAME##_tile<1>(k4, ai, lda, bp, bi, mi, zp, ci, ldc, nc); break;                       \
                }                                                                                                   \
            }                                                                                                       \
        }                                                                                                           \
    }

MEIYAN_QGEMM_VNNI(qgemm_avxvnni, "avxvnni", _mm256_dpbusd_avx_epi32)
MEIYAN_QGEMM_VNNI(qgemm_avx512vnni, "avx512vnni,avx512vl", _mm256_dpbusd_epi32)

// ------------------------------------------------------------------ uint8 depthwise

// 16 channels of a uint8 depthwise row. Products of a uint8 input and an int8 weight fit 16 bits
// (|x * w| <= 255 * 128), so each tap is one VPMULLW, widened to 32 bits for the sum. Out-of-image
// taps read the input zero point; lanes past c read the next pixel (or the tensor slack) and meet
// zero weights. 3x3 kernels keep their 9 weight vectors in registers.
template <int K>
inline void qdw_block(const DwRow& r, int ch, const uint8_t* in, const int16_t* wt, uint8_t* out) {
    const int32_t* bias = static_cast<const int32_t*>(r.bias);
    const __m256i vzp = _mm256_set1_epi32(r.out_zp);
    const __m256i zp16 = _mm256_set1_epi16(static_cast<int16_t>(r.in_zp));
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + ch));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + ch + 8));
    const int iy0 = r.oy * r.sh - r.pad_top;
    const bool rows_in = iy0 >= 0 && iy0 + r.kh <= r.h;
    const int n = std::min(16, r.c - ch);
    __m256i w3[K == 3 ? 9 : 1];
    if (K == 3) {
        for (int t = 0; t < 9; ++t) {
            w3[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wt + static_cast<std::ptrdiff_t>(t) * r.cpad + ch));
        }
    }
    auto tap = [](const uint8_t* p) {
        return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    };
    for (int ox = 0; ox < r.ow; ++ox) {
        const int ix0 = ox * r.sw - r.pad_left;
        __m256i acc0 = b0, acc1 = b1;
        if (K == 3 && rows_in && ix0 >= 0 && ix0 + 3 <= r.w) {
            const uint8_t* p = in + (static_cast<std::ptrdiff_t>(iy0) * r.w + ix0) * r.c + ch;
            const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(r.w) * r.c;
            // pairs of taps summed in 16 bits would overflow; sum in 32 bits
#pragma GCC unroll 9
            for (int t = 0; t < 9; ++t) {
                const __m256i prod = _mm256_mullo_epi16(tap(p + (t / 3) * row + (t % 3) * r.c), w3[t]);
                acc0 = _mm256_add_epi32(acc0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod)));
                acc1 = _mm256_add_epi32(acc1, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1)));
            }
        } else {
            for (int ky = 0; ky < r.kh; ++ky) {
                const int iy = iy0 + ky;
                const bool row_in = iy >= 0 && iy < r.h;
                for (int kx = 0; kx < r.kw; ++kx) {
                    const int ix = ix0 + kx;
                    const __m256i x = row_in && ix >= 0 && ix < r.w
                                          ? tap(in + (static_cast<std::ptrdiff_t>(iy) * r.w + ix) * r.c + ch)
                                          : zp16;
                    const __m256i wv = _mm256_loadu_si256(
                        reinterpret_cast<const __m256i*>(wt + static_cast<std::ptrdiff_t>(ky * r.kw + kx) * r.cpad + ch));
                    const __m256i prod = _mm256_mullo_epi16(x, wv);
                    acc0 = _mm256_add_epi32(acc0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod)));
                    acc1 = _mm256_add_epi32(acc1, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1)));
                }
            }
        }
        store_bytes(out + static_cast<std::ptrdiff_t>(ox) * r.c + ch, requant16(acc0, acc1, r.mult + ch, vzp), n);
    }
}

void qdwconv_row_avx2(const DwRow& r) {
    const uint8_t* in = static_cast<const uint8_t*>(r.in);
    const int16_t* wt = static_cast<const int16_t*>(r.weights);
    uint8_t* out = static_cast<uint8_t*>(r.out);
    for (int ch = 0; ch < r.c; ch += 16) {
        if (r.kh == 3 && r.kw == 3) {
            qdw_block<3>(r, ch, in, wt, out);
        } else {
            qdw_block<0>(r, ch, in, wt, out);
        }
    }
}

// ------------------------------------------------------------------ uint8 elementwise

inline __m256 u8x8_to_ps(const uint8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

void qadd_avx2(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p) {
    const __m256 ra = _mm256_set1_ps(p.ra), rb = _mm256_set1_ps(p.rb), fixed = _mm256_set1_ps(p.fixed);
    const __m256 lo = _mm256_set1_ps(-1.0f), hi = _mm256_set1_ps(256.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i q[2];
        for (int h = 0; h < 2; ++h) {
            // onnxruntime's fused QLinearAdd: fixed + a*ra, then + b*rb, each a fused multiply-add.
            __m256 v = _mm256_fmadd_ps(u8x8_to_ps(a + i + 8 * h), ra, fixed);
            v = _mm256_fmadd_ps(u8x8_to_ps(b + i + 8 * h), rb, v);
            v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
            q[h] = _mm256_cvtps_epi32(v);
        }
        const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xD8);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                         _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
    }
    for (; i < n; ++i) y[i] = qadd_one(a[i], b[i], p);
}

void qmul_avx2(const uint8_t* a, const uint8_t* b, uint8_t* y, int pixels, int c, int b_stride, const QMulParams& p) {
    if (b_stride == c) {
        c *= pixels;
        pixels = 1;
    }
    const __m256i za = _mm256_set1_epi32(p.za), zb = _mm256_set1_epi32(p.zb), zy = _mm256_set1_epi32(p.zy);
    const __m256 mul = _mm256_set1_ps(p.mul), lo = _mm256_set1_ps(-512.0f), hi = _mm256_set1_ps(512.0f);
    auto load8 = [](const uint8_t* q, __m256i z) {
        return _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q))), z));
    };
    for (int px = 0; px < pixels; ++px) {
        const uint8_t* ar = a + static_cast<std::ptrdiff_t>(px) * c;
        const uint8_t* br = b + static_cast<std::ptrdiff_t>(px) * b_stride;
        uint8_t* yr = y + static_cast<std::ptrdiff_t>(px) * c;
        int i = 0;
        for (; i + 16 <= c; i += 16) {
            __m256i q[2];
            for (int h = 0; h < 2; ++h) {
                const __m256 prod = unfused(_mm256_mul_ps(load8(ar + i + 8 * h, za), load8(br + i + 8 * h, zb)));
                __m256 v = _mm256_mul_ps(prod, mul);
                v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
                q[h] = _mm256_add_epi32(_mm256_cvtps_epi32(v), zy);
            }
            const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xD8);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(yr + i),
                             _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
        }
        for (; i < c; ++i) {
            const float v = static_cast<float>(ar[i] - p.za) * static_cast<float>(br[i] - p.zb);
            yr[i] = requantize_float(v * p.mul, p.zy);
        }
    }
}

void quantize_avx2(const float* x, uint8_t* y, size_t n, float scale, int zp) {
    const __m256 s = _mm256_set1_ps(scale), lo = _mm256_set1_ps(-512.0f), hi = _mm256_set1_ps(512.0f);
    const __m256i vzp = _mm256_set1_epi32(zp);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i q[2];
        for (int h = 0; h < 2; ++h) {
            __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * h), s);
            v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));  // NaN -> 0, as the scalar kernel
            v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
            q[h] = _mm256_add_epi32(_mm256_cvtps_epi32(v), vzp);
        }
        const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xD8);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                         _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
    }
    for (; i < n; ++i) y[i] = quantize_one(x[i], scale, zp);
}

void dequantize_avx2(const uint8_t* x, float* y, size_t n, float scale, int zp) {
    const __m256 s = _mm256_set1_ps(scale);
    const __m256i vzp = _mm256_set1_epi32(zp);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i q = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + i)));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, vzp)), s));
    }
    for (; i < n; ++i) y[i] = static_cast<float>(static_cast<int>(x[i]) - zp) * scale;
}

void binary_f32_avx2(const float* a, const float* b, float* y, int pixels, int c, int b_stride, int kind) {
    if (b_stride == c) {  // same shape: one flat pass
        c *= pixels;
        pixels = 1;
    }
    const int full = c / 8 * 8;
    const __m256i m = tail_mask(c - full);
    for (int p = 0; p < pixels; ++p) {
        const float* ar = a + static_cast<std::ptrdiff_t>(p) * c;
        const float* br = b + static_cast<std::ptrdiff_t>(p) * b_stride;
        float* yr = y + static_cast<std::ptrdiff_t>(p) * c;
        int i = 0;
        for (; i < full; i += 8) {
            const __m256 va = _mm256_loadu_ps(ar + i), vb = _mm256_loadu_ps(br + i);
            _mm256_storeu_ps(yr + i, kind == 0 ? _mm256_add_ps(va, vb) : _mm256_mul_ps(va, vb));
        }
        if (i < c) {
            const __m256 va = _mm256_maskload_ps(ar + i, m), vb = _mm256_maskload_ps(br + i, m);
            _mm256_maskstore_ps(yr + i, m, kind == 0 ? _mm256_add_ps(va, vb) : _mm256_mul_ps(va, vb));
        }
    }
}

void maxpool_row_f32_avx2(const float* in, int w, int c, int kh, int kw, int sw, int ow, float* out) {
    for (int ox = 0; ox < ow; ++ox) {
        float* o = out + static_cast<std::ptrdiff_t>(ox) * c;
        int ch = 0;
        for (; ch + 8 <= c; ch += 8) {
            __m256 m = _mm256_loadu_ps(in + static_cast<std::ptrdiff_t>(ox) * sw * c + ch);
            for (int ky = 0; ky < kh; ++ky) {
                for (int kx = 0; kx < kw; ++kx) {
                    m = _mm256_max_ps(m, _mm256_loadu_ps(in + (static_cast<std::ptrdiff_t>(ky) * w + ox * sw + kx) * c + ch));
                }
            }
            _mm256_storeu_ps(o + ch, m);
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

void maxpool_row_u8_avx2(const uint8_t* in, int w, int c, int kh, int kw, int sw, int ow, uint8_t* out) {
    for (int ox = 0; ox < ow; ++ox) {
        uint8_t* o = out + static_cast<std::ptrdiff_t>(ox) * c;
        int ch = 0;
        for (; ch + 16 <= c; ch += 16) {
            __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + static_cast<std::ptrdiff_t>(ox) * sw * c + ch));
            for (int ky = 0; ky < kh; ++ky) {
                for (int kx = 0; kx < kw; ++kx) {
                    m = _mm_max_epu8(m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(
                                            in + (static_cast<std::ptrdiff_t>(ky) * w + ox * sw + kx) * c + ch)));
                }
            }
            _mm_storeu_si128(reinterpret_cast<__m128i*>(o + ch), m);
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

const Kernels kAvx2Kernels = {
    "avx2",           sgemm_avx2,       dwconv_row_avx2,      epilogue_avx2,        qgemm_avx2,
    qdwconv_row_avx2, qadd_avx2,        qmul_avx2,            quantize_avx2,        dequantize_avx2,      binary_f32_avx2,
    maxpool_row_f32_avx2, maxpool_row_u8_avx2,
};

const Kernels kAvx2VnniKernels = {
    "avx2+avxvnni",   sgemm_avx2,       dwconv_row_avx2,      epilogue_avx2,        qgemm_avxvnni,
    qdwconv_row_avx2, qadd_avx2,        qmul_avx2,            quantize_avx2,        dequantize_avx2,      binary_f32_avx2,
    maxpool_row_f32_avx2, maxpool_row_u8_avx2,
};

const Kernels kAvx512VnniKernels = {
    "avx2+avx512vnni", sgemm_avx2,      dwconv_row_avx2,      epilogue_avx2,        qgemm_avx512vnni,
    qdwconv_row_avx2, qadd_avx2,        qmul_avx2,            quantize_avx2,        dequantize_avx2,      binary_f32_avx2,
    maxpool_row_f32_avx2, maxpool_row_u8_avx2,
};

}  // namespace nn
}  // namespace meiyan

#endif  // MEIYAN_NN_X86
