// The GL sticker pass (shaders/stickers/): sprites and face masks blended onto the frame texture
// bound to the current framebuffer, with the rules of effects/stickers/sticker_cpu.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "effects/stickers/sticker_scene.h"
#include "render/gl/gl_api.h"
#include "render/gl/gl_program.h"

namespace meiyan {
namespace gl {

class StickerPass {
public:
    void init(const Api& api, Dialect dialect);
    void release(const Api& api);
    // Draws onto `target_tex` (w x h, attached to the bound framebuffer), which holds the frame.
    void draw(const Api& api, const StickerFrame& frame_draws, const std::vector<FaceShape>& faces,
              GLuint target_tex, int w, int h);

private:
    void upload_images(const Api& api, const std::shared_ptr<const EffectPackage>& package);
    void draw_vertices(const Api& api, const std::vector<float>& xyuv, GLenum mode);

    Program sprite_, occluder_;
    GLuint vao_ = 0, vbo_ = 0, occluder_tex_ = 0;
    int occluder_w_ = 0, occluder_h_ = 0;
    std::vector<GLuint> textures_;
    std::shared_ptr<const EffectPackage> uploaded_;
    uint64_t uploaded_generation_ = 0;
    std::vector<float> vertices_;
};

}  // namespace gl
}  // namespace meiyan
