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

// How two byte buffers of one size differ: the largest difference and how many values differ by
// more than `tolerance`.
struct ByteDifference {
    int worst = 0;
    std::size_t over = 0;
};
inline ByteDifference byte_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int tolerance = 0) {
    ByteDifference d;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        const int v = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
        if (v > d.worst) d.worst = v;
        if (v > tolerance) ++d.over;
    }
    return d;
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
