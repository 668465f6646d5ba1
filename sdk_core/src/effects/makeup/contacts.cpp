#include "effects/makeup/contacts.h"

#include <algorithm>
#include <cmath>

#include "effects/beauty/face_regions.h"
#include "effects/makeup/makeup_blend.h"

namespace meiyan {

namespace contacts {

namespace {
float smoothstep(float e0, float e1, float x) {
    const float t = std::clamp((x - e0) / (e1 - e0), 0.0f, 1.0f);
    return t * t * (3.0f - 2.0f * t);
}
}  // namespace

float ring_profile(float r) {
    if (r <= kPupil || r >= kOuterEnd) return 0.0f;
    const float inner = smoothstep(kPupil, kPupilEdge, r);
    const float outer = 1.0f - smoothstep(kOuterStart, kOuterEnd, r);
    const float d = std::fabs(r - kLimbal) / kLimbalWidth;
    const float limbal = d < 1.0f ? kLimbalBoost * (1.0f - d * d) : 0.0f;
    return std::min(1.0f, (kBase + limbal) * inner * outer);
}

}  // namespace contacts

ContactsCoverage build_contacts_coverage(const MakeupLayer& layer, const std::vector<FaceShape>& faces,
                                         int frame_width, int frame_height) {
    ContactsCoverage out;
    if (layer.intensity <= 0.0f) return out;
    struct Eye {
        float cx, cy, radius;
        std::vector<face_regions::Vec2> lids;
        int x0, y0, x1, y1;
    };
    std::vector<Eye> eyes;
    int bx0 = frame_width, by0 = frame_height, bx1 = 0, by1 = 0;
    for (const FaceShape& f : faces) {
        if (!f.has_iris) continue;
        for (int e = 0; e < 2; ++e) {
            const FacePoint c = f.iris[static_cast<std::size_t>(5 * e)];
            float radius = 0.0f;
            for (int k = 1; k <= 4; ++k) {
                const FacePoint b = f.iris[static_cast<std::size_t>(5 * e + k)];
                radius += std::hypot(b.x - c.x, b.y - c.y);
            }
            radius *= 0.25f;
            if (!std::isfinite(radius) || !std::isfinite(c.x) || !std::isfinite(c.y) || radius < 0.5f) continue;
            Eye eye;
            eye.cx = c.x, eye.cy = c.y, eye.radius = radius;
            eye.lids = face_regions::outline(f, e == 0 ? face_regions::kRightEye : face_regions::kLeftEye, 1.0f, 1.0f);
            const float reach = radius * contacts::kOuterEnd + 1.0f;
            eye.x0 = std::clamp(static_cast<int>(std::floor(c.x - reach)), 0, frame_width);
            eye.y0 = std::clamp(static_cast<int>(std::floor(c.y - reach)), 0, frame_height);
            eye.x1 = std::clamp(static_cast<int>(std::ceil(c.x + reach)) + 1, 0, frame_width);
            eye.y1 = std::clamp(static_cast<int>(std::ceil(c.y + reach)) + 1, 0, frame_height);
            if (eye.x0 >= eye.x1 || eye.y0 >= eye.y1) continue;
            bx0 = std::min(bx0, eye.x0), by0 = std::min(by0, eye.y0);
            bx1 = std::max(bx1, eye.x1), by1 = std::max(by1, eye.y1);
            eyes.push_back(std::move(eye));
        }
    }
    if (eyes.empty()) return out;
    out.x0 = bx0, out.y0 = by0, out.x1 = bx1, out.y1 = by1;
    out.coverage.assign(static_cast<std::size_t>(out.width()) * static_cast<std::size_t>(out.height()), 0);
    std::vector<float> lids;
    for (const Eye& eye : eyes) {
        const int w = eye.x1 - eye.x0, h = eye.y1 - eye.y0;
        lids.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0.0f);
        // the eye opening inside the eye's box (pixel centres), softened by one pixel
        face_regions::fill_polygon(eye.lids, eye.x0, eye.y0, eye.x1, eye.y1, lids);
        face_regions::box_blur(lids, w, 0, 0, w, h, 1);
        const float inv_r = 1.0f / eye.radius;
        for (int y = eye.y0; y < eye.y1; ++y) {
            for (int x = eye.x0; x < eye.x1; ++x) {
                const float lid = lids[static_cast<std::size_t>(y - eye.y0) * w + (x - eye.x0)];
                if (lid <= 0.0f) continue;
                const float dx = static_cast<float>(x) + 0.5f - eye.cx, dy = static_cast<float>(y) + 0.5f - eye.cy;
                const float ring = contacts::ring_profile(std::sqrt(dx * dx + dy * dy) * inv_r);
                if (ring <= 0.0f) continue;
                uint8_t& dst = out.coverage[static_cast<std::size_t>(y - out.y0) * out.width() + (x - out.x0)];
                const float v = std::min(1.0f, ring * std::min(1.0f, lid)) * 255.0f + 0.5f;
                dst = std::max(dst, static_cast<uint8_t>(std::min(255.0f, v)));
            }
        }
    }
    return out;
}

void contacts_cpu(const MakeupLayer& layer, const ContactsCoverage& cov, const ImageView& rgba) {
    if (layer.intensity <= 0.0f || cov.empty()) return;
    constexpr float kInv255 = 1.0f / 255.0f;
    for (int y = cov.y0; y < cov.y1; ++y) {
        uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0];
        const uint8_t* c = &cov.coverage[static_cast<std::size_t>(y - cov.y0) * cov.width()];
        for (int x = cov.x0; x < cov.x1; ++x) {
            const uint8_t m = c[x - cov.x0];
            if (m == 0) continue;
            uint8_t* px = row + 4 * x;
            float rgb[3] = {px[0] * kInv255, px[1] * kInv255, px[2] * kInv255};
            makeup::apply_layer(layer, m * kInv255, rgb);
            for (int k = 0; k < 3; ++k) px[k] = makeup::to_u8(rgb[k]);
        }
    }
}

}  // namespace meiyan
