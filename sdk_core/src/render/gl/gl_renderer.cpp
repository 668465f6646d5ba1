#include "render/gl/gl_renderer.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "core/error.h"
#include "effects/beauty/face_regions.h"
#include "effects/beauty/reshape.h"
#include "effects/makeup/contacts.h"
#include "effects/makeup/makeup_cpu.h"
#include "render/gl/egl_context.h"
#include "render/gl/gl_api.h"
#include "render/gl/gl_background.h"
#include "render/gl/gl_makeup.h"
#include "render/gl/gl_program.h"
#include "render/gl/gl_stickers.h"

namespace meiyan {

namespace {

using gl::Api;
using gl::Dialect;

void check_gl(const Api& api, const char* what) {
    const GLenum err = api.GetError();
    if (err != GL_NO_ERROR) fail(MEIYAN_ERROR_GL, std::string(what) + " failed with GL error " + std::to_string(err));
}

// Restores the caller's GL state after drawing on its context.
class StateGuard {
public:
    explicit StateGuard(const Api& api) : api_(api) {
        api.GetIntegerv(GL_FRAMEBUFFER_BINDING, &framebuffer_);
        api.GetIntegerv(GL_CURRENT_PROGRAM, &program_);
        api.GetIntegerv(GL_VERTEX_ARRAY_BINDING, &vertex_array_);
        api.GetIntegerv(GL_VIEWPORT, viewport_);
        api.GetIntegerv(GL_ACTIVE_TEXTURE, &active_texture_);
        for (int unit = 0; unit < kUnits; ++unit) {
            api.ActiveTexture(static_cast<GLenum>(GL_TEXTURE0 + unit));
            api.GetIntegerv(GL_TEXTURE_BINDING_2D, &texture_2d_[unit]);
            api.GetIntegerv(GL_TEXTURE_BINDING_3D, &texture_3d_[unit]);
        }
        blend_ = api.IsEnabled(GL_BLEND);
        depth_ = api.IsEnabled(GL_DEPTH_TEST);
        scissor_ = api.IsEnabled(GL_SCISSOR_TEST);
        cull_ = api.IsEnabled(GL_CULL_FACE);
        api.GetIntegerv(GL_ARRAY_BUFFER_BINDING, &array_buffer_);
        api.GetIntegerv(GL_BLEND_SRC_RGB, &blend_func_[0]);
        api.GetIntegerv(GL_BLEND_DST_RGB, &blend_func_[1]);
        api.GetIntegerv(GL_BLEND_SRC_ALPHA, &blend_func_[2]);
        api.GetIntegerv(GL_BLEND_DST_ALPHA, &blend_func_[3]);
        api.GetIntegerv(GL_BLEND_EQUATION_RGB, &blend_equation_[0]);
        api.GetIntegerv(GL_BLEND_EQUATION_ALPHA, &blend_equation_[1]);
        api.GetFloatv(GL_COLOR_CLEAR_VALUE, clear_color_);
    }
    ~StateGuard() {
        for (int unit = 0; unit < kUnits; ++unit) {
            api_.ActiveTexture(static_cast<GLenum>(GL_TEXTURE0 + unit));
            api_.BindTexture(GL_TEXTURE_2D, static_cast<GLuint>(texture_2d_[unit]));
            api_.BindTexture(GL_TEXTURE_3D, static_cast<GLuint>(texture_3d_[unit]));
        }
        api_.ActiveTexture(static_cast<GLenum>(active_texture_));
        api_.BindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(framebuffer_));
        api_.UseProgram(static_cast<GLuint>(program_));
        api_.BindVertexArray(static_cast<GLuint>(vertex_array_));
        api_.Viewport(viewport_[0], viewport_[1], viewport_[2], viewport_[3]);
        if (blend_) api_.Enable(GL_BLEND);
        if (depth_) api_.Enable(GL_DEPTH_TEST);
        if (scissor_) api_.Enable(GL_SCISSOR_TEST);
        if (cull_) api_.Enable(GL_CULL_FACE);
        api_.BindBuffer(GL_ARRAY_BUFFER, static_cast<GLuint>(array_buffer_));
        api_.BlendFuncSeparate(static_cast<GLenum>(blend_func_[0]), static_cast<GLenum>(blend_func_[1]),
                               static_cast<GLenum>(blend_func_[2]), static_cast<GLenum>(blend_func_[3]));
        api_.BlendEquationSeparate(static_cast<GLenum>(blend_equation_[0]), static_cast<GLenum>(blend_equation_[1]));
        api_.ClearColor(clear_color_[0], clear_color_[1], clear_color_[2], clear_color_[3]);
    }
    StateGuard(const StateGuard&) = delete;
    StateGuard& operator=(const StateGuard&) = delete;

private:
    const Api& api_;
    GLint framebuffer_ = 0, program_ = 0, vertex_array_ = 0, active_texture_ = GL_TEXTURE0;
    GLint viewport_[4] = {0, 0, 0, 0};
    static constexpr int kUnits = 5;  // texture units the passes use (0..4: beauty and makeup bind unit 4)
    GLint texture_2d_[kUnits] = {}, texture_3d_[kUnits] = {};
    GLboolean blend_ = GL_FALSE, depth_ = GL_FALSE, scissor_ = GL_FALSE, cull_ = GL_FALSE;
    GLint array_buffer_ = 0, blend_func_[4] = {GL_ONE, GL_ZERO, GL_ONE, GL_ZERO};
    GLint blend_equation_[2] = {GL_FUNC_ADD, GL_FUNC_ADD};
    GLfloat clear_color_[4] = {0, 0, 0, 0};
};

class GlRenderer final : public GlTextureRenderer {
public:
    explicit GlRenderer(GlContextMode mode) {
        if (mode == GlContextMode::Own) {
            context_.emplace();
            init_objects(context_->dialect());
        }
    }

    ~GlRenderer() override {
        if (!ready_) return;
        // Our objects live in our context; in Current mode the caller's context must be current.
        if (context_) context_->make_current();
        GLuint textures[] = {frame_tex_, target_tex_, lut_tex_};
        api_.DeleteTextures(3, textures);
        api_.DeleteTextures(kBeautyTextures, beauty_tex_);
        api_.DeleteFramebuffers(1, &fbo_);
        api_.DeleteVertexArrays(1, &vao_);
        color_grade_ = gl::Program();
        reduce_ = gl::Program();
        bilateral_ = gl::Program();
        skin_tone_ = gl::Program();
        reshape_ = gl::Program();
        makeup_ = gl::Program();
        beauty_ = gl::Program();
        stickers_.release(api_);
        background_.release(api_);
        uv_layers_.release(api_);
    }

    std::string name() const override { return name_.empty() ? "GL (not yet initialised)" : name_; }

    void render(const EffectState& state, const ImageView& frame) override {
        if (state.is_identity()) return;
        if (context_) {
            context_->make_current();
        } else {
            ensure_current_context_objects();
        }
        const int w = frame.width, h = frame.height;
        if (w != frame_w_ || h != frame_h_) {
            allocate_2d(frame_tex_, w, h);
            allocate_2d(target_tex_, w, h);
            frame_w_ = w;
            frame_h_ = h;
        }
        std::optional<StateGuard> guard;
        if (!context_) guard.emplace(api_);
        upload(frame);
        draw(state, frame_tex_, target_tex_, w, h);
        download(frame);
        check_gl(api_, "rendering a frame");
    }

    void render_texture(const EffectState& state, uint32_t in_texture, uint32_t out_texture, int width,
                        int height) override {
        if (context_) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "process_texture needs an engine created with gl_context=current");
        require(width > 0 && height > 0, "texture size must be positive");
        require(in_texture != 0 && out_texture != 0 && in_texture != out_texture,
                "input and output must be two distinct, non-zero texture names");
        ensure_current_context_objects();
        StateGuard guard(api_);
        draw(state, in_texture, out_texture, width, height);
        check_gl(api_, "rendering to the caller's texture");
    }

private:
    void ensure_current_context_objects() {
        if (ready_) return;
        gl::load_api(api_);
        const char* version = reinterpret_cast<const char*>(api_.GetString(GL_VERSION));
        if (!version) fail(MEIYAN_ERROR_GL, "no OpenGL context is current on this thread");
        const bool es = std::strncmp(version, "OpenGL ES", 9) == 0;
        init_objects(es ? Dialect::Es30 : Dialect::Desktop33);
    }

    void init_objects(Dialect dialect) {
        if (context_) gl::load_api(api_);
        const char* renderer = reinterpret_cast<const char*>(api_.GetString(GL_RENDERER));
        const char* version = reinterpret_cast<const char*>(api_.GetString(GL_VERSION));
        name_ = std::string("GL: ") + (renderer ? renderer : "?") + " | " + (version ? version : "?");
        color_grade_ = gl::Program(api_, dialect, "common/fullscreen.vert.glsl", "color/color_grade.frag.glsl");
        reduce_ = gl::Program(api_, dialect, "common/fullscreen.vert.glsl", "beauty/reduce.frag.glsl");
        bilateral_ = gl::Program(api_, dialect, "common/fullscreen.vert.glsl", "beauty/bilateral.frag.glsl");
        skin_tone_ = gl::Program(api_, dialect, "common/fullscreen.vert.glsl", "beauty/skin_tone.frag.glsl");
        beauty_ = gl::Program(api_, dialect, "common/fullscreen.vert.glsl", "beauty/beauty.frag.glsl");
        reshape_ = gl::Program(api_, dialect, "common/fullscreen.vert.glsl", "beauty/reshape.frag.glsl");
        makeup_ = gl::Program(api_, dialect, "common/fullscreen.vert.glsl", "makeup/makeup.frag.glsl");
        stickers_.init(api_, dialect);
        background_.init(api_, dialect);
        uv_layers_.init(api_, dialect);
        api_.GenTextures(kBeautyTextures, beauty_tex_);
        GLuint textures[3];
        api_.GenTextures(3, textures);
        frame_tex_ = textures[0];
        target_tex_ = textures[1];
        lut_tex_ = textures[2];
        api_.GenFramebuffers(1, &fbo_);
        api_.GenVertexArrays(1, &vao_);
        check_gl(api_, "creating GL objects");
        ready_ = true;
    }

    void allocate_2d(GLuint tex, int w, int h) {
        gl::allocate_texture(api_, tex, GL_RGBA8, GL_RGBA, w, h, nullptr, GL_NEAREST, false);
        check_gl(api_, "allocating a texture");
    }

    // Packed rows go straight to GL through UNPACK_ROW_LENGTH; other strides through a staging copy.
    bool direct_rows(const ImageView& frame) const {
        return frame.stride[0] > 0 && frame.stride[0] % 4 == 0;
    }

    void upload(const ImageView& frame) {
        api_.ActiveTexture(GL_TEXTURE0);
        api_.BindTexture(GL_TEXTURE_2D, frame_tex_);
        api_.PixelStorei(GL_UNPACK_ALIGNMENT, 1);
        if (direct_rows(frame)) {
            api_.PixelStorei(GL_UNPACK_ROW_LENGTH, static_cast<GLint>(frame.stride[0] / 4));
            api_.TexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, frame.width, frame.height, GL_RGBA, GL_UNSIGNED_BYTE,
                               frame.data[0]);
            api_.PixelStorei(GL_UNPACK_ROW_LENGTH, 0);
            return;
        }
        const std::size_t row = static_cast<std::size_t>(frame.width) * 4;
        staging_.resize(row * static_cast<std::size_t>(frame.height));
        for (int y = 0; y < frame.height; ++y) {
            std::memcpy(staging_.data() + row * y, frame.data[0] + frame.stride[0] * y, row);
        }
        api_.TexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, frame.width, frame.height, GL_RGBA, GL_UNSIGNED_BYTE,
                           staging_.data());
    }

    void download(const ImageView& frame) {
        api_.PixelStorei(GL_PACK_ALIGNMENT, 1);
        if (direct_rows(frame)) {
            api_.PixelStorei(GL_PACK_ROW_LENGTH, static_cast<GLint>(frame.stride[0] / 4));
            api_.ReadPixels(0, 0, frame.width, frame.height, GL_RGBA, GL_UNSIGNED_BYTE, frame.data[0]);
            api_.PixelStorei(GL_PACK_ROW_LENGTH, 0);
            return;
        }
        api_.ReadPixels(0, 0, frame.width, frame.height, GL_RGBA, GL_UNSIGNED_BYTE, staging_.data());
        const std::size_t row = static_cast<std::size_t>(frame.width) * 4;
        for (int y = 0; y < frame.height; ++y) {
            std::memcpy(frame.data[0] + frame.stride[0] * y, staging_.data() + row * y, row);
        }
    }

    void upload_lut(const std::shared_ptr<const Lut3D>& lut) {
        if (lut == uploaded_lut_) return;
        api_.ActiveTexture(GL_TEXTURE1);
        api_.BindTexture(GL_TEXTURE_3D, lut_tex_);
        api_.TexParameteri(GL_TEXTURE_3D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        api_.TexParameteri(GL_TEXTURE_3D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        const int n = lut->size();
        const std::vector<float>& rgb = lut->data();
        std::vector<float> rgba(static_cast<std::size_t>(n) * n * n * 4);
        for (std::size_t i = 0, count = rgba.size() / 4; i < count; ++i) {
            rgba[4 * i + 0] = rgb[3 * i + 0];
            rgba[4 * i + 1] = rgb[3 * i + 1];
            rgba[4 * i + 2] = rgb[3 * i + 2];
            rgba[4 * i + 3] = 1.0f;
        }
        api_.PixelStorei(GL_UNPACK_ALIGNMENT, 4);
        api_.TexImage3D(GL_TEXTURE_3D, 0, GL_RGBA32F, n, n, n, 0, GL_RGBA, GL_FLOAT, rgba.data());
        check_gl(api_, "uploading a 3D LUT");
        uploaded_lut_ = lut;
    }

    void set_target(GLuint out_tex, int w, int h) {
        api_.BindFramebuffer(GL_FRAMEBUFFER, fbo_);
        api_.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, out_tex, 0);
        if (api_.CheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
            fail(MEIYAN_ERROR_GL, "the output texture cannot be rendered to (it must be an RGBA8 GL_TEXTURE_2D)");
        }
        api_.Viewport(0, 0, w, h);
    }

    void bind_input(const gl::Program& p, int unit, const char* name, GLuint tex) {
        api_.ActiveTexture(static_cast<GLenum>(GL_TEXTURE0 + unit));
        api_.BindTexture(GL_TEXTURE_2D, tex);
        api_.Uniform1i(p.uniform(name), unit);
    }

    void draw(const EffectState& state, GLuint in_tex, GLuint out_tex, int w, int h) {
        api_.Disable(GL_BLEND);
        api_.Disable(GL_DEPTH_TEST);
        api_.Disable(GL_SCISSOR_TEST);
        api_.Disable(GL_CULL_FACE);
        api_.BindVertexArray(vao_);
        // Reshape, beauty, makeup, colour: each stage with work renders into the other of two frame
        // textures, the last one into out_tex.
        enum Stage { kReshape, kBeauty, kMakeup, kColor, kStickers, kBackground };
        Stage stages[6];
        int n = 0;
        if (state.background_active()) stages[n++] = kBackground;
        if (state.reshape_active()) stages[n++] = kReshape;
        if (state.beauty_active()) stages[n++] = kBeauty;
        if (state.makeup_active()) stages[n++] = kMakeup;
        if (!state.color_is_identity() || (n == 0 && !state.stickers_active())) stages[n++] = kColor;
        if (state.stickers_active()) stages[n++] = kStickers;
        if (n > 1 && (w != beauty_w_ || h != beauty_h_)) {
            allocate_2d(beauty_tex_[kBeautyFrame], w, h);
            allocate_2d(beauty_tex_[kReshapeFrame], w, h);
            beauty_w_ = w;
            beauty_h_ = h;
        }
        GLuint src = in_tex;
        for (int i = 0; i < n; ++i) {
            const GLuint dst = i == n - 1 ? out_tex : beauty_tex_[i % 2 == 0 ? kBeautyFrame : kReshapeFrame];
            switch (stages[i]) {
                case kReshape: draw_reshape(state, src, dst, w, h); break;
                case kBeauty: draw_beauty(state, src, dst, w, h); break;
                case kMakeup: draw_makeup(state, src, dst, w, h); break;
                case kColor: draw_color(state, src, dst, w, h); break;
                case kBackground: background_.draw(api_, state, src, dst, w, h); break;
                case kStickers:
                    draw_copy(src, dst, w, h);
                    stickers_.draw(api_, state.stickers, state.faces, dst, w, h);
                    break;
            }
            src = dst;
        }
    }

    // Uploads a CPU-built RGBA grid (mask or warp field), reallocating the texture when its size
    // changed since the last frame (`cur_w`, `cur_h` remember it).
    void upload_grid(GLuint tex, int& cur_w, int& cur_h, int w, int h, const uint8_t* data) {
        if (w != cur_w || h != cur_h) {
            allocate_2d(tex, w, h);
            cur_w = w;
            cur_h = h;
        }
        upload_rect(tex, w, h, data);
    }

    // Packed RGBA8 rows into texels [0, w) x [0, h) of `tex`.
    void upload_rect(GLuint tex, int w, int h, const uint8_t* data) {
        api_.ActiveTexture(GL_TEXTURE0);
        api_.BindTexture(GL_TEXTURE_2D, tex);
        api_.PixelStorei(GL_UNPACK_ALIGNMENT, 1);
        api_.TexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, data);
    }

    // A frame-box mask read with texelFetch inside its size only (the feature masks, the contact lenses):
    // the texture grows (to 64-texel steps) and is otherwise reused, so a face that moves or changes
    // size does not reallocate it every frame; texels past the box are never read.
    void upload_box(GLuint tex, int& cap_w, int& cap_h, int w, int h, const uint8_t* data) {
        if (w > cap_w || h > cap_h) {
            cap_w = std::max(cap_w, (w + 63) / 64 * 64);
            cap_h = std::max(cap_h, (h + 63) / 64 * 64);
            allocate_2d(tex, cap_w, cap_h);
        }
        upload_rect(tex, w, h, data);
    }

    // The procedural masks come from the CPU grid; the UV-layout layers are drawn through the mesh here.
    void draw_makeup(const EffectState& state, GLuint in_tex, GLuint out_tex, int w, int h) {
        const MakeupGrid grid = build_makeup_grid(state.makeup, state.faces, w, h);
        require_masks(state.makeup, state.makeup_masks);
        upload_grid(beauty_tex_[kMakeupMask], makeup_w_, makeup_h_, grid.width, grid.height, grid.mask.data());
        const gl::UvLayerPass::Textures painted = uv_layers_.draw(api_, state, grid.width, grid.height, grid.factor, w, h);
        // the contact lenses' coverage comes from the CPU (contacts.h), as the feature masks do
        const ContactsCoverage lens = build_contacts_coverage(state.makeup.contacts, state.faces, w, h);
        if (!lens.empty()) {
            lens_rgba_.assign(lens.coverage.size() * 4, 0);
            for (std::size_t i = 0; i < lens.coverage.size(); ++i) lens_rgba_[4 * i] = lens.coverage[i];
            upload_box(beauty_tex_[kContactsMask], contacts_w_, contacts_h_, lens.width(), lens.height(),
                        lens_rgba_.data());
        }
        api_.BindVertexArray(vao_);
        set_target(out_tex, w, h);
        const gl::Program& p = makeup_;
        api_.UseProgram(p.id());
        bind_input(p, 0, "u_image", in_tex);
        bind_input(p, 1, "u_mask", beauty_tex_[kMakeupMask]);
        // unused samplers still get a texture of their own unit: the procedural mask stands in
        bind_input(p, 2, "u_painted", painted.painted ? painted.painted : beauty_tex_[kMakeupMask]);
        bind_input(p, 3, "u_fine", painted.fine ? painted.fine : beauty_tex_[kMakeupMask]);
        api_.Uniform1i(p.uniform("u_painted_on"), painted.painted ? 1 : 0);
        api_.Uniform1i(p.uniform("u_fine_on"), painted.fine ? 1 : 0);
        api_.Uniform1i(p.uniform("u_factor"), grid.factor);
        api_.Uniform2i(p.uniform("u_grid_size"), grid.width, grid.height);
        const MakeupParams& m = state.makeup;
        auto layer = [&](const char* name, const MakeupLayer& l) {
            api_.Uniform4f(p.uniform(name), l.color[0], l.color[1], l.color[2], l.intensity);
        };
        layer("u_lips", m.lips);
        layer("u_blush", m.blush);
        layer("u_brows", m.brows);
        layer("u_eyeshadow", m.eyeshadow);
        layer("u_eyeliner", m.eyeliner);
        layer("u_lashes", m.lashes);
        layer("u_contour", m.contour);
        layer("u_highlight", m.highlight);
        auto mode = [](const MakeupLayer& l) { return static_cast<GLint>(l.blend); };
        api_.Uniform4i(p.uniform("u_blend"), mode(m.lips), mode(m.blush), mode(m.brows), mode(m.eyeshadow));
        api_.Uniform4i(p.uniform("u_blend_b"), mode(m.eyeliner), mode(m.lashes), mode(m.contour), mode(m.highlight));
        api_.Uniform1f(p.uniform("u_gloss"), m.lip_gloss);
        bind_input(p, 4, "u_contacts_mask", lens.empty() ? beauty_tex_[kMakeupMask] : beauty_tex_[kContactsMask]);
        api_.Uniform2i(p.uniform("u_contacts_origin"), lens.x0, lens.y0);
        api_.Uniform2i(p.uniform("u_contacts_size"), lens.empty() ? 0 : lens.width(), lens.empty() ? 0 : lens.height());
        layer("u_contacts", m.contacts);
        api_.Uniform1i(p.uniform("u_blend_contacts"), mode(m.contacts));
        api_.DrawArrays(GL_TRIANGLES, 0, 3);
    }

    void draw_reshape(const EffectState& state, GLuint in_tex, GLuint out_tex, int w, int h) {
        const ReshapeField field = build_reshape_field(state.reshape, state.faces, w, h);
        upload_grid(beauty_tex_[kReshapeField], field_w_, field_h_, field.width, field.height, field.field.data());
        set_target(out_tex, w, h);
        const gl::Program& p = reshape_;
        api_.UseProgram(p.id());
        bind_input(p, 0, "u_image", in_tex);
        bind_input(p, 1, "u_field", beauty_tex_[kReshapeField]);
        api_.Uniform1i(p.uniform("u_factor"), field.factor);
        api_.Uniform2i(p.uniform("u_grid_size"), field.width, field.height);
        api_.Uniform2i(p.uniform("u_image_size"), w, h);
        api_.Uniform1f(p.uniform("u_range"), field.range);
        api_.DrawArrays(GL_TRIANGLES, 0, 3);
    }

    // The passes of beauty_cpu.cpp: reduce, bilateral across, bilateral down, skin tone, full resolution.
    void draw_beauty(const EffectState& state, GLuint in_tex, GLuint out_tex, int w, int h) {
        const BeautyGrid grid = build_beauty_grid(state.faces, w, h);
        if (grid.empty()) {
            draw_copy(in_tex, out_tex, w, h);
            return;
        }
        const int gw = grid.width, gh = grid.height;
        if (gw != grid_w_ || gh != grid_h_) {
            for (int i : {kBeautyReduced, kBeautyAcross, kBeautySmooth, kBeautyMask}) allocate_2d(beauty_tex_[i], gw, gh);
            allocate_2d(beauty_tex_[kBeautyTone], 1, 1);
            grid_w_ = gw;
            grid_h_ = gh;
        }
        api_.ActiveTexture(GL_TEXTURE0);
        api_.BindTexture(GL_TEXTURE_2D, beauty_tex_[kBeautyMask]);
        api_.PixelStorei(GL_UNPACK_ALIGNMENT, 1);
        api_.TexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, gw, gh, GL_RGBA, GL_UNSIGNED_BYTE, grid.mask.data());
        const FeatureMask features =
            state.beauty.has_features() ? build_feature_mask(state.faces, w, h, state.beauty) : FeatureMask{};
        if (!features.empty()) {
            upload_box(beauty_tex_[kBeautyFeatures], features_w_, features_h_, features.width, features.height,
                        features.rgba.data());
        }

        set_target(beauty_tex_[kBeautyReduced], gw, gh);
        api_.UseProgram(reduce_.id());
        bind_input(reduce_, 0, "u_image", in_tex);
        api_.Uniform1i(reduce_.uniform("u_factor"), grid.factor);
        api_.Uniform2i(reduce_.uniform("u_image_size"), w, h);
        api_.DrawArrays(GL_TRIANGLES, 0, 3);

        const float sigma_range = beauty::bilateral_sigma_range(state.beauty.smoothing);
        api_.UseProgram(bilateral_.id());
        api_.Uniform2i(bilateral_.uniform("u_grid_size"), gw, gh);
        api_.Uniform1f(bilateral_.uniform("u_sigma_range"), sigma_range);
        set_target(beauty_tex_[kBeautyAcross], gw, gh);
        bind_input(bilateral_, 0, "u_source", beauty_tex_[kBeautyReduced]);
        api_.Uniform2i(bilateral_.uniform("u_direction"), 1, 0);
        api_.DrawArrays(GL_TRIANGLES, 0, 3);
        set_target(beauty_tex_[kBeautySmooth], gw, gh);
        bind_input(bilateral_, 0, "u_source", beauty_tex_[kBeautyAcross]);
        api_.Uniform2i(bilateral_.uniform("u_direction"), 0, 1);
        api_.DrawArrays(GL_TRIANGLES, 0, 3);

        set_target(beauty_tex_[kBeautyTone], 1, 1);
        api_.UseProgram(skin_tone_.id());
        bind_input(skin_tone_, 0, "u_reduced", beauty_tex_[kBeautyReduced]);
        const int count = static_cast<int>(std::min<std::size_t>(grid.tone_samples.size() / 2, kMaxToneSamples));
        api_.Uniform1i(skin_tone_.uniform("u_count"), count);
        if (count > 0) api_.Uniform2iv(skin_tone_.uniform("u_samples"), count, grid.tone_samples.data());
        api_.DrawArrays(GL_TRIANGLES, 0, 3);

        set_target(out_tex, w, h);
        const gl::Program& p = beauty_;
        api_.UseProgram(p.id());
        bind_input(p, 0, "u_image", in_tex);
        bind_input(p, 1, "u_smooth", beauty_tex_[kBeautySmooth]);
        bind_input(p, 2, "u_mask", beauty_tex_[kBeautyMask]);
        bind_input(p, 3, "u_tone", beauty_tex_[kBeautyTone]);
        bind_input(p, 4, "u_features", features.empty() ? beauty_tex_[kBeautyMask] : beauty_tex_[kBeautyFeatures]);
        api_.Uniform2i(p.uniform("u_features_origin"), features.x0, features.y0);
        api_.Uniform2i(p.uniform("u_features_size"), features.width, features.height);
        api_.Uniform1f(p.uniform("u_teeth_whiten"), state.beauty.teeth_whiten);
        api_.Uniform1f(p.uniform("u_eye_brighten"), state.beauty.eye_brighten);
        api_.Uniform1f(p.uniform("u_dark_circles"), state.beauty.dark_circles);
        api_.Uniform1i(p.uniform("u_factor"), grid.factor);
        api_.Uniform2i(p.uniform("u_grid_size"), gw, gh);
        api_.Uniform2i(p.uniform("u_image_size"), w, h);
        api_.Uniform1f(p.uniform("u_smoothing"), state.beauty.smoothing);
        api_.Uniform1f(p.uniform("u_whitening"), state.beauty.whitening);
        api_.Uniform1f(p.uniform("u_rosy"), state.beauty.rosy);
        api_.Uniform1f(p.uniform("u_sharpen"), state.beauty.sharpen);
        api_.DrawArrays(GL_TRIANGLES, 0, 3);
    }

    // Beauty with no face on the grid changes nothing: the neutral colour grade copies.
    void draw_copy(GLuint in_tex, GLuint out_tex, int w, int h) {
        EffectState neutral;
        draw_color(neutral, in_tex, out_tex, w, h);
    }

    void draw_color(const EffectState& state, GLuint in_tex, GLuint out_tex, int w, int h) {
        set_target(out_tex, w, h);
        const gl::Program& p = color_grade_;
        api_.UseProgram(p.id());
        api_.ActiveTexture(GL_TEXTURE0);
        api_.BindTexture(GL_TEXTURE_2D, in_tex);
        api_.Uniform1i(p.uniform("u_image"), 0);
        const ColorParams& c = state.color;
        api_.Uniform1f(p.uniform("u_brightness"), c.brightness);
        api_.Uniform1f(p.uniform("u_contrast"), c.contrast);
        api_.Uniform1f(p.uniform("u_saturation"), c.saturation);
        api_.Uniform1f(p.uniform("u_warmth"), c.warmth);
        api_.Uniform1f(p.uniform("u_whitening"), c.whitening);
        api_.Uniform1f(p.uniform("u_lut_intensity"), c.lut_intensity);
        if (state.lut) upload_lut(state.lut);
        api_.ActiveTexture(GL_TEXTURE1);
        api_.BindTexture(GL_TEXTURE_3D, lut_tex_);
        api_.Uniform1i(p.uniform("u_lut"), 1);
        api_.Uniform1i(p.uniform("u_lut_size"), state.lut ? state.lut->size() : 0);
        api_.DrawArrays(GL_TRIANGLES, 0, 3);
    }

    std::optional<gl::EglContext> context_;
    Api api_;
    bool ready_ = false;
    std::string name_;
    gl::Program color_grade_, reduce_, bilateral_, skin_tone_, beauty_, reshape_, makeup_;
    gl::StickerPass stickers_;
    gl::BackgroundPass background_;
    gl::UvLayerPass uv_layers_;
    enum {
        kBeautyReduced,
        kBeautyAcross,
        kBeautySmooth,
        kBeautyMask,
        kBeautyTone,
        kBeautyFrame,
        kReshapeFrame,
        kReshapeField,
        kMakeupMask,
        kBeautyFeatures,
        kContactsMask,
        kBeautyTextures
    };
    static constexpr std::size_t kMaxToneSamples = 36;  // the size of u_samples in skin_tone.frag.glsl
    GLuint beauty_tex_[kBeautyTextures] = {};
    int grid_w_ = 0, grid_h_ = 0, beauty_w_ = 0, beauty_h_ = 0, field_w_ = 0, field_h_ = 0, makeup_w_ = 0, makeup_h_ = 0;
    int features_w_ = 0, features_h_ = 0, contacts_w_ = 0, contacts_h_ = 0;  // allocated sizes (upload_box)
    std::vector<uint8_t> lens_rgba_;
    GLuint frame_tex_ = 0, target_tex_ = 0, lut_tex_ = 0, fbo_ = 0, vao_ = 0;
    int frame_w_ = 0, frame_h_ = 0;
    std::shared_ptr<const Lut3D> uploaded_lut_;  // kept alive so a new LUT never aliases its address
    std::vector<uint8_t> staging_;
};

}  // namespace

std::unique_ptr<GlTextureRenderer> make_gl_renderer(GlContextMode mode) { return std::make_unique<GlRenderer>(mode); }

}  // namespace meiyan
