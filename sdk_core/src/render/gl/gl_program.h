// A linked GLSL program built from files in shaders/, with the #version line for the dialect.
#pragma once
#include <string>

#include "render/gl/egl_context.h"
#include "render/gl/gl_api.h"

namespace meiyan::gl {

class Program {
public:
    Program() = default;
    // Throws Error(GL) with the compiler's log; never leaves a half-built program behind.
    Program(const Api& api, Dialect dialect, const char* vertex_path, const char* fragment_path);
    ~Program();
    Program(Program&& other) noexcept;
    Program& operator=(Program&& other) noexcept;
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    GLuint id() const { return id_; }
    GLint uniform(const char* name) const;

private:
    const Api* api_ = nullptr;
    GLuint id_ = 0;
};

// The version header the renderer prepends to every shader file.
const char* version_header(Dialect dialect);

// A vertex array and its buffer for interleaved (x, y, u, v) float vertices: attribute 0 = position,
// 1 = texture coordinate (the layout of stickers/sticker.vert.glsl). Leaves both unbound.
void make_xyuv_vertex_array(const Api& api, GLuint* vao, GLuint* vbo);

// Binds `tex` (GL_TEXTURE_2D) and gives it w x h texels of `internal` format, from `pixels` (`format`
// bytes, rows packed as GL_UNPACK_ALIGNMENT says) or undefined when null; `filter` for both
// minification and magnification; `clamp_to_edge` sets both wrap modes (GL's default is repeat).
void allocate_texture(const Api& api, GLuint tex, GLint internal, GLenum format, int w, int h, const void* pixels,
                      GLint filter, bool clamp_to_edge);

}  // namespace meiyan::gl
