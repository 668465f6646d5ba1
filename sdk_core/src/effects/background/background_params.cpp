#include "effects/background/background_params.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "image/image.h"

namespace meiyan {

namespace {

void check_unit(const std::string& name, float v) {
    if (!std::isfinite(v) || v < 0.0f || v > 1.0f) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT, "background " + name + " must be in [0, 1], got " + std::to_string(v));
    }
}

}  // namespace

void BackgroundParams::validate() const {
    const int m = static_cast<int>(mode);
    if (m < static_cast<int>(BackgroundMode::None) || m > static_cast<int>(BackgroundMode::Image)) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT,
             "background mode must be none (0), blur (1), color (2) or image (3), got " + std::to_string(m));
    }
    check_unit("blur", blur);
    for (int c = 0; c < 3; ++c) check_unit("color[" + std::to_string(c) + "]", color[c]);
    check_unit("feather", feather);
    if (mode == BackgroundMode::Image) {
        if (!image) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "background image: mode image needs an image");
        if (image->width <= 0 || image->height <= 0 || image->width > kMaxImageDimension ||
            image->height > kMaxImageDimension) {
            fail(MEIYAN_ERROR_INVALID_ARGUMENT, "background image: width and height must be in 1.." +
                                                    std::to_string(kMaxImageDimension) + ", got " +
                                                    std::to_string(image->width) + "x" + std::to_string(image->height));
        }
        const std::size_t want = static_cast<std::size_t>(image->width) * static_cast<std::size_t>(image->height) * 4;
        if (image->pixels.size() != want) {
            fail(MEIYAN_ERROR_INVALID_ARGUMENT, "background image: " + std::to_string(image->pixels.size()) +
                                                    " bytes of pixels, expected " + std::to_string(want));
        }
    }
}

namespace background {

Grid grid_for(int frame_width, int frame_height) {
    Grid g;
    const int short_side = std::min(frame_width, frame_height);
    while (g.factor < 16 && short_side / (2 * g.factor) >= 128) g.factor *= 2;
    g.width = (frame_width + g.factor - 1) / g.factor;
    g.height = (frame_height + g.factor - 1) / g.factor;
    return g;
}

Disc disc_for(float blur, int frame_width, int frame_height) {
    const Grid g = grid_for(frame_width, frame_height);
    const float short_side = static_cast<float>(std::min(frame_width, frame_height));
    const float r = std::min(blur * kMaxBlurRadius * short_side / static_cast<float>(g.factor),
                             static_cast<float>(kMaxDiscRadius));
    Disc d;
    d.radius = static_cast<int>(std::floor(r));
    for (int dy = -d.radius; dy <= d.radius; ++dy) {
        // The row's chord at half-width h covers pixel dx by clamp(h + 0.5 - |dx|, 0, 1) (the
        // centre pixel by min(2h, 1)).
        const float h = std::sqrt(std::max(0.0f, r * r - static_cast<float>(dy * dy)));
        DiscRow& row = d.rows[static_cast<std::size_t>(dy + d.radius)];
        if (h < 0.5f) {
            row.n = -1;
            row.edge = static_cast<int>(std::lround(2.0f * h * kDiscFull));
            d.total += row.edge;
        } else {
            row.n = static_cast<int>(std::floor(h - 0.5f));
            row.edge = static_cast<int>(std::lround((h - 0.5f - static_cast<float>(row.n)) * kDiscFull));
            d.total += kDiscFull * (2 * row.n + 1) + 2 * row.edge;
        }
    }
    if (d.total == 0) {  // a radius too small for any weight: the centre pixel alone
        d.rows[0] = {0, 0};
        d.total = kDiscFull;
    }
    return d;
}

std::array<uint8_t, 256> feather_table(float feather) {
    // A smoothstep centred on probability 0.5, from 0.1 wide (feather 0) to 1 wide (feather 1).
    const float width = 0.1f + 0.9f * feather;
    std::array<uint8_t, 256> t{};
    for (int i = 0; i < 256; ++i) {
        const float x = std::clamp((static_cast<float>(i) / 255.0f - 0.5f) / width + 0.5f, 0.0f, 1.0f);
        t[static_cast<std::size_t>(i)] = static_cast<uint8_t>(std::lround(x * x * (3.0f - 2.0f * x) * 255.0f));
    }
    return t;
}

}  // namespace background

}  // namespace meiyan
