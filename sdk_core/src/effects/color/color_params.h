// Frame-wide colour grading: the parameters and the per-channel tone curves they define.
// The same formulas are written once more in shaders/color/color_grade.frag.glsl; the CPU/GL
// agreement test keeps the two in step.
#pragma once

namespace meiyan {

struct ColorParams {
    float brightness = 0.0f;     // -1..1, gamma-style so highlights never clip
    float contrast = 0.0f;       // -1..1, slope exp2(contrast) around mid-grey
    float saturation = 0.0f;     // -1..1, -1 = greyscale
    float warmth = 0.0f;         // -1..1, red up / blue down (negative: the reverse)
    float whitening = 0.0f;      // 0..1, logarithmic curve that lifts shadows and mid-tones
    float lut_intensity = 1.0f;  // 0..1, blend towards the LUT result

    // Throws Error(INVALID_ARGUMENT) naming the first field that is out of range or not finite.
    void validate() const;
    // True when the tone/saturation part changes nothing (LUT aside).
    bool is_neutral() const;
};

// Per-channel tone curve for channel c (0 = R, 1 = G, 2 = B), input and output in [0, 1].
float tone_curve(const ColorParams& p, int channel, float x);

}  // namespace meiyan
