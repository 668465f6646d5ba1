// Background effects: blur (a lens-like disc), a solid colour or an image behind the person that
// the segmenter finds. The parameters, the person mask the renderers read, and the arithmetic both
// renderers share (the grid the effect works on, the disc kernel, the feather curve); the GL
// shaders in shaders/background/ repeat the integer maths of background_cpu.cpp step by step.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace meiyan {

enum class BackgroundMode : int { None = 0, Blur = 1, Color = 2, Image = 3 };

// An RGBA8 picture, tightly packed (width * 4 bytes a row).
struct RgbaImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;
};

struct BackgroundParams {
    BackgroundMode mode = BackgroundMode::None;
    // 0..1: the lens radius is blur * kMaxBlurRadius of the frame's short side (0 leaves the frame
    // as it is).
    float blur = 0.6f;
    float color[3] = {0.0f, 0.0f, 0.0f};  // 0..1 RGB, mode Color
    // Mode Image: drawn 'cover'-fitted (scaled to fill the frame, centred, the overflow cropped).
    std::shared_ptr<const RgbaImage> image;
    // 0..1: how soft the person's edge is: a smoothstep centred on probability 0.5, 0.1 wide at 0
    // (a steep edge, still anti-aliased by the upsampling) to the whole 0..1 range at 1.
    float feather = 0.3f;

    // Throws Error(INVALID_ARGUMENT) naming the first bad field.
    void validate() const;
    bool is_active() const {
        return mode == BackgroundMode::Color || mode == BackgroundMode::Image ||
               (mode == BackgroundMode::Blur && blur > 0.0f);
    }
};

// Person probability on the effect grid (background_grid() of the frame), 0..255, row-major.
struct PersonMask {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> alpha;
};

namespace background {

constexpr float kMaxBlurRadius = 0.05f;  // lens radius at blur = 1, as a fraction of the short side
constexpr int kMaxDiscRadius = 16;       // grid pixels; larger radii (frames beyond 4K) are capped
constexpr int kDiscRows = 2 * kMaxDiscRadius + 1;
constexpr int kDiscFull = 16;  // weight of a pixel inside the disc; edge pixels get 0..16
// The blur averages background pixels: the person's pixels weigh (255 - m * 31 / 32) / 255 of a
// background pixel's, so that its colours do not bleed into the blurred background as a halo.
inline int background_weight(int mask) { return 255 - ((mask * 31) >> 5); }

// The frame reduced by `factor` (a power of two): the blur, the mask and the segmenter's edge
// refinement all work at this size, whose short side is 128..255 pixels (or the frame's, when it
// is smaller).
struct Grid {
    int factor = 1;
    int width = 0;
    int height = 0;
};
Grid grid_for(int frame_width, int frame_height);

// The disc as rows: row k (dy = k - radius) weighs kDiscFull at |dx| <= n and `edge` at
// |dx| = n + 1; n = -1 means the centre pixel alone, weighing `edge`. Areas are those of a disc of
// the exact (fractional) radius, so the blur grows smoothly with the strength.
struct DiscRow {
    int n = -1;
    int edge = 0;
};
struct Disc {
    int radius = 0;  // rows -radius..radius
    std::array<DiscRow, kDiscRows> rows{};
    int total = 0;  // the sum of all weights
};
// The disc for `params.blur` on a frame of this size, in grid pixels.
Disc disc_for(float blur, int frame_width, int frame_height);

// The feather curve as a table: mask value -> the alpha the composite uses.
std::array<uint8_t, 256> feather_table(float feather);

}  // namespace background

}  // namespace meiyan
