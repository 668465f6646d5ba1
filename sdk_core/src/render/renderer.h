// A renderer draws the effect stack onto an RGBA8 frame. The CPU renderer is the reference; the GL
// renderer must match it within the tolerance each effect's tests state.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "effects/color/color_params.h"
#include "effects/color/lut3d.h"
#include "image/image.h"

namespace meiyan {

struct EffectState {
    ColorParams color;
    std::shared_ptr<const Lut3D> lut;  // null: no LUT

    bool is_identity() const { return color.is_neutral() && (!lut || color.lut_intensity == 0.0f); }
};

class Renderer {
public:
    virtual ~Renderer() = default;
    virtual std::string name() const = 0;
    // Renders `state` onto `frame` (RGBA8) in place.
    virtual void render(const EffectState& state, const ImageView& frame) = 0;
};

std::unique_ptr<Renderer> make_cpu_renderer();

}  // namespace meiyan
