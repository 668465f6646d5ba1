// The face crop's vector path (crop_avx2.cpp); crop.cpp holds the scalar sampling that defines the
// results, which the vector path reproduces bit for bit.
#pragma once
#include "face/geometry.h"
#include "image/image.h"

#if defined(__x86_64__) || defined(__i386__)
#define MEIYAN_CROP_X86 1
#endif

namespace meiyan::face::crop_detail {

#if MEIYAN_CROP_X86
// Crop pixels i..i+7 of row j into out (3 floats each) when all their bilinear taps lie inside the
// frame; returns false, writing nothing, when any does not (the caller samples those with borders).
// Pixels are `bpp` bytes (3 or 4) with R, G, B at bytes at[0..2]. AVX2 + FMA CPUs only; the frame's
// byte offsets must fit an int.
bool crop_group8_avx2(const ImageView& frame, int bpp, const int at[3], const Affine2& m, int i, int j, float scale,
                      float lo, float limit, float* out);
#endif

}  // namespace meiyan::face::crop_detail
