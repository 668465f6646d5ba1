// Makeup masks from the mesh (on a grid at half the beauty grid's reduction) and the CPU reference
// of the makeup pass; shaders/makeup/makeup.frag.glsl implements the same maths.
#pragma once
#include <cstdint>
#include <vector>

#include "effects/beauty/beauty_params.h"
#include "effects/makeup/makeup_params.h"
#include "image/image.h"

namespace meiyan {

struct MakeupGrid {
    int factor = 1;
    int width = 0, height = 0;
    std::vector<uint8_t> mask;  // RGBA8: R = lips (outer minus inner outline), G = blush, B = brows, A = 255
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // grid box of the non-zero mask (x1, y1 exclusive)

    bool empty() const { return x0 >= x1 || y0 >= y1; }
};

MakeupGrid build_makeup_grid(const MakeupParams& params, const std::vector<FaceShape>& faces, int frame_width,
                             int frame_height);

// Applies the makeup to an RGBA8 frame in place; pixels outside the masks are never written.
void makeup_cpu(const MakeupParams& params, const MakeupGrid& grid, const ImageView& rgba);

}  // namespace meiyan
