#include "effects/color/color_grade_cpu.h"

#include <algorithm>
#include <cmath>

namespace meiyan {

namespace {

inline uint8_t to_u8(float x) { return static_cast<uint8_t>(std::clamp(x, 0.0f, 1.0f) * 255.0f + 0.5f); }

}  // namespace

void color_grade_cpu(const ColorParams& params, const Lut3D* lut, const ImageView& rgba) {
    // Tone curves act per channel on 8-bit input, so a 256-entry table per channel is exact.
    float curve[3][256];
    for (int c = 0; c < 3; ++c) {
        for (int v = 0; v < 256; ++v) curve[c][v] = tone_curve(params, c, static_cast<float>(v) / 255.0f);
    }
    const float sat = 1.0f + params.saturation;
    const bool use_lut = lut != nullptr && params.lut_intensity > 0.0f;
    const float k = params.lut_intensity;
    for (int y = 0; y < rgba.height; ++y) {
        uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0];
        for (int x = 0; x < rgba.width; ++x) {
            uint8_t* px = row + 4 * x;
            float rgb[3] = {curve[0][px[0]], curve[1][px[1]], curve[2][px[2]]};
            if (sat != 1.0f) {
                const float luma = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
                for (float& v : rgb) v = std::clamp(luma + (v - luma) * sat, 0.0f, 1.0f);
            }
            if (use_lut) {
                float graded[3];
                lut->sample(rgb, graded);
                for (int c = 0; c < 3; ++c) rgb[c] += (graded[c] - rgb[c]) * k;
            }
            px[0] = to_u8(rgb[0]);
            px[1] = to_u8(rgb[1]);
            px[2] = to_u8(rgb[2]);
        }
    }
}

}  // namespace meiyan
