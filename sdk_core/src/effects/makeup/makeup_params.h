// Makeup: lipstick, blush and brow tint, each a colour blended over the frame under a feathered
// mask made from the face mesh (procedural masks; no UV-layout texture assets yet).
#pragma once
#include <cstdint>

namespace meiyan {

enum class BlendMode : int { Normal = 0, Multiply = 1, SoftLight = 2, Overlay = 3 };

struct MakeupLayer {
    float color[3] = {0.0f, 0.0f, 0.0f};  // linear 0..1 RGB (sRGB-encoded values, as the frame's)
    float intensity = 0.0f;               // 0..1; 0 is off
    BlendMode blend = BlendMode::Normal;
};

struct MakeupParams {
    MakeupLayer lips;
    float lip_gloss = 0.0f;  // 0 matte .. 1 gloss: a highlight on the lips' brightest parts
    MakeupLayer blush;
    MakeupLayer brows;

    void validate() const;  // throws Error(INVALID_ARGUMENT) naming the first bad field
    bool is_neutral() const { return lips.intensity == 0.0f && blush.intensity == 0.0f && brows.intensity == 0.0f; }
};

namespace makeup {
constexpr float kGlossStrength = 0.35f;
constexpr float kGlossLow = 0.45f, kGlossHigh = 0.9f;  // luma range of the gloss highlight ramp
}  // namespace makeup

}  // namespace meiyan
