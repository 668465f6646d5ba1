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
    if (b < 0 || b >= kBlendModeCount) fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string(name) + " blend mode is unknown");
}

}  // namespace

const char* uv_layer_name(UvLayer layer) {
    switch (layer) {
        case UvLayer::Eyeshadow: return "eyeshadow";
        case UvLayer::Eyeliner: return "eyeliner";
        case UvLayer::Lashes: return "lashes";
        case UvLayer::Contour: return "contour";
        case UvLayer::Highlight: return "highlight";
    }
    return "?";
}

const MakeupLayer& MakeupParams::uv_layer(UvLayer l) const {
    switch (l) {
        case UvLayer::Eyeshadow: return eyeshadow;
        case UvLayer::Eyeliner: return eyeliner;
        case UvLayer::Lashes: return lashes;
        case UvLayer::Contour: return contour;
        case UvLayer::Highlight: break;
    }
    return highlight;
}

MakeupLayer& MakeupParams::uv_layer(UvLayer l) {
    return const_cast<MakeupLayer&>(static_cast<const MakeupParams&>(*this).uv_layer(l));
}

void MakeupParams::validate() const {
    check_layer("lips", lips);
    check_unit("lip_gloss", lip_gloss);
    check_layer("blush", blush);
    check_layer("brows", brows);
    for (int i = 0; i < kUvLayerCount; ++i) check_layer(uv_layer_name(static_cast<UvLayer>(i)), uv_layer(static_cast<UvLayer>(i)));
    check_layer("contacts", contacts);
}

}  // namespace meiyan
