#include "face/roi_filter.h"

#include <algorithm>
#include <cmath>

namespace meiyan::face {

namespace {

constexpr float kAlphaMin = 0.6f;  // the settled gains: the share of each fit taken into the pose ...
constexpr float kBetaMin = 0.2f;   // ... and into the velocity
constexpr float kFitSpread = 0.01f;         // how much fits vary from frame to frame (x the ROI's width) ...
constexpr float kFitSpreadRadians = 0.02f;  // ... and in rotation (about a degree)
constexpr float kMaxShift = 0.5f;  // motion per frame beyond which the filter restarts (x the ROI's width) ...
constexpr float kMaxTurn = 0.6f;   // ... or turn (radians): a jump, not a motion
constexpr float kTwoPi = 6.2831853f;

}  // namespace

void RoiFilter::reset(const RotatedRect& roi, double timestamp) {
    cx_ = roi.center_x;
    cy_ = roi.center_y;
    log_size_ = std::log(std::max(roi.width, 1e-3f));
    rotation_ = normalize_radians(roi.rotation);
    vx_ = vy_ = vr_ = 0;
    time_ = timestamp;
    interval_ = 0;
    updates_ = 0;
}

RotatedRect RoiFilter::predict(double timestamp) const {
    const float size = std::exp(log_size_);
    float dt = 0;
    if (interval_ > 1e-4) dt = static_cast<float>(std::clamp(timestamp - time_, 0.0, 2 * interval_));
    const float frame = static_cast<float>(interval_);
    if (std::hypot(vx_, vy_) * frame >= kMaxShift * size || std::fabs(vr_) * frame >= kMaxTurn) dt = 0;
    RotatedRect r;
    r.center_x = cx_ + vx_ * dt;
    r.center_y = cy_ + vy_ * dt;
    r.width = r.height = size;
    r.rotation = normalize_radians(rotation_ + vr_ * dt);
    return r;
}

void RoiFilter::update(const RotatedRect& fit, double timestamp) {
    const RotatedRect p = predict(timestamp);
    const float rx = fit.center_x - p.center_x, ry = fit.center_y - p.center_y;
    const float rs = std::log(std::max(fit.width, 1e-3f)) - std::log(p.width);
    const float rr = std::remainder(fit.rotation - p.rotation, kTwoPi);
    if (std::hypot(rx, ry) > kMaxShift * p.width || std::fabs(rr) > kMaxTurn) {
        reset(fit, timestamp);
        return;
    }
    // Gains of the least-squares line through the k fits so far (the reset one included), down to
    // the settled ones: k = 2 takes this fit and the slope from the last, k = 5 reaches 0.6 / 0.2.
    const float k = static_cast<float>(updates_ + 2);
    float alpha = std::max(kAlphaMin, 2 * (2 * k - 1) / (k * (k + 1)));
    float beta = std::max(kBetaMin, 6 / (k * (k + 1)));
    // The settled gains lag a face whose motion changes (by 5 times its change of speed per frame,
    // where a two-point extrapolation lags by 1 time): a fit further from the prediction than fits
    // spread is taken in more fully, wholly from 3 spreads on.
    const float surprise = std::max(std::hypot(rx, ry) / (kFitSpread * p.width), std::fabs(rr) / kFitSpreadRadians);
    const float w = std::clamp((surprise - 1) / 2, 0.0f, 1.0f);
    alpha = std::max(alpha, kAlphaMin + (1 - kAlphaMin) * w);
    beta = std::max(beta, kBetaMin + (1 - kBetaMin) * w);
    cx_ = p.center_x + alpha * rx;
    cy_ = p.center_y + alpha * ry;
    log_size_ = std::log(p.width) + alpha * rs;
    rotation_ = normalize_radians(p.rotation + alpha * rr);
    const double dt = timestamp - time_;
    if (dt > 1e-4) {  // (the same frame again teaches nothing about motion)
        const float g = beta / static_cast<float>(dt);
        vx_ += g * rx;
        vy_ += g * ry;
        vr_ += g * rr;
        interval_ = dt;
    }
    time_ = timestamp;
    updates_ = std::min(updates_ + 1, 1000);
}

}  // namespace meiyan::face
