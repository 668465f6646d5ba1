// A renderer draws the effect stack onto an RGBA8 frame. The CPU renderer is the reference; the GL
// renderer must match it within the tolerance each effect's tests state.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "effects/background/background_params.h"
#include "effects/beauty/beauty_params.h"
#include "effects/color/color_params.h"
#include "effects/color/lut3d.h"
#include "effects/makeup/makeup_masks.h"
#include "effects/makeup/makeup_params.h"
#include "effects/stickers/sticker_scene.h"
#include "image/image.h"

namespace meiyan {

struct EffectState {
    ColorParams color;
    std::shared_ptr<const Lut3D> lut;  // null: no LUT
    BeautyParams beauty;
    ReshapeParams reshape;
    MakeupParams makeup;
    MakeupMasks makeup_masks;      // the UV-layout layers' masks (each layer that is on has one)
    std::vector<FaceShape> faces;  // the faces of this frame, for the face effects
    StickerFrame stickers;         // this frame's stickers and face masks (drawn last, over the filter)
    BackgroundParams background;   // drawn first, behind the person of person_mask
    std::shared_ptr<const PersonMask> person_mask;  // on the frame's grid (background::grid_for)

    bool color_is_identity() const { return color.is_neutral() && (!lut || color.lut_intensity == 0.0f); }
    bool beauty_active() const { return !faces.empty() && !beauty.is_neutral(); }
    bool reshape_active() const { return !faces.empty() && !reshape.is_neutral(); }
    bool makeup_active() const { return !faces.empty() && !makeup.is_neutral(); }
    bool stickers_active() const { return !faces.empty() && !stickers.empty(); }
    bool background_active() const { return person_mask != nullptr && background.is_active(); }
    bool is_identity() const {
        return color_is_identity() && !beauty_active() && !reshape_active() && !makeup_active() && !stickers_active() &&
               !background_active();
    }
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
