// Colour effects, the engine and the C API, on the CPU renderer and (where EGL works) the GL one.
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "fixtures.h"
#include "core/decimal.h"
#include "core/error.h"
#include "core/json.h"
#include "effects/color/lut3d.h"
#include "engine/engine.h"
#include "meiyan/meiyan.h"

using namespace meiyan;
using fixtures::byte_difference;
using fixtures::rgba_view;

namespace {

std::string identity_cube(int n) {
    std::string s = "TITLE \"id\"\nLUT_3D_SIZE " + std::to_string(n) + "\n";
    for (int b = 0; b < n; ++b)
        for (int g = 0; g < n; ++g)
            for (int r = 0; r < n; ++r)
                s += std::to_string(r / double(n - 1)) + " " + std::to_string(g / double(n - 1)) + " " +
                     std::to_string(b / double(n - 1)) + "\n";
    return s;
}

std::vector<uint8_t> noise_rgba(int w, int h, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(static_cast<size_t>(w) * h * 4);
    for (auto& x : v) x = static_cast<uint8_t>(rng() & 0xff);
    return v;
}

meiyan_status code_of(void (*fn)()) {
    try {
        fn();
    } catch (const Error& e) {
        return e.code();
    }
    return MEIYAN_OK;
}

double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    double se = 0;
    for (size_t i = 0; i < a.size(); ++i) se += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    const double mse = se / static_cast<double>(a.size());
    return mse == 0 ? 1e9 : 10 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace

TEST_CASE("identity LUT keeps every pixel within one level") {
    auto lut = std::make_shared<const Lut3D>(Lut3D::parse_cube(identity_cube(5)));
    Engine engine(EngineOptions{});
    engine.set_lut(lut);
    auto in = noise_rgba(33, 17, 1);
    auto out = in;
    engine.process(rgba_view(in, 33, 17), rgba_view(out, 33, 17));
    CHECK(byte_difference(in, out).worst <= 1);
}

TEST_CASE("corrupt cube data is reported with its line") {
    CHECK_EQ(code_of([] { Lut3D::parse_cube("LUT_3D_SIZE 2\n0 0 0\n"); }), MEIYAN_ERROR_CORRUPT_DATA);
    CHECK_EQ(code_of([] { Lut3D::parse_cube(std::string("LUT_3D_SIZE 2\n0 0\0 0\n", 22)); }), MEIYAN_ERROR_CORRUPT_DATA);
    CHECK_EQ(code_of([] { Lut3D::load_cube("/nonexistent/x.cube"); }), MEIYAN_ERROR_IO);
    try {
        Lut3D::parse_cube("LUT_3D_SIZE 2\n1 2 three\n");
        CHECK(false);
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("line 2") != std::string::npos);
    }
}

TEST_CASE("colour parameters are range checked") {
    ColorParams p;
    p.whitening = 1.01f;
    CHECK_EQ(code_of([] {
                 ColorParams q;
                 q.whitening = 1.01f;
                 q.validate();
             }),
             MEIYAN_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(code_of([] {
                 ColorParams q;
                 q.contrast = std::nanf("");
                 q.validate();
             }),
             MEIYAN_ERROR_INVALID_ARGUMENT);
    p = ColorParams{};
    p.brightness = -1.0f;
    p.saturation = 1.0f;
    p.validate();
    CHECK(tone_curve(ColorParams{}, 0, 0.25f) == 0.25f);
}

TEST_CASE("C API: status codes, messages, struct sizes") {
    meiyan_engine* engine = nullptr;
    CHECK_EQ(meiyan_engine_create(nullptr, nullptr), MEIYAN_ERROR_INVALID_ARGUMENT);
    CHECK(std::strstr(meiyan_last_error(), "out_engine") != nullptr);
    meiyan_engine_options opt;
    meiyan_engine_options_init(&opt);
    opt.struct_size = 4;
    CHECK_EQ(meiyan_engine_create(&opt, &engine), MEIYAN_ERROR_INVALID_ARGUMENT);
    meiyan_engine_options_init(&opt);
    const int bad_backend = 7;  // what a C caller can store
    std::memcpy(&opt.backend, &bad_backend, sizeof bad_backend);
    CHECK_EQ(meiyan_engine_create(&opt, &engine), MEIYAN_ERROR_INVALID_ARGUMENT);
    CHECK_EQ(meiyan_engine_create(nullptr, &engine), MEIYAN_OK);
    CHECK(std::strlen(meiyan_last_error()) == 0);

    meiyan_lut* lut = nullptr;
    CHECK_EQ(meiyan_lut_load_cube("/nonexistent.cube", &lut), MEIYAN_ERROR_IO);
    CHECK(lut == nullptr);
    const std::string text = identity_cube(3);
    CHECK_EQ(meiyan_lut_parse_cube(text.data(), text.size(), &lut), MEIYAN_OK);
    int32_t size = 0;
    CHECK_EQ(meiyan_lut_size(lut, &size), MEIYAN_OK);
    CHECK_EQ(size, 3);
    CHECK_EQ(meiyan_engine_set_lut(engine, lut), MEIYAN_OK);
    meiyan_lut_destroy(lut);  // the engine keeps its own reference

    std::vector<uint8_t> px = noise_rgba(8, 8, 2), out(px.size());
    meiyan_image in{};
    in.struct_size = sizeof in;
    in.format = MEIYAN_FORMAT_RGBA8;
    in.width = 8;
    in.height = 8;
    in.planes[0] = px.data();
    in.strides[0] = 32;
    meiyan_image dst = in;
    dst.planes[0] = out.data();
    CHECK_EQ(meiyan_engine_process(engine, &in, &dst), MEIYAN_OK);
    dst.width = 9;
    CHECK_EQ(meiyan_engine_process(engine, &in, &dst), MEIYAN_ERROR_INVALID_ARGUMENT);
    dst.width = 8;
    const int bad_format = 42;
    std::memcpy(&in.format, &bad_format, sizeof bad_format);
    CHECK_EQ(meiyan_engine_process(engine, &in, &dst), MEIYAN_ERROR_INVALID_ARGUMENT);
    in.format = MEIYAN_FORMAT_RGBA8;
    in.planes[0] = nullptr;
    CHECK_EQ(meiyan_engine_process(engine, &in, &dst), MEIYAN_ERROR_INVALID_ARGUMENT);
    in.planes[0] = px.data();
    CHECK_EQ(meiyan_engine_process(engine, &in, &dst), MEIYAN_OK);
    CHECK_EQ(meiyan_engine_process_texture(engine, 1, 2, 8, 8), MEIYAN_ERROR_INVALID_ARGUMENT);
    meiyan_engine_destroy(engine);
}

TEST_CASE("GL renderer matches the CPU renderer (when EGL works here)") {
    const std::unique_ptr<Engine> gl = fixtures::gl_engine_or_skip();
    if (!gl) return;
    Engine cpu(EngineOptions{});
    ColorParams p;
    p.brightness = 0.3f;
    p.warmth = -0.4f;
    p.whitening = 0.5f;
    p.saturation = 0.4f;
    p.lut_intensity = 0.7f;
    auto lut = std::make_shared<const Lut3D>(Lut3D::parse_cube(identity_cube(4)));
    for (Engine* e : {&cpu, gl.get()}) {
        e->set_color(p);
        e->set_lut(lut);
    }
    for (int size : {1, 7, 64}) {
        auto in = noise_rgba(size + 3, size, 3);
        auto a = in, b = in;
        cpu.process(rgba_view(in, size + 3, size), rgba_view(a, size + 3, size));
        gl->process(rgba_view(in, size + 3, size), rgba_view(b, size + 3, size));
        CHECK(psnr(a, b) >= 40.0);
    }
    std::printf("  %s\n", gl->renderer_name().c_str());
}

namespace {

void check_decimal_numbers() {
    using meiyan::parse_decimal;
    double d = 0;
    const std::string a = "-12.5e-1x";
    CHECK(parse_decimal(a.data(), a.data() + a.size(), d) == a.data() + 8);
    CHECK_EQ(d, -1.25);
    const std::string b = "+.5";
    CHECK(parse_decimal(b.data(), b.data() + b.size(), d) == b.data() + 3);
    CHECK_EQ(d, 0.5);
    const std::string c = "7e+";  // the exponent has no digits: the number is "7"
    CHECK(parse_decimal(c.data(), c.data() + c.size(), d) == c.data() + 1);
    CHECK_EQ(d, 7.0);
    for (const char* bad : {"", ".", "-", "e5", " 1", "inf", "nan", ",5"}) {
        CHECK(parse_decimal(bad, bad + std::strlen(bad), d) == nullptr);
    }
    const std::string big = "1e400";
    CHECK(parse_decimal(big.data(), big.data() + big.size(), d) == big.data() + big.size());
    CHECK(std::isinf(d));
    const auto v = meiyan::json::parse("{\"a\": 0.25, \"b\": [1e3, -0.5, 2]}");
    CHECK_EQ(v.find("a")->number, 0.25);
    CHECK_EQ(v.find("b")->items[0].number, 1000.0);
    CHECK_EQ(v.find("b")->items[1].number, -0.5);
    CHECK_EQ(code_of([] { meiyan::json::parse("{\"a\": 1e400}"); }), MEIYAN_ERROR_CORRUPT_DATA);
    // a 2x2x2 LUT that halves red: the 0.5 entries must be read as one half
    std::string cube = "LUT_3D_SIZE 2\nDOMAIN_MIN 0.0 0.0 0.0\n";
    for (int bl = 0; bl < 2; ++bl)
        for (int g = 0; g < 2; ++g)
            for (int r = 0; r < 2; ++r) cube += std::string(r ? "0.5" : "0.0") + (g ? " 1.0" : " 0.0") + (bl ? " 1.0\n" : " 0.0\n");
    const auto lut = Lut3D::parse_cube(cube);
    const float in[3] = {1.0f, 0.0f, 0.0f};
    float out[3] = {};
    lut.sample(in, out);
    CHECK_NEAR(out[0], 0.5f, 1e-6f);
}

}  // namespace

TEST_CASE("numbers are read with '.' whatever the C locale (JSON manifests, .cube LUTs)") {
    const std::string old = std::setlocale(LC_NUMERIC, nullptr);
    check_decimal_numbers();  // the "C" locale
    bool comma = false;
    for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8", "nl_NL.UTF-8"}) {
        if (std::setlocale(LC_NUMERIC, name) != nullptr && std::strcmp(std::localeconv()->decimal_point, ",") == 0) {
            comma = true;
            break;
        }
    }
    if (comma) {
        check_decimal_numbers();
    } else {
        std::printf("  (no comma-decimal locale installed, e.g. apt-get install locales-all: C locale only)\n");
    }
    std::setlocale(LC_NUMERIC, old.c_str());
}

TEST_MAIN()
