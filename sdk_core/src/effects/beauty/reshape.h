// Face reshaping by inverse mapping: a displacement field (frame pixels, destination -> source)
// summed from local translations and radial magnifications at mesh landmarks, stored on a reduced
// grid in 16-bit fixed point. Both renderers interpolate this one field bilinearly and sample the
// frame bilinearly with clamped edges, so nothing tears at the frame's border.
#pragma once
#include <cstdint>
#include <vector>

#include "effects/beauty/beauty_params.h"
#include "image/image.h"

namespace meiyan {

struct ReshapeField {
    int factor = 1;
    int width = 0, height = 0;  // grid size: ceil(frame / factor)
    float range = 1.0f;         // displacements are clamped to +-range pixels
    // RGBA8 per grid node: (R << 8 | G) and (B << 8 | A) encode dx and dy as 32768 + dx * 32767 / range.
    std::vector<uint8_t> field;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // grid box of the non-zero nodes (x1, y1 exclusive)

    bool empty() const { return x0 >= x1 || y0 >= y1; }
};

ReshapeField build_reshape_field(const ReshapeParams& params, const std::vector<FaceShape>& faces, int frame_width,
                                 int frame_height);

// Warps an RGBA8 frame in place (pixels where the field is zero are never written).
class ReshapeCpu {
public:
    void apply(const ReshapeField& field, const ImageView& rgba);

private:
    std::vector<uint8_t> source_;  // the frame rows the warp may read, unmodified
    std::vector<float> decoded_, row_;
    beauty::GridColumns cols_;  // the output columns of the warped box
};

}  // namespace meiyan
