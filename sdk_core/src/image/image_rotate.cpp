// rotate_rgba(): each destination row is a straight line through the source, walked in tiles so
// that the column walks of 90/270 degrees stay within cache.
#include <cstring>

#include "image/image.h"

namespace meiyan {

bool rotate_rgba(const ImageView& src, const ImageView& dst, int degrees, bool mirror) {
    if (validate(src) || validate(dst) || bytes_per_pixel(src.format) != 4 || is_yuv(src.format) ||
        src.format != dst.format) {
        return false;
    }
    if (degrees != 0 && degrees != 90 && degrees != 180 && degrees != 270) return false;
    const bool transpose = degrees == 90 || degrees == 270;
    if (dst.width != (transpose ? src.height : src.width) || dst.height != (transpose ? src.width : src.height)) {
        return false;
    }

    // Source pixel of destination (x, y) is origin + x * step_x + y * step_y (in pixels, then bytes).
    const int w = src.width, h = src.height;
    int ox = 0, oy = 0, xx = 1, xy = 0, yx = 0, yy = 1;  // origin, step along dst x, step along dst y
    switch (degrees) {
        case 90: oy = h - 1, xx = 0, xy = -1, yx = 1, yy = 0; break;
        case 180: ox = w - 1, oy = h - 1, xx = -1, yy = -1; break;
        case 270: ox = w - 1, xx = 0, xy = 1, yx = -1, yy = 0; break;
        default: break;
    }
    if (mirror) {  // walk the destination row backwards
        ox += xx * (dst.width - 1);
        oy += xy * (dst.width - 1);
        xx = -xx;
        xy = -xy;
    }
    const std::ptrdiff_t s = src.stride[0];
    const std::ptrdiff_t step_x = 4 * xx + s * xy, step_y = 4 * yx + s * yy;
    const uint8_t* origin = src.data[0] + 4 * static_cast<std::ptrdiff_t>(ox) + s * oy;

    constexpr int kTile = 32;
    for (int ty = 0; ty < dst.height; ty += kTile) {
        const int y_end = ty + kTile < dst.height ? ty + kTile : dst.height;
        for (int tx = 0; tx < dst.width; tx += kTile) {
            const int x_end = tx + kTile < dst.width ? tx + kTile : dst.width;
            for (int y = ty; y < y_end; ++y) {
                const uint8_t* sp = origin + step_y * y + step_x * tx;
                uint8_t* dp = dst.data[0] + dst.stride[0] * y + 4 * static_cast<std::ptrdiff_t>(tx);
                for (int x = tx; x < x_end; ++x, sp += step_x, dp += 4) std::memcpy(dp, sp, 4);
            }
        }
    }
    return true;
}

}  // namespace meiyan
