// Row kernels behind convert() and resize_bilinear_rgba(), one table per SIMD level.
//
// The scalar rows in image_kernels_scalar.cpp define the results; every SIMD kernel reproduces them
// bit for bit and hands its tail (the pixels left over after its last full vector) to the scalar row.
// Only declarations live here: an inline function defined in a header and compiled into an -mavx2
// file could be picked by the linker for the scalar callers as well.
#pragma once
#include <cstdint>

#include "image/image.h"

#if defined(__x86_64__) || defined(__i386__)
#define MEIYAN_IMAGE_X86 1
#elif defined(__aarch64__)
#define MEIYAN_IMAGE_NEON 1
#endif

namespace meiyan {
namespace image_detail {

// BT.601 limited range YUV -> RGB, 6 fractional bits so that every intermediate fits a signed
// 16-bit lane (see yuv_to_rgba_row in image_kernels_scalar.cpp for the ranges):
//   yt = (Y * 19077) >> 8           1.164383 * 64 = 74.5205, applied to Y << 8 at 1/256 precision
//   R  = (yt + kYBias + 102 * (V - 128)) >> 6              1.596027 * 64 = 102.15
//   G  = (yt + kYBias - 25 * (U - 128) - 52 * (V - 128)) >> 6   0.391762 * 64 = 25.07, 0.812968 * 64 = 52.03
//   B  = (yt + kYBias + 129 * (U - 128)) >> 6              2.017232 * 64 = 129.10
// each clamped to 0..255. kYBias = -16 * 74.5205 (black level) + 32 (rounding).
constexpr int kYScale = 19077;
constexpr int kYBias = -1160;
constexpr int kVToR = 102;
constexpr int kUToG = 25;
constexpr int kVToG = 52;
constexpr int kUToB = 129;

// BT.601 limited range RGB -> YUV, 15 fractional bits:
//   Y = (kRToY * R + kGToY * G + kBToY * B + (16 << 15) + (1 << 14)) >> 15
//   U = (kRToU * S_R + kGToU * S_G + kBToU * S_B + (128 << 17) + (1 << 16)) >> 17, V likewise,
// where S_c is the sum of channel c over the 2x2 block (four times the mean, hence 17 bits). The
// chroma rows sum to zero so grey maps to exactly 128; the luma row sums to 219/255 (white -> 235).
// Every sum is non-negative and below 2^31.
constexpr int kRToY = 8414, kGToY = 16519, kBToY = 3208;     // 0.256788 0.504129 0.097906
constexpr int kRToU = -4857, kGToU = -9535, kBToU = 14392;   // -0.148223 -0.290993 0.439216
constexpr int kRToV = 14392, kGToV = -12052, kBToV = -2340;  // 0.439216 -0.367788 -0.071427
constexpr int kYRound = (16 << 15) + (1 << 14);
constexpr int kUVRound = (128 << 17) + (1 << 16);

// Bilinear weights are 11-bit fixed point (w0 + w1 == kResizeOne), as cv2's INTER_LINEAR uses.
constexpr int kResizeBits = 11;
constexpr int kResizeOne = 1 << kResizeBits;

// One luma row to RGBA (BGRA when bgra): chroma sample x/2 sits at u[(x/2) * uv_step] and
// v[(x/2) * uv_step]; uv_step is 2 for NV12/NV21 (u and v point into the same interleaved row) and
// 1 for I420.
using YuvToRgbaRow = void (*)(const uint8_t* y, const uint8_t* u, const uint8_t* v, int uv_step, uint8_t* dst,
                              int width, bool bgra);
// RGBA <-> BGRA. src may equal dst.
using SwapRb4Row = void (*)(const uint8_t* src, uint8_t* dst, int width);
// 3-byte to 4-byte pixels with alpha 255, and back; swap_rb exchanges bytes 0 and 2 on the way.
using Rgb3ToRgbaRow = void (*)(const uint8_t* src, uint8_t* dst, int width, bool swap_rb);
using RgbaToRgb3Row = void (*)(const uint8_t* src, uint8_t* dst, int width, bool swap_rb);
// Two RGBA rows to two Y rows and one chroma row (chroma sample i at u[i * uv_step], v[i * uv_step]),
// chroma from each 2x2 block, the last column repeated at odd widths. For an odd height's last row
// pass the same row (and Y row) twice.
using RgbaToYuvRows = void (*)(const uint8_t* rgba0, const uint8_t* rgba1, uint8_t* y0, uint8_t* y1, uint8_t* u,
                               uint8_t* v, int uv_step, int width);
// Horizontal resize pass of 4-byte pixels into 32-bit sums: for output pixel i and channel c,
//   dst[4i+c] = src[xofs[i]+c] * w0 + src[xofs[i]+4+c] * w1,
// where xweights[i] packs w0 (low 16 bits) and w1 (high 16 bits). For src_width >= 2 the plan keeps
// xofs[i] + 8 <= 4 * src_width; for src_width == 1 both taps read the one pixel.
using ResizeHRow = void (*)(const uint8_t* src, int src_width, const int32_t* xofs, const int32_t* xweights,
                            int32_t* dst, int dst_width);
// Vertical pass over n 32-bit sums:
//   dst[i] = ((((r0[i] >> 4) * b0) >> 16) + (((r1[i] >> 4) * b1) >> 16) + 2) >> 2,
// the product of two 11-bit weights brought back to 8 bits in 16-bit lanes (cv2's formula).
using ResizeVRow = void (*)(const int32_t* r0, const int32_t* r1, int b0, int b1, uint8_t* dst, int n);

struct Kernels {
    YuvToRgbaRow yuv_to_rgba;
    SwapRb4Row swap_rb4;
    Rgb3ToRgbaRow rgb3_to_rgba;
    RgbaToRgb3Row rgba_to_rgb3;
    RgbaToYuvRows rgba_to_yuv;
    ResizeHRow resize_h;
    ResizeVRow resize_v;
};

// The scalar rows: the reference results, and the tails of the SIMD kernels.
void yuv_to_rgba_row(const uint8_t* y, const uint8_t* u, const uint8_t* v, int uv_step, uint8_t* dst, int width,
                     bool bgra);
void swap_rb4_row(const uint8_t* src, uint8_t* dst, int width);
void rgb3_to_rgba_row(const uint8_t* src, uint8_t* dst, int width, bool swap_rb);
void rgba_to_rgb3_row(const uint8_t* src, uint8_t* dst, int width, bool swap_rb);
void rgba_to_yuv_rows(const uint8_t* rgba0, const uint8_t* rgba1, uint8_t* y0, uint8_t* y1, uint8_t* u, uint8_t* v,
                      int uv_step, int width);
void resize_h_row(const uint8_t* src, int src_width, const int32_t* xofs, const int32_t* xweights, int32_t* dst,
                  int dst_width);
void resize_v_row(const int32_t* r0, const int32_t* r1, int b0, int b1, uint8_t* dst, int n);

// RGB <-> BGR, scalar only (a rare pair); src may equal dst.
void swap_rb3_row(const uint8_t* src, uint8_t* dst, int width);

extern const Kernels kScalarKernels;
#if MEIYAN_IMAGE_X86
extern const Kernels kSse41Kernels;
extern const Kernels kAvx2Kernels;
#endif
#if MEIYAN_IMAGE_NEON
extern const Kernels kNeonKernels;
#endif

// The table for simd_active().
const Kernels& active_kernels();

}  // namespace image_detail
}  // namespace meiyan
