// Face beautification: parameters, the faces they act on, and the constants of the maths that
// beauty_cpu.cpp and shaders/beauty/*.frag.glsl both implement (the CPU/GL test keeps them in step).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace meiyan {

constexpr int kFaceMeshPoints = 468;
constexpr int kFaceIrisPoints = 10;

struct FacePoint {
    float x = 0, y = 0;  // frame pixels
};

// One tracked face as the effects see it: the 468-point mesh (MediaPipe topology) in frame pixels,
// and what the tracker knows beyond the points (the face stickers' triggers and sizes use them).
struct FaceShape {
    std::array<FacePoint, kFaceMeshPoints> points;
    int id = -1;                     // stable while tracked; -1: unknown (the face's index stands in)
    float yaw = 0.0f;                // degrees, 0 when unknown
    float scale = 0.0f;              // pixels per inter-ocular distance of the upright face; 0: unknown
    uint32_t expressions_active = 0;  // bit k: meiyan_expression k is on
    // Iris points (frame pixels) when the tracker ran its iris network, or the app gave them: the
    // right eye's centre and 4 boundary points, then the left eye's. Without them (has_iris false)
    // the layers that need them (makeup contacts) skip the face.
    bool has_iris = false;
    std::array<FacePoint, kFaceIrisPoints> iris{};
};

struct BeautyParams {
    float smoothing = 0.0f;  // 0..1, edge-preserving skin smoothing
    float whitening = 0.0f;  // 0..1, skin-gated logarithmic tone curve
    float rosy = 0.0f;       // 0..1, pink tint on skin
    float sharpen = 0.0f;    // 0..1, unsharp mask on the face region
    float teeth_whiten = 0.0f;  // 0..1, less yellow and a little lighter on teeth inside the mouth opening
    float eye_brighten = 0.0f;  // 0..1, contrast and brightness lift inside the eye openings
    float dark_circles = 0.0f;  // 0..1, under-eye band lifted and neutralised towards the skin tone

    // Throws Error(INVALID_ARGUMENT) naming the first field out of range or not finite.
    void validate() const;
    bool has_features() const { return teeth_whiten != 0.0f || eye_brighten != 0.0f || dark_circles != 0.0f; }
    bool is_neutral() const {
        return smoothing == 0.0f && whitening == 0.0f && rosy == 0.0f && sharpen == 0.0f && !has_features();
    }
};

// Face reshaping: a smooth landmark-driven warp, applied before the other face effects.
struct ReshapeParams {
    float face_slim = 0.0f;  // 0..1, cheeks and jaw drawn towards the face's midline
    float v_chin = 0.0f;     // 0..1, chin and lower jaw drawn up and in
    float big_eyes = 0.0f;   // 0..1, radial magnification about each eye
    float chin_length = 0.0f;  // -1..1, chin pushed down (longer) or up
    float nose_width = 0.0f;   // -1..1, nose magnified (wider) or shrunk
    float mouth_size = 0.0f;   // -1..1, mouth magnified or shrunk
    float forehead = 0.0f;     // -1..1, hairline pushed up (higher forehead) or down

    void validate() const;  // throws Error(INVALID_ARGUMENT) naming the first bad field
    bool is_neutral() const {
        return face_slim == 0.0f && v_chin == 0.0f && big_eyes == 0.0f && chin_length == 0.0f && nose_width == 0.0f &&
               mouth_size == 0.0f && forehead == 0.0f;
    }
};

namespace beauty {

constexpr int kBilateralRadius = 3;         // taps either side, in reduced-resolution pixels
constexpr float kBilateralSigmaSpace = 2.0f;
inline float bilateral_sigma_range(float smoothing) { return (10.0f + 40.0f * smoothing) / 255.0f; }
constexpr float kEdgeSigma = 0.15f;         // luma difference at which smoothing backs off
constexpr float kSkinChromaSigma = 0.07f;  // CbCr distance from the face's own skin tone
constexpr float kSharpenGain = 1.5f;
constexpr float kRosyStrength = 0.6f;
constexpr float kRosyTint[3] = {1.0f, 0.88f, 0.92f};
inline float whitening_beta(float whitening) { return 1.0f + 6.0f * whitening; }

// Teeth whitening: a teeth likelihood from lightness (bright), saturation (low) and yellowness
// ((r + g) / 2 - b, positive), each a smoothstep between two edges; then blue is raised by part of
// the yellowness (lowers b*) and the colour lifted towards white.
constexpr float kTeethLumaEdge[2] = {0.30f, 0.55f};
constexpr float kTeethSatEdge[2] = {0.20f, 0.45f};  // used as 1 - smoothstep: saturated (lips, tongue) -> 0
constexpr float kTeethYellowEdge[2] = {-0.02f, 0.04f};
constexpr float kTeethDeyellow = 0.8f;
constexpr float kTeethLift = 0.12f;
// Eye brightening: contrast about mid-grey (iris sparkle, a darker pupil rim) and a lift of the
// bright parts (sclera) towards white, weighted by lightness.
constexpr float kEyeContrast = 0.35f;
constexpr float kEyeLift = 0.30f;
constexpr float kEyeLumaEdge[2] = {0.25f, 0.75f};
// Dark circles: skin gate with a wider chroma reach than the skin mask's (the cast is what differs),
// then lightness lifted up to the skin tone's and chroma moved towards it.
constexpr float kDarkChromaSigma = 0.12f;
constexpr float kDarkLift = 0.8f;
constexpr float kDarkNeutralise = 0.7f;
// ... fading out where a pixel is far darker than the tone (lashes, the lid's line): 1 - smoothstep.
constexpr float kDarkDepthEdge[2] = {0.15f, 0.30f};
// Feather of the feature masks (frame pixels per inter-ocular distance); it reaches inwards only.
constexpr float kFeatureFeather = 0.025f;

// Reduction factor of the smoothing grid: about 180 rows/columns on the short side.
inline int reduction_factor(int width, int height) {
    const int s = width < height ? width : height;
    return s / 180 > 1 ? s / 180 : 1;
}

// For frame columns [x0, x1) over a grid `factor` times coarser and `grid_width` wide: the grid
// columns either side of each column's centre and the weight of the right one (bilinear, edges
// clamped), index x - x0. The beauty pass and the reshape warp read their grids through these.
struct GridColumns {
    std::vector<int> a, b;
    std::vector<float> t;
    void build(int x0, int x1, int factor, int grid_width);
};

}  // namespace beauty
}  // namespace meiyan
