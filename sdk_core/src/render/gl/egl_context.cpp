#include "render/gl/egl_context.h"

#define EGL_EGL_PROTOTYPES 0
#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "render/gl/gl_api.h"

namespace meiyan::gl {

namespace {

template <typename Fn>
Fn egl_fn(const char* name) {
    auto fn = reinterpret_cast<Fn>(get_proc_address(name));
    if (!fn) fail(MEIYAN_ERROR_GL, std::string("EGL entry point ") + name + " is not available");
    return fn;
}

struct Egl {
    PFNEGLGETDISPLAYPROC GetDisplay = egl_fn<PFNEGLGETDISPLAYPROC>("eglGetDisplay");
    PFNEGLINITIALIZEPROC Initialize = egl_fn<PFNEGLINITIALIZEPROC>("eglInitialize");
    PFNEGLBINDAPIPROC BindAPI = egl_fn<PFNEGLBINDAPIPROC>("eglBindAPI");
    PFNEGLCHOOSECONFIGPROC ChooseConfig = egl_fn<PFNEGLCHOOSECONFIGPROC>("eglChooseConfig");
    PFNEGLCREATECONTEXTPROC CreateContext = egl_fn<PFNEGLCREATECONTEXTPROC>("eglCreateContext");
    PFNEGLDESTROYCONTEXTPROC DestroyContext = egl_fn<PFNEGLDESTROYCONTEXTPROC>("eglDestroyContext");
    PFNEGLMAKECURRENTPROC MakeCurrent = egl_fn<PFNEGLMAKECURRENTPROC>("eglMakeCurrent");
    PFNEGLGETCURRENTCONTEXTPROC GetCurrentContext = egl_fn<PFNEGLGETCURRENTCONTEXTPROC>("eglGetCurrentContext");
    PFNEGLCREATEPBUFFERSURFACEPROC CreatePbufferSurface =
        egl_fn<PFNEGLCREATEPBUFFERSURFACEPROC>("eglCreatePbufferSurface");
    PFNEGLDESTROYSURFACEPROC DestroySurface = egl_fn<PFNEGLDESTROYSURFACEPROC>("eglDestroySurface");
    PFNEGLQUERYSTRINGPROC QueryString = egl_fn<PFNEGLQUERYSTRINGPROC>("eglQueryString");
    PFNEGLGETERRORPROC GetError = egl_fn<PFNEGLGETERRORPROC>("eglGetError");
};

const Egl& egl() {
    std::string why;
    if (!egl_library(&why)) fail(MEIYAN_ERROR_UNSUPPORTED, why);
    static const Egl table;  // immutable after construction
    return table;
}

bool has_extension(const char* list, const char* name) {
    if (!list) return false;
    const std::size_t n = std::strlen(name);
    for (const char* p = std::strstr(list, name); p; p = std::strstr(p + 1, name)) {
        const bool starts = p == list || p[-1] == ' ';
        const bool ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends) return true;
    }
    return false;
}

// Headless displays in order of preference: Mesa's surfaceless platform, then the first GPU device
// (NVIDIA's driver offers that one), then the default display.
EGLDisplay open_display(const Egl& e) {
    const char* client_ext = e.QueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    auto get_platform_display =
        reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(get_proc_address("eglGetPlatformDisplayEXT"));
    std::vector<EGLDisplay> candidates;
    if (get_platform_display && has_extension(client_ext, "EGL_MESA_platform_surfaceless")) {
        candidates.push_back(get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr));
    }
    auto query_devices = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(get_proc_address("eglQueryDevicesEXT"));
    if (get_platform_display && query_devices && has_extension(client_ext, "EGL_EXT_platform_device")) {
        EGLDeviceEXT devices[8];
        EGLint count = 0;
        if (query_devices(8, devices, &count) && count > 0) {
            candidates.push_back(get_platform_display(EGL_PLATFORM_DEVICE_EXT, devices[0], nullptr));
        }
    }
    candidates.push_back(e.GetDisplay(EGL_DEFAULT_DISPLAY));
    for (EGLDisplay d : candidates) {
        EGLint major = 0, minor = 0;
        if (d != EGL_NO_DISPLAY && e.Initialize(d, &major, &minor)) return d;
    }
    fail(MEIYAN_ERROR_UNSUPPORTED, "no EGL display could be initialised (no GPU driver or Mesa EGL installed)");
}

}  // namespace

EglContext::EglContext() {
    const Egl& e = egl();
    display_ = open_display(e);
    const char* forced = std::getenv("MEIYAN_GL_API");
    const bool allow_desktop = !forced || std::strcmp(forced, "gles") != 0;
    const bool allow_es = !forced || std::strcmp(forced, "gl") != 0;

    struct Attempt {
        Dialect dialect;
        EGLenum api;
        EGLint renderable;
        std::vector<EGLint> context_attribs;
    };
    std::vector<Attempt> attempts;
    if (allow_desktop) {
        attempts.push_back({Dialect::Desktop33, EGL_OPENGL_API, EGL_OPENGL_BIT,
                            {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                             EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE}});
    }
    if (allow_es) {
        attempts.push_back({Dialect::Es30, EGL_OPENGL_ES_API, EGL_OPENGL_ES3_BIT,
                            {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 0, EGL_NONE}});
    }
    const bool surfaceless = has_extension(e.QueryString(display_, EGL_EXTENSIONS), "EGL_KHR_surfaceless_context");
    for (const Attempt& a : attempts) {
        if (!e.BindAPI(a.api)) continue;
        const EGLint config_attribs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, a.renderable,
                                         EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_NONE};
        EGLConfig config = nullptr;
        EGLint n = 0;
        if (!e.ChooseConfig(display_, config_attribs, &config, 1, &n) || n < 1) continue;
        EGLContext ctx = e.CreateContext(display_, config, EGL_NO_CONTEXT, a.context_attribs.data());
        if (ctx == EGL_NO_CONTEXT) continue;
        context_ = ctx;
        dialect_ = a.dialect;
        if (!surfaceless) {
            const EGLint pbuffer_attribs[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
            surface_ = e.CreatePbufferSurface(display_, config, pbuffer_attribs);
        }
        break;
    }
    if (!context_) {
        fail(MEIYAN_ERROR_UNSUPPORTED, "EGL could not create an OpenGL 3.3 core or OpenGL ES 3.0 context (EGL error " +
                                           std::to_string(e.GetError()) + ")");
    }
    make_current();
}

EglContext::~EglContext() {
    const Egl& e = egl();
    if (e.GetCurrentContext() == context_) e.MakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (surface_) e.DestroySurface(display_, surface_);
    e.DestroyContext(display_, context_);
    // No eglTerminate: the display is shared by every context in the process.
}

void EglContext::make_current() {
    const Egl& e = egl();
    // eglMakeCurrent must also pick the API that the context was created with.
    e.BindAPI(dialect_ == Dialect::Es30 ? EGL_OPENGL_ES_API : EGL_OPENGL_API);
    if (!e.MakeCurrent(display_, surface_, surface_, context_)) {
        fail(MEIYAN_ERROR_GL, "eglMakeCurrent failed");
    }
}

}  // namespace meiyan::gl
