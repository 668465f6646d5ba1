// The CPU colour grade's pixel (tone curves, saturation, trilinear 3D LUT, intensity blend),
// vectorised in color_grade_avx2.cpp; grade_rows in color_grade_cpu.cpp holds the scalar pixel that
// defines the results, reproduced bit for bit.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#define MEIYAN_COLOR_X86 1
#endif

namespace meiyan {
namespace color_detail {

struct GradeParams {
    const float (*curve)[256] = nullptr;  // per channel: the tone curve of each 8-bit value
    bool saturation = false;
    float sat = 1.0f;
    const float* lut = nullptr;  // null: no LUT; else Lut3D::data(), red fastest
    int lut_size = 0;
    float lut_intensity = 0.0f;
};

#if MEIYAN_COLOR_X86
// RGBA8 pixels px[0..31] (8 pixels): RGB graded as the scalar pixel does, alpha kept (AVX2 + FMA CPUs only).
void grade_group8_avx2(const GradeParams& g, uint8_t* px);
#endif

}  // namespace color_detail
}  // namespace meiyan
