// Where the engine's background effects get each frame's person mask: its own segmenter, or a mask
// the caller sets (from another segmenter, or a test's).
#pragma once
#include <memory>
#include <string>

#include "effects/background/background_params.h"
#include "effects/background/person_segmenter.h"
#include "image/image.h"

namespace meiyan {

class PersonMaskSource {
public:
    // Loads the segmentation network from `models_dir` (see PersonSegmenter::load).
    void enable_segmentation(const std::string& models_dir, const SegmenterOptions& options);
    void set_segmenter(std::unique_ptr<PersonSegmenter> segmenter);  // null disables segmentation
    PersonSegmenter* segmenter() const { return segmenter_.get(); }
    // Threads the segmentation network may use (as Engine::set_threads); kept across segmenters.
    void set_threads(int threads);

    // A caller's mask (any size; it covers the whole frame), used while no segmenter is enabled;
    // null clears it. Throws Error(INVALID_ARGUMENT) when its size and values disagree.
    void set_mask(std::shared_ptr<const PersonMask> mask);

    // The mask for this RGBA8 frame on its grid: the segmenter's (run on this frame) when one is
    // enabled, else the caller's fitted to the grid. Throws Error(UNSUPPORTED) when there is neither.
    std::shared_ptr<const PersonMask> mask_for(const ImageView& rgba);
    // For frames only the GPU sees: the last mask (the segmenter's or the caller's) on the grid of
    // a width x height frame.
    std::shared_ptr<const PersonMask> mask_for_size(int width, int height);

    // The last mask handed out and the frame size it was for (null before the first).
    const std::shared_ptr<const PersonMask>& last() const { return last_; }
    int last_width() const { return last_w_; }
    int last_height() const { return last_h_; }

private:
    std::shared_ptr<const PersonMask> fit(const std::shared_ptr<const PersonMask>& mask, int width, int height);

    std::unique_ptr<PersonSegmenter> segmenter_;
    std::shared_ptr<const PersonMask> external_, fitted_, fitted_from_, last_;
    int threads_ = 1;
    int last_w_ = 0, last_h_ = 0;
};

}  // namespace meiyan
