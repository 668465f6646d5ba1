#include "render/gl/gl_makeup.h"

#include "core/error.h"
#include "effects/stickers/sticker_cpu.h"
#include "face/face_topology.h"

namespace meiyan {
namespace gl {

void UvLayerPass::init(const Api& api, Dialect dialect) {
    program_ = Program(api, dialect, "stickers/sticker.vert.glsl", "makeup/uv_layers.frag.glsl");
    api.GenFramebuffers(1, &fbo_);
    make_xyuv_vertex_array(api, &vao_, &vbo_);
    GLuint textures[3];
    api.GenTextures(3, textures);
    zero_tex_ = textures[0];
    painted_tex_ = textures[1];
    fine_tex_ = textures[2];
    api.GenTextures(kUvLayerCount, mask_tex_.data());
    api.ActiveTexture(GL_TEXTURE0);
    api.PixelStorei(GL_UNPACK_ALIGNMENT, 1);
    const uint8_t zero = 0;
    allocate_texture(api, zero_tex_, GL_R8, GL_RED, 1, 1, &zero, GL_NEAREST, true);
}

void UvLayerPass::release(const Api& api) {
    GLuint textures[3] = {zero_tex_, painted_tex_, fine_tex_};
    if (zero_tex_) api.DeleteTextures(3, textures);
    if (mask_tex_[0]) api.DeleteTextures(kUvLayerCount, mask_tex_.data());
    if (vbo_) api.DeleteBuffers(1, &vbo_);
    if (vao_) api.DeleteVertexArrays(1, &vao_);
    if (fbo_) api.DeleteFramebuffers(1, &fbo_);
    zero_tex_ = painted_tex_ = fine_tex_ = vbo_ = vao_ = fbo_ = 0;
    mask_tex_.fill(0);
    uploaded_ = {};
    program_ = Program();
}

void UvLayerPass::upload_masks(const Api& api, const MakeupMasks& masks) {
    api.ActiveTexture(GL_TEXTURE0);
    api.PixelStorei(GL_UNPACK_ALIGNMENT, 1);
    for (std::size_t i = 0; i < masks.layers.size(); ++i) {
        const std::shared_ptr<const UvMask>& m = masks.layers[i];
        if (!m || m == uploaded_[i]) continue;
        // The mask's own mipmap chain (not glGenerateMipmap), so that both renderers sample the same texels.
        allocate_texture(api, mask_tex_[i], GL_R8, GL_RED, m->size(), m->size(), m->coverage(0).data(), GL_LINEAR, true);
        api.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_NEAREST);
        for (int level = 1; level < m->levels(); ++level) {
            api.TexImage2D(GL_TEXTURE_2D, level, GL_R8, m->level_size(level), m->level_size(level), 0, GL_RED,
                           GL_UNSIGNED_BYTE, m->coverage(level).data());
        }
        api.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, m->levels() - 1);
        uploaded_[i] = m;
    }
}

bool UvLayerPass::draw_layers(const Api& api, const EffectState& state, const std::array<UvLayer, 3>& layers,
                              int count, GLuint tex, int view_w, int view_h, int scale) {
    const MakeupParams& p = state.makeup;
    const UvMask* masks[3] = {nullptr, nullptr, nullptr};
    bool any = false;
    for (int k = 0; k < count; ++k) {
        const UvLayer l = layers[static_cast<std::size_t>(k)];
        if (p.uv_layer(l).intensity > 0.0f && state.makeup_masks[l] && state.makeup_masks[l]->reaches_any()) {
            masks[k] = state.makeup_masks[l].get();
            any = true;
        }
    }
    if (!any) return false;
    api.BindFramebuffer(GL_FRAMEBUFFER, fbo_);
    api.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    if (api.CheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        fail(MEIYAN_ERROR_GL, "the makeup layer texture cannot be rendered to");
    }
    api.Viewport(0, 0, view_w, view_h);
    api.Disable(GL_BLEND);
    api.ClearColor(0, 0, 0, 0);
    api.Clear(GL_COLOR_BUFFER_BIT);
    api.UseProgram(program_.id());
    api.Uniform2f(program_.uniform("u_frame_size"), static_cast<float>(view_w * scale), static_cast<float>(view_h * scale));
    const char* names[3] = {"u_mask0", "u_mask1", "u_mask2"};
    const char* lods[3] = {"u_lod0", "u_lod1", "u_lod2"};
    for (int k = 0; k < 3; ++k) {
        api.ActiveTexture(static_cast<GLenum>(GL_TEXTURE0 + k));
        const GLuint mt = masks[k] ? mask_tex_[static_cast<std::size_t>(layers[static_cast<std::size_t>(k)])] : zero_tex_;
        api.BindTexture(GL_TEXTURE_2D, mt);
        api.Uniform1i(program_.uniform(names[k]), k);
    }
    api.Enable(GL_BLEND);
    api.BlendEquationSeparate(GL_MAX, GL_MAX);
    api.BlendFuncSeparate(GL_ONE, GL_ONE, GL_ONE, GL_ONE);
    api.BindVertexArray(vao_);
    api.BindBuffer(GL_ARRAY_BUFFER, vbo_);
    // Per face: its mask levels (UvMask::level_for, as on the CPU) and the triangles facing the camera
    // that one of the masks reaches (front_facing_triangles).
    const face::FaceTopology& topo = face::face_topology();
    bool drew = false;
    for (const FaceShape& face : state.faces) {
        const float unit = uv_sample_unit(face) / static_cast<float>(scale);
        int level[3] = {0, 0, 0};
        for (int k = 0; k < 3; ++k) {
            if (masks[k]) level[k] = masks[k]->level_for(unit);
            api.Uniform1f(program_.uniform(lods[k]), static_cast<float>(level[k]));
        }
        vertices_.clear();
        for (int t : front_facing_triangles(face)) {
            bool reached = false;
            for (int k = 0; k < 3; ++k) {
                reached = reached || (masks[k] && masks[k]->reaches(static_cast<std::size_t>(t), level[k]));
            }
            if (!reached) continue;
            for (int c = 0; c < 3; ++c) {
                const int i = topo.triangles[static_cast<std::size_t>(t)][static_cast<std::size_t>(c)];
                const FacePoint& q = face.points[static_cast<std::size_t>(i)];
                vertices_.insert(vertices_.end(), {q.x, q.y, topo.uv[static_cast<std::size_t>(i)][0],
                                                   topo.uv[static_cast<std::size_t>(i)][1]});
            }
        }
        if (vertices_.empty()) continue;
        api.BufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(vertices_.size() * sizeof(float)), vertices_.data(),
                       GL_STREAM_DRAW);
        api.DrawArrays(GL_TRIANGLES, 0, static_cast<GLsizei>(vertices_.size() / 4));
        drew = true;
    }
    api.BlendEquationSeparate(GL_FUNC_ADD, GL_FUNC_ADD);
    api.Disable(GL_BLEND);
    api.BindBuffer(GL_ARRAY_BUFFER, 0);
    return drew;
}

UvLayerPass::Textures UvLayerPass::draw(const Api& api, const EffectState& state, int grid_w, int grid_h, int factor,
                                        int w, int h) {
    Textures out;
    if (state.makeup.uv_layers_neutral()) return out;
    upload_masks(api, state.makeup_masks);
    if (grid_w != painted_w_ || grid_h != painted_h_) {
        allocate_texture(api, painted_tex_, GL_RGBA8, GL_RGBA, grid_w, grid_h, nullptr, GL_NEAREST, true);
        painted_w_ = grid_w;
        painted_h_ = grid_h;
    }
    if (w != fine_w_ || h != fine_h_) {
        allocate_texture(api, fine_tex_, GL_RGBA8, GL_RGBA, w, h, nullptr, GL_NEAREST, true);
        fine_w_ = w;
        fine_h_ = h;
    }
    if (draw_layers(api, state, {UvLayer::Eyeshadow, UvLayer::Contour, UvLayer::Highlight}, 3, painted_tex_, grid_w,
                    grid_h, factor)) {
        out.painted = painted_tex_;
    }
    if (draw_layers(api, state, {UvLayer::Eyeliner, UvLayer::Lashes, UvLayer::Eyeliner}, 2, fine_tex_, w, h, 1)) {
        out.fine = fine_tex_;
    }
    return out;
}

}  // namespace gl
}  // namespace meiyan
