// Helpers for AVX2 code that must give a scalar function's floats bit for bit. Included only by
// *_avx2.cpp files (built with -mavx2 -mfma), so every copy of these inline functions is AVX2 code.
#pragma once
#include <immintrin.h>

namespace meiyan::avx2 {

// Keeps a value in a register, so that the compiler cannot fuse the multiply that made it with an
// add that follows (the scalar code, built without FMA, rounds the product first).
inline __m256 unfused(__m256 v) {
    __asm__("" : "+x"(v));
    return v;
}
inline __m256d unfused(__m256d v) {
    __asm__("" : "+x"(v));
    return v;
}
// a + (b - a) * t, rounded as the scalar expression.
inline __m256 lerp(__m256 a, __m256 b, __m256 t) {
    return _mm256_add_ps(a, unfused(_mm256_mul_ps(_mm256_sub_ps(b, a), t)));
}

}  // namespace meiyan::avx2
