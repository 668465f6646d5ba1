#include "face/one_euro.h"

#include <algorithm>
#include <cmath>

namespace meiyan::face {

namespace {

float alpha(float cutoff, float dt) {
    const float tau = 1.0f / (2.0f * 3.14159265f * cutoff);
    return 1.0f / (1.0f + tau / dt);
}

}  // namespace

float OneEuroFilter::filter(float x, float scale, float dt, const OneEuroParams& p) {
    if (!initialised_ || !(dt > 0.0f)) {
        initialised_ = true;
        has_speed_ = false;
        x_prev_ = x;
        dx_prev_ = 0;
        return x;
    }
    const float inv_scale = 1.0f / std::max(scale, 1e-3f);
    const float dx = (x - x_prev_) / dt * inv_scale;  // face sizes per second
    const float a_d = has_speed_ ? alpha(p.d_cutoff, dt) : 1.0f;
    has_speed_ = true;
    dx_prev_ = a_d * dx + (1 - a_d) * dx_prev_;
    const float cutoff = p.min_cutoff + p.beta * std::fabs(dx_prev_);
    const float a = alpha(cutoff, dt);
    x_prev_ = a * x + (1 - a) * x_prev_;
    return x_prev_;
}

void OneEuroFilter2D::filter(float& x, float& y, float scale, float dt, const OneEuroParams& p) {
    if (!initialised_ || !(dt > 0.0f)) {
        initialised_ = true;
        has_speed_ = false;
        x_prev_ = x;
        y_prev_ = y;
        dx_prev_ = dy_prev_ = 0;
        return;
    }
    const float k = 1.0f / (dt * std::max(scale, 1e-3f));  // to face sizes per second
    const float a_d = has_speed_ ? alpha(p.d_cutoff, dt) : 1.0f;
    has_speed_ = true;
    dx_prev_ = a_d * (x - x_prev_) * k + (1 - a_d) * dx_prev_;
    dy_prev_ = a_d * (y - y_prev_) * k + (1 - a_d) * dy_prev_;
    const float speed = std::hypot(dx_prev_, dy_prev_) * 0.70710678f;  // the coordinates' root mean square
    const float a = alpha(p.min_cutoff + p.beta * speed, dt);
    x_prev_ = a * x + (1 - a) * x_prev_;
    y_prev_ = a * y + (1 - a) * y_prev_;
    x = x_prev_;
    y = y_prev_;
}

}  // namespace meiyan::face
