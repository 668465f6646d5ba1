#include "effects/makeup/makeup_masks.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "face/face_topology.h"

namespace meiyan {

namespace {

// One bit per mesh triangle: whether bilinear samples of this n x n level inside the triangle's UV box
// can read a non-zero texel.
std::vector<uint8_t> reach_bits(const std::vector<uint8_t>& level, std::size_t n) {
    // Summed counts of non-zero texels, so each triangle's box is checked in O(1).
    std::vector<uint32_t> sat((n + 1) * (n + 1), 0);
    for (std::size_t y = 0; y < n; ++y) {
        uint32_t row = 0;
        for (std::size_t x = 0; x < n; ++x) {
            row += level[y * n + x] != 0 ? 1u : 0u;
            sat[(y + 1) * (n + 1) + x + 1] = sat[y * (n + 1) + x + 1] + row;
        }
    }
    const face::FaceTopology& topo = face::face_topology();
    std::vector<uint8_t> bits((topo.triangle_count + 7) / 8, 0);
    const float fs = static_cast<float>(n);
    auto texel = [&](float c) { return static_cast<long>(std::floor(c * fs - 0.5f)); };
    const long hi = static_cast<long>(n) - 1;
    for (std::size_t t = 0; t < topo.triangle_count; ++t) {
        float u0 = 1, v0 = 1, u1 = 0, v1 = 0;
        for (int k = 0; k < 3; ++k) {
            const float* uv = topo.uv[topo.triangles[t][k]];
            u0 = std::min(u0, uv[0]), u1 = std::max(u1, uv[0]);
            v0 = std::min(v0, uv[1]), v1 = std::max(v1, uv[1]);
        }
        // bilinear taps reach texels floor(s) .. floor(s) + 1; one more each way for interpolation slack
        const std::size_t xa = static_cast<std::size_t>(std::clamp(texel(u0) - 1, 0L, hi));
        const std::size_t xb = static_cast<std::size_t>(std::clamp(texel(u1) + 2, 0L, hi)) + 1;
        const std::size_t ya = static_cast<std::size_t>(std::clamp(texel(v0) - 1, 0L, hi));
        const std::size_t yb = static_cast<std::size_t>(std::clamp(texel(v1) + 2, 0L, hi)) + 1;
        const uint32_t count = sat[yb * (n + 1) + xb] - sat[ya * (n + 1) + xb] - sat[yb * (n + 1) + xa] + sat[ya * (n + 1) + xa];
        if (count != 0) bits[t / 8] = static_cast<uint8_t>(bits[t / 8] | (1u << (t % 8)));
    }
    return bits;
}

// The distance between the outer eye corners (33, 263) in the UV layout, in UV units.
float eye_span_uv() {
    const face::FaceTopology& topo = face::face_topology();
    return std::hypot(topo.uv[263][0] - topo.uv[33][0], topo.uv[263][1] - topo.uv[33][1]);
}

}  // namespace

UvMask::UvMask(const uint8_t* coverage, int size, std::ptrdiff_t stride) : size_(size) {
    require(size >= 1 && size <= kMaxSize,
            "a makeup mask must be square, 1..2048 pixels on a side, got " + std::to_string(size));
    require(coverage != nullptr, "the makeup mask's pixels are NULL");
    require(stride >= size, "the makeup mask's stride (" + std::to_string(stride) + ") is shorter than its width (" +
                                std::to_string(size) + ")");
    std::size_t n = static_cast<std::size_t>(size);
    std::vector<uint8_t> base(n * n);
    for (std::size_t y = 0; y < n; ++y) {
        std::copy(coverage + static_cast<std::ptrdiff_t>(y) * stride, coverage + static_cast<std::ptrdiff_t>(y) * stride + size,
                  base.begin() + static_cast<std::ptrdiff_t>(y * n));
    }
    levels_.push_back(std::move(base));
    while (n > 1) {
        const std::size_t m = n / 2;
        const std::vector<uint8_t>& src = levels_.back();
        std::vector<uint8_t> dst(m * m);
        for (std::size_t y = 0; y < m; ++y) {
            for (std::size_t x = 0; x < m; ++x) {
                const unsigned sum = src[2 * y * n + 2 * x] + src[2 * y * n + 2 * x + 1] + src[(2 * y + 1) * n + 2 * x] +
                                     src[(2 * y + 1) * n + 2 * x + 1];
                dst[y * m + x] = static_cast<uint8_t>((sum + 2) / 4);
            }
        }
        levels_.push_back(std::move(dst));
        n = m;
    }
    for (std::size_t k = 0; k < levels_.size(); ++k) {
        reach_.push_back(reach_bits(levels_[k], static_cast<std::size_t>(level_size(static_cast<int>(k)))));
    }
    any_ = std::any_of(levels_[0].begin(), levels_[0].end(), [](uint8_t v) { return v != 0; });
}

int UvMask::level_for(float face_unit_px) const {
    if (!(face_unit_px > 0.0f) || !std::isfinite(face_unit_px)) return 0;
    const float texels_per_pixel = eye_span_uv() * static_cast<float>(size_) / face_unit_px;
    // The finer of the two levels around one texel per pixel (1 to 2 texels per pixel): thin lines stay
    // dark, and bilinear taps still cover every texel.
    const int level = static_cast<int>(std::floor(std::log2(std::max(texels_per_pixel, 1.0f))));
    return std::clamp(level, 0, levels() - 1);
}

void require_masks(const MakeupParams& params, const MakeupMasks& masks) {
    for (int i = 0; i < kUvLayerCount; ++i) {
        const UvLayer l = static_cast<UvLayer>(i);
        if (params.uv_layer(l).intensity > 0.0f && !masks[l]) {
            fail(MEIYAN_ERROR_UNSUPPORTED, std::string(uv_layer_name(l)) +
                                               " has no mask: set one (painted in the face UV layout) before switching it on");
        }
    }
}

}  // namespace meiyan
