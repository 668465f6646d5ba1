// The reshape warp's inner row, vectorised (reshape_avx2.cpp); reshape.cpp holds the scalar row
// that defines the results, which the vector row reproduces bit for bit.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#define MEIYAN_RESHAPE_X86 1
#endif

namespace meiyan {
namespace reshape_detail {

struct WarpRow {
    const float* disp = nullptr;  // (dx, dy) per grid column, interpolated to this frame row
    const int* col_a = nullptr;   // per output column (from x0): the grid columns either side ...
    const int* col_b = nullptr;
    const float* col_t = nullptr;  // ... and the weight of b
    int x0 = 0;                    // first output column
    int y = 0;                     // the frame row
    const uint8_t* source = nullptr;  // RGBA8 rows [sy0, sy1) x columns [sx0, sx1), unmodified
    std::size_t source_row = 0;       // bytes per source row
    int sx0 = 0, sx1 = 0, sy0 = 0, sy1 = 0;
    uint8_t* out = nullptr;  // the frame row (pixel 0 at column 0)
};

#if MEIYAN_RESHAPE_X86
// Warps columns [x0, x0 + count) of the row, count a multiple of 8 (AVX2 + FMA CPUs only).
void warp_row_avx2(const WarpRow& r, int count);
#endif

}  // namespace reshape_detail
}  // namespace meiyan
