// Rotated rectangles and 2x3 affine maps between image pixels and model crops.
#pragma once
#include <cmath>

namespace meiyan::face {

struct Point2 {
    float x = 0, y = 0;
};

// Maps (u, v) to (a*u + b*v + c, d*u + e*v + f).
struct Affine2 {
    double a = 1, b = 0, c = 0, d = 0, e = 1, f = 0;

    Point2 apply(double u, double v) const {
        return {static_cast<float>(a * u + b * v + c), static_cast<float>(d * u + e * v + f)};
    }
    Affine2 inverse() const {
        const double det = a * e - b * d;
        Affine2 r;
        r.a = e / det;
        r.b = -b / det;
        r.d = -d / det;
        r.e = a / det;
        r.c = -(r.a * c + r.b * f);
        r.f = -(r.d * c + r.e * f);
        return r;
    }
    // this ∘ other: first other, then this.
    Affine2 operator*(const Affine2& o) const {
        Affine2 r;
        r.a = a * o.a + b * o.d;
        r.b = a * o.b + b * o.e;
        r.c = a * o.c + b * o.f + c;
        r.d = d * o.a + e * o.d;
        r.e = d * o.b + e * o.e;
        r.f = d * o.c + e * o.f + f;
        return r;
    }
};

// A rectangle in image pixels rotated by `rotation` radians; its x axis points along
// (cos r, sin r) with y down, so a positive rotation turns clockwise on screen.
struct RotatedRect {
    float center_x = 0, center_y = 0, width = 0, height = 0, rotation = 0;

    // Continuous crop coordinates [0, out_w] x [0, out_h] -> image coordinates.
    Affine2 crop_to_image(int out_w, int out_h) const {
        const double c = std::cos(rotation), s = std::sin(rotation);
        const double sx = static_cast<double>(width) / out_w, sy = static_cast<double>(height) / out_h;
        Affine2 m;
        m.a = c * sx;
        m.b = -s * sy;
        m.d = s * sx;
        m.e = c * sy;
        m.c = center_x - (m.a * out_w / 2.0 + m.b * out_h / 2.0);
        m.f = center_y - (m.d * out_w / 2.0 + m.e * out_h / 2.0);
        return m;
    }
};

inline float normalize_radians(float a) {
    constexpr float kTwoPi = 6.283185307179586f;
    return a - kTwoPi * std::floor((a + 3.14159265358979f) / kTwoPi);
}

}  // namespace meiyan::face
