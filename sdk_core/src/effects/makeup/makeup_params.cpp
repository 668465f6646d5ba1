#include "effects/makeup/makeup_params.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace meiyan {

namespace {

void check_unit(const std::string& name, float v) {
    if (!std::isfinite(v) || v < 0.0f || v > 1.0f) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT, name + " must be in [0, 1], got " + std::to_string(v));
    }
}

void check_layer(const char* name, const MakeupLayer& l) {
    check_unit(std::string(name) + " intensity", l.intensity);
    for (float c : l.color) check_unit(std::string(name) + " colour component", c);
    const int b = static_cast<int>(l.blend);
    if (b < 0 || b > 3) fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string(name) + " blend mode is unknown");
}

}  // namespace

void MakeupParams::validate() const {
    check_layer("lips", lips);
    check_unit("lip_gloss", lip_gloss);
    check_layer("blush", blush);
    check_layer("brows", brows);
}

}  // namespace meiyan
