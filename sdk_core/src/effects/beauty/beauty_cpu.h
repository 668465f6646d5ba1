// The CPU reference of the beauty passes: reduce, bilateral (horizontal, vertical), skin tone, and
// the full-resolution pass that smooths, whitens, tints and sharpens under the face masks.
#pragma once
#include <cstdint>
#include <vector>

#include "effects/beauty/beauty_params.h"
#include "effects/beauty/face_regions.h"
#include "image/image.h"

namespace meiyan {

class BeautyCpu {
public:
    // Applies `params` to the faces in `grid` on an RGBA8 frame in place; pixels whose masks are 0
    // are never written. `features` holds the mouth, eye and under-eye masks (needed only when
    // params.has_features()).
    void apply(const BeautyParams& params, const BeautyGrid& grid, const FeatureMask& features, const ImageView& rgba);

private:
    std::vector<uint8_t> reduced_, across_, smooth_, source_;
    beauty::GridColumns cols_;  // the frame columns of the grid box
    std::vector<float> row_;
};

namespace beauty {
// Teeth whitening, eye brightening and dark-circle softening of one pixel `rgb` (0..1), whose source
// colour has chroma (cb, cr), under mask values mouth, eyes, under_eye (0..1) with the face's skin
// tone; shaders/beauty/beauty.frag.glsl repeats it term by term.
void apply_features(const BeautyParams& params, float mouth, float eyes, float under_eye, float cb, float cr,
                    const float tone[3], float tone_cb, float tone_cr, float rgb[3]);
// Mean of the reduced image at the grid's tone samples, rounded to 8 bits: the face's skin tone.
void skin_tone(const BeautyGrid& grid, const uint8_t* reduced, uint8_t tone[3]);
}  // namespace beauty

}  // namespace meiyan
