// Coverage masks of the UV-layout makeup layers (eyeshadow, eyeliner, lashes, contour, highlight):
// square 8-bit images painted in the face UV layout (docs/face_uv_layout.md), drawn through each
// face's mesh. The host decodes them (the bundled ones are bindings/meiyan/data/makeup/*.png).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "effects/beauty/beauty_params.h"
#include "effects/makeup/makeup_params.h"

namespace meiyan {

class UvMask {
public:
    static constexpr int kMaxSize = 2048;

    // `size` x `size` coverage bytes (row 0 is v = 0, the top of the layout), rows `stride` bytes
    // apart. Throws Error(INVALID_ARGUMENT) for a size outside 1..kMaxSize or a short stride.
    UvMask(const uint8_t* coverage, int size, std::ptrdiff_t stride);

    int size() const { return size_; }
    // Level 0 is the mask; level k + 1 halves level k (floor(size / 2^k) on a side, each texel the
    // rounded mean of four), down to 1 x 1: the mipmap chain the GL pass uploads.
    int levels() const { return static_cast<int>(levels_.size()); }
    int level_size(int level) const { return std::max(1, size_ >> level); }
    const std::vector<uint8_t>& coverage(int level = 0) const { return levels_[static_cast<std::size_t>(level)]; }
    // The level that a face `face_unit_px` pixels between its outer eye corners samples: one to two
    // texels per pixel, so that thin strokes are not skipped between samples on a small face.
    int level_for(float face_unit_px) const;
    // Whether a sample of `level` anywhere in face-mesh triangle `t` (its UV box, a texel of slack
    // around it) can be non-zero: the renderers skip the others.
    bool reaches(std::size_t t, int level = 0) const {
        const std::vector<uint8_t>& r = reach_[static_cast<std::size_t>(level)];
        return (r[t / 8] >> (t % 8)) & 1u;
    }
    bool reaches_any() const { return any_; }

    // Bilinear coverage (0..1) of `level` at texture point (u, v): texel centres at (i + 0.5) / size,
    // edges clamped -- GL_LINEAR with GL_CLAMP_TO_EDGE on one mipmap level, as the GL pass samples it.
    float sample(int level, float u, float v) const {
        const int n = level_size(level);
        const float fs = static_cast<float>(n);
        const float top = fs - 1.0f;
        const float sx = std::min(std::max(u * fs - 0.5f, 0.0f), top);
        const float sy = std::min(std::max(v * fs - 0.5f, 0.0f), top);
        const int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
        const int x1 = std::min(x0 + 1, n - 1), y1 = std::min(y0 + 1, n - 1);
        const float fx = sx - static_cast<float>(x0), fy = sy - static_cast<float>(y0);
        const std::vector<uint8_t>& c = levels_[static_cast<std::size_t>(level)];
        const uint8_t* r0 = &c[static_cast<std::size_t>(y0) * n];
        const uint8_t* r1 = &c[static_cast<std::size_t>(y1) * n];
        const float t = static_cast<float>(r0[x0]) + (static_cast<float>(r0[x1]) - static_cast<float>(r0[x0])) * fx;
        const float b = static_cast<float>(r1[x0]) + (static_cast<float>(r1[x1]) - static_cast<float>(r1[x0])) * fx;
        return (t + (b - t) * fy) * (1.0f / 255.0f);
    }

private:
    int size_ = 0;
    std::vector<std::vector<uint8_t>> levels_;
    std::vector<std::vector<uint8_t>> reach_;  // per level, one bit per mesh triangle
    bool any_ = false;
};

// The mask of each UV layer (null: none set; the layer cannot be switched on).
struct MakeupMasks {
    std::array<std::shared_ptr<const UvMask>, kUvLayerCount> layers;
    const std::shared_ptr<const UvMask>& operator[](UvLayer l) const { return layers[static_cast<std::size_t>(l)]; }
};

// The face's size for choosing a mask level: the distance between its outer eye corners, in pixels.
inline float uv_sample_unit(const FaceShape& face) {
    const FacePoint& a = face.points[33];
    const FacePoint& b = face.points[263];
    return std::hypot(b.x - a.x, b.y - a.y);
}

// Throws Error(UNSUPPORTED) naming the first layer that is on in `params` without a mask.
void require_masks(const MakeupParams& params, const MakeupMasks& masks);

}  // namespace meiyan
