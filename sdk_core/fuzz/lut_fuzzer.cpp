// libFuzzer harness for the text readers' numbers and the .cube LUT reader:
// - parse_decimal on any bytes returns null or a position inside them, and the value agrees bit for
//   bit with strtod on the same characters (the C locale: '.' is the decimal point);
// - Lut3D::parse_cube either throws CORRUPT_DATA or gives a LUT whose samples are finite.
// Seeds: the bundled filters (bindings/meiyan/data/luts/*.cube).
//   build/fuzz/fuzz/lut_fuzzer -max_total_time=60 build/fuzz/corpus-lut bindings/meiyan/data/luts/
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/decimal.h"
#include "core/error.h"
#include "effects/color/lut3d.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    double d = 0;
    const char* first = text.data();
    const char* end = meiyan::parse_decimal(first, first + text.size(), d);
    if (end != nullptr) {
        if (end <= first || end > first + text.size()) std::abort();
        const std::string span(first, end);
        char* stop = nullptr;
        const double want = std::strtod(span.c_str(), &stop);
        if (stop != span.c_str() + span.size()) std::abort();
        if (std::memcmp(&want, &d, sizeof d) != 0 && !(std::isnan(want) && std::isnan(d))) std::abort();
    }
    try {
        const meiyan::Lut3D lut = meiyan::Lut3D::parse_cube(text);
        const float probes[3][3] = {{0.0f, 0.0f, 0.0f}, {0.25f, 0.5f, 0.75f}, {1.0f, 1.0f, 1.0f}};
        for (const auto& rgb : probes) {
            float out[3];
            lut.sample(rgb, out);
            for (float v : out) {
                if (!std::isfinite(v)) std::abort();
            }
        }
    } catch (const meiyan::Error& e) {
        if (e.code() != MEIYAN_ERROR_CORRUPT_DATA) std::abort();
    }
    return 0;
}
