// The CPU reference for the sticker pass: sprites and face masks composited onto an RGBA8 frame
// with the rules the GL pass follows (pixel centres, bilinear texels with clamped edges,
// premultiplied alpha), so the two agree to rounding.
#pragma once
#include <vector>

#include "effects/stickers/sticker_scene.h"
#include "image/image.h"

namespace meiyan {

void draw_stickers_cpu(const StickerFrame& frame_draws, const std::vector<FaceShape>& faces, const ImageView& frame);

// The face-mesh triangles of `face` that face the camera (their winding agrees with the UV
// layout's), as indices into the topology's triangle list: both renderers draw these only.
std::vector<int> front_facing_triangles(const FaceShape& face);

// Whether the pixel centre (x + 0.5, y + 0.5) lies inside the face's oval (the occluder).
class FaceOval {
public:
    explicit FaceOval(const FaceShape& face);
    bool contains(float px, float py) const;
    const std::vector<FacePoint>& polygon() const { return poly_; }

private:
    std::vector<FacePoint> poly_;
};

}  // namespace meiyan
