// Coloured contact lenses: per face with iris points, per eye a disc centred on the iris centre with
// the mean distance of the 4 boundary points as radius R, shaped as a ring (the pupil, r < 0.35 R,
// untouched; soft inner and outer edges; a slightly stronger limbal band near the edge) and clipped
// by the eye opening (the mesh eyelid contour), so the lids hide it. The coverage is built here at
// frame resolution and both renderers blend the layer's colour under it (the GL renderer uploads it),
// so CPU and GL agree. Faces without iris points are skipped.
#pragma once
#include <cstdint>
#include <vector>

#include "effects/beauty/beauty_params.h"
#include "effects/makeup/makeup_params.h"
#include "image/image.h"

namespace meiyan {

struct ContactsCoverage {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // frame box (x1, y1 exclusive)
    std::vector<uint8_t> coverage;       // R8 over the box

    bool empty() const { return x0 >= x1 || y0 >= y1; }
    int width() const { return x1 - x0; }
    int height() const { return y1 - y0; }
};

namespace contacts {
constexpr float kPupil = 0.35f;       // r / R below which the pupil is kept
constexpr float kPupilEdge = 0.47f;   // full coverage from here outwards
constexpr float kOuterStart = 0.88f;  // the outer edge fades from here ...
constexpr float kOuterEnd = 1.04f;    // ... to nothing here
constexpr float kLimbal = 0.9f;       // limbal band centre (r / R)
constexpr float kLimbalWidth = 0.08f; // its half-width
constexpr float kLimbalBoost = 0.25f; // extra coverage at its centre (a darker rim with darkening colours)
constexpr float kBase = 0.8f;         // coverage of the ring body (the limbal band reaches 1)

// The ring profile at r = distance / R (0 at the pupil and outside the disc).
float ring_profile(float r);
}  // namespace contacts

// Empty when the layer is off or no face has iris points.
ContactsCoverage build_contacts_coverage(const MakeupLayer& layer, const std::vector<FaceShape>& faces,
                                         int frame_width, int frame_height);

// Blends the layer under the coverage into the RGBA8 frame in place (pixels with coverage 0 untouched).
void contacts_cpu(const MakeupLayer& layer, const ContactsCoverage& cov, const ImageView& rgba);

}  // namespace meiyan
