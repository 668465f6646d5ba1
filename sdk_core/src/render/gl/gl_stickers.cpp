#include "render/gl/gl_stickers.h"

#include <string>

#include "core/error.h"
#include "effects/stickers/sticker_cpu.h"
#include "face/face_topology.h"

namespace meiyan {
namespace gl {

void StickerPass::init(const Api& api, Dialect dialect) {
    sprite_ = Program(api, dialect, "stickers/sticker.vert.glsl", "stickers/sticker.frag.glsl");
    occluder_ = Program(api, dialect, "stickers/sticker.vert.glsl", "stickers/occluder.frag.glsl");
    make_xyuv_vertex_array(api, &vao_, &vbo_);
    api.GenTextures(1, &occluder_tex_);
}

void StickerPass::release(const Api& api) {
    if (!textures_.empty()) api.DeleteTextures(static_cast<GLsizei>(textures_.size()), textures_.data());
    textures_.clear();
    if (occluder_tex_) api.DeleteTextures(1, &occluder_tex_);
    if (vbo_) api.DeleteBuffers(1, &vbo_);
    if (vao_) api.DeleteVertexArrays(1, &vao_);
    occluder_tex_ = vbo_ = vao_ = 0;
    sprite_ = Program();
    occluder_ = Program();
    uploaded_.reset();
}

void StickerPass::upload_images(const Api& api, const std::shared_ptr<const EffectPackage>& package) {
    // Holding the uploaded package keeps its address from being reused by a new one.
    if (uploaded_ == package && uploaded_generation_ == package->generation()) return;
    const EffectPackage& pkg = *package;
    if (!textures_.empty()) api.DeleteTextures(static_cast<GLsizei>(textures_.size()), textures_.data());
    textures_.assign(pkg.image_names().size(), 0);
    if (!textures_.empty()) api.GenTextures(static_cast<GLsizei>(textures_.size()), textures_.data());
    api.ActiveTexture(GL_TEXTURE0);
    api.PixelStorei(GL_UNPACK_ALIGNMENT, 1);
    for (std::size_t i = 0; i < textures_.size(); ++i) {
        const SpriteImage& img = pkg.image(static_cast<int>(i));
        allocate_texture(api, textures_[i], GL_RGBA8, GL_RGBA, img.width, img.height, img.rgba.data(), GL_LINEAR, true);
    }
    uploaded_ = package;
    uploaded_generation_ = pkg.generation();
}

void StickerPass::draw_vertices(const Api& api, const std::vector<float>& xyuv, GLenum mode) {
    if (xyuv.empty()) return;
    api.BindBuffer(GL_ARRAY_BUFFER, vbo_);
    api.BufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(xyuv.size() * sizeof(float)), xyuv.data(), GL_STREAM_DRAW);
    api.DrawArrays(mode, 0, static_cast<GLsizei>(xyuv.size() / 4));
}

void StickerPass::draw(const Api& api, const StickerFrame& frame_draws, const std::vector<FaceShape>& faces,
                       GLuint target_tex, int w, int h) {
    if (frame_draws.empty()) return;
    upload_images(api, frame_draws.package);
    if (w != occluder_w_ || h != occluder_h_) {
        allocate_texture(api, occluder_tex_, GL_RGBA8, GL_RGBA, w, h, nullptr, GL_NEAREST, false);
        occluder_w_ = w;
        occluder_h_ = h;
    }
    const face::FaceTopology& topo = face::face_topology();
    api.BindVertexArray(vao_);
    api.Viewport(0, 0, w, h);
    int occluder_face = -1;
    for (const StickerDraw& d : frame_draws.draws) {
        if (d.face < 0 || d.face >= static_cast<int>(faces.size())) continue;
        const FaceShape& face = faces[static_cast<std::size_t>(d.face)];
        const bool occlude = d.type == ElementType::Sticker && d.behind;
        if (occlude && occluder_face != d.face) {
            // The face's oval into the occluder texture: a fan from the first point covers the
            // pixel centres inside the polygon (the oval is star-shaped around its points).
            api.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, occluder_tex_, 0);
            api.Disable(GL_BLEND);
            api.ClearColor(0, 0, 0, 0);
            api.Clear(GL_COLOR_BUFFER_BIT);
            api.UseProgram(occluder_.id());
            api.Uniform2f(occluder_.uniform("u_frame_size"), static_cast<float>(w), static_cast<float>(h));
            const FaceOval oval(face);
            vertices_.clear();
            float cx = 0, cy = 0;
            for (const FacePoint& p : oval.polygon()) cx += p.x, cy += p.y;
            cx /= static_cast<float>(oval.polygon().size());
            cy /= static_cast<float>(oval.polygon().size());
            vertices_.insert(vertices_.end(), {cx, cy, 0, 0});
            for (const FacePoint& p : oval.polygon()) vertices_.insert(vertices_.end(), {p.x, p.y, 0, 0});
            vertices_.insert(vertices_.end(), {oval.polygon()[0].x, oval.polygon()[0].y, 0, 0});
            draw_vertices(api, vertices_, GL_TRIANGLE_FAN);
            api.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, target_tex, 0);
            occluder_face = d.face;
        }
        api.UseProgram(sprite_.id());
        api.Uniform2f(sprite_.uniform("u_frame_size"), static_cast<float>(w), static_cast<float>(h));
        api.ActiveTexture(GL_TEXTURE0);
        api.BindTexture(GL_TEXTURE_2D, textures_[static_cast<std::size_t>(d.image)]);
        api.Uniform1i(sprite_.uniform("u_image"), 0);
        api.ActiveTexture(GL_TEXTURE1);
        api.BindTexture(GL_TEXTURE_2D, occluder_tex_);
        api.Uniform1i(sprite_.uniform("u_occluder"), 1);
        api.Uniform1i(sprite_.uniform("u_occlude"), occlude ? 1 : 0);
        api.Uniform1f(sprite_.uniform("u_opacity"), d.opacity);
        const StickerBlend blend = d.type == ElementType::FaceMask ? d.blend : StickerBlend::Normal;
        api.Uniform1i(sprite_.uniform("u_blend"), static_cast<GLint>(blend));
        api.Enable(GL_BLEND);
        switch (blend) {
            case StickerBlend::Multiply: api.BlendFuncSeparate(GL_DST_COLOR, GL_ZERO, GL_ZERO, GL_ONE); break;
            case StickerBlend::Screen: api.BlendFuncSeparate(GL_ONE_MINUS_DST_COLOR, GL_ONE, GL_ZERO, GL_ONE); break;
            default: api.BlendFuncSeparate(GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE); break;
        }
        vertices_.clear();
        if (d.type == ElementType::Sticker) {
            const float us[4] = {0, 1, 1, 0}, vs[4] = {0, 0, 1, 1};
            for (int k : {0, 1, 2, 0, 2, 3}) {
                const FacePoint& p = d.quad[static_cast<std::size_t>(k)];
                vertices_.insert(vertices_.end(), {p.x, p.y, us[k], vs[k]});
            }
        } else {
            for (int t : front_facing_triangles(face)) {
                for (int c = 0; c < 3; ++c) {
                    const int i = topo.triangles[static_cast<std::size_t>(t)][static_cast<std::size_t>(c)];
                    const FacePoint& p = face.points[static_cast<std::size_t>(i)];
                    vertices_.insert(vertices_.end(), {p.x, p.y, topo.uv[static_cast<std::size_t>(i)][0],
                                                       topo.uv[static_cast<std::size_t>(i)][1]});
                }
            }
        }
        draw_vertices(api, vertices_, GL_TRIANGLES);
    }
    api.Disable(GL_BLEND);
    api.BindBuffer(GL_ARRAY_BUFFER, 0);
    api.ActiveTexture(GL_TEXTURE0);
}

}  // namespace gl
}  // namespace meiyan
