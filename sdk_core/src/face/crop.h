#pragma once
#include "face/geometry.h"
#include "image/image.h"

namespace meiyan::face {

enum class Border { Zero, Replicate };

// Whether crop_to_tensor reads frames of this format: RGBA8, BGRA8, RGB8 or BGR8.
bool crop_supports(PixelFormat f);

// Bilinearly samples a frame (crop_supports) on an out_w x out_h grid into an RGB float tensor (NHWC,
// values scaled from [0, 255] to [lo, hi]). `crop_to_image` maps continuous crop coordinates to
// image coordinates; pixel centres sit at index + 0.5 in both.
void crop_to_tensor(const ImageView& rgba, const Affine2& crop_to_image, int out_w, int out_h, float lo, float hi,
                    Border border, float* out);

}  // namespace meiyan::face
