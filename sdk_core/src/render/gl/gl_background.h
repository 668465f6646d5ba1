// The GL background pass (shaders/background/): reduce and disc blur on the effect grid (blur
// mode), then the full-resolution composite behind the person, with the integer arithmetic of
// effects/background/background_cpu.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "render/gl/gl_api.h"
#include "render/gl/gl_program.h"
#include "render/renderer.h"

namespace meiyan {
namespace gl {

class BackgroundPass {
public:
    void init(const Api& api, Dialect dialect);
    void release(const Api& api);
    // Draws state.background behind the person of state.person_mask: reads in_tex (the frame,
    // w x h), writes out_tex. Uses texture units 0..3 and a framebuffer of its own.
    void draw(const Api& api, const EffectState& state, GLuint in_tex, GLuint out_tex, int w, int h);

private:
    void target(const Api& api, GLuint tex, int w, int h);
    void bind(const Api& api, const Program& p, int unit, const char* name, GLuint tex);

    Program reduce_, blur_, composite_;
    GLuint fbo_ = 0, mask_tex_ = 0, reduced_tex_ = 0, low_tex_ = 0, fitted_tex_ = 0;
    int grid_w_ = 0, grid_h_ = 0;
    std::shared_ptr<const RgbaImage> fitted_source_;  // held, so that its address is not reused
    int fitted_w_ = 0, fitted_h_ = 0;
    std::vector<uint8_t> fitted_;
};

}  // namespace gl
}  // namespace meiyan
