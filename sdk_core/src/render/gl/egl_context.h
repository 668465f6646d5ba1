// A headless EGL context owned by one engine (never shared, never global).
#pragma once
#include <string>

namespace meiyan::gl {

enum class Dialect { Desktop33, Es30 };

class EglContext {
public:
    // Tries desktop GL 3.3 core first, then GLES 3.0, unless MEIYAN_GL_API=gles|gl picks one.
    // Throws Error(GL) or Error(UNSUPPORTED) with the reason when no context can be made.
    EglContext();
    ~EglContext();
    EglContext(const EglContext&) = delete;
    EglContext& operator=(const EglContext&) = delete;

    void make_current();
    Dialect dialect() const { return dialect_; }

private:
    void* display_ = nullptr;
    void* context_ = nullptr;
    void* surface_ = nullptr;  // 1x1 pbuffer, only where surfaceless contexts are unsupported
    Dialect dialect_ = Dialect::Desktop33;
};

}  // namespace meiyan::gl
