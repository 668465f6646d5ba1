// Makeup masks and the CPU reference of the makeup pass; shaders/makeup/makeup.frag.glsl implements
// the same blending, and shaders/makeup/uv_layers.frag.glsl rasterises the UV-layout layers as
// paint_uv_layers() does here.
#pragma once
#include <cstdint>
#include <vector>

#include "effects/beauty/beauty_params.h"
#include "effects/makeup/makeup_masks.h"
#include "effects/makeup/makeup_params.h"
#include "image/image.h"

namespace meiyan {

// Masks on a grid at half the beauty grid's reduction (frame pixel centre (x + 0.5, y + 0.5) is grid
// point ((x + 0.5) / factor - 0.5, ...), bilinear between grid pixel centres).
struct MakeupGrid {
    int factor = 1;
    int width = 0, height = 0;
    std::vector<uint8_t> mask;  // RGBA8: R = lips (outer minus inner outline), G = blush, B = brows, A = 255
    // RGBA8: R = eyeshadow, G = contour, B = highlight (the UV masks through the mesh), A = 0;
    // empty when none of the three is on.
    std::vector<uint8_t> painted;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // grid box of the non-zero masks (x1, y1 exclusive)

    bool empty() const { return x0 >= x1 || y0 >= y1; }
};

// Eyeliner and lashes at frame resolution (fine strokes), inside a box of the frame.
struct MakeupFine {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // frame box (x1, y1 exclusive)
    std::vector<uint8_t> coverage;       // RG8 over the box: R = eyeliner, G = lashes

    bool empty() const { return x0 >= x1 || y0 >= y1; }
    int width() const { return x1 - x0; }
};

// The procedural layers (lips, blush, brows) on the grid; `painted` stays empty.
MakeupGrid build_makeup_grid(const MakeupParams& params, const std::vector<FaceShape>& faces, int frame_width,
                             int frame_height);

// The UV-layout layers that are on: eyeshadow, contour and highlight into grid.painted (the grid's box
// grows to hold them), eyeliner and lashes into `fine`. Each mesh triangle facing the camera is
// textured from its UV triangle; where triangles overlap the larger coverage wins (the GL pass
// blends with GL_MAX), so the result does not depend on drawing order. Every layer that is on must
// have its mask.
void paint_uv_layers(const MakeupParams& params, const MakeupMasks& masks, const std::vector<FaceShape>& faces,
                     MakeupGrid& grid, MakeupFine& fine);

// Applies the makeup to an RGBA8 frame in place; pixels outside the masks are never written. The
// layers go on in the order contour, highlight, blush, eyeshadow, eyeliner, lashes, brows, lips (+ gloss).
void makeup_cpu(const MakeupParams& params, const MakeupGrid& grid, const MakeupFine& fine, const ImageView& rgba);

}  // namespace meiyan
