// What several C++ tests build the same way: an RGBA view of a buffer, the canonical face placed
// on a frame, and a GL engine where EGL works here.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/error.h"
#include "engine/engine.h"

namespace fixtures {

inline meiyan::ImageView rgba_view(std::vector<uint8_t>& px, int w, int h) {
    meiyan::ImageView v;
    v.format = meiyan::PixelFormat::RGBA8;
    v.width = w;
    v.height = h;
    v.data[0] = px.data();
    v.stride[0] = static_cast<std::ptrdiff_t>(w) * 4;
    return v;
}

// The canonical face (inter-ocular distance 1) at (cx, cy), `iod` pixels between the outer eye
// corners, turned by `roll_deg` degrees.
inline meiyan::FaceShape synthetic_face(float cx, float cy, float iod, float roll_deg = 0) {
    static const float kCanonical[meiyan::kFaceMeshPoints][3] = {
#include "face/canonical_face.inc"
    };
    const float c = std::cos(roll_deg * 3.14159265f / 180.0f), s = std::sin(roll_deg * 3.14159265f / 180.0f);
    meiyan::FaceShape f;
    for (int i = 0; i < meiyan::kFaceMeshPoints; ++i) {
        const float x = kCanonical[i][0] * iod, y = kCanonical[i][1] * iod;
        f.points[static_cast<std::size_t>(i)] = {cx + c * x - s * y, cy + s * x + c * y};
    }
    return f;
}

// A GL engine, or null (with the reason printed) where OpenGL cannot run.
inline std::unique_ptr<meiyan::Engine> gl_engine_or_skip() {
    meiyan::EngineOptions o;
    o.backend = meiyan::Backend::Gl;
    try {
        return std::make_unique<meiyan::Engine>(o);
    } catch (const meiyan::Error& e) {
        std::printf("  GL skipped: %s\n", e.what());
        return nullptr;
    }
}

}  // namespace fixtures
