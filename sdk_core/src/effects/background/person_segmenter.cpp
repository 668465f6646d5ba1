#include "effects/background/person_segmenter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>

#include "core/error.h"
#include "effects/background/background_cpu.h"
#include "nn/nn_network.h"

namespace meiyan {

namespace {

constexpr std::size_t kPixels = static_cast<std::size_t>(PersonSegmenter::kInputSize) * PersonSegmenter::kInputSize;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// 1 / (the number of taps of a clamped window of radius r) at each of n positions.
void window_reciprocals(int n, int r, std::vector<float>& out) {
    out.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        out[static_cast<std::size_t>(i)] = 1.0f / static_cast<float>(std::min(n - 1, i + r) - std::max(0, i - r) + 1);
    }
}

// Mean over the (2r+1)^2 window clamped to the image (the count of pixels inside divides).
void box_mean(const float* src, float* dst, int w, int h, int r, const std::vector<float>& inv_x,
              const std::vector<float>& inv_y, std::vector<float>& tmp) {
    const std::size_t uw = static_cast<std::size_t>(w);
    tmp.resize(uw * static_cast<std::size_t>(h) + uw + 1);
    float* prefix = &tmp[uw * static_cast<std::size_t>(h)];  // one row's running sums, prefix[x] = sum before x
    // Horizontal: differences of running sums; the middle columns, whose windows are whole, vectorise.
    const int mid0 = std::min(r, w), mid1 = std::max(mid0, w - r - 1);
    for (int y = 0; y < h; ++y) {
        const float* row = src + uw * y;
        float* out = &tmp[uw * y];
        prefix[0] = 0.0f;
        for (int x = 0; x < w; ++x) prefix[x + 1] = prefix[x] + row[x];
        for (int x = 0; x < mid0; ++x) out[x] = (prefix[std::min(x + r + 1, w)] - prefix[0]) * inv_x[static_cast<std::size_t>(x)];
        const float k = 1.0f / static_cast<float>(2 * r + 1);
        for (int x = mid0; x < mid1; ++x) out[x] = (prefix[x + r + 1] - prefix[x - r]) * k;
        for (int x = mid1; x < w; ++x) {
            out[x] = (prefix[std::min(x + r + 1, w)] - prefix[std::max(x - r, 0)]) * inv_x[static_cast<std::size_t>(x)];
        }
    }
    // Vertical running sums across whole rows (vectorisable), kept in dst's first row until written.
    std::vector<float> sums(uw, 0.0f);
    for (int y = 0; y <= std::min(r, h - 1); ++y) {
        const float* row = &tmp[uw * y];
        for (std::size_t x = 0; x < uw; ++x) sums[x] += row[x];
    }
    for (int y = 0; y < h; ++y) {
        float* out = dst + uw * y;
        const float k = inv_y[static_cast<std::size_t>(y)];
        for (std::size_t x = 0; x < uw; ++x) out[x] = sums[x] * k;
        if (y + r + 1 < h) {
            const float* add = &tmp[uw * (y + r + 1)];
            for (std::size_t x = 0; x < uw; ++x) sums[x] += add[x];
        }
        if (y - r >= 0) {
            const float* sub = &tmp[uw * (y - r)];
            for (std::size_t x = 0; x < uw; ++x) sums[x] -= sub[x];
        }
    }
}

}  // namespace

void SegmenterOptions::validate() const {
    require(interval >= 1 && interval <= 10, "segmentation interval must be in 1..10 frames, got " + std::to_string(interval));
    require(std::isfinite(smoothing) && smoothing >= 0.0f && smoothing <= 0.95f,
            "segmentation smoothing must be in [0, 0.95], got " + std::to_string(smoothing));
}

PersonSegmenter::PersonSegmenter(std::unique_ptr<face::Network> network, const SegmenterOptions& options)
    : network_(std::move(network)), options_(options) {
    require(network_ != nullptr, "person segmenter: no network");
    options_.validate();
    if (network_->input_size() != kPixels * 3 || network_->output_size(0) != kPixels) {
        fail(MEIYAN_ERROR_CORRUPT_DATA, "person segmenter: the network must take 256x256x3 and give 256x256 values, it takes " +
                                            std::to_string(network_->input_size()) + " and gives " +
                                            std::to_string(network_->output_size(0)));
    }
    input_.resize(kPixels * 3);
}

std::unique_ptr<PersonSegmenter> PersonSegmenter::load(const std::string& models_dir, const SegmenterOptions& options) {
    const std::string file = std::string(kModelName) + ".fp32.mynn";
    const std::string path = models_dir + "/" + file;
    if (!std::ifstream(path).good()) fail(MEIYAN_ERROR_IO, "no " + file + " in '" + models_dir + "'");
    return std::make_unique<PersonSegmenter>(nn::make_network(nn::Model::load_file(path, kModelName)), options);
}

void PersonSegmenter::reset() {
    probs_.clear();
    since_run_ = 0;
}

void PersonSegmenter::set_options(const SegmenterOptions& options) {
    options.validate();
    options_ = options;
}

void PersonSegmenter::run_network(const ImageView& rgba) {
    const auto t0 = std::chrono::steady_clock::now();
    resized_.resize(kPixels * 4);
    if (!resize_bilinear_rgba(rgba, background::rgba_view_of(resized_.data(), kInputSize, kInputSize))) {
        fail(MEIYAN_ERROR_INTERNAL, "cannot resize the frame for the segmentation network");
    }
    constexpr float kInv255 = 1.0f / 255.0f;
    for (std::size_t i = 0; i < kPixels; ++i) {
        for (std::size_t c = 0; c < 3; ++c) input_[3 * i + c] = resized_[4 * i + c] * kInv255;
    }
    const float* out = network_->run(input_.data())[0];
    if (probs_.empty()) {
        probs_.resize(kPixels);
        for (std::size_t i = 0; i < kPixels; ++i) probs_[i] = std::clamp(out[i], 0.0f, 1.0f);
    } else {
        const float s = options_.smoothing;
        for (std::size_t i = 0; i < kPixels; ++i) {
            const float p = std::clamp(out[i], 0.0f, 1.0f);
            const float keep = s * (1.0f - std::fabs(2.0f * p - 1.0f));
            probs_[i] = p + (probs_[i] - p) * keep;
        }
    }
    since_run_ = 0;
    ++stats_.network_runs;
    stats_.network_seconds += seconds_since(t0);
}

std::shared_ptr<const PersonMask> PersonSegmenter::update(const ImageView& rgba) {
    if (const char* why = validate(rgba)) fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string("segmenter frame: ") + why);
    require(rgba.format == PixelFormat::RGBA8, "the segmenter takes RGBA8 frames");
    if (rgba.width != frame_w_ || rgba.height != frame_h_) {
        reset();
        frame_w_ = rgba.width;
        frame_h_ = rgba.height;
    }
    if (probs_.empty() || since_run_ >= options_.interval) run_network(rgba);
    ++since_run_;
    ++stats_.frames;
    const auto t0 = std::chrono::steady_clock::now();
    const background::Grid g = background::grid_for(rgba.width, rgba.height);
    // The last mask is reused unless somebody (a renderer's state) still holds it.
    if (!mask_ || mask_.use_count() > 1) mask_ = std::make_shared<PersonMask>();
    refine(rgba, g, *mask_);
    stats_.refine_seconds += seconds_since(t0);
    return mask_;
}

void PersonSegmenter::refine(const ImageView& rgba, const background::Grid& g, PersonMask& out) {
    const int gw = g.width, gh = g.height;
    const std::size_t n = static_cast<std::size_t>(gw) * static_cast<std::size_t>(gh);
    out.width = gw;
    out.height = gh;
    out.alpha.resize(n);
    // The probabilities at the grid's pixel centres (the network saw the frame stretched to a square).
    prob_.resize(n);
    const float sx = static_cast<float>(kInputSize) / static_cast<float>(gw);
    const float sy = static_cast<float>(kInputSize) / static_cast<float>(gh);
    // Columns' taps once; per row the two network rows blended first (vectorisable), then the columns.
    col0_.resize(static_cast<std::size_t>(gw));
    col_t_.resize(static_cast<std::size_t>(gw));
    for (int x = 0; x < gw; ++x) {
        const float u = std::clamp((static_cast<float>(x) + 0.5f) * sx - 0.5f, 0.0f, static_cast<float>(kInputSize - 1));
        const int x0 = std::min(static_cast<int>(u), kInputSize - 2);
        col0_[static_cast<std::size_t>(x)] = x0;
        col_t_[static_cast<std::size_t>(x)] = u - static_cast<float>(x0);
    }
    float row[kInputSize];
    for (int y = 0; y < gh; ++y) {
        const float v = std::clamp((static_cast<float>(y) + 0.5f) * sy - 0.5f, 0.0f, static_cast<float>(kInputSize - 1));
        const int y0 = std::min(static_cast<int>(v), kInputSize - 2);
        const float ay = v - static_cast<float>(y0);
        const float* r0 = &probs_[static_cast<std::size_t>(y0) * kInputSize];
        const float* r1 = r0 + kInputSize;
        for (int x = 0; x < kInputSize; ++x) row[x] = r0[x] + (r1[x] - r0[x]) * ay;
        float* o = &prob_[static_cast<std::size_t>(y) * static_cast<std::size_t>(gw)];
        for (int x = 0; x < gw; ++x) {
            const float* t = row + col0_[static_cast<std::size_t>(x)];
            o[x] = t[0] + (t[1] - t[0]) * col_t_[static_cast<std::size_t>(x)];
        }
    }
    const float* q = prob_.data();
    if (options_.refine) {
        reduced_.resize(n * 4);
        background::reduce(rgba, g, reduced_.data(), scratch_);
        luma_.resize(n);
        mean_i_.resize(n);
        mean_p_.resize(n);
        mean_ip_.resize(n);
        mean_ii_.resize(n);
        a_.resize(n);
        b_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const uint8_t* p = &reduced_[4 * i];
            luma_[i] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) * (1.0f / 255.0f);
            a_[i] = luma_[i] * prob_[i];
            b_[i] = luma_[i] * luma_[i];
        }
        const int r = kRefineRadius;
        window_reciprocals(gw, r, inv_x_);
        window_reciprocals(gh, r, inv_y_);
        box_mean(luma_.data(), mean_i_.data(), gw, gh, r, inv_x_, inv_y_, tmp_);
        box_mean(prob_.data(), mean_p_.data(), gw, gh, r, inv_x_, inv_y_, tmp_);
        box_mean(a_.data(), mean_ip_.data(), gw, gh, r, inv_x_, inv_y_, tmp_);
        box_mean(b_.data(), mean_ii_.data(), gw, gh, r, inv_x_, inv_y_, tmp_);
        for (std::size_t i = 0; i < n; ++i) {
            const float mi = mean_i_[i];
            const float a = (mean_ip_[i] - mi * mean_p_[i]) / (mean_ii_[i] - mi * mi + kRefineEps);
            a_[i] = a;
            b_[i] = mean_p_[i] - a * mi;
        }
        // the means of a and b, into the buffers free now
        box_mean(a_.data(), mean_ip_.data(), gw, gh, r, inv_x_, inv_y_, tmp_);
        box_mean(b_.data(), mean_ii_.data(), gw, gh, r, inv_x_, inv_y_, tmp_);
        for (std::size_t i = 0; i < n; ++i) prob_[i] = mean_ip_[i] * luma_[i] + mean_ii_[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
        out.alpha[i] = static_cast<uint8_t>(std::lround(std::clamp(q[i], 0.0f, 1.0f) * 255.0f));
    }
}

}  // namespace meiyan
