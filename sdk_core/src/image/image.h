// Image views over caller-owned pixel memory. Every plane travels with its stride.
#pragma once
#include <cstddef>
#include <cstdint>

namespace meiyan {

enum class PixelFormat : int {
    RGBA8 = 0,
    BGRA8 = 1,
    RGB8 = 2,
    BGR8 = 3,
    NV12 = 4,  // Y plane + interleaved UV plane (U first)
    NV21 = 5,  // Y plane + interleaved VU plane (V first), Android camera default
    I420 = 6,  // Y, U, V planes
};

constexpr int kPixelFormatCount = 7;

// validate() rejects larger widths and heights, which keeps all row and offset arithmetic in int.
constexpr int kMaxImageDimension = 1 << 16;

const char* pixel_format_name(PixelFormat f);
bool is_yuv(PixelFormat f);
int bytes_per_pixel(PixelFormat f);  // packed formats; 1 for the Y plane of YUV formats
int plane_count(PixelFormat f);

// A non-owning view. For packed formats only plane 0 is used. For YUV formats, plane 0 is Y
// (width x height), planes 1 (and 2 for I420) are chroma at (width+1)/2 x (height+1)/2.
// Odd widths and heights are allowed; chroma is sampled with ceil division.
struct ImageView {
    PixelFormat format = PixelFormat::RGBA8;
    int width = 0;
    int height = 0;
    uint8_t* data[3] = {nullptr, nullptr, nullptr};
    std::ptrdiff_t stride[3] = {0, 0, 0};  // bytes between row starts; may be negative (flipped)
};

// Returns nullptr when the view is well-formed, otherwise a static message saying what is wrong.
const char* validate(const ImageView& v);

// Minimum stride and byte size of each plane for a tightly packed image.
std::ptrdiff_t min_stride(PixelFormat f, int plane, int width);
int plane_height(PixelFormat f, int plane, int height);

// Colour conversion. YUV is BT.601 limited range (16..235 / 16..240), as camera HALs and most
// decoders produce for SD/HD preview streams. Both views must have equal width and height.
// Returns false (and does nothing) when formats or sizes do not fit.
// Every pair of formats converts. YUV -> packed uses 6-bit fixed point, packed -> YUV 15-bit fixed
// point with chroma from the mean of each 2x2 block; YUV <-> YUV only moves chroma (lossless).
// Missing alpha becomes 255; alpha is dropped when the target has none.
// src and dst must not overlap, except that a packed view may be converted onto itself when both
// formats have the same bytes per pixel (e.g. RGBA8 -> BGRA8 in place).
bool convert(const ImageView& src, const ImageView& dst);

// Rotation (clockwise degrees: 0, 90, 180, 270) then optional horizontal mirror, on 4-byte pixels
// (RGBA8/BGRA8). dst must have the rotated size. Returns false on a size/format mismatch.
// src and dst must not overlap.
bool rotate_rgba(const ImageView& src, const ImageView& dst, int degrees, bool mirror);

// Bilinear resize with pixel-centre alignment (as cv2.INTER_LINEAR), 4-byte pixels of one format.
// 11-bit fixed-point weights as cv2 uses; results are within 1 level of cv2.resize(INTER_LINEAR).
// src and dst must not overlap.
bool resize_bilinear_rgba(const ImageView& src, const ImageView& dst);

// SIMD dispatch control: the scalar path is always available and tests compare against it.
// Every level gives bit-identical results. SSE2 names the 128-bit x86 tier, whose kernels need
// SSE4.1 (simd_level_name says "sse4.1"); AVX2 also needs FMA; NEON is AArch64 only.
enum class SimdLevel : int { Scalar = 0, SSE2 = 1, AVX2 = 2, NEON = 3 };
SimdLevel simd_detected();            // what this CPU supports (best level)
SimdLevel simd_active();              // what kernels currently use
// Makes the best supported level whose value is <= `level` active (so NEON on x86 means AVX2 or
// less, AVX2 on ARM means scalar). Process-wide; for tests and benchmarks.
void simd_force(SimdLevel level);
bool simd_available(SimdLevel level);  // whether this CPU (and this build) can run that level
const char* simd_level_name(SimdLevel level);

}  // namespace meiyan
