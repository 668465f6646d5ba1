#include "face/crop.h"

#include <algorithm>
#include <cmath>

namespace meiyan::face {

void crop_to_tensor(const ImageView& rgba, const Affine2& m, int out_w, int out_h, float lo, float hi, Border border,
                    float* out) {
    const float scale = (hi - lo) / 255.0f;
    const int w = rgba.width, h = rgba.height;
    for (int j = 0; j < out_h; ++j) {
        const double v = j + 0.5;
        for (int i = 0; i < out_w; ++i) {
            const double u = i + 0.5;
            const double sx = m.a * u + m.b * v + m.c - 0.5;
            const double sy = m.d * u + m.e * v + m.f - 0.5;
            const double fx0 = std::floor(sx), fy0 = std::floor(sy);
            const float fx = static_cast<float>(sx - fx0), fy = static_cast<float>(sy - fy0);
            const int x0 = static_cast<int>(std::clamp(fx0, -2.0, w + 1.0));
            const int y0 = static_cast<int>(std::clamp(fy0, -2.0, h + 1.0));
            float acc[3] = {0, 0, 0};
            for (int dy = 0; dy < 2; ++dy) {
                const float wy = dy ? fy : 1.0f - fy;
                int yy = y0 + dy;
                const bool y_out = yy < 0 || yy >= h;
                yy = std::clamp(yy, 0, h - 1);
                const uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(yy) * rgba.stride[0];
                for (int dx = 0; dx < 2; ++dx) {
                    int xx = x0 + dx;
                    const bool out_of_frame = y_out || xx < 0 || xx >= w;
                    if (out_of_frame && border == Border::Zero) continue;
                    xx = std::clamp(xx, 0, w - 1);
                    const float wgt = wy * (dx ? fx : 1.0f - fx);
                    const uint8_t* px = row + 4 * xx;
                    acc[0] += wgt * px[0];
                    acc[1] += wgt * px[1];
                    acc[2] += wgt * px[2];
                }
            }
            float* o = out + 3 * (static_cast<std::ptrdiff_t>(j) * out_w + i);
            o[0] = acc[0] * scale + lo;
            o[1] = acc[1] * scale + lo;
            o[2] = acc[2] * scale + lo;
        }
    }
}

}  // namespace meiyan::face
