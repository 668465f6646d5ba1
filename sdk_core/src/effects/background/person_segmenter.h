// Person segmentation for the background effects, at a lower rate than the frames arrive.
//
// The network (MediaPipe's selfie segmentation: the whole frame stretched to 256x256 RGB in [0, 1],
// out a 256x256 person probability) runs on every `interval`-th frame. Its probabilities are
// blended in time where it is unsure: each pixel keeps `smoothing * (1 - |2p - 1|)` of its earlier
// value, so confident regions follow the person at once while the flickering edge settles. On
// every frame, also those without a network run, the probabilities are sampled onto the effect
// grid and refined by a guided filter (He et al.) against the frame's own luma, which pulls the
// soft, coarse network edge onto the edges of this frame.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "effects/background/background_params.h"
#include "face/network.h"
#include "image/image.h"

namespace meiyan {

struct SegmenterOptions {
    int interval = 2;         // the network runs on every interval-th frame, 1..10
    float smoothing = 0.7f;   // 0..0.95: how much of its earlier value an unsure pixel keeps
    bool refine = true;       // the guided-filter edge refinement

    void validate() const;  // throws Error(INVALID_ARGUMENT) naming the bad field
};

class PersonSegmenter {
public:
    static constexpr int kInputSize = 256;
    static constexpr int kRefineRadius = 2;       // grid pixels
    static constexpr float kRefineEps = 1e-3f;    // luma variance (0..1 units) below which edges are smoothed
    static constexpr const char* kModelName = "selfie_segmentation";

    // `network` takes kInputSize^2 x 3 floats (NHWC RGB in [0, 1]) and gives kInputSize^2 probabilities.
    explicit PersonSegmenter(std::unique_ptr<face::Network> network, const SegmenterOptions& options = {});
    // The native model selfie_segmentation.fp32.mynn in `models_dir`; Error(IO) when it is missing.
    static std::unique_ptr<PersonSegmenter> load(const std::string& models_dir, const SegmenterOptions& options = {});

    // One RGBA8 frame of a stream: runs the network when due, blends, refines against this frame.
    // Returns the mask on the frame's grid (background::grid_for); mask() holds it until the next call.
    std::shared_ptr<const PersonMask> update(const ImageView& rgba);
    std::shared_ptr<const PersonMask> mask() const { return mask_; }
    // The blended network probabilities (kInputSize x kInputSize, the frame stretched), or empty.
    const std::vector<float>& probabilities() const { return probs_; }
    // Forgets earlier frames: the next update runs the network and starts a new history.
    void reset();

    void set_options(const SegmenterOptions& options);  // validates first; the history stays
    const SegmenterOptions& options() const { return options_; }
    void set_threads(int threads) { network_->set_threads(threads); }

    struct Stats {
        int64_t frames = 0;
        int64_t network_runs = 0;
        double network_seconds = 0;  // resize, conversion and the network, all runs
        double refine_seconds = 0;   // sampling to the grid and refinement, all frames
    };
    const Stats& stats() const { return stats_; }

private:
    void run_network(const ImageView& rgba);
    void refine(const ImageView& rgba, const background::Grid& g, PersonMask& out);

    std::unique_ptr<face::Network> network_;
    SegmenterOptions options_;
    Stats stats_;
    int since_run_ = 0;  // frames since the last network run
    int frame_w_ = 0, frame_h_ = 0;
    std::vector<uint8_t> resized_;
    std::vector<float> input_, probs_;
    std::shared_ptr<PersonMask> mask_;
    // refinement buffers, grid-sized
    std::vector<uint8_t> reduced_;
    std::vector<uint16_t> scratch_;
    std::vector<int> col0_;
    std::vector<float> col_t_, luma_, prob_, mean_i_, mean_p_, mean_ip_, mean_ii_, a_, b_, tmp_, inv_x_, inv_y_;
};

}  // namespace meiyan
