#include "effects/beauty/face_regions.h"

#include <algorithm>
#include <cmath>

namespace meiyan {

namespace face_regions {
const std::vector<int> kFaceOval = {10,  338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288,
                                    397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
                                    172, 58,  132, 93,  234, 127, 162, 21,  54,  103, 67,  109};
const std::vector<int> kLipsOuter = {61,  146, 91, 181, 84, 17, 314, 405, 321, 375,
                                     291, 409, 270, 269, 267, 0, 37, 39, 40, 185};
const std::vector<int> kLipsInner = {78,  95,  88,  178, 87, 14, 317, 402, 318, 324,
                                     308, 415, 310, 311, 312, 13, 82, 81, 80, 191};
const std::vector<int> kRightEye = {33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246};
const std::vector<int> kLeftEye = {263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466};
const std::vector<int> kRightBrow = {70, 63, 105, 66, 107, 55, 65, 52, 53, 46};
const std::vector<int> kLeftBrow = {300, 293, 334, 296, 336, 285, 295, 282, 283, 276};
const std::vector<int> kNostrils = {98, 97, 2, 326, 327, 294, 278, 279, 275, 1, 45, 49, 48, 64};
const std::vector<int> kToneSamples = {50, 280, 101, 330, 151, 108, 337, 205, 425};
// The lower lid (outer to inner corner), then back along the upper cheek ring below it.
const std::vector<int> kRightUnderEye = {33, 7, 163, 144, 145, 153, 154, 155, 133,
                                         245, 128, 121, 120, 119, 118, 117, 111, 143};
const std::vector<int> kLeftUnderEye = {263, 249, 390, 373, 374, 380, 381, 382, 362,
                                        465, 357, 350, 349, 348, 347, 346, 340, 372};
}  // namespace face_regions

namespace face_regions {

void fill_polygon(const std::vector<Vec2>& poly, int x0, int y0, int x1, int y1, std::vector<float>& plane) {
    float ymin = poly[0].y, ymax = poly[0].y;
    for (const Vec2& p : poly) {
        ymin = std::min(ymin, p.y);
        ymax = std::max(ymax, p.y);
    }
    const int bw = x1 - x0;
    const int ya = std::max(y0, static_cast<int>(std::floor(ymin))), yb = std::min(y1 - 1, static_cast<int>(std::ceil(ymax)));
    std::vector<float> xs;
    for (int y = ya; y <= yb; ++y) {
        const float cy = static_cast<float>(y) + 0.5f;
        xs.clear();
        for (std::size_t i = 0, n = poly.size(); i < n; ++i) {
            const Vec2 a = poly[i], b = poly[(i + 1) % n];
            if ((a.y <= cy) != (b.y <= cy)) xs.push_back(a.x + (cy - a.y) / (b.y - a.y) * (b.x - a.x));
        }
        std::sort(xs.begin(), xs.end());
        for (std::size_t i = 0; i + 1 < xs.size(); i += 2) {
            // Pixel x is inside when its centre x + 0.5 lies in [xs[i], xs[i+1]).
            const int xa = std::max(x0, static_cast<int>(std::ceil(xs[i] - 0.5f)));
            const int xb = std::min(x1 - 1, static_cast<int>(std::ceil(xs[i + 1] - 0.5f)) - 1);
            for (int x = xa; x <= xb; ++x) plane[static_cast<std::size_t>(y - y0) * bw + (x - x0)] = 1.0f;
        }
    }
}

void fill_polygon(const std::vector<Vec2>& poly, int w, int h, std::vector<float>& plane) {
    fill_polygon(poly, 0, 0, w, h, plane);
}

std::vector<Vec2> outline(const FaceShape& f, const std::vector<int>& idx, float inv_factor, float grow) {
    std::vector<Vec2> poly;
    float cx = 0, cy = 0;
    for (int i : idx) {
        const FacePoint& p = f.points[static_cast<std::size_t>(i)];
        poly.push_back({p.x * inv_factor, p.y * inv_factor});
        cx += poly.back().x;
        cy += poly.back().y;
    }
    cx /= static_cast<float>(poly.size());
    cy /= static_cast<float>(poly.size());
    for (Vec2& p : poly) p = {cx + (p.x - cx) * grow, cy + (p.y - cy) * grow};
    return poly;
}

void box_blur(std::vector<float>& plane, int w, int x0, int y0, int x1, int y1, int r) {
    std::vector<float> line;
    const float norm = 1.0f / static_cast<float>(2 * r + 1);
    for (int y = y0; y < y1; ++y) {
        float* row = plane.data() + static_cast<std::size_t>(y) * w;
        line.assign(row + x0, row + x1);
        const int n = x1 - x0;
        for (int x = 0; x < n; ++x) {
            float s = 0;
            for (int k = -r; k <= r; ++k) s += line[static_cast<std::size_t>(std::clamp(x + k, 0, n - 1))];
            row[x0 + x] = s * norm;
        }
    }
    for (int x = x0; x < x1; ++x) {
        const int n = y1 - y0;
        line.resize(static_cast<std::size_t>(n));
        for (int y = 0; y < n; ++y) line[static_cast<std::size_t>(y)] = plane[static_cast<std::size_t>(y0 + y) * w + x];
        for (int y = 0; y < n; ++y) {
            float s = 0;
            for (int k = -r; k <= r; ++k) s += line[static_cast<std::size_t>(std::clamp(y + k, 0, n - 1))];
            plane[static_cast<std::size_t>(y0 + y) * w + x] = s * norm;
        }
    }
}

}  // namespace face_regions

BeautyGrid build_beauty_grid(const std::vector<FaceShape>& faces, int frame_width, int frame_height) {
    using namespace face_regions;
    BeautyGrid g;
    g.factor = beauty::reduction_factor(frame_width, frame_height);
    g.width = (frame_width + g.factor - 1) / g.factor;
    g.height = (frame_height + g.factor - 1) / g.factor;
    const int w = g.width, h = g.height;
    g.mask.assign(static_cast<std::size_t>(w) * h * 4, 0);
    for (std::size_t i = 3; i < g.mask.size(); i += 4) g.mask[i] = 255;
    g.x0 = w;
    g.y0 = h;
    const float inv = 1.0f / static_cast<float>(g.factor);
    std::vector<float> oval(static_cast<std::size_t>(w) * h), features(oval.size()), hard;
    for (const FaceShape& f : faces) {
        std::fill(oval.begin(), oval.end(), 0.0f);
        std::fill(features.begin(), features.end(), 0.0f);
        const FacePoint a = f.points[33], b = f.points[263];
        const float iod = std::hypot(a.x - b.x, a.y - b.y) * inv;
        if (!(iod > 0.5f) || !std::isfinite(iod)) continue;
        fill_polygon(outline(f, kFaceOval, inv, 1.0f), w, h, oval);
        for (const auto* idx : {&kRightEye, &kLeftEye, &kRightBrow, &kLeftBrow, &kLipsOuter}) {
            fill_polygon(outline(f, *idx, inv, 1.25f), w, h, features);
        }
        fill_polygon(outline(f, kNostrils, inv, 1.0f), w, h, features);
        // The feather's reach: two box blurs of radius r spread an edge over 2r grid pixels.
        const int r = std::max(1, static_cast<int>(std::lround(0.08f * iod)));
        float fx0 = 1e30f, fy0 = 1e30f, fx1 = -1e30f, fy1 = -1e30f;
        for (int i : kFaceOval) {
            fx0 = std::min(fx0, f.points[static_cast<std::size_t>(i)].x * inv);
            fx1 = std::max(fx1, f.points[static_cast<std::size_t>(i)].x * inv);
            fy0 = std::min(fy0, f.points[static_cast<std::size_t>(i)].y * inv);
            fy1 = std::max(fy1, f.points[static_cast<std::size_t>(i)].y * inv);
        }
        const int bx0 = std::clamp(static_cast<int>(std::floor(fx0)) - 2 * r - 1, 0, w);
        const int by0 = std::clamp(static_cast<int>(std::floor(fy0)) - 2 * r - 1, 0, h);
        const int bx1 = std::clamp(static_cast<int>(std::ceil(fx1)) + 2 * r + 2, 0, w);
        const int by1 = std::clamp(static_cast<int>(std::ceil(fy1)) + 2 * r + 2, 0, h);
        if (bx0 >= bx1 || by0 >= by1) continue;
        hard = features;  // the (grown) feature interiors stay fully excluded; the blur only adds a falloff
        for (int pass = 0; pass < 2; ++pass) {
            box_blur(oval, w, bx0, by0, bx1, by1, r);
            box_blur(features, w, bx0, by0, bx1, by1, r);
        }
        for (int y = by0; y < by1; ++y) {
            for (int x = bx0; x < bx1; ++x) {
                const std::size_t i = static_cast<std::size_t>(y) * w + x;
                const float skin = oval[i] * (1.0f - std::min(1.0f, 2.0f * features[i] + hard[i]));
                uint8_t* m = &g.mask[4 * i];
                m[0] = std::max(m[0], static_cast<uint8_t>(std::clamp(skin, 0.0f, 1.0f) * 255.0f + 0.5f));
                m[1] = std::max(m[1], static_cast<uint8_t>(std::clamp(oval[i], 0.0f, 1.0f) * 255.0f + 0.5f));
            }
        }
        g.x0 = std::min(g.x0, bx0);
        g.y0 = std::min(g.y0, by0);
        g.x1 = std::max(g.x1, bx1);
        g.y1 = std::max(g.y1, by1);
        for (int i : kToneSamples) {
            const FacePoint p = f.points[static_cast<std::size_t>(i)];
            g.tone_samples.push_back(std::clamp(static_cast<int>(std::floor(p.x * inv)), 0, w - 1));
            g.tone_samples.push_back(std::clamp(static_cast<int>(std::floor(p.y * inv)), 0, h - 1));
        }
    }
    if (g.empty()) g.x0 = g.y0 = g.x1 = g.y1 = 0;
    return g;
}

namespace {

// Separable box blur of radius r inside the box [x0, x1) x [y0, y1) of a plane of width w, edges clamped
// to the box, by running sums (the feature masks are at full resolution, where r taps per pixel cost).
void box_blur_running(std::vector<float>& plane, int w, int x0, int y0, int x1, int y1, int r,
                      std::vector<float>& line) {
    const float norm = 1.0f / static_cast<float>(2 * r + 1);
    auto run = [&](int n, auto&& get, auto&& put) {
        line.resize(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) line[static_cast<std::size_t>(i)] = get(i);
        auto at = [&](int i) { return line[static_cast<std::size_t>(std::clamp(i, 0, n - 1))]; };
        float sum = 0;
        for (int k = -r; k <= r; ++k) sum += at(k);
        for (int i = 0; i < n; ++i) {
            put(i, sum * norm);
            sum += at(i + r + 1) - at(i - r);
        }
    };
    for (int y = y0; y < y1; ++y) {
        float* row = plane.data() + static_cast<std::size_t>(y) * w;
        run(x1 - x0, [&](int i) { return row[x0 + i]; }, [&](int i, float v) { row[x0 + i] = v; });
    }
    for (int x = x0; x < x1; ++x) {
        run(y1 - y0, [&](int i) { return plane[static_cast<std::size_t>(y0 + i) * w + x]; },
            [&](int i, float v) { plane[static_cast<std::size_t>(y0 + i) * w + x] = v; });
    }
}

}  // namespace

FeatureMask build_feature_mask(const std::vector<FaceShape>& faces, int frame_width, int frame_height,
                               const BeautyParams& params) {
    using namespace face_regions;
    struct FaceBox {
        const FaceShape* face;
        int r;                   // feather radius, frame pixels
        int x0, y0, x1, y1;      // frame box holding the outlines and the feather's margin
    };
    const std::vector<const std::vector<int>*> outlines = {&kLipsInner, &kRightEye, &kLeftEye, &kRightUnderEye,
                                                           &kLeftUnderEye};
    std::vector<FaceBox> boxes;
    FeatureMask m;
    int ux0 = frame_width, uy0 = frame_height, ux1 = 0, uy1 = 0;
    for (const FaceShape& f : faces) {
        const FacePoint a = f.points[33], b = f.points[263];
        const float iod = std::hypot(a.x - b.x, a.y - b.y);
        if (!(iod > 2.0f) || !std::isfinite(iod)) continue;
        const int r = std::max(1, static_cast<int>(std::lround(beauty::kFeatureFeather * iod)));
        float fx0 = 1e30f, fy0 = 1e30f, fx1 = -1e30f, fy1 = -1e30f;
        bool finite = true;
        for (const auto* idx : outlines) {
            for (int i : *idx) {
                const FacePoint p = f.points[static_cast<std::size_t>(i)];
                finite = finite && std::isfinite(p.x) && std::isfinite(p.y);
                fx0 = std::min(fx0, p.x);
                fx1 = std::max(fx1, p.x);
                fy0 = std::min(fy0, p.y);
                fy1 = std::max(fy1, p.y);
            }
        }
        if (!finite) continue;
        FaceBox fb{&f, r, std::clamp(static_cast<int>(std::floor(fx0)) - 2 * r - 2, 0, frame_width),
                   std::clamp(static_cast<int>(std::floor(fy0)) - 2 * r - 2, 0, frame_height),
                   std::clamp(static_cast<int>(std::ceil(fx1)) + 2 * r + 2, 0, frame_width),
                   std::clamp(static_cast<int>(std::ceil(fy1)) + 2 * r + 2, 0, frame_height)};
        if (fb.x0 >= fb.x1 || fb.y0 >= fb.y1) continue;
        boxes.push_back(fb);
        ux0 = std::min(ux0, fb.x0);
        uy0 = std::min(uy0, fb.y0);
        ux1 = std::max(ux1, fb.x1);
        uy1 = std::max(uy1, fb.y1);
    }
    if (boxes.empty()) return m;
    m.x0 = ux0;
    m.y0 = uy0;
    m.width = ux1 - ux0;
    m.height = uy1 - uy0;
    const int w = m.width;
    m.rgba.assign(static_cast<std::size_t>(w) * m.height * 4, 0);
    for (std::size_t i = 3; i < m.rgba.size(); i += 4) m.rgba[i] = 255;
    std::vector<float> plane(static_cast<std::size_t>(w) * m.height), line;
    const bool wanted[3] = {params.teeth_whiten > 0.0f, params.eye_brighten > 0.0f, params.dark_circles > 0.0f};
    for (const FaceBox& fb : boxes) {
        const int bx0 = fb.x0 - ux0, by0 = fb.y0 - uy0, bx1 = fb.x1 - ux0, by1 = fb.y1 - uy0;
        for (int channel = 0; channel < 3; ++channel) {
            if (!wanted[channel]) continue;  // a mask whose item is off stays 0
            for (int y = by0; y < by1; ++y) std::fill_n(&plane[static_cast<std::size_t>(y) * w + bx0], bx1 - bx0, 0.0f);
            std::vector<std::vector<int>> parts;
            if (channel == 0) parts = {kLipsInner};
            if (channel == 1) parts = {kRightEye, kLeftEye};
            if (channel == 2) parts = {kRightUnderEye, kLeftUnderEye};
            for (const auto& idx : parts) {
                std::vector<Vec2> poly = outline(*fb.face, idx, 1.0f, 1.0f);
                for (Vec2& p : poly) p = {p.x - static_cast<float>(ux0), p.y - static_cast<float>(uy0)};
                fill_polygon(poly, 0, 0, w, m.height, plane);
            }
            for (int pass = 0; pass < 2; ++pass) box_blur_running(plane, w, bx0, by0, bx1, by1, fb.r, line);
            // 2b - 1: 0 on the outline (where two box blurs give 0.5), 1 at the feather's reach inside
            for (int y = by0; y < by1; ++y) {
                for (int x = bx0; x < bx1; ++x) {
                    const std::size_t i = static_cast<std::size_t>(y) * w + x;
                    const float v = std::clamp(2.0f * plane[i] - 1.0f, 0.0f, 1.0f);
                    uint8_t& out = m.rgba[4 * i + static_cast<std::size_t>(channel)];
                    out = std::max(out, static_cast<uint8_t>(v * 255.0f + 0.5f));
                }
            }
        }
    }
    return m;
}

}  // namespace meiyan
