#include "effects/makeup/makeup_cpu.h"

#include <algorithm>
#include <cmath>

#include "effects/beauty/face_regions.h"

namespace meiyan {

namespace {

using face_regions::Vec2;

constexpr float kInv255 = 1.0f / 255.0f;
inline uint8_t to_u8(float x) { return static_cast<uint8_t>(std::clamp(x, 0.0f, 1.0f) * 255.0f + 0.5f); }

inline float blend(float b, float c, BlendMode mode) {
    switch (mode) {
        case BlendMode::Multiply: return b * c;
        case BlendMode::SoftLight: return (1.0f - 2.0f * c) * b * b + 2.0f * c * b;
        case BlendMode::Overlay: return b < 0.5f ? 2.0f * b * c : 1.0f - 2.0f * (1.0f - b) * (1.0f - c);
        case BlendMode::Normal: break;
    }
    return c;
}

inline void apply_layer(const MakeupLayer& l, float mask, float rgb[3]) {
    const float k = l.intensity * mask;
    if (k <= 0.0f) return;
    for (int c = 0; c < 3; ++c) rgb[c] += (blend(rgb[c], l.color[c], l.blend) - rgb[c]) * k;
}

}  // namespace

MakeupGrid build_makeup_grid(const MakeupParams& params, const std::vector<FaceShape>& faces, int frame_width,
                             int frame_height) {
    using namespace face_regions;
    MakeupGrid g;
    g.factor = std::max(1, beauty::reduction_factor(frame_width, frame_height) / 2);
    g.width = (frame_width + g.factor - 1) / g.factor;
    g.height = (frame_height + g.factor - 1) / g.factor;
    const int w = g.width, h = g.height;
    g.mask.assign(static_cast<std::size_t>(w) * h * 4, 0);
    for (std::size_t i = 3; i < g.mask.size(); i += 4) g.mask[i] = 255;
    g.x0 = w;
    g.y0 = h;
    if (params.is_neutral()) {
        g.x0 = g.y0 = 0;
        return g;
    }
    const float inv = 1.0f / static_cast<float>(g.factor);
    std::vector<float> lips(static_cast<std::size_t>(w) * h), inner(lips.size()), brows(lips.size()), oval(lips.size());
    for (const FaceShape& f : faces) {
        const FacePoint a = f.points[33], b = f.points[263];
        const float iod = std::hypot(a.x - b.x, a.y - b.y) * inv;
        if (!(iod > 1.0f) || !std::isfinite(iod)) continue;
        for (auto* plane : {&lips, &inner, &brows, &oval}) std::fill(plane->begin(), plane->end(), 0.0f);
        fill_polygon(outline(f, kLipsOuter, inv, 1.0f), w, h, lips);
        fill_polygon(outline(f, kLipsInner, inv, 1.0f), w, h, inner);
        fill_polygon(outline(f, kRightBrow, inv, 1.1f), w, h, brows);
        fill_polygon(outline(f, kLeftBrow, inv, 1.1f), w, h, brows);
        fill_polygon(outline(f, kFaceOval, inv, 1.0f), w, h, oval);
        float fx0 = 1e30f, fy0 = 1e30f, fx1 = -1e30f, fy1 = -1e30f;
        for (int i : kFaceOval) {
            fx0 = std::min(fx0, f.points[static_cast<std::size_t>(i)].x * inv);
            fx1 = std::max(fx1, f.points[static_cast<std::size_t>(i)].x * inv);
            fy0 = std::min(fy0, f.points[static_cast<std::size_t>(i)].y * inv);
            fy1 = std::max(fy1, f.points[static_cast<std::size_t>(i)].y * inv);
        }
        const int r_fine = std::max(1, static_cast<int>(std::lround(0.025f * iod)));
        const int r_oval = std::max(1, static_cast<int>(std::lround(0.08f * iod)));
        const int bx0 = std::clamp(static_cast<int>(std::floor(fx0)) - 2 * r_oval - 1, 0, w);
        const int by0 = std::clamp(static_cast<int>(std::floor(fy0)) - 2 * r_oval - 1, 0, h);
        const int bx1 = std::clamp(static_cast<int>(std::ceil(fx1)) + 2 * r_oval + 2, 0, w);
        const int by1 = std::clamp(static_cast<int>(std::ceil(fy1)) + 2 * r_oval + 2, 0, h);
        if (bx0 >= bx1 || by0 >= by1) continue;
        for (int pass = 0; pass < 2; ++pass) {
            box_blur(lips, w, bx0, by0, bx1, by1, r_fine);
            box_blur(inner, w, bx0, by0, bx1, by1, r_fine);
            box_blur(brows, w, bx0, by0, bx1, by1, r_fine);
            box_blur(oval, w, bx0, by0, bx1, by1, r_oval);
        }
        // Blush: an ellipse on each cheek, wider along the eye line, kept inside the face oval.
        const float ex = (b.x - a.x) * inv / iod, ey = (b.y - a.y) * inv / iod;
        const float sx = 0.30f * iod, sy = 0.20f * iod;
        Vec2 cheeks[2];
        for (int side = 0; side < 2; ++side) {
            const FacePoint c = f.points[side == 0 ? 50u : 280u];
            const FacePoint eye = f.points[side == 0 ? 33u : 263u];
            // A little outward and up from the cheek landmark, towards the outer eye corner.
            cheeks[side] = {(0.8f * c.x + 0.2f * eye.x) * inv, (0.8f * c.y + 0.2f * eye.y) * inv};
        }
        for (int y = by0; y < by1; ++y) {
            for (int x = bx0; x < bx1; ++x) {
                const std::size_t i = static_cast<std::size_t>(y) * w + x;
                float blush = 0.0f;
                for (const Vec2& c : cheeks) {
                    const float dx = static_cast<float>(x) + 0.5f - c.x, dy = static_cast<float>(y) + 0.5f - c.y;
                    const float u = dx * ex + dy * ey, v = -dx * ey + dy * ex;
                    blush = std::max(blush, std::exp(-0.5f * (u * u / (sx * sx) + v * v / (sy * sy))));
                }
                blush *= std::min(1.0f, oval[i]);
                const float lip = std::clamp(lips[i] - inner[i], 0.0f, 1.0f);
                uint8_t* m = &g.mask[4 * i];
                m[0] = std::max(m[0], to_u8(lip));
                m[1] = std::max(m[1], to_u8(blush < 0.02f ? 0.0f : blush));
                m[2] = std::max(m[2], to_u8(brows[i]));
            }
        }
        g.x0 = std::min(g.x0, bx0);
        g.y0 = std::min(g.y0, by0);
        g.x1 = std::max(g.x1, bx1);
        g.y1 = std::max(g.y1, by1);
    }
    if (g.empty()) g.x0 = g.y0 = g.x1 = g.y1 = 0;
    return g;
}

void makeup_cpu(const MakeupParams& params, const MakeupGrid& grid, const ImageView& rgba) {
    if (grid.empty() || params.is_neutral()) return;
    const int w = grid.width, h = grid.height, f = grid.factor;
    const float inv_f = 1.0f / static_cast<float>(f);
    const int xs = std::max(0, grid.x0 * f), xe = std::min(rgba.width, grid.x1 * f);
    if (xs >= xe) return;
    struct Column {
        int a, b;
        float t;
    };
    std::vector<Column> cols(static_cast<std::size_t>(xe - xs));
    for (int x = xs; x < xe; ++x) {
        const float u = (static_cast<float>(x) + 0.5f) * inv_f - 0.5f;
        const float fu = std::floor(u);
        cols[static_cast<std::size_t>(x - xs)] = {std::clamp(static_cast<int>(fu), 0, w - 1),
                                                  std::clamp(static_cast<int>(fu) + 1, 0, w - 1), u - fu};
    }
    std::vector<float> cells(static_cast<std::size_t>(w) * 3);  // the mask rows interpolated vertically
    for (int y = std::max(0, grid.y0 * f); y < std::min(rgba.height, grid.y1 * f); ++y) {
        uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0];
        const float v = (static_cast<float>(y) + 0.5f) * inv_f - 0.5f;
        const float fv = std::floor(v), ay = v - fv;
        const int ya = std::clamp(static_cast<int>(fv), 0, h - 1), yb = std::clamp(static_cast<int>(fv) + 1, 0, h - 1);
        const uint8_t* ma = &grid.mask[4 * static_cast<std::size_t>(ya) * w];
        const uint8_t* mb = &grid.mask[4 * static_cast<std::size_t>(yb) * w];
        bool any = false;
        for (int gx = grid.x0; gx < grid.x1; ++gx) {
            for (int c = 0; c < 3; ++c) {
                const std::size_t i = 4 * static_cast<std::size_t>(gx) + c;
                const float m = ma[i] * kInv255 + (mb[i] * kInv255 - ma[i] * kInv255) * ay;
                cells[3 * static_cast<std::size_t>(gx) + c] = m;
                any = any || m != 0.0f;
            }
        }
        if (!any) continue;
        for (int x = xs; x < xe; ++x) {
            const Column& col = cols[static_cast<std::size_t>(x - xs)];
            const float* ca = &cells[3 * static_cast<std::size_t>(col.a)];
            const float* cb = &cells[3 * static_cast<std::size_t>(col.b)];
            const float m[3] = {ca[0] + (cb[0] - ca[0]) * col.t, ca[1] + (cb[1] - ca[1]) * col.t,
                                ca[2] + (cb[2] - ca[2]) * col.t};
            if (m[0] == 0.0f && m[1] == 0.0f && m[2] == 0.0f) continue;
            uint8_t* px = row + 4 * x;
            const float c0[3] = {px[0] * kInv255, px[1] * kInv255, px[2] * kInv255};
            float rgb[3] = {c0[0], c0[1], c0[2]};
            apply_layer(params.blush, m[1], rgb);
            apply_layer(params.brows, m[2], rgb);
            apply_layer(params.lips, m[0], rgb);
            if (params.lip_gloss > 0.0f && params.lips.intensity > 0.0f && m[0] > 0.0f) {
                const float luma = 0.299f * c0[0] + 0.587f * c0[1] + 0.114f * c0[2];
                const float t = std::clamp((luma - makeup::kGlossLow) / (makeup::kGlossHigh - makeup::kGlossLow), 0.0f, 1.0f);
                const float k = makeup::kGlossStrength * params.lip_gloss * m[0] * (t * t * (3.0f - 2.0f * t));
                for (float& ch : rgb) ch += (1.0f - ch) * k;
            }
            for (int c = 0; c < 3; ++c) px[c] = to_u8(rgb[c]);
        }
    }
}

}  // namespace meiyan
