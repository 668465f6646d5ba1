#include "effects/background/person_mask_source.h"

#include "core/error.h"
#include "effects/background/background_cpu.h"

namespace meiyan {

void PersonMaskSource::enable_segmentation(const std::string& models_dir, const SegmenterOptions& options) {
    set_segmenter(PersonSegmenter::load(models_dir, options));
}

void PersonMaskSource::set_segmenter(std::unique_ptr<PersonSegmenter> segmenter) {
    segmenter_ = std::move(segmenter);
    if (segmenter_) segmenter_->set_threads(threads_);
}

void PersonMaskSource::set_threads(int threads) {
    require(threads >= 0 && threads <= 64, "threads must be in 0..64 (0: one per core), got " + std::to_string(threads));
    threads_ = threads;
    if (segmenter_) segmenter_->set_threads(threads);
}

void PersonMaskSource::set_mask(std::shared_ptr<const PersonMask> mask) {
    if (mask) {
        require(mask->width > 0 && mask->height > 0 && mask->width <= kMaxImageDimension &&
                    mask->height <= kMaxImageDimension,
                "person mask size must be in 1.." + std::to_string(kMaxImageDimension) + ", got " +
                    std::to_string(mask->width) + "x" + std::to_string(mask->height));
        require(mask->alpha.size() == static_cast<std::size_t>(mask->width) * static_cast<std::size_t>(mask->height),
                "person mask: " + std::to_string(mask->alpha.size()) + " values for " + std::to_string(mask->width) +
                    "x" + std::to_string(mask->height));
    }
    external_ = std::move(mask);
}

std::shared_ptr<const PersonMask> PersonMaskSource::fit(const std::shared_ptr<const PersonMask>& mask, int width,
                                                        int height) {
    const background::Grid g = background::grid_for(width, height);
    last_w_ = width;
    last_h_ = height;
    if (mask->width == g.width && mask->height == g.height) {
        last_ = mask;
    } else {
        if (fitted_from_ != mask || !fitted_ || fitted_->width != g.width || fitted_->height != g.height) {
            fitted_ = std::make_shared<const PersonMask>(background::resample(*mask, g.width, g.height));
            fitted_from_ = mask;
        }
        last_ = fitted_;
    }
    return last_;
}

std::shared_ptr<const PersonMask> PersonMaskSource::mask_for(const ImageView& rgba) {
    if (segmenter_) {
        last_w_ = rgba.width;
        last_h_ = rgba.height;
        last_ = segmenter_->update(rgba);
        return last_;
    }
    return mask_for_size(rgba.width, rgba.height);
}

std::shared_ptr<const PersonMask> PersonMaskSource::mask_for_size(int width, int height) {
    std::shared_ptr<const PersonMask> source = segmenter_ ? segmenter_->mask() : external_;
    if (!source) {
        fail(MEIYAN_ERROR_UNSUPPORTED,
             segmenter_ ? "the background effects on textures need a person mask: process a frame first or set one"
                        : "the background effects need a person mask: enable segmentation (with the models folder) or "
                          "set a person mask");
    }
    return fit(source, width, height);
}

}  // namespace meiyan
