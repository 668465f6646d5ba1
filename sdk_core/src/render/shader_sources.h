#pragma once

namespace meiyan {

struct ShaderSource {
    const char* path;  // relative to shaders/, e.g. "color/color_grade.frag.glsl"
    const char* text;  // GLSL without a #version line
};

extern const ShaderSource kShaderSources[];
extern const int kShaderSourceCount;

// nullptr when no shader of that path was compiled in.
const char* find_shader(const char* path);

}  // namespace meiyan
