#include "effects/background/background_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace meiyan {

namespace background {

namespace {

ImageView rgba_view(const uint8_t* pixels, int width, int height, std::ptrdiff_t stride) {
    ImageView v;
    v.format = PixelFormat::RGBA8;
    v.width = width;
    v.height = height;
    v.data[0] = const_cast<uint8_t*>(pixels);
    v.stride[0] = stride;
    return v;
}

// Means of k x k blocks (the remainder rows and columns dropped), RGBA8 to a packed RGBA8 buffer.
void block_means(const ImageView& src, int k, std::vector<uint8_t>& out, int& out_w, int& out_h) {
    out_w = src.width / k;
    out_h = src.height / k;
    out.assign(static_cast<std::size_t>(out_w) * static_cast<std::size_t>(out_h) * 4, 0);
    std::vector<uint32_t> sums(static_cast<std::size_t>(out_w) * 4);
    const uint32_t n = static_cast<uint32_t>(k) * static_cast<uint32_t>(k);
    for (int by = 0; by < out_h; ++by) {
        std::fill(sums.begin(), sums.end(), 0u);
        for (int y = by * k; y < by * k + k; ++y) {
            const uint8_t* row = src.data[0] + src.stride[0] * y;
            for (int x = 0; x < out_w * k; ++x) {
                for (int c = 0; c < 4; ++c) sums[static_cast<std::size_t>(4 * (x / k) + c)] += row[4 * x + c];
            }
        }
        uint8_t* o = &out[static_cast<std::size_t>(by) * static_cast<std::size_t>(out_w) * 4];
        for (std::size_t i = 0; i < sums.size(); ++i) o[i] = static_cast<uint8_t>((sums[i] + n / 2) / n);
    }
}

}  // namespace

ImageView rgba_view_of(const uint8_t* pixels, int width, int height) {
    return rgba_view(pixels, width, height, static_cast<std::ptrdiff_t>(width) * 4);
}

void reduce(const ImageView& rgba, const Grid& grid, uint8_t* out, std::vector<uint16_t>& scratch) {
    const int f = grid.factor, w = rgba.width, h = rgba.height;
    int shift = 0;
    while ((1 << shift) < f * f) ++shift;
    scratch.resize(static_cast<std::size_t>(w) * 4);
    uint16_t* sums = scratch.data();
    for (int gy = 0; gy < grid.height; ++gy) {
        const int y0 = gy * f, y1 = std::min(y0 + f, h);
        const uint8_t* first = rgba.data[0] + rgba.stride[0] * y0;
        for (int i = 0; i < 4 * w; ++i) sums[i] = first[i];
        for (int y = y0 + 1; y < y1; ++y) {
            const uint8_t* row = rgba.data[0] + rgba.stride[0] * y;
            for (int i = 0; i < 4 * w; ++i) sums[i] = static_cast<uint16_t>(sums[i] + row[i]);
        }
        uint8_t* o = out + static_cast<std::size_t>(gy) * static_cast<std::size_t>(grid.width) * 4;
        for (int gx = 0; gx < grid.width; ++gx) {
            const int x0 = gx * f, x1 = std::min(x0 + f, w);
            uint32_t s[3] = {0, 0, 0};
            for (int x = x0; x < x1; ++x) {
                for (int c = 0; c < 3; ++c) s[c] += sums[4 * x + c];
            }
            const uint32_t n = static_cast<uint32_t>((y1 - y0) * (x1 - x0));
            for (int c = 0; c < 3; ++c) {
                o[4 * gx + c] = static_cast<uint8_t>(n == static_cast<uint32_t>(f * f) ? (s[c] + n / 2) >> shift
                                                                                        : (s[c] + n / 2) / n);
            }
        }
    }
}

std::shared_ptr<const RgbaImage> copy_rgba(const ImageView& image) {
    if (const char* why = validate(image)) fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string("background image: ") + why);
    auto out = std::make_shared<RgbaImage>();
    out->width = image.width;
    out->height = image.height;
    out->pixels.resize(static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 4);
    if (!convert(image, rgba_view_of(out->pixels.data(), image.width, image.height))) {
        fail(MEIYAN_ERROR_UNSUPPORTED, std::string("background image: no conversion from ") +
                                           pixel_format_name(image.format) + " to RGBA8");
    }
    return out;
}

std::vector<uint8_t> feathered(const PersonMask& mask, float feather) {
    const std::array<uint8_t, 256> table = feather_table(feather);
    std::vector<uint8_t> out(mask.alpha.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = table[mask.alpha[i]];
    return out;
}

PersonMask resample(const PersonMask& mask, int width, int height) {
    require(mask.width > 0 && mask.height > 0 &&
                mask.alpha.size() == static_cast<std::size_t>(mask.width) * static_cast<std::size_t>(mask.height),
            "person mask: " + std::to_string(mask.alpha.size()) + " values for " + std::to_string(mask.width) + "x" +
                std::to_string(mask.height));
    PersonMask out;
    out.width = width;
    out.height = height;
    out.alpha.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    const float sx = static_cast<float>(mask.width) / static_cast<float>(width);
    const float sy = static_cast<float>(mask.height) / static_cast<float>(height);
    for (int y = 0; y < height; ++y) {
        const float v = std::clamp((static_cast<float>(y) + 0.5f) * sy - 0.5f, 0.0f, static_cast<float>(mask.height - 1));
        const int y0 = static_cast<int>(v), y1 = std::min(y0 + 1, mask.height - 1);
        const float ay = v - static_cast<float>(y0);
        const uint8_t* r0 = &mask.alpha[static_cast<std::size_t>(y0) * static_cast<std::size_t>(mask.width)];
        const uint8_t* r1 = &mask.alpha[static_cast<std::size_t>(y1) * static_cast<std::size_t>(mask.width)];
        for (int x = 0; x < width; ++x) {
            const float u = std::clamp((static_cast<float>(x) + 0.5f) * sx - 0.5f, 0.0f, static_cast<float>(mask.width - 1));
            const int x0 = static_cast<int>(u), x1 = std::min(x0 + 1, mask.width - 1);
            const float ax = u - static_cast<float>(x0);
            const float top = r0[x0] + (static_cast<float>(r0[x1]) - r0[x0]) * ax;
            const float bottom = r1[x0] + (static_cast<float>(r1[x1]) - r1[x0]) * ax;
            out.alpha[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + x] =
                static_cast<uint8_t>(std::lround(top + (bottom - top) * ay));
        }
    }
    return out;
}

void fit_cover(const RgbaImage& image, int width, int height, std::vector<uint8_t>& out) {
    const double scale = std::max(static_cast<double>(width) / image.width, static_cast<double>(height) / image.height);
    const int cw = std::clamp(static_cast<int>(std::lround(width / scale)), 1, image.width);
    const int ch = std::clamp(static_cast<int>(std::lround(height / scale)), 1, image.height);
    const int cx = (image.width - cw) / 2, cy = (image.height - ch) / 2;
    const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(image.width) * 4;
    ImageView src = rgba_view(image.pixels.data() + cy * stride + 4 * cx, cw, ch, stride);
    std::vector<uint8_t> reduced;
    const int k = std::min(cw / width, ch / height);
    if (k >= 2) {
        int rw = 0, rh = 0;
        block_means(src, k, reduced, rw, rh);
        src = rgba_view(reduced.data(), rw, rh, static_cast<std::ptrdiff_t>(rw) * 4);
    }
    out.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
    if (!resize_bilinear_rgba(src, rgba_view(out.data(), width, height, static_cast<std::ptrdiff_t>(width) * 4))) {
        fail(MEIYAN_ERROR_INTERNAL, "cannot resize the background image");
    }
    for (std::size_t i = 3; i < out.size(); i += 4) out[i] = 255;
}

void blend_row(uint8_t* frame, const uint8_t* bg, const uint8_t* alpha_src, int width) {
    int x = 0;
    if (simd_active() != SimdLevel::Scalar) {
        // 4 pixels at a time in 16-bit lanes, the scalar formula exactly; per pixel the weights
        // are (a, a, a, 255) so that the frame's alpha passes through.
#if defined(__SSE2__)
        const __m128i zero = _mm_setzero_si128(), k255 = _mm_set1_epi16(255), k128 = _mm_set1_epi16(128);
        const __m128i opaque = _mm_set1_epi32(static_cast<int>(0xff000000u));
        for (; x + 4 <= width; x += 4) {
            const __m128i f = _mm_loadu_si128(reinterpret_cast<const __m128i*>(frame + 4 * x));
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bg + 4 * x));
            __m128i a = _mm_srli_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(alpha_src + 4 * x)), 24);
            a = _mm_or_si128(_mm_or_si128(a, _mm_slli_epi32(a, 8)), _mm_or_si128(_mm_slli_epi32(a, 16), opaque));
            __m128i half[2];
            for (int k = 0; k < 2; ++k) {
                const __m128i fk = k ? _mm_unpackhi_epi8(f, zero) : _mm_unpacklo_epi8(f, zero);
                const __m128i bk = k ? _mm_unpackhi_epi8(b, zero) : _mm_unpacklo_epi8(b, zero);
                const __m128i ak = k ? _mm_unpackhi_epi8(a, zero) : _mm_unpacklo_epi8(a, zero);
                __m128i v = _mm_add_epi16(_mm_mullo_epi16(fk, ak), _mm_mullo_epi16(bk, _mm_sub_epi16(k255, ak)));
                v = _mm_add_epi16(v, k128);
                half[k] = _mm_srli_epi16(_mm_add_epi16(v, _mm_srli_epi16(v, 8)), 8);
            }
            _mm_storeu_si128(reinterpret_cast<__m128i*>(frame + 4 * x), _mm_packus_epi16(half[0], half[1]));
        }
#elif defined(__ARM_NEON)
        const uint32x4_t opaque = vdupq_n_u32(0xff000000u);
        const uint16x8_t k128 = vdupq_n_u16(128);
        for (; x + 4 <= width; x += 4) {
            const uint8x16_t f = vld1q_u8(frame + 4 * x), b = vld1q_u8(bg + 4 * x);
            uint32x4_t a32 = vshrq_n_u32(vreinterpretq_u32_u8(vld1q_u8(alpha_src + 4 * x)), 24);
            a32 = vorrq_u32(vorrq_u32(a32, vshlq_n_u32(a32, 8)), vorrq_u32(vshlq_n_u32(a32, 16), opaque));
            const uint8x16_t a = vreinterpretq_u8_u32(a32), ia = vsubq_u8(vdupq_n_u8(255), a);
            uint16x8_t lo = vaddq_u16(vmlal_u8(vmull_u8(vget_low_u8(f), vget_low_u8(a)), vget_low_u8(b), vget_low_u8(ia)), k128);
            uint16x8_t hi = vaddq_u16(vmlal_u8(vmull_u8(vget_high_u8(f), vget_high_u8(a)), vget_high_u8(b), vget_high_u8(ia)), k128);
            lo = vshrq_n_u16(vaddq_u16(lo, vshrq_n_u16(lo, 8)), 8);
            hi = vshrq_n_u16(vaddq_u16(hi, vshrq_n_u16(hi, 8)), 8);
            vst1q_u8(frame + 4 * x, vcombine_u8(vmovn_u16(lo), vmovn_u16(hi)));
        }
#endif
    }
    blend_row_scalar(frame + 4 * x, bg + 4 * x, alpha_src + 4 * x, width - x);
}

void blend_row_scalar(uint8_t* frame, const uint8_t* bg, const uint8_t* alpha_src, int width) {
    for (int x = 0; x < width; ++x) {
        const uint32_t a = alpha_src[4 * x + 3], ia = 255 - a;
        for (int c = 0; c < 3; ++c) {
            // round(v / 255) for v in 0..65025, exactly
            const uint32_t t = frame[4 * x + c] * a + bg[4 * x + c] * ia + 128;
            frame[4 * x + c] = static_cast<uint8_t>((t + (t >> 8)) >> 8);
        }
    }
}

}  // namespace background

void BackgroundCpu::blur(const background::Disc& disc, const background::Grid& g) {
    using background::kMaxDiscRadius;
    const int gw = g.width, gh = g.height, pad = kMaxDiscRadius + 1, pw = gw + 2 * pad;
    const std::size_t srow = static_cast<std::size_t>(pw) * 4, prow = static_cast<std::size_t>(pw + 1) * 4;
    premult_.resize(srow * static_cast<std::size_t>(gh));
    prefix_.resize(prow * static_cast<std::size_t>(gh));
    // Per grid row, premultiplied by the background weight and padded with the edge pixels (the
    // shader's clamped reads), and its running sums.
    for (int y = 0; y < gh; ++y) {
        const uint8_t* src = &reduced_[static_cast<std::size_t>(y) * static_cast<std::size_t>(gw) * 4];
        uint32_t* s = &premult_[srow * static_cast<std::size_t>(y)];
        for (int q = 0; q < pw; ++q) {
            const uint8_t* p = src + 4 * std::clamp(q - pad, 0, gw - 1);
            const uint32_t w = p[3];
            s[4 * q] = p[0] * w;
            s[4 * q + 1] = p[1] * w;
            s[4 * q + 2] = p[2] * w;
            s[4 * q + 3] = w;
        }
        uint32_t* pre = &prefix_[prow * static_cast<std::size_t>(y)];
        for (int c = 0; c < 4; ++c) pre[c] = 0;
        for (std::size_t j = 4; j < prow; ++j) pre[j] = pre[j - 4] + s[j - 4];
    }
    const std::size_t n = static_cast<std::size_t>(gw) * 4;
    acc_.resize(n);
    uint32_t* acc = acc_.data();
    for (int y = 0; y < gh; ++y) {
        std::fill(acc_.begin(), acc_.end(), 0u);
        for (int k = 0; k <= 2 * disc.radius; ++k) {
            const int sy = std::clamp(y + k - disc.radius, 0, gh - 1);
            const background::DiscRow row = disc.rows[static_cast<std::size_t>(k)];
            // s[4x + c] and pre[4x + c] (the sum of s before x) for x in -pad..gw + pad.
            const uint32_t* s = &premult_[srow * static_cast<std::size_t>(sy) + 4 * static_cast<std::size_t>(pad)];
            const uint32_t* pre = &prefix_[prow * static_cast<std::size_t>(sy) + 4 * static_cast<std::size_t>(pad)];
            const uint32_t e = static_cast<uint32_t>(row.edge);
            if (row.n < 0) {
                for (std::size_t i = 0; i < n; ++i) acc[i] += e * s[i];
                continue;
            }
            const std::ptrdiff_t hi = 4 * (row.n + 1), lo = 4 * row.n;
            const uint32_t* pre_hi = pre + hi;
            const uint32_t* pre_lo = pre - lo;
            const uint32_t* s_hi = s + hi;
            const uint32_t* s_lo = s - hi;
            for (std::size_t i = 0; i < n; ++i) {
                acc[i] += background::kDiscFull * (pre_hi[i] - pre_lo[i]) + e * (s_hi[i] + s_lo[i]);
            }
        }
        uint8_t* out = &low_[static_cast<std::size_t>(y) * n];
        for (int x = 0; x < gw; ++x) {
            const uint32_t* a = acc + 4 * x;
            for (int c = 0; c < 3; ++c) out[4 * x + c] = static_cast<uint8_t>((a[c] + a[3] / 2) / a[3]);
        }
    }
}

void BackgroundCpu::apply(const BackgroundParams& params, const PersonMask& mask, const ImageView& rgba) {
    if (!params.is_active()) return;
    const int w = rgba.width, h = rgba.height;
    const background::Grid g = background::grid_for(w, h);
    if (mask.width != g.width || mask.height != g.height ||
        mask.alpha.size() != static_cast<std::size_t>(g.width) * static_cast<std::size_t>(g.height)) {
        fail(MEIYAN_ERROR_INTERNAL, "person mask of " + std::to_string(mask.width) + "x" + std::to_string(mask.height) +
                                        " for a " + std::to_string(g.width) + "x" + std::to_string(g.height) + " grid");
    }
    const std::vector<uint8_t> alpha = background::feathered(mask, params.feather);
    const std::size_t cells = alpha.size();
    low_.resize(cells * 4);
    if (params.mode == BackgroundMode::Blur) {
        reduced_.resize(cells * 4);
        background::reduce(rgba, g, reduced_.data(), scratch_);
        for (std::size_t i = 0; i < cells; ++i) reduced_[4 * i + 3] = static_cast<uint8_t>(background::background_weight(alpha[i]));
        blur(background::disc_for(params.blur, w, h), g);
    } else {
        uint8_t c8[3] = {0, 0, 0};
        if (params.mode == BackgroundMode::Color) {
            for (int c = 0; c < 3; ++c) c8[c] = static_cast<uint8_t>(std::lround(params.color[c] * 255.0f));
        }
        for (std::size_t i = 0; i < cells; ++i) std::memcpy(&low_[4 * i], c8, 3);
        if (params.mode == BackgroundMode::Image &&
            (fitted_source_ != params.image || fitted_w_ != w || fitted_h_ != h)) {
            background::fit_cover(*params.image, w, h, fitted_);
            fitted_source_ = params.image;
            fitted_w_ = w;
            fitted_h_ = h;
        }
    }
    for (std::size_t i = 0; i < cells; ++i) low_[4 * i + 3] = alpha[i];
    const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(w) * 4;
    up_.resize(static_cast<std::size_t>(row) * static_cast<std::size_t>(h));
    if (!resize_bilinear_rgba(background::rgba_view_of(low_.data(), g.width, g.height),
                              background::rgba_view_of(up_.data(), w, h))) {
        fail(MEIYAN_ERROR_INTERNAL, "cannot upsample the background grid");
    }
    const bool image = params.mode == BackgroundMode::Image;
    for (int y = 0; y < h; ++y) {
        const uint8_t* up = &up_[static_cast<std::size_t>(row) * static_cast<std::size_t>(y)];
        const uint8_t* bg = image ? &fitted_[static_cast<std::size_t>(row) * static_cast<std::size_t>(y)] : up;
        background::blend_row(rgba.data[0] + rgba.stride[0] * y, bg, up, w);
    }
}

}  // namespace meiyan
