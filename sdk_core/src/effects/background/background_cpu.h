// The CPU reference of the background effects, and the pieces of it the GL renderer shares.
//
// On the effect grid (the frame reduced by a power of two, background::grid_for):
//   reduce     block means of the frame, alpha = the pixel's background weight (from the mask)
//   disc blur  weighted by that alpha, so the person does not bleed into the background; the disc
//              is summed row by row from prefix sums (two reads per disc row and channel)
// then one bilinear upsample of (background, alpha = feathered mask) to the frame (the image
// core's SIMD resize) and one blend pass. Every step is integer arithmetic that
// shaders/background/*.frag.glsl repeat exactly.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "effects/background/background_params.h"
#include "image/image.h"

namespace meiyan {

namespace background {

// A packed RGBA8 view of `pixels`.
ImageView rgba_view_of(const uint8_t* pixels, int width, int height);

// Block means of an RGBA8 frame on `grid` (RGB, rounded; blocks clipped at the frame's edge), into
// out (grid.width * grid.height * 4 bytes); alpha is left as it is. `scratch` is reused memory.
void reduce(const ImageView& rgba, const Grid& grid, uint8_t* out, std::vector<uint16_t>& scratch);

// A copy of an image of any format as RGBA (for BackgroundParams::image). Throws Error on a bad view.
std::shared_ptr<const RgbaImage> copy_rgba(const ImageView& image);

// The mask through the feather curve.
std::vector<uint8_t> feathered(const PersonMask& mask, float feather);

// `mask` (any size, covering the frame) resampled bilinearly to `width` x `height`.
PersonMask resample(const PersonMask& mask, int width, int height);

// The image 'cover'-fitted to width x height (scaled to fill, centred, cropped), RGBA8 with alpha
// 255. Reductions of 2x or more first take block means, so that fine patterns do not alias.
void fit_cover(const RgbaImage& image, int width, int height, std::vector<uint8_t>& out);

// The blend of one row: out = (frame * a + bg * (255 - a)) / 255 rounded, per RGB channel, with `a`
// the alpha of `alpha_src`; the frame's alpha stays. `bg` and `alpha_src` are RGBA rows.
// SSE2 or NEON (the baseline of x86-64 and AArch64) unless simd_force(SimdLevel::Scalar); the
// same bytes as blend_row_scalar, the reference.
void blend_row(uint8_t* frame, const uint8_t* bg, const uint8_t* alpha_src, int width);
void blend_row_scalar(uint8_t* frame, const uint8_t* bg, const uint8_t* alpha_src, int width);

}  // namespace background

class BackgroundCpu {
public:
    // Draws `params` behind the person on an RGBA8 frame in place. `mask` must be on the frame's
    // grid (background::grid_for).
    void apply(const BackgroundParams& params, const PersonMask& mask, const ImageView& rgba);

private:
    void blur(const background::Disc& disc, const background::Grid& g);

    std::vector<uint8_t> reduced_, low_, up_, fitted_;
    std::vector<uint32_t> premult_, prefix_, acc_;
    std::vector<uint16_t> scratch_;
    std::shared_ptr<const RgbaImage> fitted_source_;  // fitted_ holds this image at fitted_w_ x fitted_h_
    int fitted_w_ = 0, fitted_h_ = 0;
};

}  // namespace meiyan
