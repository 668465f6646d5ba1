// From an effect package, the faces of a frame and its time to what both renderers draw: a list of
// sprites (parallelograms in frame pixels) and face masks, in drawing order. The triggers' state
// (per face id and element) lives here, between frames; the renderers are stateless.
#pragma once
#include <array>
#include <map>
#include <memory>
#include <vector>

#include "effects/beauty/beauty_params.h"
#include "effects/stickers/effect_package.h"

namespace meiyan {

struct StickerDraw {
    ElementType type = ElementType::Sticker;
    int image = -1;  // index into the package's images
    int face = 0;    // index into the frame's faces
    int element = 0;  // index into the package's elements
    float opacity = 1.0f;
    StickerBlend blend = StickerBlend::Normal;
    bool behind = false;  // hidden inside the face's oval (negative z)
    // Sticker: the sprite's corners (u, v) = (0, 0), (1, 0), (1, 1), (0, 1), frame pixels.
    std::array<FacePoint, 4> quad{};
};

struct StickerFrame {
    std::shared_ptr<const EffectPackage> package;
    std::vector<StickerDraw> draws;
    bool empty() const { return !package || draws.empty(); }
};

// Where an element's sprite lands on a face (no trigger logic): exposed for tests and tools.
std::array<FacePoint, 4> sticker_quad(const EffectElement& e, const FaceShape& face, int image_width, int image_height);
// The face's size unit in pixels (FaceShape::scale, or the eye-corner distance when unknown).
float face_unit(const FaceShape& face);

// The frame of an element shown at time `t` after its start, or -1 when hidden.
int animation_frame(const EffectElement& e, double seconds_since_start);

class StickerAnimator {
public:
    // Sets the package (null: none); trigger state restarts.
    void set_package(std::shared_ptr<const EffectPackage> package);
    const std::shared_ptr<const EffectPackage>& package() const { return package_; }
    // Advances the triggers to time `t` (seconds, non-decreasing) for these faces and returns what
    // to draw. Faces are told apart by FaceShape::id (their index when it is -1); a face whose id
    // is not in this frame loses its state.
    StickerFrame update(const std::vector<FaceShape>& faces, double t);
    void reset() { faces_.clear(); }

private:
    struct ElementState {
        double start = 0;
        bool running = false;
        bool prev_active = false;
    };
    struct FaceState {
        double first_seen = 0;
        std::vector<ElementState> elements;
    };
    std::shared_ptr<const EffectPackage> package_;
    std::map<int, FaceState> faces_;
};

}  // namespace meiyan
