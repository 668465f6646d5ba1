#include "render/gl/gl_program.h"

#include <utility>
#include <vector>

#include "core/error.h"
#include "render/shader_sources.h"

namespace meiyan::gl {

namespace {

GLuint compile(const Api& api, GLenum kind, Dialect dialect, const char* path) {
    const char* body = find_shader(path);
    if (!body) fail(MEIYAN_ERROR_INTERNAL, std::string("shader '") + path + "' is not compiled into this build");
    const char* parts[] = {version_header(dialect), "#line 1\n", body};
    const GLuint shader = api.CreateShader(kind);
    api.ShaderSource(shader, 3, parts, nullptr);
    api.CompileShader(shader);
    GLint ok = GL_FALSE;
    api.GetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (ok != GL_TRUE) {
        GLint len = 0;
        api.GetShaderiv(shader, GL_INFO_LOG_LENGTH, &len);
        std::vector<char> log(static_cast<std::size_t>(len > 1 ? len : 1), '\0');
        api.GetShaderInfoLog(shader, static_cast<GLsizei>(log.size()), nullptr, log.data());
        api.DeleteShader(shader);
        fail(MEIYAN_ERROR_GL, std::string("cannot compile shader '") + path + "': " + log.data());
    }
    return shader;
}

}  // namespace

const char* version_header(Dialect dialect) {
    return dialect == Dialect::Es30 ? "#version 300 es\nprecision highp float;\nprecision highp int;\n"
                                    : "#version 330 core\n";
}

Program::Program(const Api& api, Dialect dialect, const char* vertex_path, const char* fragment_path) : api_(&api) {
    const GLuint vs = compile(api, GL_VERTEX_SHADER, dialect, vertex_path);
    GLuint fs = 0;
    try {
        fs = compile(api, GL_FRAGMENT_SHADER, dialect, fragment_path);
    } catch (...) {
        api.DeleteShader(vs);
        throw;
    }
    id_ = api.CreateProgram();
    api.AttachShader(id_, vs);
    api.AttachShader(id_, fs);
    api.LinkProgram(id_);
    api.DeleteShader(vs);
    api.DeleteShader(fs);
    GLint ok = GL_FALSE;
    api.GetProgramiv(id_, GL_LINK_STATUS, &ok);
    if (ok != GL_TRUE) {
        GLint len = 0;
        api.GetProgramiv(id_, GL_INFO_LOG_LENGTH, &len);
        std::vector<char> log(static_cast<std::size_t>(len > 1 ? len : 1), '\0');
        api.GetProgramInfoLog(id_, static_cast<GLsizei>(log.size()), nullptr, log.data());
        api.DeleteProgram(id_);
        id_ = 0;
        fail(MEIYAN_ERROR_GL, std::string("cannot link '") + vertex_path + "' + '" + fragment_path + "': " + log.data());
    }
}

Program::~Program() {
    if (id_) api_->DeleteProgram(id_);
}

Program::Program(Program&& other) noexcept : api_(other.api_), id_(std::exchange(other.id_, 0)) {}

Program& Program::operator=(Program&& other) noexcept {
    if (this != &other) {
        if (id_) api_->DeleteProgram(id_);
        api_ = other.api_;
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

GLint Program::uniform(const char* name) const { return api_->GetUniformLocation(id_, name); }

void allocate_texture(const Api& api, GLuint tex, GLint internal, GLenum format, int w, int h, const void* pixels,
                      GLint filter, bool clamp_to_edge) {
    api.BindTexture(GL_TEXTURE_2D, tex);
    api.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
    api.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
    if (clamp_to_edge) {
        api.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        api.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    api.TexImage2D(GL_TEXTURE_2D, 0, internal, w, h, 0, format, GL_UNSIGNED_BYTE, pixels);
}

void make_xyuv_vertex_array(const Api& api, GLuint* vao, GLuint* vbo) {
    api.GenVertexArrays(1, vao);
    api.GenBuffers(1, vbo);
    api.BindVertexArray(*vao);
    api.BindBuffer(GL_ARRAY_BUFFER, *vbo);
    api.EnableVertexAttribArray(0);
    api.EnableVertexAttribArray(1);
    api.VertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float), nullptr);
    api.VertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float), reinterpret_cast<const void*>(2 * sizeof(float)));
    api.BindVertexArray(0);
    api.BindBuffer(GL_ARRAY_BUFFER, 0);
}

}  // namespace meiyan::gl
