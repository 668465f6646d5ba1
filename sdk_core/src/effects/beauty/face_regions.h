// Face regions from the mesh, rasterised on the reduced-resolution grid the beauty passes use.
// Both renderers use this one mask (the GL renderer uploads it), so the regions agree exactly.
#pragma once
#include <cstdint>
#include <vector>

#include "effects/beauty/beauty_params.h"

namespace meiyan {

struct BeautyGrid {
    int factor = 1;           // frame pixels per grid pixel
    int width = 0, height = 0;  // grid size: ceil(frame / factor)
    // RGBA8, width x height: R = skin (face oval minus eyes, brows, lips, nostrils, feathered),
    // G = face (the feathered oval), B = 0, A = 255.
    std::vector<uint8_t> mask;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // grid box holding every non-zero mask pixel (x1, y1 exclusive)
    std::vector<int> tone_samples;       // grid x, y pairs on cheeks and forehead: the skin tone reference

    bool empty() const { return x0 >= x1 || y0 >= y1; }
};

BeautyGrid build_beauty_grid(const std::vector<FaceShape>& faces, int frame_width, int frame_height);

// The small features' masks at full resolution (the openings are a few grid pixels tall), over the
// frame box that holds all of them: RGBA8, R = mouth opening (inner lips), G = eye openings,
// B = under-eye band (below the lower lids down to the upper cheek), A = 255. Each is feathered
// inwards only, so it is 0 on and outside its outline; a mask whose item is 0 in `params` stays 0.
// Both renderers use this one mask.
struct FeatureMask {
    int x0 = 0, y0 = 0, width = 0, height = 0;  // frame box
    std::vector<uint8_t> rgba;

    bool empty() const { return width <= 0 || height <= 0; }
};

FeatureMask build_feature_mask(const std::vector<FaceShape>& faces, int frame_width, int frame_height,
                               const BeautyParams& params);

namespace face_regions {
// Closed outlines of the MediaPipe face-mesh topology.
extern const std::vector<int> kFaceOval;
extern const std::vector<int> kLipsOuter;
extern const std::vector<int> kLipsInner;
extern const std::vector<int> kRightEye;
extern const std::vector<int> kLeftEye;
extern const std::vector<int> kRightBrow;
extern const std::vector<int> kLeftBrow;
extern const std::vector<int> kNostrils;
extern const std::vector<int> kToneSamples;
extern const std::vector<int> kRightUnderEye;
extern const std::vector<int> kLeftUnderEye;

struct Vec2 {
    float x, y;
};
// Even-odd fill of a polygon (grid coordinates), sampled at pixel centres, into `plane` (set to 1).
void fill_polygon(const std::vector<Vec2>& poly, int w, int h, std::vector<float>& plane);
// The same, clipped to the box [x0, x1) x [y0, y1) of the grid, into a plane of the box's size.
void fill_polygon(const std::vector<Vec2>& poly, int x0, int y0, int x1, int y1, std::vector<float>& plane);
// Separable box blur of radius r inside the box [x0, x1) x [y0, y1), edges clamped to the box.
void box_blur(std::vector<float>& plane, int w, int x0, int y0, int x1, int y1, int r);
// The outline `idx` of face `f` in grid coordinates (frame / factor), scaled by `grow` about its centroid.
std::vector<Vec2> outline(const FaceShape& f, const std::vector<int>& idx, float inv_factor, float grow);
}  // namespace face_regions

}  // namespace meiyan
