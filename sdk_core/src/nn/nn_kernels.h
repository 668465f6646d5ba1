// Compute kernels of the neural-network engine, one table per SIMD level (as image_kernels.h).
//
// The scalar kernels in nn_kernels_scalar.cpp define the results. The uint8 kernels of every level
// are bit-identical to them (integer accumulation; every float step is the same single IEEE
// operation, never a fused multiply-add). The float kernels agree to rounding (their sums run in
// another order and use FMA); test_nn_kernels.cpp holds them to a relative tolerance.
// Only declarations live here (see image_kernels.h for why).
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#define MEIYAN_NN_X86 1
#elif defined(__aarch64__)
#define MEIYAN_NN_NEON 1
#endif

// The uint8 formulas are defined without fused multiply-add; where plain C++ computes one of them,
// this attribute keeps the compiler from contracting a * b + c (AArch64 compilers do by default).
#if defined(__GNUC__) && !defined(__clang__)
#define MEIYAN_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define MEIYAN_NO_CONTRACT
#endif

namespace meiyan {
namespace nn {

// Activations (the values of the .mynn act fields).
enum Act : int { kActNone = 0, kActRelu = 1, kActPrelu = 2, kActHardSwish = 3, kActSigmoid = 4, kActLut = 5 };

// Packed weight panels are 16 output channels wide; the GEMM kernels read whole panels.
constexpr int kPanel = 16;

// What follows a float convolution on each output pixel (c channels):
//   y = act_post(act_pre(y) + residual), the residual covering the first res_channels channels.
struct EpilogueF32 {
    int act_pre = kActNone;
    const float* slopes_pre = nullptr;  // PRELU: one slope per channel (whole panels for the GEMM)
    int act_post = kActNone;
    const float* slopes_post = nullptr;
    const float* residual = nullptr;  // pixel p's residual at residual + p * res_stride, or null
    int res_channels = 0;
    int res_stride = 0;

    bool none() const { return act_pre == kActNone && act_post == kActNone && residual == nullptr; }
};

// The uint8 add of two quantised values, as onnxruntime's QLinearAdd: with ra = sa / sc and
// rb = sb / sc (float32), fixed = zc - (ra * za + rb * zb),
//   c = sat_u8(rint((fixed + a * ra) + b * rb)).
struct QAddParams {
    float ra = 0, rb = 0, fixed = 0;
};
QAddParams qadd_params(float sa, int za, float sb, int zb, float sc, int zc);

struct QMulParams {
    int za = 0, zb = 0, zy = 0;
    float mul = 0;
};

// A depthwise convolution producing one output row (all OW pixels, all C channels).
struct DwRow {
    const void* in = nullptr;  // NHWC image: H x W x C (float or uint8)
    int h = 0, w = 0, c = 0;
    int kh = 0, kw = 0, sh = 1, sw = 1, pad_top = 0, pad_left = 0;
    int oy = 0, ow = 0;
    const void* weights = nullptr;  // [kh][kw][cpad]: float, or int16 for uint8 convolutions
    int cpad = 0;                   // channels rounded up to 16, zero weights past c
    const void* bias = nullptr;     // float[cpad], or int32[cpad] (already corrected for the input zero point)
    const float* mult = nullptr;    // uint8: requantisation multiplier per channel (cpad values)
    int in_zp = 0, out_zp = 0;      // uint8: zero points (out of range taps read in_zp)
    void* out = nullptr;            // OW x C
};

struct Kernels {
    const char* name;

    // C[i * ldc + j] = ep(bias[j] + sum_k A[i * lda + k] * B[k][j]) for i < m, j < n, the epilogue's
    // residual row i at ep.residual + i * ep.res_stride. B is packed in panels of kPanel columns:
    // panel p at b + p * k * kPanel, row k at + k * kPanel (zero padded). bias, slopes (and mult
    // below) hold whole panels: n rounded up to kPanel values.
    void (*sgemm)(int m, int n, int k, const float* a, int lda, const float* b, const float* bias, float* c,
                  int ldc, const EpilogueF32& ep);
    // One float depthwise output row, bias and epilogue applied (residual pixel 0 at ep.residual).
    void (*dwconv_row)(const DwRow& r, const EpilogueF32& ep);
    // The EpilogueF32 on `pixels` pixels of `c` channels at y (row stride c).
    void (*epilogue)(float* y, int pixels, int c, const EpilogueF32& ep);

    // uint8 x int8 GEMM with requantisation:
    //   C[i * ldc + j] = sat_u8(rint((bias[j] + sum_k A[i * lda + k] * B[k][j]) * mult[j]) + zp).
    // k counts groups of 4: A rows are read 4 bytes at a time (4 * k bytes), B panel p sits at
    // b + p * k * kPanel * 4, group g at + g * kPanel * 4, column j's 4 bytes at + j * 4.
    void (*qgemm)(int m, int n, int k4, const uint8_t* a, int lda, const int8_t* b, const int32_t* bias,
                  const float* mult, int zp, uint8_t* c, int ldc);
    // One uint8 depthwise output row with requantisation (weights int16, bias int32 per channel).
    void (*qdwconv_row)(const DwRow& r);
    // y[i] = qadd(a[i], b[i]) for i < n.
    void (*qadd)(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p);

    // uint8 multiply over `pixels` rows of c values, b as binary_f32 (b_stride c or 0):
    //   y = sat_u8(rint((float(a - za) * float(b - zb)) * mul) + zy), mul = sa * sb / sy.
    void (*qmul)(const uint8_t* a, const uint8_t* b, uint8_t* y, int pixels, int c, int b_stride, const QMulParams& p);
    // y = sat_u8(rint(x / scale) + zp), and back: y = (x - zp) * scale.
    void (*quantize)(const float* x, uint8_t* y, size_t n, float scale, int zp);
    void (*dequantize)(const uint8_t* x, float* y, size_t n, float scale, int zp);

    // Elementwise float add (kind 0) or multiply (kind 1) over `pixels` rows of c values:
    // y[p][i] = a[p][i] op b[p * b_stride + i]; b_stride is c (same shape) or 0 (a channel vector).
    void (*binary_f32)(const float* a, const float* b, float* y, int pixels, int c, int b_stride, int kind);

    // 2-D max pooling of one output row (NHWC, c channels, no padding; float or uint8).
    void (*maxpool_row_f32)(const float* in, int w, int c, int kh, int kw, int sw, int ow, float* out);
    void (*maxpool_row_u8)(const uint8_t* in, int w, int c, int kh, int kw, int sw, int ow, uint8_t* out);
};

// The scalar reference rows.
void sgemm_scalar(int m, int n, int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
                  const EpilogueF32& ep);
void dwconv_row_scalar(const DwRow& r, const EpilogueF32& ep);
void epilogue_scalar(float* y, int pixels, int c, const EpilogueF32& ep);
void qgemm_scalar(int m, int n, int k4, const uint8_t* a, int lda, const int8_t* b, const int32_t* bias,
                  const float* mult, int zp, uint8_t* c, int ldc);
void qdwconv_row_scalar(const DwRow& r);
void qadd_scalar(const uint8_t* a, const uint8_t* b, uint8_t* y, size_t n, const QAddParams& p);
void qmul_scalar(const uint8_t* a, const uint8_t* b, uint8_t* y, int pixels, int c, int b_stride, const QMulParams& p);
void quantize_scalar(const float* x, uint8_t* y, size_t n, float scale, int zp);
void dequantize_scalar(const uint8_t* x, float* y, size_t n, float scale, int zp);
void binary_f32_scalar(const float* a, const float* b, float* y, int pixels, int c, int b_stride, int kind);
void maxpool_row_f32_scalar(const float* in, int w, int c, int kh, int kw, int sw, int ow, float* out);
void maxpool_row_u8_scalar(const uint8_t* in, int w, int c, int kh, int kw, int sw, int ow, uint8_t* out);

// Scalar helpers shared by every level.
float activate(float x, int act, float slope);
uint8_t requantize(int32_t acc, float mult, int zp);
uint8_t requantize_float(float v, int zp);  // sat_u8(rint(v) + zp)
uint8_t qadd_one(int a, int b, const QAddParams& p);
uint8_t quantize_one(float x, float scale, int zp);

extern const Kernels kScalarKernels;
#if MEIYAN_NN_X86
extern const Kernels kAvx2Kernels;
extern const Kernels kAvx2VnniKernels;    // uint8 GEMM with AVX-VNNI (VEX VPDPBUSD)
extern const Kernels kAvx512VnniKernels;  // uint8 GEMM with AVX512-VNNI + AVX512VL (EVEX VPDPBUSD on ymm)
bool avx_vnni_supported();
bool avx512_vnni_supported();
const Kernels* best_avx2_table();
#endif
#if MEIYAN_NN_NEON
extern const Kernels kNeonKernels;
#endif

// The table for simd_active() (AVX2 with a VNNI uint8 GEMM where the CPU has one).
const Kernels& active_kernels();
// Every table this CPU can run, the scalar one first (for tests and benchmarks).
int available_kernels(const Kernels** out, int capacity);

}  // namespace nn
}  // namespace meiyan
