#include "effects/color/color_params.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace meiyan {

namespace {

void check_range(const char* name, float v, float lo, float hi) {
    if (!std::isfinite(v) || v < lo || v > hi) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string(name) + " must be in [" + std::to_string(lo) + ", " +
                                                std::to_string(hi) + "], got " + std::to_string(v));
    }
}

}  // namespace

void ColorParams::validate() const {
    check_range("brightness", brightness, -1.0f, 1.0f);
    check_range("contrast", contrast, -1.0f, 1.0f);
    check_range("saturation", saturation, -1.0f, 1.0f);
    check_range("warmth", warmth, -1.0f, 1.0f);
    check_range("whitening", whitening, 0.0f, 1.0f);
    check_range("lut_intensity", lut_intensity, 0.0f, 1.0f);
}

bool ColorParams::is_neutral() const {
    return brightness == 0.0f && contrast == 0.0f && saturation == 0.0f && warmth == 0.0f && whitening == 0.0f;
}

float tone_curve(const ColorParams& p, int channel, float x) {
    // Warmth bends red and blue in opposite directions with a gamma, green stays.
    const float warm_exponent = channel == 0 ? -0.25f * p.warmth : (channel == 2 ? 0.25f * p.warmth : 0.0f);
    x = std::pow(x, std::exp2(-p.brightness + warm_exponent));
    x = std::clamp((x - 0.5f) * std::exp2(p.contrast) + 0.5f, 0.0f, 1.0f);
    if (p.whitening > 0.0f) {
        const float beta = 1.0f + 8.0f * p.whitening;
        x = std::log(x * (beta - 1.0f) + 1.0f) / std::log(beta);
    }
    return x;
}

}  // namespace meiyan
