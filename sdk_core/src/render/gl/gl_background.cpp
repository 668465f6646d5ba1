#include "render/gl/gl_background.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "effects/background/background_cpu.h"

namespace meiyan {
namespace gl {

namespace {

static_assert(background::kDiscRows == 33, "the size of u_rows in shaders/background/blur.frag.glsl");

}  // namespace

void BackgroundPass::init(const Api& api, Dialect dialect) {
    reduce_ = Program(api, dialect, "common/fullscreen.vert.glsl", "background/reduce.frag.glsl");
    blur_ = Program(api, dialect, "common/fullscreen.vert.glsl", "background/blur.frag.glsl");
    composite_ = Program(api, dialect, "common/fullscreen.vert.glsl", "background/composite.frag.glsl");
    GLuint tex[4];
    api.GenTextures(4, tex);
    mask_tex_ = tex[0];
    reduced_tex_ = tex[1];
    low_tex_ = tex[2];
    fitted_tex_ = tex[3];
    api.GenFramebuffers(1, &fbo_);
}

void BackgroundPass::release(const Api& api) {
    if (fbo_) {
        GLuint tex[4] = {mask_tex_, reduced_tex_, low_tex_, fitted_tex_};
        api.DeleteTextures(4, tex);
        api.DeleteFramebuffers(1, &fbo_);
    }
    fbo_ = mask_tex_ = reduced_tex_ = low_tex_ = fitted_tex_ = 0;
    grid_w_ = grid_h_ = fitted_w_ = fitted_h_ = 0;
    fitted_source_.reset();
    reduce_ = Program();
    blur_ = Program();
    composite_ = Program();
}

void BackgroundPass::target(const Api& api, GLuint tex, int w, int h) {
    api.BindFramebuffer(GL_FRAMEBUFFER, fbo_);
    api.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    if (api.CheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        fail(MEIYAN_ERROR_GL, "the background pass cannot render to its target (it must be an RGBA8 GL_TEXTURE_2D)");
    }
    api.Viewport(0, 0, w, h);
}

void BackgroundPass::bind(const Api& api, const Program& p, int unit, const char* name, GLuint tex) {
    api.ActiveTexture(static_cast<GLenum>(GL_TEXTURE0 + unit));
    api.BindTexture(GL_TEXTURE_2D, tex);
    api.Uniform1i(p.uniform(name), unit);
}

void BackgroundPass::draw(const Api& api, const EffectState& state, GLuint in_tex, GLuint out_tex, int w, int h) {
    const BackgroundParams& params = state.background;
    const PersonMask& mask = *state.person_mask;
    const background::Grid g = background::grid_for(w, h);
    if (mask.width != g.width || mask.height != g.height) {
        fail(MEIYAN_ERROR_INTERNAL, "person mask of " + std::to_string(mask.width) + "x" + std::to_string(mask.height) +
                                        " for a " + std::to_string(g.width) + "x" + std::to_string(g.height) + " grid");
    }
    api.ActiveTexture(GL_TEXTURE0);
    if (g.width != grid_w_ || g.height != grid_h_) {
        allocate_texture(api, mask_tex_, GL_R8, GL_RED, g.width, g.height, nullptr, GL_NEAREST, false);
        allocate_texture(api, reduced_tex_, GL_RGBA8, GL_RGBA, g.width, g.height, nullptr, GL_NEAREST, false);
        allocate_texture(api, low_tex_, GL_RGBA8, GL_RGBA, g.width, g.height, nullptr, GL_NEAREST, false);
        grid_w_ = g.width;
        grid_h_ = g.height;
    }
    const std::vector<uint8_t> alpha = background::feathered(mask, params.feather);
    api.BindTexture(GL_TEXTURE_2D, mask_tex_);
    api.PixelStorei(GL_UNPACK_ALIGNMENT, 1);
    api.TexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, g.width, g.height, GL_RED, GL_UNSIGNED_BYTE, alpha.data());

    if (params.mode == BackgroundMode::Blur) {
        target(api, reduced_tex_, g.width, g.height);
        api.UseProgram(reduce_.id());
        bind(api, reduce_, 0, "u_image", in_tex);
        bind(api, reduce_, 1, "u_mask", mask_tex_);
        api.Uniform1i(reduce_.uniform("u_factor"), g.factor);
        api.Uniform2i(reduce_.uniform("u_image_size"), w, h);
        api.DrawArrays(GL_TRIANGLES, 0, 3);

        const background::Disc disc = background::disc_for(params.blur, w, h);
        GLint rows[2 * background::kDiscRows];
        for (int k = 0; k < background::kDiscRows; ++k) {
            rows[2 * k] = disc.rows[static_cast<std::size_t>(k)].n;
            rows[2 * k + 1] = disc.rows[static_cast<std::size_t>(k)].edge;
        }
        target(api, low_tex_, g.width, g.height);
        api.UseProgram(blur_.id());
        bind(api, blur_, 0, "u_reduced", reduced_tex_);
        bind(api, blur_, 1, "u_mask", mask_tex_);
        api.Uniform2iv(blur_.uniform("u_rows"), background::kDiscRows, rows);
        api.Uniform1i(blur_.uniform("u_radius"), disc.radius);
        api.Uniform2i(blur_.uniform("u_grid_size"), g.width, g.height);
        api.DrawArrays(GL_TRIANGLES, 0, 3);
    } else if (params.mode == BackgroundMode::Image &&
               (fitted_source_ != params.image || fitted_w_ != w || fitted_h_ != h)) {
        background::fit_cover(*params.image, w, h, fitted_);
        api.ActiveTexture(GL_TEXTURE0);
        allocate_texture(api, fitted_tex_, GL_RGBA8, GL_RGBA, w, h, nullptr, GL_NEAREST, false);
        api.TexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, fitted_.data());
        fitted_source_ = params.image;
        fitted_w_ = w;
        fitted_h_ = h;
    }

    target(api, out_tex, w, h);
    const Program& p = composite_;
    api.UseProgram(p.id());
    bind(api, p, 0, "u_image", in_tex);
    bind(api, p, 1, "u_low", low_tex_);
    bind(api, p, 2, "u_mask", mask_tex_);
    bind(api, p, 3, "u_fitted", params.mode == BackgroundMode::Image ? fitted_tex_ : mask_tex_);
    api.Uniform1i(p.uniform("u_mode"), static_cast<GLint>(params.mode));
    GLint c8[3];
    for (int c = 0; c < 3; ++c) c8[c] = static_cast<GLint>(std::lround(params.color[c] * 255.0f));
    api.Uniform3i(p.uniform("u_color"), c8[0], c8[1], c8[2]);
    api.Uniform2i(p.uniform("u_grid_size"), g.width, g.height);
    api.Uniform2i(p.uniform("u_image_size"), w, h);
    api.DrawArrays(GL_TRIANGLES, 0, 3);
}

}  // namespace gl
}  // namespace meiyan
