#include "effects/beauty/reshape.h"

#include "effects/beauty/reshape_simd.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace meiyan {

namespace {

struct Vec2 {
    float x, y;
};

inline Vec2 pt(const FaceShape& f, int i) {
    const FacePoint& p = f.points[static_cast<std::size_t>(i)];
    return {p.x, p.y};
}

// A translation of `shift` at `centre`, fading to zero at `radius` as (1 - d^2/r^2)^2.
struct Push {
    Vec2 centre, shift;
    float radius;
};

// A radial magnification by `amount` (0..1) about `centre`, over `radius`.
struct Lens {
    Vec2 centre;
    float amount, radius;
};

inline float falloff(float d2, float r2) {
    if (d2 >= r2) return 0.0f;
    const float t = 1.0f - d2 / r2;
    return t * t;
}

constexpr int kSlimLeft[] = {234, 93, 132, 58, 172, 136, 150};
constexpr int kSlimRight[] = {454, 323, 361, 288, 397, 365, 379};
constexpr int kChin[] = {152, 148, 176, 149, 377, 400, 378};
constexpr int kChinTip[] = {152, 148, 377, 176, 400};  // the chin's lower contour
constexpr int kForehead[] = {10, 109, 338, 67, 297, 151};

inline uint16_t decode16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

ReshapeField build_reshape_field(const ReshapeParams& params, const std::vector<FaceShape>& faces, int frame_width,
                                 int frame_height) {
    ReshapeField r;
    r.factor = beauty::reduction_factor(frame_width, frame_height);
    r.width = (frame_width + r.factor - 1) / r.factor;
    r.height = (frame_height + r.factor - 1) / r.factor;
    r.range = static_cast<float>(std::max(frame_width, frame_height)) * 0.25f;
    r.field.assign(static_cast<std::size_t>(r.width) * r.height * 4, 0);
    for (std::size_t i = 0; i < r.field.size(); i += 4) {
        r.field[i] = r.field[i + 2] = 128;  // 32768: zero displacement
    }
    r.x0 = r.width;
    r.y0 = r.height;
    if (params.is_neutral()) {
        r.x0 = r.y0 = 0;
        return r;
    }
    const float scale = 32767.0f / r.range;
    const float f = static_cast<float>(r.factor);
    std::vector<Push> pushes;
    std::vector<Lens> lenses;
    for (const FaceShape& face : faces) {
        pushes.clear();
        lenses.clear();
        const Vec2 re = {(pt(face, 33).x + pt(face, 133).x) * 0.5f, (pt(face, 33).y + pt(face, 133).y) * 0.5f};
        const Vec2 le = {(pt(face, 263).x + pt(face, 362).x) * 0.5f, (pt(face, 263).y + pt(face, 362).y) * 0.5f};
        const float iod = std::hypot(pt(face, 33).x - pt(face, 263).x, pt(face, 33).y - pt(face, 263).y);
        if (!(iod > 2.0f) || !std::isfinite(iod)) continue;
        const Vec2 nose = pt(face, 1);
        auto towards = [&](Vec2 from, Vec2 to, float amount) {
            const float dx = to.x - from.x, dy = to.y - from.y, d = std::max(std::hypot(dx, dy), 1e-3f);
            return Vec2{dx / d * amount, dy / d * amount};
        };
        if (params.face_slim > 0.0f) {
            for (const int* side : {kSlimLeft, kSlimRight}) {
                for (int k = 0; k < 7; ++k) {
                    const Vec2 c = pt(face, side[k]);
                    pushes.push_back({c, towards(c, nose, 0.035f * iod * params.face_slim), 0.45f * iod});
                }
            }
        }
        if (params.v_chin > 0.0f) {
            for (int i : kChin) {
                const Vec2 c = pt(face, i);
                pushes.push_back({c, towards(c, nose, 0.04f * iod * params.v_chin), 0.4f * iod});
            }
        }
        if (params.chin_length != 0.0f) {
            const Vec2 chin = pt(face, 152);
            for (int i : kChinTip) {
                // Along the nose-to-chin direction: positive lengthens the chin.
                pushes.push_back({pt(face, i), towards(nose, chin, 0.05f * iod * params.chin_length), 0.3f * iod});
            }
        }
        if (params.forehead != 0.0f) {
            for (int i : kForehead) {
                const Vec2 c = pt(face, i);
                pushes.push_back({c, towards(nose, c, 0.06f * iod * params.forehead), 0.5f * iod});
            }
        }
        if (params.nose_width != 0.0f) {
            const Vec2 a = pt(face, 98), b = pt(face, 327);
            const float width = std::hypot(a.x - b.x, a.y - b.y);
            lenses.push_back({{(a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f}, 0.2f * params.nose_width, std::max(1.2f * width, 1.0f)});
        }
        if (params.mouth_size != 0.0f) {
            const Vec2 a = pt(face, 61), b = pt(face, 291);
            const float width = std::hypot(a.x - b.x, a.y - b.y);
            lenses.push_back({{(a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f}, 0.2f * params.mouth_size, std::max(0.9f * width, 1.0f)});
        }
        if (params.big_eyes > 0.0f) {
            for (const Vec2& e : {re, le}) {
                const float eye_w = 0.5f * iod * 0.6f;
                lenses.push_back({e, 0.25f * params.big_eyes, 2.0f * eye_w});
            }
        }
        // The grid box the influences reach.
        float bx0 = 1e30f, by0 = 1e30f, bx1 = -1e30f, by1 = -1e30f;
        auto cover = [&](Vec2 c, float rad) {
            bx0 = std::min(bx0, c.x - rad);
            by0 = std::min(by0, c.y - rad);
            bx1 = std::max(bx1, c.x + rad);
            by1 = std::max(by1, c.y + rad);
        };
        for (const Push& p : pushes) cover(p.centre, p.radius);
        for (const Lens& l : lenses) cover(l.centre, l.radius);
        if (bx0 > bx1) continue;
        const int gx0 = std::clamp(static_cast<int>(std::floor((bx0 + 0.5f) / f - 0.5f)), 0, r.width);
        const int gy0 = std::clamp(static_cast<int>(std::floor((by0 + 0.5f) / f - 0.5f)), 0, r.height);
        const int gx1 = std::clamp(static_cast<int>(std::ceil((bx1 + 0.5f) / f - 0.5f)) + 1, 0, r.width);
        const int gy1 = std::clamp(static_cast<int>(std::ceil((by1 + 0.5f) / f - 0.5f)) + 1, 0, r.height);
        for (int gy = gy0; gy < gy1; ++gy) {
            for (int gx = gx0; gx < gx1; ++gx) {
                // The frame position of grid node (gx, gy): the inverse of u = (x + 0.5) / f - 0.5.
                const Vec2 q = {(static_cast<float>(gx) + 0.5f) * f - 0.5f, (static_cast<float>(gy) + 0.5f) * f - 0.5f};
                float dx = 0, dy = 0;
                for (const Push& p : pushes) {
                    const float ex = q.x - p.centre.x, ey = q.y - p.centre.y;
                    const float w = falloff(ex * ex + ey * ey, p.radius * p.radius);
                    dx -= p.shift.x * w;
                    dy -= p.shift.y * w;
                }
                for (const Lens& l : lenses) {
                    const float ex = q.x - l.centre.x, ey = q.y - l.centre.y;
                    const float w = l.amount * falloff(ex * ex + ey * ey, l.radius * l.radius);
                    dx -= ex * w;
                    dy -= ey * w;
                }
                uint8_t* n = &r.field[4 * (static_cast<std::size_t>(gy) * r.width + gx)];
                // Several faces add up; decode what is there first.
                const float ox = (static_cast<float>(decode16(n)) - 32768.0f) / scale;
                const float oy = (static_cast<float>(decode16(n + 2)) - 32768.0f) / scale;
                const auto enc = [&](float v) {
                    return static_cast<uint16_t>(std::clamp(32768.0f + std::round(std::clamp(v, -r.range, r.range) * scale), 1.0f, 65535.0f));
                };
                const uint16_t ex16 = enc(ox + dx), ey16 = enc(oy + dy);
                n[0] = static_cast<uint8_t>(ex16 >> 8);
                n[1] = static_cast<uint8_t>(ex16 & 255);
                n[2] = static_cast<uint8_t>(ey16 >> 8);
                n[3] = static_cast<uint8_t>(ey16 & 255);
            }
        }
        r.x0 = std::min(r.x0, gx0);
        r.y0 = std::min(r.y0, gy0);
        r.x1 = std::max(r.x1, gx1);
        r.y1 = std::max(r.y1, gy1);
    }
    if (r.empty()) r.x0 = r.y0 = r.x1 = r.y1 = 0;
    return r;
}

void ReshapeCpu::apply(const ReshapeField& field, const ImageView& rgba) {
    if (field.empty()) return;
    const int w = rgba.width, h = rgba.height, gw = field.width, gh = field.height;
    const float inv_f = 1.0f / static_cast<float>(field.factor);
    const float inv_scale = field.range / 32767.0f;
    const int X0 = std::max(0, (field.x0 - 1) * field.factor), X1 = std::min(w, (field.x1 + 1) * field.factor);
    const int Y0 = std::max(0, (field.y0 - 1) * field.factor), Y1 = std::min(h, (field.y1 + 1) * field.factor);
    if (X0 >= X1 || Y0 >= Y1) return;
    // Decoded displacements of the grid box (one node of margin, clamped to the grid) and the
    // largest of them, which bounds the source rows that must be kept unmodified.
    const int gx0 = std::max(0, field.x0 - 2), gx1 = std::min(gw, field.x1 + 2);
    const int gy0 = std::max(0, field.y0 - 2), gy1 = std::min(gh, field.y1 + 2);
    decoded_.resize(static_cast<std::size_t>(gw) * gh * 2);  // only the box [gx0, gx1) x [gy0, gy1) is read
    float reach = 0.0f;
    for (int gy = gy0; gy < gy1; ++gy) {
        for (int gx = gx0; gx < gx1; ++gx) {
            const std::size_t i = static_cast<std::size_t>(gy) * gw + gx;
            const uint8_t* n = &field.field[4 * i];
            decoded_[2 * i] = (static_cast<float>(decode16(n)) - 32768.0f) * inv_scale;
            decoded_[2 * i + 1] = (static_cast<float>(decode16(n + 2)) - 32768.0f) * inv_scale;
            reach = std::max({reach, std::fabs(decoded_[2 * i]), std::fabs(decoded_[2 * i + 1])});
        }
    }
    const int margin = static_cast<int>(std::ceil(reach)) + 2;
    // Only the rectangle the warp can read is kept: the written box grown by the largest displacement.
    const int SY0 = std::max(0, Y0 - margin), SY1 = std::min(h, Y1 + margin);
    const int SX0 = std::max(0, X0 - margin), SX1 = std::min(w, X1 + margin);
    const std::size_t row = static_cast<std::size_t>(SX1 - SX0) * 4;
    source_.resize(row * static_cast<std::size_t>(SY1 - SY0));
    for (int y = SY0; y < SY1; ++y) {
        std::memcpy(&source_[row * (y - SY0)], rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0] + 4 * SX0, row);
    }
    cols_.build(X0, X1, field.factor, gw);
    row_.resize(static_cast<std::size_t>(gw) * 2);
#if MEIYAN_RESHAPE_X86
    // 8 pixels of a row at a time (reshape_avx2.cpp, the same bytes as the scalar row below)
    const bool avx2 = simd_active() == SimdLevel::AVX2;
    reshape_detail::WarpRow wr;
    wr.disp = row_.data();
    wr.col_a = cols_.a.data();
    wr.col_b = cols_.b.data();
    wr.col_t = cols_.t.data();
    wr.x0 = X0;
    wr.source = source_.data();
    wr.source_row = row;
    wr.sx0 = SX0, wr.sx1 = SX1, wr.sy0 = SY0, wr.sy1 = SY1;
#endif
    for (int y = Y0; y < Y1; ++y) {
        uint8_t* out = rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0];
        const float v = (static_cast<float>(y) + 0.5f) * inv_f - 0.5f;
        const float fv = std::floor(v), ay = v - fv;
        const int ya = std::clamp(static_cast<int>(fv), 0, gh - 1), yb = std::clamp(static_cast<int>(fv) + 1, 0, gh - 1);
        const float* da = &decoded_[2 * static_cast<std::size_t>(ya) * gw];
        const float* db = &decoded_[2 * static_cast<std::size_t>(yb) * gw];
        bool any = false;
        for (int i = 2 * gx0; i < 2 * gx1; ++i) {
            row_[static_cast<std::size_t>(i)] = da[i] + (db[i] - da[i]) * ay;
            any = any || row_[static_cast<std::size_t>(i)] != 0.0f;
        }
        if (!any) continue;
        int x = X0;
#if MEIYAN_RESHAPE_X86
        if (avx2) {
            wr.y = y;
            wr.out = out;
            const int n8 = (X1 - X0) / 8 * 8;
            reshape_detail::warp_row_avx2(wr, n8);
            x += n8;
        }
#endif
        for (; x < X1; ++x) {
            const std::size_t ci = static_cast<std::size_t>(x - X0);
            const float* pa = &row_[2 * static_cast<std::size_t>(cols_.a[ci])];
            const float* pb = &row_[2 * static_cast<std::size_t>(cols_.b[ci])];
            const float t = cols_.t[ci];
            const float dx = pa[0] + (pb[0] - pa[0]) * t, dy = pa[1] + (pb[1] - pa[1]) * t;
            if (dx == 0.0f && dy == 0.0f) continue;
            const float sx = static_cast<float>(x) + dx, sy = static_cast<float>(y) + dy;
            const float fsx = std::floor(sx), fsy = std::floor(sy);
            const float bx = sx - fsx, by = sy - fsy;
            const int ix = static_cast<int>(fsx), iy = static_cast<int>(fsy);
            const int xa = std::clamp(ix, SX0, SX1 - 1) - SX0, xb = std::clamp(ix + 1, SX0, SX1 - 1) - SX0;
            const int ya2 = std::clamp(iy, SY0, SY1 - 1) - SY0, yb2 = std::clamp(iy + 1, SY0, SY1 - 1) - SY0;
            const uint8_t* p00 = &source_[row * ya2 + 4 * xa];
            const uint8_t* p10 = &source_[row * ya2 + 4 * xb];
            const uint8_t* p01 = &source_[row * yb2 + 4 * xa];
            const uint8_t* p11 = &source_[row * yb2 + 4 * xb];
            for (int c = 0; c < 4; ++c) {
                const float top = static_cast<float>(p00[c]) + static_cast<float>(p10[c] - p00[c]) * bx;
                const float bottom = static_cast<float>(p01[c]) + static_cast<float>(p11[c] - p01[c]) * bx;
                out[4 * x + c] = static_cast<uint8_t>(std::clamp(top + (bottom - top) * by, 0.0f, 255.0f) + 0.5f);
            }
        }
    }
}

}  // namespace meiyan
