// The pixel walk that textures the face mesh on the CPU: pixel centres inside a triangle, with the
// barycentric weights the UV coordinates are interpolated with. Face masks of effect packages and the
// UV-layout makeup layers both draw through it; their GL passes rasterise the same triangles.
#pragma once
#include <algorithm>
#include <cmath>

#include "effects/beauty/beauty_params.h"

namespace meiyan::mesh_raster {

// Calls fn(x, y, w0, w1, w2) for every pixel (x, y) of [0, width) x [0, height) whose centre
// (x + 0.5, y + 0.5) lies inside the triangle p (edges included); w are the pixel centre's
// barycentric weights. Triangles thinner than 1e-6 square pixels are skipped.
template <class Fn>
void for_each_pixel(const FacePoint (&p)[3], int width, int height, Fn&& fn) {
    const float area = (p[1].x - p[0].x) * (p[2].y - p[0].y) - (p[1].y - p[0].y) * (p[2].x - p[0].x);
    if (!(std::fabs(area) >= 1e-6f)) return;  // also NaN
    const float lx = std::min({p[0].x, p[1].x, p[2].x}), hx = std::max({p[0].x, p[1].x, p[2].x});
    const float ly = std::min({p[0].y, p[1].y, p[2].y}), hy = std::max({p[0].y, p[1].y, p[2].y});
    auto clampi = [](float v, int hi) { return static_cast<int>(std::min(std::max(v, 0.0f), static_cast<float>(hi))); };
    const int x0 = clampi(std::floor(lx), width), x1 = clampi(std::ceil(hx) + 1, width);
    const int y0 = clampi(std::floor(ly), height), y1 = clampi(std::ceil(hy) + 1, height);
    for (int y = y0; y < y1; ++y) {
        const float cy = static_cast<float>(y) + 0.5f;
        // The span of the row the triangle can cover: where each edge's line lies on the inner side,
        // a pixel wider each way; the exact test below decides each pixel.
        float sx0 = static_cast<float>(x0), sx1 = static_cast<float>(x1);
        for (int e = 0; e < 3; ++e) {
            const FacePoint& a = p[e];
            const FacePoint& b = p[(e + 1) % 3];
            if ((a.y > cy) == (b.y > cy)) continue;  // the row does not cross this edge's extent
            const float xc = a.x + (cy - a.y) * (b.x - a.x) / (b.y - a.y) - 0.5f;
            // inside lies left of the crossing for edges running one way, right for the other
            const bool inside_right = ((b.y - a.y) * area) < 0.0f;
            if (inside_right) {
                sx0 = std::max(sx0, std::floor(xc) - 1.0f);
            } else {
                sx1 = std::min(sx1, std::ceil(xc) + 2.0f);
            }
        }
        const int xs = std::max(x0, static_cast<int>(sx0)), xe = std::min(x1, static_cast<int>(sx1));
        for (int x = xs; x < xe; ++x) {
            const float cx = static_cast<float>(x) + 0.5f;
            const float w0 = ((p[1].x - cx) * (p[2].y - cy) - (p[1].y - cy) * (p[2].x - cx)) / area;
            const float w1 = ((p[2].x - cx) * (p[0].y - cy) - (p[2].y - cy) * (p[0].x - cx)) / area;
            const float w2 = 1.0f - w0 - w1;
            if (w0 < 0.0f || w1 < 0.0f || w2 < 0.0f) continue;
            fn(x, y, w0, w1, w2);
        }
    }
}

}  // namespace meiyan::mesh_raster
