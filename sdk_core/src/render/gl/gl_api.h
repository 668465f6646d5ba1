// OpenGL entry points, loaded at run time so that libmeiyan links no GL library and loads where
// none is installed (the GL backend then reports why it is unavailable). Only the common subset of
// OpenGL 3.3 core and OpenGL ES 3.0 is used, so one table serves both.
#pragma once
#define GL_GLES_PROTOTYPES 0
#include <GLES3/gl3.h>

#include <string>

namespace meiyan::gl {

#define MEIYAN_GL_FUNCTIONS(X)                                            \
    X(PFNGLGETSTRINGPROC, GetString)                                      \
    X(PFNGLGETERRORPROC, GetError)                                        \
    X(PFNGLGETINTEGERVPROC, GetIntegerv)                                  \
    X(PFNGLISENABLEDPROC, IsEnabled)                                      \
    X(PFNGLENABLEPROC, Enable)                                            \
    X(PFNGLDISABLEPROC, Disable)                                          \
    X(PFNGLCREATESHADERPROC, CreateShader)                                \
    X(PFNGLSHADERSOURCEPROC, ShaderSource)                                \
    X(PFNGLCOMPILESHADERPROC, CompileShader)                              \
    X(PFNGLGETSHADERIVPROC, GetShaderiv)                                  \
    X(PFNGLGETSHADERINFOLOGPROC, GetShaderInfoLog)                        \
    X(PFNGLDELETESHADERPROC, DeleteShader)                                \
    X(PFNGLCREATEPROGRAMPROC, CreateProgram)                              \
    X(PFNGLATTACHSHADERPROC, AttachShader)                                \
    X(PFNGLLINKPROGRAMPROC, LinkProgram)                                  \
    X(PFNGLGETPROGRAMIVPROC, GetProgramiv)                                \
    X(PFNGLGETPROGRAMINFOLOGPROC, GetProgramInfoLog)                      \
    X(PFNGLDELETEPROGRAMPROC, DeleteProgram)                              \
    X(PFNGLUSEPROGRAMPROC, UseProgram)                                    \
    X(PFNGLGETUNIFORMLOCATIONPROC, GetUniformLocation)                    \
    X(PFNGLUNIFORM1IPROC, Uniform1i)                                      \
    X(PFNGLUNIFORM1FPROC, Uniform1f)                                      \
    X(PFNGLUNIFORM2IPROC, Uniform2i)                                      \
    X(PFNGLUNIFORM2IVPROC, Uniform2iv)                                    \
    X(PFNGLUNIFORM3IPROC, Uniform3i)                                      \
    X(PFNGLUNIFORM4FPROC, Uniform4f)                                      \
    X(PFNGLUNIFORM4IPROC, Uniform4i)                                      \
    X(PFNGLBLENDEQUATIONSEPARATEPROC, BlendEquationSeparate)              \
    X(PFNGLGENTEXTURESPROC, GenTextures)                                  \
    X(PFNGLDELETETEXTURESPROC, DeleteTextures)                            \
    X(PFNGLBINDTEXTUREPROC, BindTexture)                                  \
    X(PFNGLACTIVETEXTUREPROC, ActiveTexture)                              \
    X(PFNGLTEXIMAGE2DPROC, TexImage2D)                                    \
    X(PFNGLTEXSUBIMAGE2DPROC, TexSubImage2D)                              \
    X(PFNGLTEXIMAGE3DPROC, TexImage3D)                                    \
    X(PFNGLTEXPARAMETERIPROC, TexParameteri)                              \
    X(PFNGLPIXELSTOREIPROC, PixelStorei)                                  \
    X(PFNGLGENFRAMEBUFFERSPROC, GenFramebuffers)                          \
    X(PFNGLDELETEFRAMEBUFFERSPROC, DeleteFramebuffers)                    \
    X(PFNGLBINDFRAMEBUFFERPROC, BindFramebuffer)                          \
    X(PFNGLFRAMEBUFFERTEXTURE2DPROC, FramebufferTexture2D)                \
    X(PFNGLCHECKFRAMEBUFFERSTATUSPROC, CheckFramebufferStatus)            \
    X(PFNGLGENVERTEXARRAYSPROC, GenVertexArrays)                          \
    X(PFNGLDELETEVERTEXARRAYSPROC, DeleteVertexArrays)                    \
    X(PFNGLBINDVERTEXARRAYPROC, BindVertexArray)                          \
    X(PFNGLVIEWPORTPROC, Viewport)                                        \
    X(PFNGLDRAWARRAYSPROC, DrawArrays)                                    \
    X(PFNGLREADPIXELSPROC, ReadPixels)                                    \
    X(PFNGLGENBUFFERSPROC, GenBuffers)                                    \
    X(PFNGLDELETEBUFFERSPROC, DeleteBuffers)                              \
    X(PFNGLBINDBUFFERPROC, BindBuffer)                                    \
    X(PFNGLBUFFERDATAPROC, BufferData)                                    \
    X(PFNGLVERTEXATTRIBPOINTERPROC, VertexAttribPointer)                  \
    X(PFNGLENABLEVERTEXATTRIBARRAYPROC, EnableVertexAttribArray)          \
    X(PFNGLBLENDFUNCSEPARATEPROC, BlendFuncSeparate)                      \
    X(PFNGLCLEARCOLORPROC, ClearColor)                                    \
    X(PFNGLCLEARPROC, Clear)                                              \
    X(PFNGLUNIFORM2FPROC, Uniform2f)                                      \
    X(PFNGLGETFLOATVPROC, GetFloatv)                                      \
    X(PFNGLFINISHPROC, Finish)

struct Api {
#define MEIYAN_GL_DECLARE(type, name) type name = nullptr;
    MEIYAN_GL_FUNCTIONS(MEIYAN_GL_DECLARE)
#undef MEIYAN_GL_DECLARE
};

// Fills `api` from the GL library behind the current context. Throws Error(GL) naming the first
// entry point that is missing.
void load_api(Api& api);

// Resolves a GL/EGL symbol: eglGetProcAddress first, then the GL libraries themselves.
void* get_proc_address(const char* name);

// The EGL library handle (dlopen), or null with `why` set.
void* egl_library(std::string* why);

}  // namespace meiyan::gl
