#include "effects/color/color_grade_cpu.h"

#include <algorithm>
#include <cmath>

#include "effects/color/color_grade_simd.h"
#include "image/image.h"

namespace meiyan {

namespace {

inline uint8_t to_u8(float x) { return static_cast<uint8_t>(std::clamp(x, 0.0f, 1.0f) * 255.0f + 0.5f); }

// The LUT lookup of Lut3D::sample, inlined into the pixel loop with its strides hoisted; the same
// arithmetic in the same order, so results are identical.
struct LutSampler {
    const float* data;
    int n;
    float scale;
    std::ptrdiff_t sg, sb;

    explicit LutSampler(const Lut3D& lut)
        : data(lut.data().data()), n(lut.size()), scale(static_cast<float>(lut.size() - 1)),
          sg(3 * static_cast<std::ptrdiff_t>(lut.size())),
          sb(3 * static_cast<std::ptrdiff_t>(lut.size()) * lut.size()) {}

    inline void operator()(const float rgb[3], float out[3]) const {
        int i0[3];
        float f[3];
        for (int c = 0; c < 3; ++c) {
            const float x = std::clamp(rgb[c], 0.0f, 1.0f) * scale;
            i0[c] = std::min(static_cast<int>(x), n - 2);
            f[c] = x - static_cast<float>(i0[c]);
        }
        const float* base = data + 3 * i0[0] + i0[1] * sg + i0[2] * sb;
        for (int c = 0; c < 3; ++c) {
            const float* p = base + c;
            const float c00 = p[0] + (p[3] - p[0]) * f[0];
            const float c10 = p[sg] + (p[sg + 3] - p[sg]) * f[0];
            const float c01 = p[sb] + (p[sb + 3] - p[sb]) * f[0];
            const float c11 = p[sb + sg] + (p[sb + sg + 3] - p[sb + sg]) * f[0];
            const float c0 = c00 + (c10 - c00) * f[1];
            const float c1 = c01 + (c11 - c01) * f[1];
            out[c] = c0 + (c1 - c0) * f[2];
        }
    }
};

// The scalar pixel defines the results; on AVX2 CPUs groups of 8 pixels go through
// grade_group8_avx2 (the same bytes) and the rest of each row through this loop.
template <bool kSaturation, bool kLut>
void grade_rows(const color_detail::GradeParams& g, const LutSampler* lut, const ImageView& rgba) {
    const float(*curve)[256] = g.curve;
    const float sat = g.sat, k = g.lut_intensity;
#if MEIYAN_COLOR_X86
    const bool avx2 = simd_active() == SimdLevel::AVX2;
#endif
    for (int y = 0; y < rgba.height; ++y) {
        uint8_t* row = rgba.data[0] + static_cast<std::ptrdiff_t>(y) * rgba.stride[0];
        int x0 = 0;
#if MEIYAN_COLOR_X86
        if (avx2) {
            for (; x0 + 8 <= rgba.width; x0 += 8) color_detail::grade_group8_avx2(g, row + 4 * x0);
        }
#endif
        for (int x = x0; x < rgba.width; ++x) {
            uint8_t* px = row + 4 * x;
            float rgb[3] = {curve[0][px[0]], curve[1][px[1]], curve[2][px[2]]};
            if (kSaturation) {
                const float luma = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
                for (float& v : rgb) v = std::clamp(luma + (v - luma) * sat, 0.0f, 1.0f);
            }
            if (kLut) {
                float graded[3];
                (*lut)(rgb, graded);
                for (int c = 0; c < 3; ++c) rgb[c] += (graded[c] - rgb[c]) * k;
            }
            px[0] = to_u8(rgb[0]);
            px[1] = to_u8(rgb[1]);
            px[2] = to_u8(rgb[2]);
        }
    }
}

}  // namespace

void color_grade_cpu(const ColorParams& params, const Lut3D* lut, const ImageView& rgba) {
    // Tone curves act per channel on 8-bit input, so a 256-entry table per channel is exact.
    float curve[3][256];
    for (int c = 0; c < 3; ++c) {
        for (int v = 0; v < 256; ++v) curve[c][v] = tone_curve(params, c, static_cast<float>(v) / 255.0f);
    }
    const float sat = 1.0f + params.saturation;
    const bool use_sat = sat != 1.0f;
    const bool use_lut = lut != nullptr && params.lut_intensity > 0.0f;
    color_detail::GradeParams g;
    g.curve = curve;
    g.saturation = use_sat;
    g.sat = sat;
    if (!use_lut) {
        if (use_sat) {
            grade_rows<true, false>(g, nullptr, rgba);
        } else {
            grade_rows<false, false>(g, nullptr, rgba);
        }
        return;
    }
    g.lut = lut->data().data();
    g.lut_size = lut->size();
    g.lut_intensity = params.lut_intensity;
    const LutSampler sampler(*lut);
    if (use_sat) {
        grade_rows<true, true>(g, &sampler, rgba);
    } else {
        grade_rows<false, true>(g, &sampler, rgba);
    }
}

}  // namespace meiyan
