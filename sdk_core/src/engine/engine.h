// The engine owns a renderer and the effect state; process() is the whole public hot path.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "effects/background/person_mask_source.h"
#include "face/face_tracker.h"
#include "image/image.h"
#include "render/renderer.h"

namespace meiyan {

enum class Backend { Cpu, Gl };

struct EngineOptions {
    Backend backend = Backend::Cpu;
    bool gl_use_current_context = false;
};

class GlTextureRenderer;

class Engine {
public:
    explicit Engine(const EngineOptions& options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    std::string renderer_name() const;
    Backend backend() const { return options_.backend; }

    void set_color(const ColorParams& params);  // validates first; the old state stays on error
    const ColorParams& color() const { return state_.color; }
    void set_lut(std::shared_ptr<const Lut3D> lut);
    const std::shared_ptr<const Lut3D>& lut() const { return state_.lut; }
    void set_beauty(const BeautyParams& params);  // validates first; the old state stays on error
    const BeautyParams& beauty() const { return state_.beauty; }
    // Validates first (the old state stays on error); a UV layer switched on needs its mask
    // (Error UNSUPPORTED otherwise).
    void set_makeup(const MakeupParams& params);
    const MakeupParams& makeup() const { return state_.makeup; }
    // The coverage mask of a UV-layout makeup layer (painted in docs/face_uv_layout.md's layout);
    // null removes it, which fails (UNSUPPORTED) while the layer is on.
    void set_makeup_mask(UvLayer layer, std::shared_ptr<const UvMask> mask);
    const std::shared_ptr<const UvMask>& makeup_mask(UvLayer layer) const { return state_.makeup_masks[layer]; }
    void set_reshape(const ReshapeParams& params);  // validates first; the old state stays on error
    const ReshapeParams& reshape() const { return state_.reshape; }
    // The faces the face effects act on (landmarks in frame pixels), until the next call.
    void set_faces(std::vector<FaceShape> faces);
    const std::vector<FaceShape>& faces() const { return state_.faces; }

    // Tracks faces in every processed frame with the native models in `models_dir` (the .mynn files;
    // fp32 preferred, int8 otherwise); the tracked faces feed the face effects and faces_tracked().
    // `mesh_task`: "face_landmark" (the full mesh) or "face_landmark_lite" (a trained lite mesh).
    void enable_face_tracking(const std::string& models_dir, const face::TrackerOptions& options,
                              const std::string& mesh_task = "face_landmark");
    void disable_face_tracking();
    bool face_tracking() const { return tracker_ != nullptr; }
    const std::vector<face::Face>& faces_tracked() const;
    // The clockwise rotation (0/90/180/270) that makes the camera's frames upright.
    void set_camera_rotation(int degrees);
    // The effect package drawn on every face (null: none): stickers with their triggers, face
    // masks. Its images must all be set. Trigger state restarts.
    void set_effect(std::shared_ptr<const EffectPackage> effect);
    const std::shared_ptr<const EffectPackage>& effect() const { return animator_.package(); }
    // The time, in seconds, of the next processed frame (animations and smoothing follow it);
    // without it the engine uses its own clock. Must not go backwards.
    void set_frame_time(double seconds);

    // Background effects (blur, colour or image behind the person; effects/background/). The
    // person mask comes from the segmenter, run on each processed frame while a background mode is
    // active, or without one from set_person_mask; processing fails (UNSUPPORTED) with neither.
    void set_background(const BackgroundParams& params) {  // validates first; the old state stays on error
        params.validate();
        state_.background = params;
    }
    const BackgroundParams& background() const { return state_.background; }
    void enable_segmentation(const std::string& models_dir, const SegmenterOptions& options = {}) {
        masks_.enable_segmentation(models_dir, options);
    }
    void disable_segmentation() { masks_.set_segmenter(nullptr); }
    PersonSegmenter* segmenter() const { return masks_.segmenter(); }
    void set_person_mask(std::shared_ptr<const PersonMask> mask) { masks_.set_mask(std::move(mask)); }
    const PersonMaskSource& person_masks() const { return masks_; }

    // Threads the face networks may use per run (1 by default; 0: one per core); kept across
    // enable_face_tracking() calls.
    void set_threads(int threads);
    int threads() const { return tracker_options_.threads; }
    // Iris points (the iris network on both eyes of every face, when the models folder has it); off by
    // default: two more network runs a face. Kept across enable_face_tracking() calls.
    void set_iris(bool on);
    bool iris() const { return tracker_options_.iris; }
    // How the tracker follows and looks for faces (the C API's meiyan_tracker_options): smoothing,
    // One-Euro parameters, rotation sweep, redetect interval, tile search. Validated first (the old
    // options stay on error); applied to the live tracker (its max_faces, threads and iris kept) and
    // kept for the callers that build the next enable_face_tracking() options from tracker_options()
    // (whose threads and iris are the two setters' above).
    void set_tracker_options(const face::TrackerOptions& options);
    const face::TrackerOptions& tracker_options() const { return tracker_options_; }

    // `out` has the size of `in`; formats may differ; both may view the same memory.
    void process(const ImageView& in, const ImageView& out);
    void process_texture(uint32_t in_texture, uint32_t out_texture, int width, int height);

private:
    template <typename Change>
    void change_tracker_options(const Change& change);
    EngineOptions options_;
    EffectState state_;
    std::unique_ptr<Renderer> renderer_;
    GlTextureRenderer* gl_ = nullptr;  // the same object as renderer_ when the backend is GL
    std::vector<uint8_t> work_;        // RGBA working frame, reused between calls
    std::unique_ptr<face::FaceTracker> tracker_;
    int camera_rotation_ = 0;
    face::TrackerOptions tracker_options_;  // threads, iris and the set_tracker_options() fields
    StickerAnimator animator_;
    PersonMaskSource masks_;
    double next_time_ = 0;
    bool has_next_time_ = false;  // otherwise the engine's clock
    double last_time_ = -1e300;
    double frame_time();
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Throws Error(INVALID_ARGUMENT) with validate()'s message, prefixed by `what`.
void require_valid(const ImageView& v, const char* what);

}  // namespace meiyan
