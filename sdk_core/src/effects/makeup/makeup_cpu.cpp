#include "effects/makeup/makeup_cpu.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "effects/beauty/face_regions.h"
#include "effects/makeup/makeup_blend.h"
#include "effects/stickers/mesh_raster.h"
#include "effects/stickers/sticker_cpu.h"
#include "face/face_topology.h"

namespace meiyan {

namespace {

using face_regions::Vec2;

constexpr float kInv255 = 1.0f / 255.0f;
using makeup::apply_layer;
using makeup::to_u8;

// Separable box blur of radius r over a whole w x h plane, edges clamped: a running sum (in double,
// so the window's adds and subtracts stay exact enough), O(1) per pixel whatever the radius.
void box_blur_plane(std::vector<float>& plane, int w, int h, int r, std::vector<float>& line) {
    const double norm = 1.0 / static_cast<double>(2 * r + 1);
    auto run = [&](float* first, std::ptrdiff_t step, int n) {
        line.resize(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) line[static_cast<std::size_t>(i)] = first[i * step];
        auto at = [&](int i) { return static_cast<double>(line[static_cast<std::size_t>(std::clamp(i, 0, n - 1))]); };
        double s = 0;
        for (int k = -r; k <= r; ++k) s += at(k);
        for (int i = 0; i < n; ++i) {
            first[i * step] = static_cast<float>(s * norm);
            s += at(i + r + 1) - at(i - r);
        }
    };
    for (int y = 0; y < h; ++y) run(plane.data() + static_cast<std::size_t>(y) * w, 1, w);
    for (int x = 0; x < w; ++x) run(plane.data() + x, w, h);
}

}  // namespace

MakeupGrid build_makeup_grid(const MakeupParams& params, const std::vector<FaceShape>& faces, int frame_width,
                             int frame_height) {
    using namespace face_regions;
    MakeupGrid g;
    // At most 360 grid rows over the short side (the 720p grid's share of the frame at every size), so
    // the masks cost at most what they cost at 720p (half the beauty grid's reduction had left frames
    // of 360-719 px at full resolution: 960x540 cost 1.4x and 1024x576 1.5x what 1280x720 did); the
    // same factor as before at 720 px and above.
    g.factor = std::max(1, (std::min(frame_width, frame_height) + 359) / 360);
    g.width = (frame_width + g.factor - 1) / g.factor;
    g.height = (frame_height + g.factor - 1) / g.factor;
    const int w = g.width, h = g.height;
    g.mask.assign(static_cast<std::size_t>(w) * h * 4, 0);
    for (std::size_t i = 3; i < g.mask.size(); i += 4) g.mask[i] = 255;
    g.x0 = w;
    g.y0 = h;
    if (params.procedural_layers_neutral()) {
        g.x0 = g.y0 = 0;
        return g;
    }
    const float inv = 1.0f / static_cast<float>(g.factor);
    // Only the layers that are on get their masks (the others' channels stay 0 and are never read).
    const bool want_lips = params.lips.intensity > 0.0f, want_blush = params.blush.intensity > 0.0f;
    const bool want_brows = params.brows.intensity > 0.0f;
    // Planes over one face's box only (the blur clamps to the box, so nothing outside it matters).
    std::vector<float> lips, inner, brows, oval, line;
    for (const FaceShape& f : faces) {
        const FacePoint a = f.points[33], b = f.points[263];
        const float iod = std::hypot(a.x - b.x, a.y - b.y) * inv;
        if (!(iod > 1.0f) || !std::isfinite(iod)) continue;
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
        const int bw = bx1 - bx0, bh = by1 - by0;
        const std::size_t n = static_cast<std::size_t>(bw) * bh;
        auto fill = [&](std::vector<float>& plane, const std::vector<int>& idx, float grow) {
            fill_polygon(outline(f, idx, inv, grow), bx0, by0, bx1, by1, plane);
        };
        if (want_lips) {
            lips.assign(n, 0.0f);
            inner.assign(n, 0.0f);
            fill(lips, kLipsOuter, 1.0f);
            fill(inner, kLipsInner, 1.0f);
        }
        if (want_brows) {
            brows.assign(n, 0.0f);
            fill(brows, kRightBrow, 1.1f);
            fill(brows, kLeftBrow, 1.1f);
        }
        if (want_blush) {
            oval.assign(n, 0.0f);
            fill(oval, kFaceOval, 1.0f);
        }
        for (int pass = 0; pass < 2; ++pass) {
            if (want_lips) {
                box_blur_plane(lips, bw, bh, r_fine, line);
                box_blur_plane(inner, bw, bh, r_fine, line);
            }
            if (want_brows) box_blur_plane(brows, bw, bh, r_fine, line);
            if (want_blush) box_blur_plane(oval, bw, bh, r_oval, line);
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
                const std::size_t i = static_cast<std::size_t>(y - by0) * bw + (x - bx0);
                uint8_t* m = &g.mask[4 * (static_cast<std::size_t>(y) * w + x)];
                if (want_lips) m[0] = std::max(m[0], to_u8(std::clamp(lips[i] - inner[i], 0.0f, 1.0f)));
                if (want_brows) m[2] = std::max(m[2], to_u8(brows[i]));
                if (want_blush && oval[i] > 0.0f) {
                    float blush = 0.0f;
                    for (const Vec2& c : cheeks) {
                        const float dx = static_cast<float>(x) + 0.5f - c.x, dy = static_cast<float>(y) + 0.5f - c.y;
                        const float u = dx * ex + dy * ey, v = -dx * ey + dy * ex;
                        blush = std::max(blush, std::exp(-0.5f * (u * u / (sx * sx) + v * v / (sy * sy))));
                    }
                    blush *= std::min(1.0f, oval[i]);
                    m[1] = std::max(m[1], to_u8(blush < 0.02f ? 0.0f : blush));
                }
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

namespace {

// The triangles of one face that a set of masks reaches, with the layers each one needs.
struct FaceTriangles {
    const FaceShape* face;
    int levels[3];                               // the mipmap level each layer of the set samples
    std::vector<std::pair<int, unsigned>> tris;  // triangle, bit k: layer k of the set reaches it
};

// Rasterises `layers` (UV layer, output channel) of every face into an interleaved 8-bit image of
// `channels` channels, `width` x `height`, at frame coordinates scaled by `scale`, offset by (ox, oy).
void rasterise(const std::vector<FaceTriangles>& faces, const std::vector<std::pair<const UvMask*, int>>& layers,
               float scale, int ox, int oy, int width, int height, int channels, std::vector<uint8_t>& out) {
    const face::FaceTopology& topo = face::face_topology();
    for (const FaceTriangles& ft : faces) {
        for (const auto& entry : ft.tris) {
            // named copies, not a structured binding: C++17 lets no lambda capture one (GCC allows it)
            const auto t = entry.first;
            const auto bits = entry.second;
            const std::uint16_t* tri = topo.triangles[static_cast<std::size_t>(t)];
            FacePoint p[3];
            for (int k = 0; k < 3; ++k) {
                const FacePoint q = ft.face->points[tri[k]];
                p[k] = {q.x * scale - static_cast<float>(ox), q.y * scale - static_cast<float>(oy)};
            }
            const float* uv0 = topo.uv[tri[0]];
            const float* uv1 = topo.uv[tri[1]];
            const float* uv2 = topo.uv[tri[2]];
            mesh_raster::for_each_pixel(p, width, height, [&](int x, int y, float w0, float w1, float w2) {
                const float u = w0 * uv0[0] + w1 * uv1[0] + w2 * uv2[0];
                const float v = w0 * uv0[1] + w1 * uv1[1] + w2 * uv2[1];
                uint8_t* px = &out[(static_cast<std::size_t>(y) * width + x) * channels];
                for (std::size_t k = 0; k < layers.size(); ++k) {
                    if (!((bits >> k) & 1u)) continue;
                    const uint8_t m = to_u8(layers[k].first->sample(ft.levels[k], u, v));
                    uint8_t& dst = px[layers[k].second];
                    if (m > dst) dst = m;
                }
            });
        }
    }
}

// The faces' camera-facing triangles that the masks of `layers` reach, and the bounding box of their
// vertices (frame pixels, floor/ceil; empty when there are none). `scale`: raster pixels per frame pixel.
std::vector<FaceTriangles> reached(const std::vector<FaceShape>& faces,
                                   const std::vector<std::pair<const UvMask*, int>>& layers, float scale,
                                   float box[4]) {
    std::vector<FaceTriangles> out;
    box[0] = box[1] = 1e30f;
    box[2] = box[3] = -1e30f;
    if (layers.empty()) return out;
    const face::FaceTopology& topo = face::face_topology();
    for (const FaceShape& f : faces) {
        FaceTriangles ft{&f, {0, 0, 0}, {}};
        const float unit = uv_sample_unit(f) * scale;
        for (std::size_t k = 0; k < layers.size(); ++k) ft.levels[k] = layers[k].first->level_for(unit);
        for (int t : front_facing_triangles(f)) {
            unsigned bits = 0;
            for (std::size_t k = 0; k < layers.size(); ++k) {
                if (layers[k].first->reaches(static_cast<std::size_t>(t), ft.levels[k])) bits |= 1u << k;
            }
            if (!bits) continue;
            ft.tris.emplace_back(t, bits);
            for (int k = 0; k < 3; ++k) {
                const FacePoint q = f.points[topo.triangles[static_cast<std::size_t>(t)][k]];
                box[0] = std::min(box[0], q.x), box[1] = std::min(box[1], q.y);
                box[2] = std::max(box[2], q.x), box[3] = std::max(box[3], q.y);
            }
        }
        if (!ft.tris.empty()) out.push_back(std::move(ft));
    }
    return out;
}

}  // namespace

void paint_uv_layers(const MakeupParams& params, const MakeupMasks& masks, const std::vector<FaceShape>& faces,
                     MakeupGrid& grid, MakeupFine& fine) {
    require_masks(params, masks);
    fine = MakeupFine{};
    auto layer_set = [&](std::initializer_list<std::pair<UvLayer, int>> wanted) {
        std::vector<std::pair<const UvMask*, int>> out;
        for (const auto& [l, channel] : wanted) {
            if (params.uv_layer(l).intensity > 0.0f && masks[l]->reaches_any()) out.emplace_back(masks[l].get(), channel);
        }
        return out;
    };
    const auto coarse = layer_set({{UvLayer::Eyeshadow, 0}, {UvLayer::Contour, 1}, {UvLayer::Highlight, 2}});
    const auto fine_layers = layer_set({{UvLayer::Eyeliner, 0}, {UvLayer::Lashes, 1}});
    float box[4];
    const float inv = 1.0f / static_cast<float>(grid.factor);
    const std::vector<FaceTriangles> coarse_tris = reached(faces, coarse, inv, box);
    if (!coarse_tris.empty()) {
        grid.painted.assign(static_cast<std::size_t>(grid.width) * grid.height * 4, 0);
        rasterise(coarse_tris, coarse, inv, 0, 0, grid.width, grid.height, 4, grid.painted);
        const int bx0 = std::clamp(static_cast<int>(std::floor(box[0] * inv)) - 1, 0, grid.width);
        const int by0 = std::clamp(static_cast<int>(std::floor(box[1] * inv)) - 1, 0, grid.height);
        const int bx1 = std::clamp(static_cast<int>(std::ceil(box[2] * inv)) + 2, 0, grid.width);
        const int by1 = std::clamp(static_cast<int>(std::ceil(box[3] * inv)) + 2, 0, grid.height);
        if (bx0 < bx1 && by0 < by1) {
            if (grid.empty()) {
                grid.x0 = bx0, grid.y0 = by0, grid.x1 = bx1, grid.y1 = by1;
            } else {
                grid.x0 = std::min(grid.x0, bx0), grid.y0 = std::min(grid.y0, by0);
                grid.x1 = std::max(grid.x1, bx1), grid.y1 = std::max(grid.y1, by1);
            }
        }
    }
    const std::vector<FaceTriangles> fine_tris = reached(faces, fine_layers, 1.0f, box);
    if (!fine_tris.empty()) {
        const int fw = grid.width * grid.factor, fh = grid.height * grid.factor;  // covers the frame
        fine.x0 = std::clamp(static_cast<int>(std::floor(box[0])) - 1, 0, fw);
        fine.y0 = std::clamp(static_cast<int>(std::floor(box[1])) - 1, 0, fh);
        fine.x1 = std::clamp(static_cast<int>(std::ceil(box[2])) + 2, 0, fw);
        fine.y1 = std::clamp(static_cast<int>(std::ceil(box[3])) + 2, 0, fh);
        if (fine.empty()) {
            fine = MakeupFine{};
        } else {
            fine.coverage.assign(static_cast<std::size_t>(fine.width()) * (fine.y1 - fine.y0) * 2, 0);
            rasterise(fine_tris, fine_layers, 1.0f, fine.x0, fine.y0, fine.width(), fine.y1 - fine.y0, 2, fine.coverage);
        }
    }
}

void makeup_cpu(const MakeupParams& params, const MakeupGrid& grid, const MakeupFine& fine, const ImageView& rgba) {
    if (params.is_neutral() || (grid.empty() && fine.empty())) return;
    const int w = grid.width, h = grid.height, f = grid.factor;
    const float inv_f = 1.0f / static_cast<float>(f);
    const bool painted = !grid.painted.empty();
    // The frame box to visit: the grid's box (and the bilinear reach of its edge) and the fine box.
    int xs = rgba.width, ys = rgba.height, xe = 0, ye = 0;
    if (!grid.empty()) {
        xs = grid.x0 * f, ys = grid.y0 * f, xe = grid.x1 * f, ye = grid.y1 * f;
    }
    if (!fine.empty()) {
        xs = std::min(xs, fine.x0), ys = std::min(ys, fine.y0);
        xe = std::max(xe, fine.x1), ye = std::max(ye, fine.y1);
    }
    xs = std::max(xs, 0), ys = std::max(ys, 0), xe = std::min(xe, rgba.width), ye = std::min(ye, rgba.height);
    if (xs >= xe || ys >= ye) return;
    // Grid columns whose values a visited pixel interpolates: the box and one more each side.
    const int gx0 = std::max(0, grid.x0 - 1), gx1 = std::min(w, grid.x1 + 1);
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
    constexpr int kCh = 6;  // lips, blush, brows, eyeshadow, contour, highlight
    std::vector<float> cells(static_cast<std::size_t>(w) * kCh, 0.0f);  // grid rows interpolated vertically
    const MakeupLayer* coarse[kCh] = {&params.lips, &params.blush, &params.brows,
                                      &params.eyeshadow, &params.contour, &params.highlight};
    bool on[kCh];
    for (int c = 0; c < kCh; ++c) on[c] = coarse[c]->intensity > 0.0f && (c < 3 || painted);
    const bool liner_on = params.eyeliner.intensity > 0.0f, lashes_on = params.lashes.intensity > 0.0f;
    for (int y = ys; y < ye; ++y) {
        uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0];
        bool any = false;
        if (!grid.empty()) {
            const float v = (static_cast<float>(y) + 0.5f) * inv_f - 0.5f;
            const float fv = std::floor(v), ay = v - fv;
            const int ya = std::clamp(static_cast<int>(fv), 0, h - 1), yb = std::clamp(static_cast<int>(fv) + 1, 0, h - 1);
            const uint8_t* planes[2] = {grid.mask.data(), painted ? grid.painted.data() : nullptr};
            for (int gx = gx0; gx < gx1; ++gx) {
                float* cell = &cells[kCh * static_cast<std::size_t>(gx)];
                for (int c = 0; c < kCh; ++c) {
                    if (!on[c]) continue;
                    const uint8_t* plane = planes[c / 3];
                    const std::size_t ia = 4 * (static_cast<std::size_t>(ya) * w + gx) + c % 3;
                    const std::size_t ib = 4 * (static_cast<std::size_t>(yb) * w + gx) + c % 3;
                    const float m = plane[ia] * kInv255 + (plane[ib] * kInv255 - plane[ia] * kInv255) * ay;
                    cell[c] = m;
                    any = any || m != 0.0f;
                }
            }
        }
        const uint8_t* fine_row = nullptr;
        if (!fine.empty() && y >= fine.y0 && y < fine.y1) {
            fine_row = &fine.coverage[static_cast<std::size_t>(y - fine.y0) * fine.width() * 2];
        }
        if (!any && !fine_row) continue;
        for (int x = xs; x < xe; ++x) {
            float m[kCh] = {0, 0, 0, 0, 0, 0};
            bool hit = false;
            if (any) {
                const Column& col = cols[static_cast<std::size_t>(x - xs)];
                const float* ca = &cells[kCh * static_cast<std::size_t>(col.a)];
                const float* cb = &cells[kCh * static_cast<std::size_t>(col.b)];
                for (int c = 0; c < kCh; ++c) {
                    if (!on[c]) continue;
                    m[c] = ca[c] + (cb[c] - ca[c]) * col.t;
                    hit = hit || m[c] != 0.0f;
                }
            }
            float liner = 0.0f, lash = 0.0f;
            if (fine_row && x >= fine.x0 && x < fine.x1) {
                const uint8_t* fp = fine_row + 2 * (x - fine.x0);
                liner = liner_on ? fp[0] * kInv255 : 0.0f;
                lash = lashes_on ? fp[1] * kInv255 : 0.0f;
                hit = hit || liner != 0.0f || lash != 0.0f;
            }
            if (!hit) continue;
            uint8_t* px = row + 4 * x;
            const float c0[3] = {px[0] * kInv255, px[1] * kInv255, px[2] * kInv255};
            float rgb[3] = {c0[0], c0[1], c0[2]};
            apply_layer(params.contour, m[4], rgb);
            apply_layer(params.highlight, m[5], rgb);
            apply_layer(params.blush, m[1], rgb);
            apply_layer(params.eyeshadow, m[3], rgb);
            apply_layer(params.eyeliner, liner, rgb);
            apply_layer(params.lashes, lash, rgb);
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
