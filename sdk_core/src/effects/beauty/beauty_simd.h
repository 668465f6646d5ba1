// The beauty pass's per-pixel skin work, vectorised (beauty_avx2.cpp); BeautyCpu::apply in
// beauty_cpu.cpp holds the scalar pixel that defines the results, reproduced bit for bit.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#define MEIYAN_BEAUTY_X86 1
#endif

namespace meiyan {
namespace beauty_detail {

// The scalar pass's exp(-x) table: exp(-i / scale) at i = 0..size, read with linear interpolation,
// 0 from x * scale >= size on.
struct ExpLookup {
    const float* table = nullptr;
    int size = 0;
    float scale = 0;
};

struct SkinRow {
    // per frame
    float smoothing = 0, whitening = 0, rosy = 0, sharpen = 0;  // the items (feature items excluded)
    float tone_cb = 0, tone_cr = 0;
    float inv_2c2 = 0, inv_2e2 = 0;  // 1 / (2 sigma^2) of the skin chroma and the edge weight
    ExpLookup exp;
    const float* curve = nullptr;  // whitening curve, curve_size + 1 values
    int curve_size = 0;
    const int* col_a = nullptr;  // per frame column from xs: grid columns either side and b's weight
    const int* col_b = nullptr;
    const float* col_t = nullptr;
    int xs = 0;
    // per row
    const float* cells = nullptr;  // 5 per grid column: skin mask, face mask, smoothed R, G, B
    const uint8_t* src = nullptr;  // the unmodified source pixel at frame column xs of this row
    std::ptrdiff_t src_row = 0;    // bytes between source rows (sharpening reads the rows around)
    uint8_t* out = nullptr;        // the frame row's pixel at column xs
};

// One direction (dx, dy = 1, 0 or 0, 1) of the smoothing grid's bilateral filter on a row.
struct BilateralRow {
    const uint8_t* src = nullptr;  // RGBA8 grid, w wide
    uint8_t* dst = nullptr;
    int w = 0, y = 0, dx = 0, dy = 0, radius = 0;
    const float* spatial = nullptr;  // 2 * radius + 1 weights
    float inv_2sr2 = 0;
    ExpLookup exp;
};

#if MEIYAN_BEAUTY_X86
// Grid cells x..x+7 of row y, all of whose taps are inside the grid (AVX2 + FMA CPUs only).
void bilateral_group8_avx2(const BilateralRow& r, int x);
// The scalar pixel for frame columns x..x+7 (x - xs a multiple of nothing in particular). Sharpening
// reads the 3x3 neighbourhood: the caller passes groups whose neighbours are inside the source.
// AVX2 + FMA CPUs only.
void skin_group8_avx2(const SkinRow& r, int x);
#endif

}  // namespace beauty_detail
}  // namespace meiyan
