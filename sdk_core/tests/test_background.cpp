// Background effects: parameter checks, the grid and disc, the composite arithmetic on synthetic
// frames, the segmenter's rate control, temporal smoothing and edge refinement (with a scripted
// network), the engine plumbing, and CPU vs GL where EGL works.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "fixtures.h"
#include "core/error.h"
#include "effects/background/background_cpu.h"
#include "effects/background/background_params.h"
#include "effects/background/person_segmenter.h"
#include "engine/engine.h"

using namespace meiyan;
using fixtures::byte_difference;
using fixtures::ByteDifference;
using fixtures::rgba_view;

namespace {

// Throws Error(INVALID_ARGUMENT) whose message contains `field`.
template <typename Fn>
bool fails_naming(Fn&& fn, const std::string& field, meiyan_status code = MEIYAN_ERROR_INVALID_ARGUMENT) {
    try {
        fn();
    } catch (const Error& e) {
        if (e.code() != code || std::string(e.what()).find(field) == std::string::npos) {
            std::printf("  unexpected error %d: %s\n", static_cast<int>(e.code()), e.what());
            return false;
        }
        return true;
    }
    std::printf("  no error for %s\n", field.c_str());
    return false;
}

// A frame whose left `split` columns are the "person" (warm, textured) and the rest a seeded noisy
// background around `bg_level`.
std::vector<uint8_t> split_frame(int w, int h, int split, int bg_level, int noise, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-noise, noise);
    std::vector<uint8_t> px(static_cast<std::size_t>(w) * h * 4);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            uint8_t* p = &px[(static_cast<std::size_t>(y) * w + x) * 4];
            if (x < split) {
                p[0] = static_cast<uint8_t>(200 + (x + y) % 40);
                p[1] = static_cast<uint8_t>(120 + (x * 3) % 30);
                p[2] = 90;
            } else {
                for (int c = 0; c < 3; ++c) p[c] = static_cast<uint8_t>(std::clamp(bg_level + d(rng), 0, 255));
            }
            p[3] = 255;
        }
    }
    return px;
}

// A grid mask that is 255 on the grid columns left of `split` frame pixels, 0 elsewhere.
std::shared_ptr<PersonMask> split_mask(int w, int h, int split) {
    const background::Grid g = background::grid_for(w, h);
    auto m = std::make_shared<PersonMask>();
    m->width = g.width;
    m->height = g.height;
    m->alpha.resize(static_cast<std::size_t>(g.width) * g.height);
    for (int y = 0; y < g.height; ++y) {
        for (int x = 0; x < g.width; ++x) m->alpha[static_cast<std::size_t>(y) * g.width + x] = (x + 0.5) * g.factor < split ? 255 : 0;
    }
    return m;
}

double region_variance(const std::vector<uint8_t>& px, int w, int x0, int x1, int y0, int y1, int c) {
    double s = 0, s2 = 0;
    int n = 0;
    for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) {
            const double v = px[(static_cast<std::size_t>(y) * w + x) * 4 + c];
            s += v;
            s2 += v * v;
            ++n;
        }
    }
    return s2 / n - (s / n) * (s / n);
}

// A network that returns what the test scripts, and counts its runs.
class ScriptedNetwork final : public face::Network {
public:
    explicit ScriptedNetwork(int* runs) : runs_(runs), out_(256 * 256, 0.0f) {}
    std::vector<const float*> run(const float* input) override {
        ++*runs_;
        last_input_mean_ = 0;
        for (std::size_t i = 0; i < 256 * 256 * 3; ++i) last_input_mean_ += input[i];
        last_input_mean_ /= 256.0 * 256.0 * 3.0;
        if (next_) next_(out_);
        return {out_.data()};
    }
    std::size_t input_size() const override { return 256 * 256 * 3; }
    std::size_t output_size(std::size_t) const override { return 256 * 256; }

    std::function<void(std::vector<float>&)> next_;
    double last_input_mean_ = 0;

private:
    int* runs_;
    std::vector<float> out_;
};

}  // namespace

TEST_CASE("background params: each bad field is named") {
    BackgroundParams ok;
    ok.mode = BackgroundMode::Blur;
    ok.validate();
    auto with = [&](auto change) {
        BackgroundParams p = ok;
        change(p);
        return [p] { p.validate(); };
    };
    CHECK(fails_naming(with([](BackgroundParams& p) { p.blur = 1.5f; }), "blur"));
    CHECK(fails_naming(with([](BackgroundParams& p) { p.blur = std::nanf(""); }), "blur"));
    CHECK(fails_naming(with([](BackgroundParams& p) { p.color[1] = -0.1f; }), "color[1]"));
    CHECK(fails_naming(with([](BackgroundParams& p) { p.feather = 2.0f; }), "feather"));
    CHECK(fails_naming(with([](BackgroundParams& p) { p.mode = static_cast<BackgroundMode>(7); }), "mode"));
    CHECK(fails_naming(with([](BackgroundParams& p) { p.mode = BackgroundMode::Image; }), "image"));
    auto bad = std::make_shared<RgbaImage>();
    bad->width = 4;
    bad->height = 4;
    bad->pixels.resize(10);
    CHECK(fails_naming(with([&](BackgroundParams& p) {
                           p.mode = BackgroundMode::Image;
                           p.image = bad;
                       }),
                       "image"));
    SegmenterOptions so;
    so.interval = 0;
    CHECK(fails_naming([&] { so.validate(); }, "interval"));
    so.interval = 2;
    so.smoothing = 1.0f;
    CHECK(fails_naming([&] { so.validate(); }, "smoothing"));
    // Neutral settings draw nothing.
    BackgroundParams none;
    CHECK(!none.is_active());
    BackgroundParams zero_blur = ok;
    zero_blur.blur = 0.0f;
    CHECK(!zero_blur.is_active());
}

TEST_CASE("grid: a power-of-two reduction to a 128..255 short side") {
    const background::Grid a = background::grid_for(1280, 720);
    CHECK(a.factor == 4 && a.width == 320 && a.height == 180);
    const background::Grid b = background::grid_for(1920, 1080);
    CHECK(b.factor == 8 && b.width == 240 && b.height == 135);
    const background::Grid c = background::grid_for(97, 61);
    CHECK(c.factor == 1 && c.width == 97 && c.height == 61);
    const background::Grid d = background::grid_for(1283, 721);  // clipped last blocks
    CHECK(d.factor == 4 && d.width == 321 && d.height == 181);
}

TEST_CASE("disc: area of the fractional radius, symmetric, growing with the strength") {
    int last_total = 0;
    for (float blur = 0.05f; blur <= 1.0f; blur += 0.05f) {
        const background::Disc d = background::disc_for(blur, 1280, 720);
        const double r = blur * background::kMaxBlurRadius * 720 / 4;
        const double area = 3.14159265 * r * r * background::kDiscFull;
        CHECK(std::fabs(d.total - area) <= 0.08 * area + 2 * background::kDiscFull);
        CHECK(d.total > last_total);
        last_total = d.total;
        for (int k = 0; k < d.radius; ++k) {
            CHECK(d.rows[static_cast<std::size_t>(k)].n == d.rows[static_cast<std::size_t>(2 * d.radius - k)].n);
            CHECK(d.rows[static_cast<std::size_t>(k)].edge == d.rows[static_cast<std::size_t>(2 * d.radius - k)].edge);
        }
    }
    // Beyond 4K the radius is capped, never outside the rows the shader declares.
    CHECK(background::disc_for(1.0f, 16000, 9000).radius == background::kMaxDiscRadius);
    CHECK(background::disc_for(1e-6f, 1280, 720).total > 0);
}

TEST_CASE("blend: round(frame * a + bg * (255 - a)) / 255 exactly, alpha kept; SIMD = scalar") {
    for (auto blend : {background::blend_row, background::blend_row_scalar}) {
        int wrong = 0;
        uint8_t frame[4 * 256], bg[4 * 256], alpha[4 * 256] = {};
        for (int a = 0; a < 256; ++a) {
            for (int f = 0; f < 256; ++f) {
                for (int b = 0; b < 256; ++b) {
                    frame[4 * b] = frame[4 * b + 1] = frame[4 * b + 2] = static_cast<uint8_t>(f);
                    frame[4 * b + 3] = static_cast<uint8_t>(b ^ 0x5a);
                    bg[4 * b] = bg[4 * b + 1] = bg[4 * b + 2] = static_cast<uint8_t>(b);
                    bg[4 * b + 3] = 3;
                    alpha[4 * b + 3] = static_cast<uint8_t>(a);
                }
                blend(frame, bg, alpha, 256);
                for (int b = 0; b < 256; ++b) {
                    const int v = f * a + b * (255 - a);
                    const int want = (2 * v + 255) / 510;  // round half up
                    if (frame[4 * b] != want || frame[4 * b + 2] != want || frame[4 * b + 3] != (b ^ 0x5a)) ++wrong;
                }
            }
        }
        CHECK(wrong == 0);
    }
    // Odd widths, seeded values: the vector rows and their scalar tails agree with the reference.
    std::mt19937 rng(8);
    for (int width : {1, 3, 4, 5, 17, 333}) {
        std::vector<uint8_t> f(static_cast<std::size_t>(width) * 4), b(f.size()), a(f.size());
        for (std::size_t i = 0; i < f.size(); ++i) {
            f[i] = static_cast<uint8_t>(rng());
            b[i] = static_cast<uint8_t>(rng());
            a[i] = static_cast<uint8_t>(rng());
        }
        std::vector<uint8_t> g = f;
        background::blend_row(f.data(), b.data(), a.data(), width);
        background::blend_row_scalar(g.data(), b.data(), a.data(), width);
        CHECK(f == g);
    }
}

TEST_CASE("composite: colour and image replace the background, the person stays") {
    const int w = 640, h = 360, split = 300;
    const std::vector<uint8_t> src = split_frame(w, h, split, 90, 30, 3);
    BackgroundCpu cpu;
    BackgroundParams p;
    p.mode = BackgroundMode::Color;
    p.color[0] = 0.0f;
    p.color[1] = 1.0f;
    p.color[2] = 0.2f;
    std::vector<uint8_t> px = src;
    cpu.apply(p, *split_mask(w, h, split), rgba_view(px, w, h));
    int wrong_person = 0, wrong_bg = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const std::size_t i = (static_cast<std::size_t>(y) * w + x) * 4;
            if (x < split - 8 && (px[i] != src[i] || px[i + 1] != src[i + 1] || px[i + 2] != src[i + 2])) ++wrong_person;
            if (x > split + 8 && (px[i] != 0 || px[i + 1] != 255 || px[i + 2] != 51)) ++wrong_bg;
        }
    }
    CHECK(wrong_person == 0);
    CHECK(wrong_bg == 0);

    // An image twice as tall as the frame's aspect: cover-fit crops it vertically, centred.
    auto img = std::make_shared<RgbaImage>();
    img->width = 160;
    img->height = 180;
    img->pixels.resize(160 * 180 * 4);
    for (int y = 0; y < 180; ++y) {
        for (int x = 0; x < 160; ++x) {
            uint8_t* q = &img->pixels[(static_cast<std::size_t>(y) * 160 + x) * 4];
            q[0] = static_cast<uint8_t>(y);
            q[1] = static_cast<uint8_t>(x);
            q[2] = 10;
            q[3] = 0;  // alpha is ignored
        }
    }
    p.mode = BackgroundMode::Image;
    p.image = img;
    px = src;
    cpu.apply(p, *split_mask(w, h, split), rgba_view(px, w, h));
    // 640x360 from 160x180: scale 4, the middle 90 rows of the image.
    const std::size_t top = (static_cast<std::size_t>(2) * w + 600) * 4;
    const std::size_t bottom = (static_cast<std::size_t>(h - 3) * w + 600) * 4;
    CHECK(std::abs(px[top] - 45) <= 1 && std::abs(px[bottom] - 134) <= 1);
    CHECK(std::abs(px[top + 1] - 150) <= 1 && px[top + 2] == 10 && px[top + 3] == 255);
    CHECK(px[(static_cast<std::size_t>(100) * w + 100) * 4] == src[(static_cast<std::size_t>(100) * w + 100) * 4]);
}

TEST_CASE("composite: the blur smooths the background, keeps flat regions, and leaves no halo") {
    const int w = 640, h = 360, split = 300;
    const std::vector<uint8_t> src = split_frame(w, h, split, 60, 40, 5);
    BackgroundCpu cpu;
    BackgroundParams p;
    p.mode = BackgroundMode::Blur;
    p.blur = 0.8f;
    std::vector<uint8_t> px = src;
    const auto mask = split_mask(w, h, split);
    cpu.apply(p, *mask, rgba_view(px, w, h));
    const double before = region_variance(src, w, 400, 600, 50, 300, 1);
    const double after = region_variance(px, w, 400, 600, 50, 300, 1);
    CHECK(before > 400 && after < before / 20);
    // The person far from the edge is untouched; just outside the edge the background keeps its
    // level: the bright person does not bleed in (its weight there is 8/255 of the background's).
    double person_diff = 0, halo = 0;
    for (int y = 50; y < 300; ++y) {
        for (int x = 20; x < split - 12; ++x) person_diff += std::abs(px[(static_cast<std::size_t>(y) * w + x) * 4] - src[(static_cast<std::size_t>(y) * w + x) * 4]);
        for (int x = split + 12; x < split + 20; ++x) halo += px[(static_cast<std::size_t>(y) * w + x) * 4] - 60.0;
    }
    CHECK(person_diff == 0);
    CHECK(std::fabs(halo / (250 * 8)) < 6.0);
    // A flat background stays exactly flat.
    std::vector<uint8_t> flat = split_frame(w, h, split, 100, 0, 1);
    const std::vector<uint8_t> flat_src = flat;
    cpu.apply(p, *mask, rgba_view(flat, w, h));
    int moved = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = split + 12; x < w; ++x) moved += flat[(static_cast<std::size_t>(y) * w + x) * 4 + 1] != 100;
    }
    CHECK(moved == 0);
}

TEST_CASE("segmenter: the network runs every interval-th frame; a new frame size restarts") {
    int runs = 0;
    auto net = std::make_unique<ScriptedNetwork>(&runs);
    const ScriptedNetwork* script = net.get();
    SegmenterOptions o;
    o.interval = 3;
    PersonSegmenter seg(std::move(net), o);
    std::vector<uint8_t> px = split_frame(320, 180, 160, 80, 10, 2);
    for (int i = 0; i < 9; ++i) seg.update(rgba_view(px, 320, 180));
    CHECK(runs == 3);
    CHECK(seg.stats().frames == 9 && seg.stats().network_runs == 3);
    std::vector<uint8_t> other = split_frame(200, 150, 100, 80, 10, 2);
    seg.update(rgba_view(other, 200, 150));
    CHECK(runs == 4);
    const auto m = seg.mask();
    CHECK(m && m->width == 200 && m->height == 150);
    o.interval = 1;
    seg.set_options(o);
    for (int i = 0; i < 4; ++i) seg.update(rgba_view(other, 200, 150));
    CHECK(runs == 8);
    // The network sees the frame as RGB in [0, 1].
    std::vector<uint8_t> grey(static_cast<std::size_t>(64) * 64 * 4, 51);
    seg.update(rgba_view(grey, 64, 64));
    CHECK(runs == 9);
    CHECK(std::fabs(script->last_input_mean_ - 0.2) < 1e-6);
}

TEST_CASE("segmenter: unsure pixels are smoothed in time, confident ones follow at once") {
    int runs = 0;
    auto net = std::make_unique<ScriptedNetwork>(&runs);
    ScriptedNetwork* script = net.get();
    SegmenterOptions o;
    o.interval = 1;
    o.smoothing = 0.8f;
    o.refine = false;
    PersonSegmenter seg(std::move(net), o);
    std::vector<uint8_t> px(static_cast<std::size_t>(256) * 256 * 4, 128);
    // Left half: the network flickers between 0.4 and 0.6 (unsure). Right half: 0 then 1 (sure).
    int frame = 0;
    script->next_ = [&](std::vector<float>& out) {
        for (int y = 0; y < 256; ++y) {
            for (int x = 0; x < 256; ++x) out[static_cast<std::size_t>(y) * 256 + x] = x < 128 ? (frame % 2 ? 0.6f : 0.4f) : (frame < 5 ? 0.0f : 1.0f);
        }
    };
    double flicker = 0;
    float last = -1;
    for (frame = 0; frame < 10; ++frame) {
        seg.update(rgba_view(px, 256, 256));
        const float left = seg.probabilities()[static_cast<std::size_t>(128) * 256 + 10];
        if (last >= 0) flicker = std::max(flicker, static_cast<double>(std::fabs(left - last)));
        last = left;
        const float right = seg.probabilities()[static_cast<std::size_t>(128) * 256 + 200];
        CHECK(right == (frame < 5 ? 0.0f : 1.0f));
    }
    CHECK(flicker < 0.2 * 0.5);  // the raw output moves by 0.2 every frame
    CHECK(std::fabs(last - 0.5f) < 0.05f);
    // Without smoothing the output is the network's.
    o.smoothing = 0.0f;
    seg.set_options(o);
    seg.update(rgba_view(px, 256, 256));
    CHECK(std::fabs(seg.probabilities()[10] - (frame % 2 ? 0.6f : 0.4f)) < 1e-6f);
}

TEST_CASE("segmenter: refinement pulls a coarse edge onto the frame's edge") {
    // The network's edge: a soft ramp 3 of its 256 columns (1.5 grid columns) right of the frame's.
    auto ramp = [](std::vector<float>& out) {
        for (int y = 0; y < 256; ++y) {
            for (int x = 0; x < 256; ++x) out[static_cast<std::size_t>(y) * 256 + x] = static_cast<float>(std::clamp((131.0 - x) / 8.0 + 0.5, 0.0, 1.0));
        }
    };
    const int w = 512, h = 512;  // grid 128 x 128 (factor 4): two network columns per grid column
    std::vector<uint8_t> px(static_cast<std::size_t>(w) * h * 4, 255);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            uint8_t* p = &px[(static_cast<std::size_t>(y) * w + x) * 4];
            p[0] = p[1] = p[2] = x < 256 ? 220 : 30;  // the person (bright) ends at grid column 63
        }
    }
    const uint8_t* row = nullptr;
    auto crossing = [&](const PersonMask& m) {
        row = &m.alpha[static_cast<std::size_t>(m.height / 2) * m.width];
        for (int x = 0; x + 1 < m.width; ++x) {
            if (row[x] >= 128 && row[x + 1] < 128) return x;
        }
        return -1;
    };
    int runs = 0;
    SegmenterOptions o;
    o.refine = false;
    auto net = std::make_unique<ScriptedNetwork>(&runs);
    net->next_ = ramp;
    PersonSegmenter raw(std::move(net), o);
    const PersonMask coarse = *raw.update(rgba_view(px, w, h));
    const int c0 = crossing(coarse), step0 = row[63] - row[64];
    auto net2 = std::make_unique<ScriptedNetwork>(&runs);
    net2->next_ = ramp;
    PersonSegmenter refined_seg(std::move(net2));
    const PersonMask refined = *refined_seg.update(rgba_view(px, w, h));
    const int c1 = crossing(refined), step1 = row[63] - row[64];
    std::printf("  0.5 crossing after grid column %d raw, %d refined (frame edge after 63); step there %d -> %d\n", c0,
                c1, step0, step1);
    CHECK(c0 == 65 && c1 < c0);
    CHECK(step1 >= 2 * step0);
    CHECK(row[60] == 255 && row[70] < 40);
}

TEST_CASE("engine: the background needs a mask source; a caller's mask of any size is fitted") {
    Engine e(EngineOptions{});
    BackgroundParams p;
    p.mode = BackgroundMode::Color;
    e.set_background(p);
    const int w = 320, h = 200;
    std::vector<uint8_t> px = split_frame(w, h, 160, 90, 20, 4);
    CHECK(fails_naming([&] { e.process(rgba_view(px, w, h), rgba_view(px, w, h)); }, "person mask", MEIYAN_ERROR_UNSUPPORTED));
    // A failed set_background leaves the old state.
    BackgroundParams bad = p;
    bad.feather = -1.0f;
    CHECK(fails_naming([&] { e.set_background(bad); }, "feather"));
    CHECK(e.background().feather == p.feather);
    auto small = std::make_shared<PersonMask>();
    small->width = 2;
    small->height = 1;
    small->alpha = {255, 0};
    e.set_person_mask(small);
    const std::vector<uint8_t> src = px;
    e.process(rgba_view(px, w, h), rgba_view(px, w, h));
    CHECK(px[(static_cast<std::size_t>(100) * w + 5) * 4] == src[(static_cast<std::size_t>(100) * w + 5) * 4]);
    CHECK(px[(static_cast<std::size_t>(100) * w + 310) * 4 + 1] == 0);  // black background
    CHECK(e.person_masks().last()->width == background::grid_for(w, h).width);
    auto wrong = std::make_shared<PersonMask>();
    wrong->width = 3;
    wrong->height = 3;
    wrong->alpha = {1, 2};
    CHECK(fails_naming([&] { e.set_person_mask(wrong); }, "person mask"));
    CHECK(fails_naming([&] { e.enable_segmentation("/nonexistent"); }, "selfie_segmentation", MEIYAN_ERROR_IO));
}

TEST_CASE("GL background matches the CPU reference") {
    const std::unique_ptr<Engine> gl = fixtures::gl_engine_or_skip();
    if (!gl) return;
    Engine cpu(EngineOptions{});
    auto img = std::make_shared<RgbaImage>();
    img->width = 333;
    img->height = 500;
    img->pixels.resize(static_cast<std::size_t>(333) * 500 * 4);
    std::mt19937 rng(9);
    for (auto& v : img->pixels) v = static_cast<uint8_t>(rng() & 0xff);
    for (const auto& size : {std::pair<int, int>{640, 360}, {333, 251}, {1283, 721}}) {
        const int w = size.first, h = size.second;
        const std::vector<uint8_t> src = split_frame(w, h, w / 2, 80, 60, 6);
        // A soft, uneven mask: a ramp across the edge with a wave along it.
        const background::Grid g = background::grid_for(w, h);
        auto mask = std::make_shared<PersonMask>();
        mask->width = g.width;
        mask->height = g.height;
        for (int y = 0; y < g.height; ++y) {
            for (int x = 0; x < g.width; ++x) {
                const double edge = g.width / 2.0 + 6.0 * std::sin(y * 0.2);
                mask->alpha.push_back(static_cast<uint8_t>(std::clamp((edge - x) * 30.0 + 128.0, 0.0, 255.0)));
            }
        }
        for (BackgroundMode mode : {BackgroundMode::Blur, BackgroundMode::Color, BackgroundMode::Image}) {
            for (float blur : {0.3f, 1.0f}) {
                BackgroundParams p;
                p.mode = mode;
                p.blur = blur;
                p.color[0] = 0.2f;
                p.color[1] = 0.5f;
                p.color[2] = 0.9f;
                p.image = img;
                p.feather = blur * 0.8f;
                std::vector<uint8_t> a = src, b = src;
                for (Engine* e : {&cpu, gl.get()}) {
                    e->set_background(p);
                    e->set_person_mask(mask);
                }
                cpu.process(rgba_view(a, w, h), rgba_view(a, w, h));
                gl->process(rgba_view(b, w, h), rgba_view(b, w, h));
                const ByteDifference d = byte_difference(a, b);
                if (d.worst > 0) std::printf("  %dx%d mode %d blur %.1f: %zu values differ, by at most %d\n", w, h, static_cast<int>(mode), blur, d.over, d.worst);
                CHECK(d.worst <= 1);
                CHECK(d.over <= a.size() / 1000);
                CHECK(a != src);
            }
        }
    }
}

int main() { return check::run_all(); }
