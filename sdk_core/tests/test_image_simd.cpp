// Every SIMD level this CPU runs must give exactly the scalar results (max_diff == 0), on odd sizes,
// padded and negative strides, 1x1 and full-HD frames; and must not write into row padding.
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "check.h"
#include "image/image.h"

using namespace meiyan;

namespace {

constexpr uint8_t kSentinel = 0xa5;

enum class Layout { Tight, Padded, Flipped };

// An owned image; padded rows are 13 bytes longer than needed, flipped ones are stored bottom-up.
struct Frame {
    std::vector<uint8_t> mem[3];
    ImageView view;

    Frame(PixelFormat f, int w, int h, Layout layout = Layout::Tight) {
        view.format = f;
        view.width = w;
        view.height = h;
        for (int p = 0; p < plane_count(f); ++p) {
            const std::ptrdiff_t stride = min_stride(f, p, w) + (layout == Layout::Padded ? 13 : 0);
            const int rows = plane_height(f, p, h);
            mem[p].assign(static_cast<std::size_t>(stride * rows), kSentinel);
            view.data[p] = mem[p].data();
            view.stride[p] = stride;
            if (layout == Layout::Flipped) {
                view.data[p] += stride * (rows - 1);
                view.stride[p] = -stride;
            }
        }
    }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

    void randomize(uint32_t seed) {
        std::mt19937 rng(seed);
        for (auto& m : mem) {
            for (auto& b : m) b = static_cast<uint8_t>(rng() >> 24);
        }
    }
};

const uint8_t* row(const ImageView& v, int p, int y) { return v.data[p] + v.stride[p] * y; }

// Largest difference over the image bytes; -1 when the shapes differ.
int max_diff(const ImageView& a, const ImageView& b) {
    if (a.format != b.format || a.width != b.width || a.height != b.height) return -1;
    int worst = 0;
    for (int p = 0; p < plane_count(a.format); ++p) {
        for (int y = 0; y < plane_height(a.format, p, a.height); ++y) {
            for (std::ptrdiff_t x = 0; x < min_stride(a.format, p, a.width); ++x) {
                const int d = row(a, p, y)[x] - row(b, p, y)[x];
                worst = d > worst ? d : (-d > worst ? -d : worst);
            }
        }
    }
    return worst;
}

// Whether every byte outside the image rows still holds the sentinel.
bool padding_intact(const Frame& f) {
    const ImageView& v = f.view;
    for (int p = 0; p < plane_count(v.format); ++p) {
        const std::ptrdiff_t s = v.stride[p] < 0 ? -v.stride[p] : v.stride[p];
        for (std::size_t i = 0; i < f.mem[p].size(); ++i) {
            if (static_cast<std::ptrdiff_t>(i) % s >= min_stride(v.format, p, v.width) && f.mem[p][i] != kSentinel) {
                return false;
            }
        }
    }
    return true;
}

std::vector<SimdLevel> simd_levels() {
    std::vector<SimdLevel> levels;
    for (SimdLevel l : {SimdLevel::SSE2, SimdLevel::AVX2, SimdLevel::NEON}) {
        if (simd_available(l)) levels.push_back(l);
    }
    return levels;
}

const int kWidths[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 641};
const int kHeights[] = {1, 2, 3, 5};
const Layout kLayouts[] = {Layout::Tight, Layout::Padded, Layout::Flipped};

// Runs convert() at `level` and at scalar on the same input; returns the largest difference, or
// 1000 when a call failed or padding was written.
int convert_vs_scalar(SimdLevel level, PixelFormat sf, PixelFormat df, int w, int h, Layout layout, uint32_t seed) {
    Frame src(sf, w, h, layout), ref(df, w, h, layout), out(df, w, h, layout);
    src.randomize(seed);
    simd_force(SimdLevel::Scalar);
    const bool ok_ref = convert(src.view, ref.view);
    simd_force(level);
    const bool ok_out = convert(src.view, out.view);
    if (!ok_ref || !ok_out || !padding_intact(out)) return 1000;
    return max_diff(ref.view, out.view);
}

int resize_vs_scalar(SimdLevel level, int sw, int sh, int dw, int dh, Layout layout, uint32_t seed) {
    Frame src(PixelFormat::RGBA8, sw, sh, layout), ref(PixelFormat::RGBA8, dw, dh, layout),
        out(PixelFormat::RGBA8, dw, dh, layout);
    src.randomize(seed);
    simd_force(SimdLevel::Scalar);
    const bool ok_ref = resize_bilinear_rgba(src.view, ref.view);
    simd_force(level);
    const bool ok_out = resize_bilinear_rgba(src.view, out.view);
    if (!ok_ref || !ok_out || !padding_intact(out)) return 1000;
    return max_diff(ref.view, out.view);
}

}  // namespace

TEST_CASE("simd levels: detection, forcing and names") {
    CHECK(simd_available(SimdLevel::Scalar));
    CHECK(simd_available(simd_detected()));
    std::printf("  detected: %s\n", simd_level_name(simd_detected()));
    simd_force(SimdLevel::Scalar);
    CHECK(simd_active() == SimdLevel::Scalar);
    for (SimdLevel l : simd_levels()) {
        simd_force(l);
        CHECK(simd_active() == l);
    }
    simd_force(SimdLevel::NEON);  // the highest value: clamps to what this CPU has
    CHECK(simd_active() == simd_detected());
    CHECK(std::string(simd_level_name(SimdLevel::AVX2)) == "avx2");
}

TEST_CASE("simd convert matches scalar for every format pair, size and layout") {
    for (SimdLevel level : simd_levels()) {
        int worst = 0;
        uint32_t seed = 1;
        for (int sf = 0; sf < kPixelFormatCount; ++sf) {
            for (int df = 0; df < kPixelFormatCount; ++df) {
                for (int w : kWidths) {
                    for (int h : kHeights) {
                        for (Layout layout : kLayouts) {
                            const int d = convert_vs_scalar(level, static_cast<PixelFormat>(sf),
                                                            static_cast<PixelFormat>(df), w, h, layout, seed++);
                            if (d != 0 && worst == 0) {
                                std::printf("  %s: %s -> %s %dx%d layout %d differs by %d\n", simd_level_name(level),
                                            pixel_format_name(static_cast<PixelFormat>(sf)),
                                            pixel_format_name(static_cast<PixelFormat>(df)), w, h,
                                            static_cast<int>(layout), d);
                            }
                            worst = d > worst ? d : worst;
                        }
                    }
                }
            }
        }
        CHECK_EQ(worst, 0);
    }
    simd_force(simd_detected());
}

TEST_CASE("simd resize matches scalar") {
    const int kDst[] = {1, 2, 3, 5, 17, 33, 64, 65, 100};
    for (SimdLevel level : simd_levels()) {
        int worst = 0;
        uint32_t seed = 7;
        for (int sw : kWidths) {
            for (int sh : kHeights) {
                for (int dw : kDst) {
                    for (int dh : {1, 3, 8}) {
                        const Layout layout = kLayouts[seed % 3];
                        const int d = resize_vs_scalar(level, sw, sh, dw, dh, layout, seed++);
                        if (d != 0 && worst == 0) {
                            std::printf("  %s: %dx%d -> %dx%d layout %d differs by %d\n", simd_level_name(level), sw,
                                        sh, dw, dh, static_cast<int>(layout), d);
                        }
                        worst = d > worst ? d : worst;
                    }
                }
            }
        }
        CHECK_EQ(worst, 0);
    }
    simd_force(simd_detected());
}

TEST_CASE("simd matches scalar on 1x1 and 1920x1080 frames") {
    const PixelFormat kPairs[][2] = {{PixelFormat::NV21, PixelFormat::RGBA8},  {PixelFormat::NV12, PixelFormat::BGRA8},
                                     {PixelFormat::I420, PixelFormat::RGBA8},  {PixelFormat::NV21, PixelFormat::RGB8},
                                     {PixelFormat::RGBA8, PixelFormat::BGRA8}, {PixelFormat::BGR8, PixelFormat::RGBA8},
                                     {PixelFormat::RGB8, PixelFormat::RGBA8},  {PixelFormat::RGBA8, PixelFormat::BGR8},
                                     {PixelFormat::RGBA8, PixelFormat::NV21},  {PixelFormat::BGRA8, PixelFormat::I420}};
    for (SimdLevel level : simd_levels()) {
        uint32_t seed = 100;
        for (const auto& pair : kPairs) {
            for (Layout layout : kLayouts) {
                CHECK_EQ(convert_vs_scalar(level, pair[0], pair[1], 1, 1, layout, seed++), 0);
                CHECK_EQ(convert_vs_scalar(level, pair[0], pair[1], 1920, 1080, layout, seed++), 0);
            }
        }
        CHECK_EQ(resize_vs_scalar(level, 1920, 1080, 1280, 720, Layout::Padded, seed++), 0);
        CHECK_EQ(resize_vs_scalar(level, 1920, 1080, 640, 360, Layout::Flipped, seed++), 0);
        CHECK_EQ(resize_vs_scalar(level, 1280, 720, 1920, 1080, Layout::Tight, seed++), 0);
        CHECK_EQ(resize_vs_scalar(level, 1920, 1080, 1, 1, Layout::Tight, seed++), 0);
        CHECK_EQ(resize_vs_scalar(level, 1, 1, 1920, 1080, Layout::Tight, seed++), 0);
    }
    simd_force(simd_detected());
}

TEST_MAIN()
