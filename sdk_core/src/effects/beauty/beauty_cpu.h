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
    // are never written.
    void apply(const BeautyParams& params, const BeautyGrid& grid, const ImageView& rgba);

private:
    struct Column {
        int a, b;  // grid columns either side
        float t;   // weight of b
    };
    std::vector<uint8_t> reduced_, across_, smooth_, source_;
    std::vector<Column> cols_;
    std::vector<float> row_;
};

namespace beauty {
// Mean of the reduced image at the grid's tone samples, rounded to 8 bits: the face's skin tone.
void skin_tone(const BeautyGrid& grid, const uint8_t* reduced, uint8_t tone[3]);
}  // namespace beauty

}  // namespace meiyan
