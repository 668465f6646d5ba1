#pragma once
#include "effects/color/color_params.h"
#include "effects/color/lut3d.h"
#include "image/image.h"

namespace meiyan {

// Applies tone curves, saturation and an optional LUT to an RGBA8 image in place (alpha kept).
void color_grade_cpu(const ColorParams& params, const Lut3D* lut, const ImageView& rgba);

}  // namespace meiyan
