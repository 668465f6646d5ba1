// The makeup layers' blend of a colour over a pixel, shared by the makeup and contacts passes;
// shaders/makeup/makeup.frag.glsl (layer()) implements the same maths.
#pragma once
#include <algorithm>
#include <cstdint>

#include "effects/makeup/makeup_params.h"

namespace meiyan {
namespace makeup {

inline uint8_t to_u8(float x) { return static_cast<uint8_t>(std::clamp(x, 0.0f, 1.0f) * 255.0f + 0.5f); }

inline float blend(float b, float c, BlendMode mode) {
    switch (mode) {
        case BlendMode::Multiply: return b * c;
        case BlendMode::SoftLight: return (1.0f - 2.0f * c) * b * b + 2.0f * c * b;
        case BlendMode::Overlay: return b < 0.5f ? 2.0f * b * c : 1.0f - 2.0f * (1.0f - b) * (1.0f - c);
        case BlendMode::Screen: return 1.0f - (1.0f - b) * (1.0f - c);
        case BlendMode::Normal: break;
    }
    return c;
}

inline void apply_layer(const MakeupLayer& l, float mask, float rgb[3]) {
    const float k = l.intensity * mask;
    if (k <= 0.0f) return;
    for (int c = 0; c < 3; ++c) rgb[c] += (blend(rgb[c], l.color[c], l.blend) - rgb[c]) * k;
}

}  // namespace makeup
}  // namespace meiyan
