#include "effects/beauty/beauty_params.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace meiyan {

namespace {

void check_unit(const char* name, float v) {
    if (!std::isfinite(v) || v < 0.0f || v > 1.0f) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string(name) + " must be in [0, 1], got " + std::to_string(v));
    }
}

void check_signed(const char* name, float v) {
    if (!std::isfinite(v) || v < -1.0f || v > 1.0f) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string(name) + " must be in [-1, 1], got " + std::to_string(v));
    }
}

}  // namespace

void BeautyParams::validate() const {
    check_unit("smoothing", smoothing);
    check_unit("whitening", whitening);
    check_unit("rosy", rosy);
    check_unit("sharpen", sharpen);
    check_unit("teeth_whiten", teeth_whiten);
    check_unit("eye_brighten", eye_brighten);
    check_unit("dark_circles", dark_circles);
}

void ReshapeParams::validate() const {
    check_unit("face_slim", face_slim);
    check_unit("v_chin", v_chin);
    check_unit("big_eyes", big_eyes);
    check_signed("chin_length", chin_length);
    check_signed("nose_width", nose_width);
    check_signed("mouth_size", mouth_size);
    check_signed("forehead", forehead);
}

namespace beauty {

void GridColumns::build(int x0, int x1, int factor, int grid_width) {
    const float inv_f = 1.0f / static_cast<float>(factor);
    const std::size_t n = static_cast<std::size_t>(std::max(0, x1 - x0));
    a.resize(n);
    b.resize(n);
    t.resize(n);
    for (int x = x0; x < x1; ++x) {
        const float u = (static_cast<float>(x) + 0.5f) * inv_f - 0.5f;
        const float fu = std::floor(u);
        const std::size_t i = static_cast<std::size_t>(x - x0);
        a[i] = std::clamp(static_cast<int>(fu), 0, grid_width - 1);
        b[i] = std::clamp(static_cast<int>(fu) + 1, 0, grid_width - 1);
        t[i] = u - fu;
    }
}

}  // namespace beauty
}  // namespace meiyan
