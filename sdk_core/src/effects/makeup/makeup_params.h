// Makeup: each layer a colour blended over the frame under a mask. Lipstick, blush and brow tint use
// feathered masks made from the face mesh (procedural); eyeshadow, eyeliner, lashes, contour and
// highlight use coverage masks painted in the face UV layout (docs/face_uv_layout.md), drawn
// through each face's mesh (makeup_masks.h).
#pragma once
#include <cstdint>

namespace meiyan {

enum class BlendMode : int { Normal = 0, Multiply = 1, SoftLight = 2, Overlay = 3, Screen = 4 };
constexpr int kBlendModeCount = 5;

struct MakeupLayer {
    float color[3] = {0.0f, 0.0f, 0.0f};  // linear 0..1 RGB (sRGB-encoded values, as the frame's)
    float intensity = 0.0f;               // 0..1; 0 is off
    BlendMode blend = BlendMode::Normal;
};

// The makeup layers drawn from UV-layout masks, in the order of their mask slots.
enum class UvLayer : int { Eyeshadow = 0, Eyeliner = 1, Lashes = 2, Contour = 3, Highlight = 4 };
constexpr int kUvLayerCount = 5;
const char* uv_layer_name(UvLayer layer);  // "eyeshadow", ...

struct MakeupParams {
    MakeupLayer lips;
    float lip_gloss = 0.0f;  // 0 matte .. 1 gloss: a highlight on the lips' brightest parts
    MakeupLayer blush;
    MakeupLayer brows;
    MakeupLayer eyeshadow;
    MakeupLayer eyeliner;
    MakeupLayer lashes;
    MakeupLayer contour;
    MakeupLayer highlight;
    // Coloured contact lenses: a ring on each iris (from the face's iris points; faces without them
    // are skipped), pupil untouched, clipped by the eyelids (contacts.h).
    MakeupLayer contacts;

    const MakeupLayer& uv_layer(UvLayer l) const;
    MakeupLayer& uv_layer(UvLayer l);

    void validate() const;  // throws Error(INVALID_ARGUMENT) naming the first bad field
    bool procedural_layers_neutral() const {  // the procedural layers: lips, blush, brows
        return lips.intensity == 0.0f && blush.intensity == 0.0f && brows.intensity == 0.0f;
    }
    bool uv_layers_neutral() const {
        return eyeshadow.intensity == 0.0f && eyeliner.intensity == 0.0f && lashes.intensity == 0.0f &&
               contour.intensity == 0.0f && highlight.intensity == 0.0f;
    }
    bool is_neutral() const { return procedural_layers_neutral() && uv_layers_neutral() && contacts.intensity == 0.0f; }
};

namespace makeup {
constexpr float kGlossStrength = 0.35f;
constexpr float kGlossLow = 0.45f, kGlossHigh = 0.9f;  // luma range of the gloss highlight ramp
}  // namespace makeup

}  // namespace meiyan
