#pragma once
#include <cstdint>
#include <memory>

#include "render/renderer.h"

namespace meiyan {

enum class GlContextMode { Own, Current };

class GlTextureRenderer : public Renderer {
public:
    // Renders on the caller's textures on the current context (GlContextMode::Current only).
    virtual void render_texture(const EffectState& state, uint32_t in_texture, uint32_t out_texture, int width,
                                int height) = 0;
};

// Throws Error(UNSUPPORTED/GL) with the reason when OpenGL cannot be used.
std::unique_ptr<GlTextureRenderer> make_gl_renderer(GlContextMode mode);

}  // namespace meiyan
