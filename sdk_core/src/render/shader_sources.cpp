#include "render/shader_sources.h"

#include <cstring>

namespace meiyan {

const char* find_shader(const char* path) {
    for (int i = 0; i < kShaderSourceCount; ++i) {
        if (std::strcmp(kShaderSources[i].path, path) == 0) return kShaderSources[i].text;
    }
    return nullptr;
}

}  // namespace meiyan
