// Image core: format facts, validation, colour conversion against double-precision BT.601, rotation
// and bilinear resize against a double-precision reference. Runs at the detected SIMD level
// (test_image_simd checks that every level equals scalar).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "image/image.h"

using namespace meiyan;

namespace {

// An owned image, tightly packed or stored bottom-up (negative strides).
struct Frame {
    std::vector<uint8_t> mem[3];
    ImageView view;

    Frame(PixelFormat f, int w, int h, bool flipped = false) {
        view.format = f;
        view.width = w;
        view.height = h;
        for (int p = 0; p < plane_count(f); ++p) {
            const std::ptrdiff_t stride = min_stride(f, p, w);
            const int rows = plane_height(f, p, h);
            mem[p].assign(static_cast<std::size_t>(stride * rows), 0);
            view.data[p] = mem[p].data();
            view.stride[p] = stride;
            if (flipped) {
                view.data[p] += stride * (rows - 1);
                view.stride[p] = -stride;
            }
        }
    }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

    uint8_t* at(int p, int x, int y) const {
        return view.data[p] + view.stride[p] * y +
               static_cast<std::ptrdiff_t>(x) * (p == 0 ? bytes_per_pixel(view.format) : 1);
    }
    void randomize(uint32_t seed) {
        std::mt19937 rng(seed);
        for (auto& m : mem) {
            for (auto& b : m) b = static_cast<uint8_t>(rng() >> 24);
        }
    }
};

// Fills a packed frame with a smooth colour field (at most about 2 levels per pixel).
void fill_smooth(Frame& f) {
    const int bpp = bytes_per_pixel(f.view.format);
    for (int y = 0; y < f.view.height; ++y) {
        for (int x = 0; x < f.view.width; ++x) {
            uint8_t* p = f.at(0, x, y);
            p[0] = static_cast<uint8_t>(128 + 100 * std::sin(x * 0.02 + y * 0.01));
            p[1] = static_cast<uint8_t>(128 + 90 * std::cos(y * 0.015 - x * 0.005));
            p[2] = static_cast<uint8_t>(60 + (x + y) % 256 / 2);
            if (bpp == 4) p[3] = static_cast<uint8_t>((x * 7 + y) & 255);
        }
    }
}

int round_clamp(double v) {
    const double r = std::floor(v + 0.5);
    return static_cast<int>(r < 0 ? 0 : (r > 255 ? 255 : r));
}

// Double-precision BT.601 limited range.
void ref_yuv_to_rgb(int y, int u, int v, int rgb[3]) {
    const double c = 1.164383 * (y - 16), d = u - 128, e = v - 128;
    rgb[0] = round_clamp(c + 1.596027 * e);
    rgb[1] = round_clamp(c - 0.391762 * d - 0.812968 * e);
    rgb[2] = round_clamp(c + 2.017232 * d);
}

void ref_rgb_to_yuv(double r, double g, double b, double yuv[3]) {
    yuv[0] = 16 + 0.256788 * r + 0.504129 * g + 0.097906 * b;
    yuv[1] = 128 - 0.148223 * r - 0.290993 * g + 0.439216 * b;
    yuv[2] = 128 + 0.439216 * r - 0.367788 * g - 0.071427 * b;
}

// Channel c (0=R 1=G 2=B 3=A) of a packed pixel; 255 for alpha when the format has none.
int channel(PixelFormat f, const uint8_t* p, int c) {
    const bool bgr = f == PixelFormat::BGRA8 || f == PixelFormat::BGR8;
    if (c == 3) return bytes_per_pixel(f) == 4 ? p[3] : 255;
    return p[bgr && c != 1 ? 2 - c : c];
}

ImageView single_pixel_yuv(PixelFormat f, uint8_t* y, uint8_t* uv) {
    ImageView v;
    v.format = f;
    v.width = v.height = 1;
    v.data[0] = y;
    v.data[1] = uv;
    v.data[2] = uv + 1;
    v.stride[0] = 1;
    v.stride[1] = f == PixelFormat::I420 ? 1 : 2;
    v.stride[2] = 1;
    return v;
}

void yuv_pixel_to_rgba(PixelFormat f, int y, int u, int v, uint8_t out[4]) {
    uint8_t yy = static_cast<uint8_t>(y);
    uint8_t uv[2] = {static_cast<uint8_t>(u), static_cast<uint8_t>(v)};
    if (f == PixelFormat::NV21) std::swap(uv[0], uv[1]);
    ImageView dst;
    dst.width = dst.height = 1;
    dst.data[0] = out;
    dst.stride[0] = 4;
    CHECK(convert(single_pixel_yuv(f, &yy, uv), dst));
}

}  // namespace

TEST_CASE("format facts") {
    CHECK(std::string(pixel_format_name(PixelFormat::NV21)) == "NV21");
    CHECK(std::string(pixel_format_name(static_cast<PixelFormat>(42))) == "unknown");
    CHECK(is_yuv(PixelFormat::I420) && is_yuv(PixelFormat::NV12) && !is_yuv(PixelFormat::BGR8));
    CHECK_EQ(bytes_per_pixel(PixelFormat::RGBA8), 4);
    CHECK_EQ(bytes_per_pixel(PixelFormat::BGR8), 3);
    CHECK_EQ(bytes_per_pixel(PixelFormat::NV21), 1);
    CHECK_EQ(plane_count(PixelFormat::RGB8), 1);
    CHECK_EQ(plane_count(PixelFormat::NV12), 2);
    CHECK_EQ(plane_count(PixelFormat::I420), 3);
    CHECK_EQ(min_stride(PixelFormat::RGB8, 0, 5), 15);
    CHECK_EQ(min_stride(PixelFormat::NV21, 1, 5), 6);
    CHECK_EQ(min_stride(PixelFormat::I420, 2, 5), 3);
    CHECK_EQ(min_stride(PixelFormat::RGBA8, 1, 5), 0);
    CHECK_EQ(plane_height(PixelFormat::I420, 1, 5), 3);
    CHECK_EQ(plane_height(PixelFormat::NV12, 0, 5), 5);
    CHECK_EQ(plane_height(PixelFormat::NV12, 2, 5), 0);
}

TEST_CASE("validate accepts good views and names what is wrong") {
    Frame nv(PixelFormat::NV21, 5, 3);
    CHECK(validate(nv.view) == nullptr);
    Frame flipped(PixelFormat::I420, 7, 5, true);
    CHECK(validate(flipped.view) == nullptr);

    ImageView v = nv.view;
    v.data[1] = nullptr;
    CHECK(validate(v) != nullptr);
    v = flipped.view;
    v.data[2] = nullptr;
    CHECK(validate(v) != nullptr);
    v = nv.view;
    v.width = 0;
    CHECK(validate(v) != nullptr);
    v = nv.view;
    v.height = -1;
    CHECK(validate(v) != nullptr);
    v = nv.view;
    v.stride[0] = 4;
    CHECK(validate(v) != nullptr);
    v = flipped.view;
    v.stride[1] = -3;  // needs 4
    CHECK(validate(v) != nullptr);
    v = nv.view;
    v.format = static_cast<PixelFormat>(9);
    CHECK(validate(v) != nullptr);
    v = nv.view;
    v.width = kMaxImageDimension + 1;
    CHECK(validate(v) != nullptr);
    CHECK(validate(ImageView{}) != nullptr);

    Frame a(PixelFormat::RGBA8, 4, 4), b(PixelFormat::RGBA8, 4, 3);
    CHECK(!convert(a.view, b.view));
    CHECK(!convert(a.view, ImageView{}));
}

TEST_CASE("yuv known colours: black, white, grey, pure red") {
    for (PixelFormat f : {PixelFormat::NV12, PixelFormat::NV21, PixelFormat::I420}) {
        uint8_t px[4];
        yuv_pixel_to_rgba(f, 16, 128, 128, px);
        CHECK(px[0] == 0 && px[1] == 0 && px[2] == 0 && px[3] == 255);
        yuv_pixel_to_rgba(f, 235, 128, 128, px);
        CHECK(px[0] == 255 && px[1] == 255 && px[2] == 255 && px[3] == 255);
        yuv_pixel_to_rgba(f, 126, 128, 128, px);  // 1.164383 * 110 = 128.08
        CHECK(px[0] == 128 && px[1] == 128 && px[2] == 128);
        yuv_pixel_to_rgba(f, 81, 90, 240, px);  // BT.601 limited-range red
        CHECK_NEAR(px[0], 255, 2);
        CHECK_NEAR(px[1], 0, 2);
        CHECK_NEAR(px[2], 0, 2);
        // NV12 and NV21 differ only in chroma order: blue-ish (U high) must come out blue.
        yuv_pixel_to_rgba(f, 41, 240, 110, px);
        CHECK(px[2] > 200 && px[0] < 40);
    }
}

TEST_CASE("yuv to rgb is within 1 level of double-precision BT.601") {
    // Y runs along x (every value); each chroma row is one (U, V) pair from a grid.
    std::vector<int> us;
    for (int u = 0; u < 256; u += 3) us.push_back(u);
    us.push_back(255);
    const int pairs = static_cast<int>(us.size() * us.size());
    Frame src(PixelFormat::I420, 256, 2 * pairs), dst(PixelFormat::RGBA8, 256, 2 * pairs);
    for (int cy = 0; cy < pairs; ++cy) {
        for (int y = 2 * cy; y < 2 * cy + 2; ++y) {
            for (int x = 0; x < 256; ++x) *src.at(0, x, y) = static_cast<uint8_t>(x);
        }
        std::memset(src.at(1, 0, cy), us[cy / us.size()], 128);
        std::memset(src.at(2, 0, cy), us[cy % us.size()], 128);
    }
    CHECK(convert(src.view, dst.view));
    int worst = 0;
    for (int cy = 0; cy < pairs; ++cy) {
        for (int x = 0; x < 256; ++x) {
            int ref[3];
            ref_yuv_to_rgb(x, us[cy / us.size()], us[cy % us.size()], ref);
            for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(dst.at(0, x, 2 * cy)[c] - ref[c]));
        }
    }
    CHECK(worst <= 1);
}

TEST_CASE("rgb to yuv: known colours, reference and 2x2 chroma means with edge clamping") {
    Frame rgba(PixelFormat::RGBA8, 2, 2), nv(PixelFormat::NV12, 2, 2);
    const uint8_t colours[][3] = {{0, 0, 0}, {255, 255, 255}, {255, 0, 0}, {128, 128, 128}};
    const uint8_t expect[][3] = {{16, 128, 128}, {235, 128, 128}, {82, 90, 240}, {126, 128, 128}};
    for (int i = 0; i < 4; ++i) {
        for (int p = 0; p < 4; ++p) std::memcpy(rgba.at(0, p % 2, p / 2), colours[i], 3);
        CHECK(convert(rgba.view, nv.view));
        CHECK_NEAR(*nv.at(0, 1, 1), expect[i][0], 1);
        CHECK_NEAR(*nv.at(1, 0, 0), expect[i][1], 1);
        CHECK_NEAR(*nv.at(1, 1, 0), expect[i][2], 1);
    }

    // Random odd-sized image: Y per pixel, chroma from the mean of the clamped 2x2 block.
    const int w = 7, h = 5;
    Frame src(PixelFormat::RGBA8, w, h), yuv(PixelFormat::I420, w, h);
    src.randomize(11);
    CHECK(convert(src.view, yuv.view));
    double worst_y = 0, worst_c = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const uint8_t* p = src.at(0, x, y);
            double ref[3];
            ref_rgb_to_yuv(p[0], p[1], p[2], ref);
            worst_y = std::max(worst_y, std::fabs(*yuv.at(0, x, y) - ref[0]));
        }
    }
    for (int cy = 0; cy < (h + 1) / 2; ++cy) {
        for (int cx = 0; cx < (w + 1) / 2; ++cx) {
            double mean[3] = {0, 0, 0};
            for (int k = 0; k < 4; ++k) {
                const int x = std::min(2 * cx + k % 2, w - 1), y = std::min(2 * cy + k / 2, h - 1);
                for (int c = 0; c < 3; ++c) mean[c] += src.at(0, x, y)[c] / 4.0;
            }
            double ref[3];
            ref_rgb_to_yuv(mean[0], mean[1], mean[2], ref);
            worst_c = std::max(worst_c, std::fabs(*yuv.at(1, cx, cy) - ref[1]));
            worst_c = std::max(worst_c, std::fabs(*yuv.at(2, cx, cy) - ref[2]));
        }
    }
    CHECK(worst_y <= 0.51);
    CHECK(worst_c <= 0.51);
}

TEST_CASE("round trip RGBA -> YUV -> RGBA on a smooth image stays within 3 levels") {
    Frame src(PixelFormat::RGBA8, 65, 37), back(PixelFormat::RGBA8, 65, 37);
    fill_smooth(src);
    for (PixelFormat f : {PixelFormat::NV21, PixelFormat::NV12, PixelFormat::I420}) {
        Frame yuv(f, 65, 37);
        CHECK(convert(src.view, yuv.view));
        CHECK(convert(yuv.view, back.view));
        int worst = 0;
        for (int y = 0; y < 37; ++y) {
            for (int x = 0; x < 65; ++x) {
                for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(src.at(0, x, y)[c] - back.at(0, x, y)[c]));
                CHECK_EQ(back.at(0, x, y)[3], 255);
            }
        }
        CHECK(worst <= 3);
    }
}

TEST_CASE("round trip of flat 2x2 blocks over the RGB cube stays within 2 levels") {
    // Without chroma subsampling error only quantisation remains.
    std::vector<int> levels;
    for (int l = 0; l < 256; l += 5) levels.push_back(l);
    const int n = static_cast<int>(levels.size());
    Frame src(PixelFormat::RGBA8, 2 * n, 2 * n * n), back(PixelFormat::RGBA8, 2 * n, 2 * n * n);
    Frame yuv(PixelFormat::NV21, 2 * n, 2 * n * n);
    for (int y = 0; y < 2 * n * n; ++y) {
        for (int x = 0; x < 2 * n; ++x) {
            uint8_t* p = src.at(0, x, y);
            p[0] = static_cast<uint8_t>(levels[x / 2]);
            p[1] = static_cast<uint8_t>(levels[y / 2 % n]);
            p[2] = static_cast<uint8_t>(levels[y / 2 / n]);
        }
    }
    CHECK(convert(src.view, yuv.view));
    CHECK(convert(yuv.view, back.view));
    int worst = 0;
    for (std::size_t i = 0; i < src.mem[0].size(); ++i) {
        if (i % 4 != 3) worst = std::max(worst, std::abs(src.mem[0][i] - back.mem[0][i]));
    }
    CHECK(worst <= 2);
}

TEST_CASE("packed formats convert channel by channel, alpha 255 when missing") {
    const PixelFormat packed[] = {PixelFormat::RGBA8, PixelFormat::BGRA8, PixelFormat::RGB8, PixelFormat::BGR8};
    uint32_t seed = 3;
    for (PixelFormat sf : packed) {
        for (PixelFormat df : packed) {
            Frame src(sf, 37, 3), dst(df, 37, 3, true);
            src.randomize(seed++);
            CHECK(convert(src.view, dst.view));
            bool same = true;
            for (int y = 0; y < 3; ++y) {
                for (int x = 0; x < 37; ++x) {
                    for (int c = 0; c < 4; ++c) {
                        const int want = bytes_per_pixel(df) == 4 ? channel(sf, src.at(0, x, y), c) : 255;
                        same = same && (c == 3 ? (bytes_per_pixel(df) == 3 || channel(df, dst.at(0, x, y), 3) == want)
                                               : channel(df, dst.at(0, x, y), c) == channel(sf, src.at(0, x, y), c));
                    }
                }
            }
            CHECK(same);
        }
    }
}

TEST_CASE("in-place RGBA <-> BGRA and RGB <-> BGR") {
    Frame a(PixelFormat::RGBA8, 19, 2), copy(PixelFormat::RGBA8, 19, 2);
    a.randomize(5);
    copy.mem[0] = a.mem[0];
    ImageView as_bgra = a.view;
    as_bgra.format = PixelFormat::BGRA8;
    CHECK(convert(a.view, as_bgra));
    CHECK(a.mem[0][0] == copy.mem[0][2] && a.mem[0][2] == copy.mem[0][0] && a.mem[0][3] == copy.mem[0][3]);
    CHECK(convert(as_bgra, a.view));
    CHECK(a.mem[0] == copy.mem[0]);

    Frame b(PixelFormat::RGB8, 19, 2);
    b.randomize(6);
    const std::vector<uint8_t> before = b.mem[0];
    ImageView as_bgr = b.view;
    as_bgr.format = PixelFormat::BGR8;
    CHECK(convert(b.view, as_bgr));
    CHECK(b.mem[0][0] == before[2] && b.mem[0][1] == before[1]);
    CHECK(convert(as_bgr, b.view));
    CHECK(b.mem[0] == before);
}

TEST_CASE("yuv to yuv moves chroma losslessly; yuv to 3-byte formats match the 4-byte ones") {
    Frame nv21(PixelFormat::NV21, 9, 7), i420(PixelFormat::I420, 9, 7, true), nv12(PixelFormat::NV12, 9, 7),
        back(PixelFormat::NV21, 9, 7);
    nv21.randomize(9);
    CHECK(convert(nv21.view, i420.view));
    CHECK(convert(i420.view, nv12.view));
    CHECK(convert(nv12.view, back.view));
    CHECK(nv21.mem[0] == back.mem[0] && nv21.mem[1] == back.mem[1]);
    CHECK_EQ(*i420.at(1, 4, 3), nv21.mem[1][3 * 10 + 4 * 2 + 1]);  // U is second in NV21

    Frame rgba(PixelFormat::RGBA8, 9, 7), bgr(PixelFormat::BGR8, 9, 7);
    CHECK(convert(nv21.view, rgba.view));
    CHECK(convert(nv21.view, bgr.view));
    bool same = true;
    for (int y = 0; y < 7; ++y) {
        for (int x = 0; x < 9; ++x) {
            for (int c = 0; c < 3; ++c)
                same = same && channel(PixelFormat::BGR8, bgr.at(0, x, y), c) == rgba.at(0, x, y)[c];
        }
    }
    CHECK(same);
}

TEST_CASE("negative strides convert like an upside-down image") {
    for (PixelFormat sf : {PixelFormat::NV21, PixelFormat::I420, PixelFormat::BGR8}) {
        // Even height: a flipped YUV image pairs the same luma rows with each chroma row.
        Frame up(sf, 11, 6), down(sf, 11, 6, true), a(PixelFormat::RGBA8, 11, 6), b(PixelFormat::RGBA8, 11, 6, true);
        up.randomize(21);
        down.mem[0] = up.mem[0];
        down.mem[1] = up.mem[1];
        down.mem[2] = up.mem[2];
        // `down` holds the same bytes read bottom-up; converting it into a flipped target gives the
        // same memory as the plain conversion.
        CHECK(convert(up.view, a.view));
        CHECK(convert(down.view, b.view));
        CHECK(a.mem[0] == b.mem[0]);
        // and row y of `down` is row h-1-y of `up`.
        CHECK(std::memcmp(down.at(0, 0, 0), up.at(0, 0, 5), static_cast<std::size_t>(min_stride(sf, 0, 11))) == 0);
    }
    Frame rgba(PixelFormat::RGBA8, 6, 4), yuv_up(PixelFormat::NV12, 6, 4), yuv_down(PixelFormat::NV12, 6, 4, true);
    rgba.randomize(22);
    CHECK(convert(rgba.view, yuv_up.view));
    CHECK(convert(rgba.view, yuv_down.view));
    for (int y = 0; y < 4; ++y) CHECK(std::memcmp(yuv_up.at(0, 0, y), yuv_down.at(0, 0, y), 6) == 0);
    for (int y = 0; y < 2; ++y) CHECK(std::memcmp(yuv_up.at(1, 0, y), yuv_down.at(1, 0, y), 6) == 0);
}

TEST_CASE("rotation: known 2x3 pattern, mirror, identities, argument checks") {
    // Pixel value = its index; 2 wide, 3 tall:  0 1 / 2 3 / 4 5
    Frame src(PixelFormat::RGBA8, 2, 3);
    for (int i = 0; i < 6; ++i) std::memset(src.at(0, i % 2, i / 2), i, 4);
    struct Case {
        int degrees;
        bool mirror;
        int expect[6];
    };
    const Case cases[] = {
        {0, false, {0, 1, 2, 3, 4, 5}},   {0, true, {1, 0, 3, 2, 5, 4}},    {90, false, {4, 2, 0, 5, 3, 1}},
        {90, true, {0, 2, 4, 1, 3, 5}},   {180, false, {5, 4, 3, 2, 1, 0}}, {180, true, {4, 5, 2, 3, 0, 1}},
        {270, false, {1, 3, 5, 0, 2, 4}}, {270, true, {5, 3, 1, 4, 2, 0}},
    };
    for (const Case& c : cases) {
        const bool t = c.degrees % 180 != 0;
        Frame dst(PixelFormat::RGBA8, t ? 3 : 2, t ? 2 : 3);
        CHECK(rotate_rgba(src.view, dst.view, c.degrees, c.mirror));
        bool ok = true;
        for (int i = 0; i < 6; ++i) {
            const uint8_t* p = dst.at(0, i % dst.view.width, i / dst.view.width);
            ok = ok && p[0] == c.expect[i] && p[3] == c.expect[i];
        }
        CHECK(ok);
    }

    Frame big(PixelFormat::BGRA8, 67, 45), r1(PixelFormat::BGRA8, 45, 67, true), r2(PixelFormat::BGRA8, 67, 45),
        r3(PixelFormat::BGRA8, 45, 67), r4(PixelFormat::BGRA8, 67, 45, true);
    big.randomize(31);
    CHECK(rotate_rgba(big.view, r1.view, 90, false));
    CHECK(rotate_rgba(r1.view, r2.view, 90, false));
    CHECK(rotate_rgba(r2.view, r3.view, 90, false));
    CHECK(rotate_rgba(r3.view, r4.view, 90, false));
    bool same = true;
    for (int y = 0; y < 45; ++y) same = same && std::memcmp(r4.at(0, 0, y), big.at(0, 0, y), 67 * 4) == 0;
    CHECK(same);
    CHECK(rotate_rgba(big.view, r1.view, 90, false));
    CHECK(rotate_rgba(r1.view, r2.view, 270, false));
    CHECK(r2.mem[0] == big.mem[0]);
    CHECK(rotate_rgba(big.view, r2.view, 180, true));
    Frame r5(PixelFormat::BGRA8, 67, 45);
    CHECK(rotate_rgba(r2.view, r5.view, 180, true));
    CHECK(r5.mem[0] == big.mem[0]);

    CHECK(!rotate_rgba(big.view, r2.view, 90, false));  // wrong size
    CHECK(!rotate_rgba(big.view, r2.view, 45, false));
    Frame other(PixelFormat::RGBA8, 67, 45), rgb(PixelFormat::RGB8, 67, 45);
    CHECK(!rotate_rgba(big.view, other.view, 0, false));  // format differs
    CHECK(!rotate_rgba(rgb.view, rgb.view, 0, false));
}

namespace {

// Pixel-centre bilinear in double precision, clamped at the borders like cv2.INTER_LINEAR.
double ref_bilinear(const Frame& src, int dw, int dh, int x, int y, int c) {
    const auto tap = [](int d, int sn, int dn, int& i0, int& i1, double& a) {
        const double f = (d + 0.5) * sn / dn - 0.5;
        i0 = static_cast<int>(std::floor(f));
        a = f - i0;
        if (i0 < 0) i0 = 0, a = 0;
        if (i0 >= sn - 1) i0 = sn - 1, a = 0;
        i1 = std::min(i0 + 1, sn - 1);
    };
    int x0, x1, y0, y1;
    double ax, ay;
    tap(x, src.view.width, dw, x0, x1, ax);
    tap(y, src.view.height, dh, y0, y1, ay);
    const auto s = [&](int sx, int sy) { return static_cast<double>(src.at(0, sx, sy)[c]); };
    return (1 - ay) * ((1 - ax) * s(x0, y0) + ax * s(x1, y0)) + ay * ((1 - ax) * s(x0, y1) + ax * s(x1, y1));
}

}  // namespace

TEST_CASE("resize is within 1 level of a double-precision bilinear reference") {
    const int sizes[][4] = {{64, 48, 32, 24}, {1280, 720, 256, 144}, {97, 61, 640, 360}, {33, 17, 50, 9},
                            {5, 3, 17, 11},   {1, 1, 4, 3},          {7, 1, 3, 5},       {1920, 1080, 641, 359}};
    uint32_t seed = 41;
    for (const auto& s : sizes) {
        for (bool smooth : {false, true}) {
            Frame src(PixelFormat::RGBA8, s[0], s[1]), dst(PixelFormat::RGBA8, s[2], s[3], true);
            if (smooth) {
                fill_smooth(src);
            } else {
                src.randomize(seed++);
            }
            CHECK(resize_bilinear_rgba(src.view, dst.view));
            double worst = 0;
            for (int y = 0; y < s[3]; ++y) {
                for (int x = 0; x < s[2]; ++x) {
                    for (int c = 0; c < 4; ++c) {
                        worst = std::max(worst, std::fabs(dst.at(0, x, y)[c] - ref_bilinear(src, s[2], s[3], x, y, c)));
                    }
                }
            }
            if (!(worst <= 1.0)) std::printf("  %dx%d -> %dx%d: %g\n", s[0], s[1], s[2], s[3], worst);
            CHECK(worst <= 1.0);
        }
    }

    Frame a(PixelFormat::RGBA8, 9, 4), b(PixelFormat::RGBA8, 9, 4, true), c(PixelFormat::BGRA8, 5, 5);
    a.randomize(50);
    CHECK(resize_bilinear_rgba(a.view, b.view));  // same size: a copy
    bool same = true;
    for (int y = 0; y < 4; ++y) same = same && std::memcmp(a.at(0, 0, y), b.at(0, 0, y), 36) == 0;
    CHECK(same);
    CHECK(!resize_bilinear_rgba(a.view, c.view));  // format differs
}

TEST_MAIN()
