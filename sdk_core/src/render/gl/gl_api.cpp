#include "render/gl/gl_api.h"

#include <dlfcn.h>

#include <mutex>

#include "core/error.h"

namespace meiyan::gl {

namespace {

using GetProcAddress = void* (*)(const char*);

// dlopen handles are process-wide and immutable once opened; guarded by call_once.
struct Libraries {
    void* egl = nullptr;
    void* gl = nullptr;
    GetProcAddress egl_get_proc = nullptr;
    std::string egl_error;
};

const Libraries& libraries() {
    static Libraries libs;
    static std::once_flag once;
    std::call_once(once, [] {
        for (const char* name : {"libEGL.so.1", "libEGL.so"}) {
            libs.egl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (libs.egl) break;
        }
        if (libs.egl) {
            libs.egl_get_proc = reinterpret_cast<GetProcAddress>(dlsym(libs.egl, "eglGetProcAddress"));
        } else {
            const char* err = dlerror();
            libs.egl_error = std::string("cannot load libEGL.so.1: ") + (err ? err : "unknown error");
        }
        for (const char* name : {"libGL.so.1", "libOpenGL.so.0", "libGLESv2.so.2"}) {
            libs.gl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (libs.gl) break;
        }
    });
    return libs;
}

}  // namespace

void* egl_library(std::string* why) {
    const Libraries& libs = libraries();
    if (!libs.egl && why) *why = libs.egl_error;
    return libs.egl;
}

void* get_proc_address(const char* name) {
    const Libraries& libs = libraries();
    void* p = nullptr;
    if (libs.egl_get_proc) p = libs.egl_get_proc(name);
    if (!p && libs.egl) p = dlsym(libs.egl, name);
    if (!p && libs.gl) p = dlsym(libs.gl, name);
    return p;
}

void load_api(Api& api) {
#define MEIYAN_GL_LOAD(type, name)                                                               \
    api.name = reinterpret_cast<type>(get_proc_address("gl" #name));                            \
    if (!api.name) fail(MEIYAN_ERROR_GL, "OpenGL entry point gl" #name " is not available");
    MEIYAN_GL_FUNCTIONS(MEIYAN_GL_LOAD)
#undef MEIYAN_GL_LOAD
}

}  // namespace meiyan::gl
