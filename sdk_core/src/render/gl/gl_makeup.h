// The GL side of the UV-layout makeup layers (shaders/makeup/uv_layers.frag.glsl): the masks drawn
// through each face's mesh into a grid-size texture (eyeshadow, contour, highlight) and a frame-size
// one (eyeliner, lashes), with the triangles and rules of paint_uv_layers() in
// effects/makeup/makeup_cpu.cpp. The makeup pass then blends the layers from these textures.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "render/gl/gl_api.h"
#include "render/gl/gl_program.h"
#include "render/renderer.h"

namespace meiyan {
namespace gl {

class UvLayerPass {
public:
    struct Textures {
        GLuint painted = 0;  // grid_w x grid_h RGBA8, or 0 when none of its layers is on
        GLuint fine = 0;     // w x h RGBA8, or 0 when neither eyeliner nor lashes is on
    };

    void init(const Api& api, Dialect dialect);
    void release(const Api& api);
    // Rasterises the layers of state.makeup that are on; uses texture units 0..2, a framebuffer and a
    // vertex array of its own. Leaves blending off.
    Textures draw(const Api& api, const EffectState& state, int grid_w, int grid_h, int factor, int w, int h);

private:
    void upload_masks(const Api& api, const MakeupMasks& masks);
    // Draws the faces' triangles that `layers` reach into `tex` (cleared first); viewport view_w x view_h
    // shows frame pixels [0, view_w * scale) x [0, view_h * scale).
    bool draw_layers(const Api& api, const EffectState& state, const std::array<UvLayer, 3>& layers, int count,
                     GLuint tex, int view_w, int view_h, int scale);

    Program program_;
    GLuint fbo_ = 0, vao_ = 0, vbo_ = 0, zero_tex_ = 0, painted_tex_ = 0, fine_tex_ = 0;
    int painted_w_ = 0, painted_h_ = 0, fine_w_ = 0, fine_h_ = 0;
    std::array<GLuint, kUvLayerCount> mask_tex_{};
    std::array<std::shared_ptr<const UvMask>, kUvLayerCount> uploaded_;  // held: addresses are not reused
    std::vector<float> vertices_;
};

}  // namespace gl
}  // namespace meiyan
