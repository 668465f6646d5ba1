#include "effects/beauty/beauty_cpu.h"

#include "effects/beauty/beauty_simd.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace meiyan {

namespace {

inline uint8_t to_u8(float x) { return static_cast<uint8_t>(std::clamp(x, 0.0f, 1.0f) * 255.0f + 0.5f); }
constexpr float kInv255 = 1.0f / 255.0f;
inline float luma(const float c[3]) { return 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2]; }
inline void chroma(const float c[3], float& cb, float& cr) {
    cb = -0.168736f * c[0] - 0.331264f * c[1] + 0.5f * c[2];
    cr = 0.5f * c[0] - 0.418688f * c[1] - 0.081312f * c[2];
}

constexpr int kCurveSize = 1024;

// exp(-x) for x >= 0 by linear interpolation in a table over [0, kExpMax); 0 beyond.
struct ExpTable {
    static constexpr int kSize = 4096;
    static constexpr float kExpMax = 24.0f;
    float v[kSize + 1];
    ExpTable() {
        for (int i = 0; i <= kSize; ++i) v[i] = std::exp(-static_cast<float>(i) * kExpMax / kSize);
    }
    // The table for the vector passes, which read it the way operator() does.
    beauty_detail::ExpLookup lookup() const { return {v, kSize, kSize / kExpMax}; }
    float operator()(float x) const {
        const float t = x * (kSize / kExpMax);
        if (!(t < static_cast<float>(kSize))) return 0.0f;
        const int i = static_cast<int>(t);
        return v[i] + (v[i + 1] - v[i]) * (t - static_cast<float>(i));
    }
};

const ExpTable& exp_table() {
    static const ExpTable table;  // immutable after construction (thread-safe static init)
    return table;
}

struct Box {
    int x0, y0, x1, y1;
};

Box grow(const BeautyGrid& g, int by) {
    return {std::max(0, g.x0 - by), std::max(0, g.y0 - by), std::min(g.width, g.x1 + by), std::min(g.height, g.y1 + by)};
}

// One direction of the bilateral filter on the grid (dx, dy = 1, 0 or 0, 1), inside `box`.
void bilateral(const uint8_t* src, uint8_t* dst, int w, int h, Box box, int dx, int dy, float sigma_range) {
    const int r = beauty::kBilateralRadius;
    float spatial[2 * beauty::kBilateralRadius + 1];
    for (int k = -r; k <= r; ++k) {
        spatial[k + r] = std::exp(-static_cast<float>(k * k) / (2.0f * beauty::kBilateralSigmaSpace * beauty::kBilateralSigmaSpace));
    }
    const float inv_2sr2 = 1.0f / (2.0f * sigma_range * sigma_range);
#if MEIYAN_BEAUTY_X86
    // 8 cells at a time where every tap is inside the grid (the same bytes as below)
    const bool avx2 = simd_active() == SimdLevel::AVX2;
    beauty_detail::BilateralRow br;
    br.src = src;
    br.dst = dst;
    br.w = w;
    br.dx = dx;
    br.dy = dy;
    br.radius = r;
    br.spatial = spatial;
    br.inv_2sr2 = inv_2sr2;
    br.exp = exp_table().lookup();
#endif
    for (int y = box.y0; y < box.y1; ++y) {
#if MEIYAN_BEAUTY_X86
        const bool rows_inside = dy == 0 || (y - r >= 0 && y + r < h);
        br.y = y;
#endif
        for (int x = box.x0; x < box.x1; ++x) {
#if MEIYAN_BEAUTY_X86
            if (avx2 && rows_inside && x + 8 <= box.x1 && x - r * dx >= 0 && x + 7 + r * dx < w) {
                beauty_detail::bilateral_group8_avx2(br, x);
                x += 7;
                continue;
            }
#endif
            const uint8_t* cp = src + 4 * (static_cast<std::size_t>(y) * w + x);
            const float c[3] = {cp[0] * kInv255, cp[1] * kInv255, cp[2] * kInv255};
            const float yc = luma(c);
            float sum[3] = {0, 0, 0}, wsum = 0;
            for (int k = -r; k <= r; ++k) {
                const int qx = std::clamp(x + k * dx, 0, w - 1), qy = std::clamp(y + k * dy, 0, h - 1);
                const uint8_t* qp = src + 4 * (static_cast<std::size_t>(qy) * w + qx);
                const float q[3] = {qp[0] * kInv255, qp[1] * kInv255, qp[2] * kInv255};
                const float d = luma(q) - yc;
                const float wgt = spatial[k + r] * exp_table()(d * d * inv_2sr2);
                for (int ch = 0; ch < 3; ++ch) sum[ch] += wgt * q[ch];
                wsum += wgt;
            }
            uint8_t* out = dst + 4 * (static_cast<std::size_t>(y) * w + x);
            for (int ch = 0; ch < 3; ++ch) out[ch] = to_u8(sum[ch] / wsum);
            out[3] = 255;
        }
    }
}

}  // namespace

namespace beauty {

namespace {
inline float smoothstep(float e0, float e1, float x) {
    const float t = std::clamp((x - e0) / (e1 - e0), 0.0f, 1.0f);
    return t * t * (3.0f - 2.0f * t);
}
}  // namespace

void apply_features(const BeautyParams& params, float mouth, float eyes, float under_eye, float cb, float cr,
                    const float tone[3], float tone_cb, float tone_cr, float rgb[3]) {
    if (params.dark_circles > 0.0f && under_eye > 0.0f) {
        const float dcb = cb - tone_cb, dcr = cr - tone_cr;
        const float l = luma(rgb), lt = luma(tone);
        const float k = params.dark_circles * under_eye *
                        std::exp(-(dcb * dcb + dcr * dcr) / (2.0f * kDarkChromaSigma * kDarkChromaSigma)) *
                        (1.0f - smoothstep(kDarkDepthEdge[0], kDarkDepthEdge[1], lt - l));
        const float lift = kDarkLift * std::max(lt - l, 0.0f);
        for (int ch = 0; ch < 3; ++ch) rgb[ch] += k * (lift + kDarkNeutralise * ((tone[ch] - lt) - (rgb[ch] - l)));
    }
    if (params.teeth_whiten > 0.0f && mouth > 0.0f) {
        const float l = luma(rgb);
        const float sat = std::max({rgb[0], rgb[1], rgb[2]}) - std::min({rgb[0], rgb[1], rgb[2]});
        const float yellow = 0.5f * (rgb[0] + rgb[1]) - rgb[2];
        const float teeth = smoothstep(kTeethLumaEdge[0], kTeethLumaEdge[1], l) *
                            (1.0f - smoothstep(kTeethSatEdge[0], kTeethSatEdge[1], sat)) *
                            smoothstep(kTeethYellowEdge[0], kTeethYellowEdge[1], yellow);
        const float k = params.teeth_whiten * mouth * teeth;
        rgb[2] += kTeethDeyellow * std::max(yellow, 0.0f) * k;
        for (int ch = 0; ch < 3; ++ch) rgb[ch] += (1.0f - rgb[ch]) * (kTeethLift * k);
    }
    if (params.eye_brighten > 0.0f && eyes > 0.0f) {
        const float k = params.eye_brighten * eyes;
        const float lift = kEyeLift * k * smoothstep(kEyeLumaEdge[0], kEyeLumaEdge[1], luma(rgb));
        for (int ch = 0; ch < 3; ++ch) {
            const float v = std::clamp(0.5f + (rgb[ch] - 0.5f) * (1.0f + kEyeContrast * k), 0.0f, 1.0f);
            rgb[ch] = v + (1.0f - v) * lift;
        }
    }
}

void skin_tone(const BeautyGrid& grid, const uint8_t* reduced, uint8_t tone[3]) {
    float sum[3] = {0, 0, 0};
    const std::size_t n = grid.tone_samples.size() / 2;
    for (std::size_t i = 0; i < n; ++i) {
        const uint8_t* p = reduced + 4 * (static_cast<std::size_t>(grid.tone_samples[2 * i + 1]) * grid.width +
                                          grid.tone_samples[2 * i]);
        for (int c = 0; c < 3; ++c) sum[c] += p[c] * kInv255;
    }
    for (int c = 0; c < 3; ++c) tone[c] = to_u8(n ? sum[c] / static_cast<float>(n) : 0.0f);
}

}  // namespace beauty

void BeautyCpu::apply(const BeautyParams& params, const BeautyGrid& grid, const FeatureMask& features,
                      const ImageView& rgba) {
    if (grid.empty() || params.is_neutral()) return;
    const int w = grid.width, h = grid.height, f = grid.factor;
    const int fw = rgba.width, fh = rgba.height;
    const std::size_t plane = static_cast<std::size_t>(w) * h * 4;
    reduced_.assign(plane, 0);
    across_.assign(plane, 0);
    smooth_.assign(plane, 0);
    const int r = beauty::kBilateralRadius;

    // Reduce: mean of each factor x factor block (clipped at the frame's edge).
    const Box rb = grow(grid, 2 * r + 1);
    for (int y = rb.y0; y < rb.y1; ++y) {
        for (int x = rb.x0; x < rb.x1; ++x) {
            int sum[3] = {0, 0, 0}, n = 0;
            for (int yy = y * f; yy < std::min(y * f + f, fh); ++yy) {
                const uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(yy) * rgba.stride[0];
                for (int xx = x * f; xx < std::min(x * f + f, fw); ++xx) {
                    for (int c = 0; c < 3; ++c) sum[c] += row[4 * xx + c];
                    ++n;
                }
            }
            uint8_t* out = &reduced_[4 * (static_cast<std::size_t>(y) * w + x)];
            for (int c = 0; c < 3; ++c) out[c] = to_u8(static_cast<float>(sum[c]) * kInv255 / static_cast<float>(n));
            out[3] = 255;
        }
    }
    const float sigma_range = beauty::bilateral_sigma_range(params.smoothing);
    if (params.smoothing > 0.0f) {
        bilateral(reduced_.data(), across_.data(), w, h, grow(grid, r + 1), 1, 0, sigma_range);
        bilateral(across_.data(), smooth_.data(), w, h, grow(grid, 1), 0, 1, sigma_range);
    }
    uint8_t tone_u8[3];
    beauty::skin_tone(grid, reduced_.data(), tone_u8);
    const float tone[3] = {tone_u8[0] * kInv255, tone_u8[1] * kInv255, tone_u8[2] * kInv255};
    float tone_cb, tone_cr;
    chroma(tone, tone_cb, tone_cr);

    // The frame region the masks cover, plus one pixel for the sharpening neighbourhood. Sharpening
    // reads its neighbours unmodified, so with it on the region is copied first; without it every
    // pixel reads only itself, before it is written, and the frame is read in place.
    const int X0 = std::max(0, grid.x0 * f - 1), Y0 = std::max(0, grid.y0 * f - 1);
    const int X1 = std::min(fw, grid.x1 * f + 1), Y1 = std::min(fh, grid.y1 * f + 1);
    const int sw = X1 - X0;
    const uint8_t* src_base = rgba.data[0] + static_cast<std::ptrdiff_t>(Y0) * rgba.stride[0] + 4 * X0;
    std::ptrdiff_t src_stride = rgba.stride[0];
    if (params.sharpen > 0.0f) {
        source_.resize(static_cast<std::size_t>(sw) * (Y1 - Y0) * 4);
        for (int y = Y0; y < Y1; ++y) {
            std::memcpy(&source_[static_cast<std::size_t>(y - Y0) * sw * 4],
                        rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0] + 4 * X0,
                        static_cast<std::size_t>(sw) * 4);
        }
        src_base = source_.data();
        src_stride = static_cast<std::ptrdiff_t>(sw) * 4;
    }
    auto src_at = [&](int x, int y) {
        x = std::clamp(x, 0, fw - 1);
        y = std::clamp(y, 0, fh - 1);
        return src_base + static_cast<std::ptrdiff_t>(y - Y0) * src_stride + 4 * (x - X0);
    };
    const float inv_f = 1.0f / static_cast<float>(f);
    const float beta = beauty::whitening_beta(params.whitening);
    const float inv_log_beta = params.whitening > 0.0f ? 1.0f / std::log(beta) : 0.0f;
    const float inv_2e2 = 1.0f / (2.0f * beauty::kEdgeSigma * beauty::kEdgeSigma);
    const float inv_2c2 = 1.0f / (2.0f * beauty::kSkinChromaSigma * beauty::kSkinChromaSigma);
    // Tables for the transcendental functions: their interpolation error (< 1e-5) is far below a
    // level, so results stay within rounding of the shader, which calls log and exp directly.
    float curve[kCurveSize + 1];
    for (int i = 0; i <= kCurveSize; ++i) {
        const float x = static_cast<float>(i) / kCurveSize;
        curve[i] = params.whitening > 0.0f ? std::log(x * (beta - 1.0f) + 1.0f) * inv_log_beta : x;
    }
    const ExpTable& ex = exp_table();
    // The columns' grid cells and weights, shared by every row.
    const int xs = std::max(0, grid.x0 * f), xe = std::min(fw, grid.x1 * f);
    cols_.build(xs, xe, f, w);
    // With only the feature items on, pixels outside their masks are left as they are.
    const bool skin_items = params.smoothing > 0.0f || params.whitening > 0.0f || params.rosy > 0.0f || params.sharpen > 0.0f;
#if MEIYAN_BEAUTY_X86
    // The skin items on 8 pixels at a time (beauty_avx2.cpp, the same bytes); the feature items and
    // the frame's edge pixels (sharpening's neighbourhood) take the scalar pixel below.
    const bool avx2 = skin_items && simd_active() == SimdLevel::AVX2;
    beauty_detail::SkinRow sr;
    sr.smoothing = params.smoothing;
    sr.whitening = params.whitening;
    sr.rosy = params.rosy;
    sr.sharpen = params.sharpen;
    sr.tone_cb = tone_cb;
    sr.tone_cr = tone_cr;
    sr.inv_2c2 = inv_2c2;
    sr.inv_2e2 = inv_2e2;
    sr.exp = ex.lookup();
    sr.curve = curve;
    sr.curve_size = kCurveSize;
    sr.col_a = cols_.a.data();
    sr.col_b = cols_.b.data();
    sr.col_t = cols_.t.data();
    sr.xs = xs;
    sr.src_row = src_stride;
    // columns whose 8-pixel groups may go to the vector path: sharpening reads one pixel around
    const int vx0 = params.sharpen > 0.0f ? std::max(xs, 1) : xs;
    const int vx1 = params.sharpen > 0.0f ? std::min(xe, fw - 1) : xe;
#endif
    // Per row, the grid rows interpolated vertically first: mask (2) and smooth (3) per grid column.
    row_.resize(static_cast<std::size_t>(w) * 5);
    for (int y = std::max(0, grid.y0 * f); y < std::min(fh, grid.y1 * f); ++y) {
        uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0];
        const float v = (static_cast<float>(y) + 0.5f) * inv_f - 0.5f;
        const float fv = std::floor(v), ay = v - fv;
        const int ya = std::clamp(static_cast<int>(fv), 0, h - 1), yb = std::clamp(static_cast<int>(fv) + 1, 0, h - 1);
        const uint8_t* ma = &grid.mask[4 * static_cast<std::size_t>(ya) * w];
        const uint8_t* mb = &grid.mask[4 * static_cast<std::size_t>(yb) * w];
        const uint8_t* sa = &smooth_[4 * static_cast<std::size_t>(ya) * w];
        const uint8_t* sb = &smooth_[4 * static_cast<std::size_t>(yb) * w];
        // the feature masks' row (frame box), when the row crosses it
        const uint8_t* frow = nullptr;
        if (params.has_features() && !features.empty() && y >= features.y0 && y < features.y0 + features.height) {
            frow = &features.rgba[4 * static_cast<std::size_t>(y - features.y0) * features.width];
        }
        if (!skin_items && !frow) continue;  // only the feature items are on, and none reaches this row
        bool any = frow != nullptr;
        for (int gx = grid.x0; gx < grid.x1; ++gx) {
            float* cell = &row_[5 * static_cast<std::size_t>(gx)];
            const std::size_t i = 4 * static_cast<std::size_t>(gx);
            for (int c = 0; c < 2; ++c) {
                cell[c] = ma[i + c] * kInv255 + (mb[i + c] * kInv255 - ma[i + c] * kInv255) * ay;
                any = any || cell[c] != 0.0f;
            }
            for (int c = 0; c < 3; ++c) cell[2 + c] = sa[i + c] * kInv255 + (sb[i + c] * kInv255 - sa[i + c] * kInv255) * ay;
        }
        if (!any) continue;
        auto feature_at = [&](int x) {
            const uint8_t* fm = frow && x >= features.x0 && x < features.x0 + features.width
                                    ? frow + 4 * static_cast<std::size_t>(x - features.x0)
                                    : nullptr;
            return fm && (fm[0] | fm[1] | fm[2]) != 0 ? fm : nullptr;
        };
        const uint8_t* src_row = src_base + static_cast<std::ptrdiff_t>(y - Y0) * src_stride;  // column X0
#if MEIYAN_BEAUTY_X86
        const bool row_vector = avx2 && (params.sharpen == 0.0f || (y >= 1 && y + 1 < fh));
        if (row_vector) {
            sr.cells = row_.data();
            sr.src = src_row + 4 * (xs - X0);
            sr.out = row + 4 * xs;
        }
#endif
        for (int x = xs; x < xe; ++x) {
#if MEIYAN_BEAUTY_X86
            if (row_vector && x >= vx0 && x + 8 <= vx1) {
                bool plain = true;  // no feature item in the group
                for (int k = 0; k < 8 && plain && frow; ++k) plain = feature_at(x + k) == nullptr;
                if (plain) {
                    beauty_detail::skin_group8_avx2(sr, x);
                    x += 7;
                    continue;
                }
            }
#endif
            const uint8_t* fm = feature_at(x);
            const bool feature = fm != nullptr;
            if (!skin_items && !feature) continue;
            const std::size_t ci = static_cast<std::size_t>(x - xs);
            const float ct = cols_.t[ci];
            const float* ca = &row_[5 * static_cast<std::size_t>(cols_.a[ci])];
            const float* cb_ = &row_[5 * static_cast<std::size_t>(cols_.b[ci])];
            const float m0 = ca[0] + (cb_[0] - ca[0]) * ct, m1 = ca[1] + (cb_[1] - ca[1]) * ct;
            if (m0 == 0.0f && m1 == 0.0f && !feature) continue;
            const uint8_t* cp = src_row + 4 * (x - X0);
            const float c[3] = {cp[0] * kInv255, cp[1] * kInv255, cp[2] * kInv255};
            float cb, cr;
            chroma(c, cb, cr);
            const float dcb = cb - tone_cb, dcr = cr - tone_cr;
            const float skin = m0 * ex((dcb * dcb + dcr * dcr) * inv_2c2);
            float rgb[3] = {c[0], c[1], c[2]};
            if (params.smoothing > 0.0f && skin > 0.0f) {
                const float s[3] = {ca[2] + (cb_[2] - ca[2]) * ct, ca[3] + (cb_[3] - ca[3]) * ct,
                                    ca[4] + (cb_[4] - ca[4]) * ct};
                const float d = luma(s) - luma(c);
                const float k = params.smoothing * skin * ex(d * d * inv_2e2);
                for (int ch = 0; ch < 3; ++ch) rgb[ch] += (s[ch] - rgb[ch]) * k;
            }
            if (params.whitening > 0.0f && skin > 0.0f) {
                for (float& ch : rgb) {
                    const float t = std::clamp(ch, 0.0f, 1.0f) * kCurveSize;
                    const int i0 = std::min(static_cast<int>(t), kCurveSize - 1);
                    const float curved = curve[i0] + (curve[i0 + 1] - curve[i0]) * (t - static_cast<float>(i0));
                    ch += (curved - ch) * skin;
                }
            }
            if (params.rosy > 0.0f) {
                const float k = beauty::kRosyStrength * params.rosy * skin;
                for (int ch = 0; ch < 3; ++ch) rgb[ch] *= 1.0f + (beauty::kRosyTint[ch] - 1.0f) * k;
            }
            if (feature) {
                beauty::apply_features(params, fm[0] * kInv255, fm[1] * kInv255, fm[2] * kInv255, cb, cr, tone, tone_cb,
                                       tone_cr, rgb);
            }
            if (params.sharpen > 0.0f && m1 > 0.0f) {
                float mean[3] = {0, 0, 0};
                for (int dy = -1; dy <= 1; ++dy) {
                    for (int dx = -1; dx <= 1; ++dx) {
                        const uint8_t* q = src_at(x + dx, y + dy);
                        for (int ch = 0; ch < 3; ++ch) mean[ch] += q[ch] * kInv255;
                    }
                }
                const float k = beauty::kSharpenGain * params.sharpen * m1;
                for (int ch = 0; ch < 3; ++ch) rgb[ch] += (c[ch] - mean[ch] / 9.0f) * k;
            }
            uint8_t* px = row + 4 * x;
            for (int ch = 0; ch < 3; ++ch) px[ch] = to_u8(rgb[ch]);
        }
    }
}

}  // namespace meiyan
