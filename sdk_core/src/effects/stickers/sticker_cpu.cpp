#include "effects/stickers/sticker_cpu.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "effects/stickers/mesh_raster.h"
#include "face/face_topology.h"

namespace meiyan {

namespace {

struct Rgba {
    float r, g, b, a;
};

// Bilinear sample of a premultiplied sprite at texture coordinate (u, v) in [0, 1], texel centres
// at (i + 0.5) / size, edges clamped -- GL_LINEAR with GL_CLAMP_TO_EDGE.
Rgba sample(const SpriteImage& img, float u, float v) {
    const float sx = std::min(std::max(u * static_cast<float>(img.width) - 0.5f, 0.0f), static_cast<float>(img.width - 1));
    const float sy = std::min(std::max(v * static_cast<float>(img.height) - 0.5f, 0.0f), static_cast<float>(img.height - 1));
    const int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
    const int x1 = std::min(x0 + 1, img.width - 1), y1 = std::min(y0 + 1, img.height - 1);
    const float fx = sx - static_cast<float>(x0), fy = sy - static_cast<float>(y0);
    const uint8_t* p00 = &img.rgba[(static_cast<std::size_t>(y0) * img.width + x0) * 4];
    const uint8_t* p01 = &img.rgba[(static_cast<std::size_t>(y0) * img.width + x1) * 4];
    const uint8_t* p10 = &img.rgba[(static_cast<std::size_t>(y1) * img.width + x0) * 4];
    const uint8_t* p11 = &img.rgba[(static_cast<std::size_t>(y1) * img.width + x1) * 4];
    float c[4];
    for (int k = 0; k < 4; ++k) {
        const float top = static_cast<float>(p00[k]) + (static_cast<float>(p01[k]) - static_cast<float>(p00[k])) * fx;
        const float bot = static_cast<float>(p10[k]) + (static_cast<float>(p11[k]) - static_cast<float>(p10[k])) * fx;
        c[k] = (top + (bot - top) * fy) * (1.0f / 255.0f);
    }
    return {c[0], c[1], c[2], c[3]};
}

inline uint8_t to_u8(float v) { return static_cast<uint8_t>(std::min(std::max(v, 0.0f), 1.0f) * 255.0f + 0.5f); }

// Composites premultiplied colour s with weight o onto pixel d (RGBA8, alpha kept).
inline void blend_pixel(uint8_t* d, const Rgba& s, float o, StickerBlend mode) {
    const float sc[3] = {s.r, s.g, s.b};
    for (int k = 0; k < 3; ++k) {
        const float dv = static_cast<float>(d[k]) * (1.0f / 255.0f);
        float r;
        switch (mode) {
            case StickerBlend::Multiply: r = dv * (1.0f - o * (s.a - sc[k])); break;
            case StickerBlend::Screen: r = dv + sc[k] * o * (1.0f - dv); break;
            default: r = sc[k] * o + dv * (1.0f - s.a * o); break;
        }
        d[k] = to_u8(r);
    }
}

struct Box {
    int x0, y0, x1, y1;  // pixels [x0, x1) x [y0, y1)
};

Box bounds(const FacePoint* pts, int n, int w, int h) {
    float lx = pts[0].x, hx = pts[0].x, ly = pts[0].y, hy = pts[0].y;
    for (int i = 1; i < n; ++i) {
        lx = std::min(lx, pts[i].x), hx = std::max(hx, pts[i].x);
        ly = std::min(ly, pts[i].y), hy = std::max(hy, pts[i].y);
    }
    auto clampi = [](float v, int hi) { return static_cast<int>(std::min(std::max(v, 0.0f), static_cast<float>(hi))); };
    return {clampi(std::floor(lx), w), clampi(std::floor(ly), h), clampi(std::ceil(hx) + 1, w), clampi(std::ceil(hy) + 1, h)};
}

void draw_sprite(const StickerDraw& d, const SpriteImage& img, const FaceOval* oval, const ImageView& frame) {
    const FacePoint p0 = d.quad[0];
    const float ex = d.quad[1].x - p0.x, ey = d.quad[1].y - p0.y;  // u axis
    const float fx = d.quad[3].x - p0.x, fy = d.quad[3].y - p0.y;  // v axis
    const float det = ex * fy - ey * fx;
    if (std::fabs(det) < 1e-6f || !std::isfinite(det)) return;
    const Box b = bounds(d.quad.data(), 4, frame.width, frame.height);
    for (int y = b.y0; y < b.y1; ++y) {
        uint8_t* row = frame.data[0] + static_cast<std::ptrdiff_t>(y) * frame.stride[0];
        const float py = static_cast<float>(y) + 0.5f - p0.y;
        for (int x = b.x0; x < b.x1; ++x) {
            const float px = static_cast<float>(x) + 0.5f - p0.x;
            const float u = (px * fy - py * fx) / det;
            const float v = (ex * py - ey * px) / det;
            if (u < 0.0f || u >= 1.0f || v < 0.0f || v >= 1.0f) continue;
            if (oval && oval->contains(static_cast<float>(x) + 0.5f, static_cast<float>(y) + 0.5f)) continue;
            const Rgba s = sample(img, u, v);
            if (s.a <= 0.0f) continue;
            blend_pixel(row + x * 4, s, d.opacity, StickerBlend::Normal);
        }
    }
}

void draw_face_mask(const StickerDraw& d, const SpriteImage& img, const FaceShape& face, const ImageView& frame) {
    const face::FaceTopology& topo = face::face_topology();
    for (int t : front_facing_triangles(face)) {
        const std::uint16_t* tri = topo.triangles[static_cast<std::size_t>(t)];
        const FacePoint p[3] = {face.points[tri[0]], face.points[tri[1]], face.points[tri[2]]};
        const float* uv0 = topo.uv[tri[0]];
        const float* uv1 = topo.uv[tri[1]];
        const float* uv2 = topo.uv[tri[2]];
        mesh_raster::for_each_pixel(p, frame.width, frame.height, [&](int x, int y, float w0, float w1, float w2) {
            const float u = w0 * uv0[0] + w1 * uv1[0] + w2 * uv2[0];
            const float v = w0 * uv0[1] + w1 * uv1[1] + w2 * uv2[1];
            const Rgba s = sample(img, u, v);
            if (s.a <= 0.0f) return;
            blend_pixel(frame.data[0] + static_cast<std::ptrdiff_t>(y) * frame.stride[0] + x * 4, s, d.opacity, d.blend);
        });
    }
}

}  // namespace

std::vector<int> front_facing_triangles(const FaceShape& face) {
    const face::FaceTopology& topo = face::face_topology();
    std::vector<int> out;
    out.reserve(topo.triangle_count);
    for (std::size_t t = 0; t < topo.triangle_count; ++t) {
        const std::uint16_t* tri = topo.triangles[t];
        const FacePoint& a = face.points[tri[0]];
        const FacePoint& b = face.points[tri[1]];
        const FacePoint& c = face.points[tri[2]];
        const float* ua = topo.uv[tri[0]];
        const float* ub = topo.uv[tri[1]];
        const float* uc = topo.uv[tri[2]];
        const float screen = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
        const float layout = (ub[0] - ua[0]) * (uc[1] - ua[1]) - (ub[1] - ua[1]) * (uc[0] - ua[0]);
        if (screen * layout > 0.0f) out.push_back(static_cast<int>(t));
    }
    return out;
}

FaceOval::FaceOval(const FaceShape& face) {
    const face::FaceTopology& topo = face::face_topology();
    for (std::size_t i = 0; i < topo.oval_count; ++i) poly_.push_back(face.points[topo.oval[i]]);
}

bool FaceOval::contains(float px, float py) const {
    bool inside = false;
    const std::size_t n = poly_.size();
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
        const FacePoint& a = poly_[i];
        const FacePoint& b = poly_[j];
        if ((a.y > py) != (b.y > py) && px < (b.x - a.x) * (py - a.y) / (b.y - a.y) + a.x) inside = !inside;
    }
    return inside;
}

void draw_stickers_cpu(const StickerFrame& frame_draws, const std::vector<FaceShape>& faces, const ImageView& frame) {
    if (frame_draws.empty()) return;
    const EffectPackage& pkg = *frame_draws.package;
    std::vector<std::unique_ptr<FaceOval>> ovals(faces.size());
    for (const StickerDraw& d : frame_draws.draws) {
        if (d.face < 0 || d.face >= static_cast<int>(faces.size())) continue;
        const SpriteImage& img = pkg.image(d.image);
        if (img.width == 0) continue;
        if (d.type == ElementType::FaceMask) {
            draw_face_mask(d, img, faces[static_cast<std::size_t>(d.face)], frame);
            continue;
        }
        const FaceOval* oval = nullptr;
        if (d.behind) {
            auto& o = ovals[static_cast<std::size_t>(d.face)];
            if (!o) o = std::make_unique<FaceOval>(faces[static_cast<std::size_t>(d.face)]);
            oval = o.get();
        }
        draw_sprite(d, img, oval, frame);
    }
}

}  // namespace meiyan
