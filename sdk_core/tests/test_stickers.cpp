// Effect packages: the JSON reader, manifest checks, triggers and animation, sticker placement,
// the CPU pass, CPU vs GL where EGL works, and thousands of mutated manifests.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "fixtures.h"
#include "core/error.h"
#include "core/json.h"
#include "effects/stickers/effect_package.h"
#include "effects/stickers/sticker_cpu.h"
#include "effects/stickers/sticker_scene.h"
#include "engine/engine.h"
#include "meiyan/meiyan.h"

using namespace meiyan;
using fixtures::rgba_view;
using fixtures::synthetic_face;

namespace {

// A w x h RGBA image: a disc of colour (r, g, b) with a soft edge on transparency.
std::vector<uint8_t> disc(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
    std::vector<uint8_t> px(static_cast<std::size_t>(w) * h * 4);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const float dx = (static_cast<float>(x) + 0.5f) / static_cast<float>(w) - 0.5f;
            const float dy = (static_cast<float>(y) + 0.5f) / static_cast<float>(h) - 0.5f;
            const float d = std::sqrt(dx * dx + dy * dy);
            const float a = std::min(std::max((0.48f - d) * 20.0f, 0.0f), 1.0f);
            uint8_t* q = &px[(static_cast<std::size_t>(y) * w + x) * 4];
            q[0] = r, q[1] = g, q[2] = static_cast<uint8_t>(b + x % 7), q[3] = static_cast<uint8_t>(a * 255.0f + 0.5f);
        }
    }
    return px;
}

bool throws(const std::string& text, const char* fragment) {
    try {
        json::parse(text);
    } catch (const Error& e) {
        if (e.code() != MEIYAN_ERROR_CORRUPT_DATA) return false;
        if (std::string(e.what()).find(fragment) == std::string::npos) {
            std::printf("  '%s': message '%s' lacks '%s'\n", text.c_str(), e.what(), fragment);
            return false;
        }
        return true;
    }
    std::printf("  '%s' parsed\n", text.c_str());
    return false;
}

bool has_problem(const std::vector<std::string>& problems, const std::string& fragment) {
    for (const auto& p : problems) {
        if (p.find(fragment) != std::string::npos) return true;
    }
    std::printf("  no problem mentions '%s'; got:\n", fragment.c_str());
    for (const auto& p : problems) std::printf("    %s\n", p.c_str());
    return false;
}

const char* kHearts = R"({
  "format": "meiyan.effect", "version": 1, "name": "hearts",
  "elements": [
    {"type": "sticker", "id": "burst", "frames": ["h0.png", "h1.png", "h2.png", "h3.png"], "fps": 10,
     "anchor": [13, 14], "width": 1.0, "trigger": "mouth_open", "play": "once", "z": 2},
    {"type": "sticker", "id": "halo", "frames": ["halo.png"], "anchor": [10], "offset": [0, -0.5], "width": 2.0,
     "pivot": [0.5, 1.0], "z": -1},
    {"type": "face_mask", "texture": "paint.png", "blend": "multiply", "opacity": 0.8}
  ]
})";

std::shared_ptr<EffectPackage> hearts_package() {
    auto pkg = EffectPackage::parse(kHearts);
    const uint8_t colors[6][3] = {{250, 40, 60}, {240, 80, 40}, {230, 120, 30}, {220, 160, 20}, {255, 230, 90}, {90, 60, 200}};
    for (int i = 0; i < static_cast<int>(pkg->image_names().size()); ++i) {
        std::vector<uint8_t> px = disc(24 + 2 * i, 20 + i, colors[i][0], colors[i][1], colors[i][2]);
        pkg->set_image(i, rgba_view(px, 24 + 2 * i, 20 + i));
    }
    return pkg;
}

}  // namespace

TEST_CASE("json: values, escapes, positions and errors") {
    const json::Value v = json::parse(R"( {"a": [1, -2.5e2, true, null], "s": "x\u00e9\ud83d\ude00\n", "o": {}} )");
    CHECK(v.is(json::Type::Object));
    CHECK_EQ(v.members.size(), static_cast<std::size_t>(3));
    const json::Value* a = v.find("a");
    CHECK(a && a->items.size() == 4 && a->items[1].number == -250.0 && a->items[2].boolean);
    CHECK(v.find("s")->string == "x\xc3\xa9\xf0\x9f\x98\x80\n");
    CHECK(v.find("missing") == nullptr);
    CHECK(throws("", "empty"));
    CHECK(throws("{\"a\": 1,}", "member name"));
    CHECK(throws("[1, 2,]", "unexpected character"));
    CHECK(throws("{\"a\": 1, \"a\": 2}", "duplicate key"));
    CHECK(throws("{\n  \"a\": tru }", "line 2"));
    CHECK(throws("\"abc", "unterminated"));
    CHECK(throws("\"a\x01\"", "control character"));
    CHECK(throws("01", "after the document"));
    CHECK(throws("1e400", "out of range"));
    CHECK(throws("\"\\ud800\"", "surrogate"));
    CHECK(throws("\"\xc0\xaf\"", "UTF-8"));
    CHECK(throws(std::string(100, '['), "nested deeper"));
    CHECK(throws("NaN", "unexpected character"));
}

TEST_CASE("manifest: a valid package parses; images are listed once, elements sorted by z") {
    auto pkg = EffectPackage::parse(kHearts);
    CHECK(pkg->name() == "hearts");
    CHECK_EQ(pkg->image_names().size(), static_cast<std::size_t>(6));
    CHECK_EQ(pkg->elements().size(), static_cast<std::size_t>(3));
    CHECK(pkg->elements()[0].id == "halo");  // z -1 first
    CHECK(pkg->elements()[1].type == ElementType::FaceMask);
    CHECK(pkg->elements()[2].trigger == StickerTrigger::MouthOpen && pkg->elements()[2].play == StickerPlay::Once);
    CHECK(EffectPackage::validate(kHearts).empty());
    bool missing = false;
    try {
        Engine e(EngineOptions{});
        e.set_effect(pkg);
    } catch (const Error& err) {
        missing = std::string(err.what()).find("h0.png") != std::string::npos;
    }
    CHECK(missing);  // images not given yet
}

TEST_CASE("manifest: every problem is reported with its path") {
    const std::string bad = R"({
      "format": "meiyan.sticker", "version": 2, "nmae": "x",
      "elements": [
        {"type": "sticker", "frames": [], "anchor": [470, 1.5], "width": 0, "fps": 0, "pivot": [2, 0],
         "trigger": "wink", "colour": 1},
        {"type": "sticker", "frames": ["../up.png", "a.jpg", "/abs.png"], "anchor": [1], "width": 1},
        {"type": "face_mask", "texture": 3},
        {"type": "sprite"},
        {"type": "sticker", "id": "dup", "frames": ["a.png"], "anchor": [1], "width": 1},
        {"type": "sticker", "id": "dup", "frames": ["a.png"], "anchor": [1], "width": 1}
      ]})";
    const auto p = EffectPackage::validate(bad);
    CHECK(has_problem(p, "format: must be \"meiyan.effect\""));
    CHECK(has_problem(p, "version: 2 is not a format version"));
    CHECK(has_problem(p, "nmae: unknown key"));
    CHECK(has_problem(p, "name: required"));
    CHECK(has_problem(p, "elements[0].frames: must list 1..256"));
    CHECK(has_problem(p, "elements[0].anchor[0]: 470 is outside 0..467"));
    CHECK(has_problem(p, "elements[0].anchor[1]: must be an integer"));
    CHECK(has_problem(p, "elements[0].width: 0 is outside"));
    CHECK(has_problem(p, "elements[0].fps: 0 is outside (0, 120]"));
    CHECK(has_problem(p, "elements[0].pivot[0]: 2 is outside"));
    CHECK(has_problem(p, "elements[0].trigger: \"wink\" is not one of"));
    CHECK(has_problem(p, "elements[0].colour: unknown key"));
    CHECK(has_problem(p, "elements[1].frames[0]: \"../up.png\" is not a relative path"));
    CHECK(has_problem(p, "elements[1].frames[1]: \"a.jpg\" is not a .png"));
    CHECK(has_problem(p, "elements[1].frames[2]: \"/abs.png\" is not a relative path"));
    CHECK(has_problem(p, "elements[2].texture: must be a string, got a number"));
    CHECK(has_problem(p, "elements[3].type: \"sprite\" is not one of"));
    CHECK(has_problem(p, "elements[5].id: \"dup\" is already the id of elements[4]"));
    CHECK(has_problem(EffectPackage::validate("[1]"), "the top level must be an object"));
    CHECK(has_problem(EffectPackage::validate("{"), "JSON line 1"));
    CHECK(has_problem(EffectPackage::validate(std::string(300 * 1024, ' ')), "larger than 256 KiB"));
    bool threw = false;
    try {
        EffectPackage::parse(bad);
    } catch (const Error& e) {
        threw = e.code() == MEIYAN_ERROR_CORRUPT_DATA && std::string(e.what()).find("problems") != std::string::npos;
    }
    CHECK(threw);
    // x- keys are vendor extensions
    CHECK(EffectPackage::validate(R"({"format": "meiyan.effect", "version": 1, "name": "n", "x-tool": {"v": 3},
        "elements": [{"type": "sticker", "frames": ["a.png"], "anchor": [1], "width": 1, "x-note": "ok"}]})").empty());
}

TEST_CASE("images: formats, sizes and indices are checked; pixels are premultiplied") {
    auto pkg = EffectPackage::parse(kHearts);
    std::vector<uint8_t> px = {200, 100, 50, 128};
    pkg->set_image(0, rgba_view(px, 1, 1));
    CHECK(pkg->image_ready(0) && !pkg->image_ready(1));
    CHECK_EQ(static_cast<int>(pkg->image(0).rgba[0]), 100);  // 200 * 128 / 255
    CHECK_EQ(static_cast<int>(pkg->image(0).rgba[3]), 128);
    auto fails = [&](int index, const ImageView& v) {
        try {
            pkg->set_image(index, v);
        } catch (const Error& e) {
            return e.code() == MEIYAN_ERROR_INVALID_ARGUMENT;
        }
        return false;
    };
    CHECK(fails(6, rgba_view(px, 1, 1)));
    CHECK(fails(-1, rgba_view(px, 1, 1)));
    ImageView nv12 = rgba_view(px, 2, 2);
    nv12.format = PixelFormat::NV12;
    CHECK(fails(0, nv12));
    std::vector<uint8_t> big(static_cast<std::size_t>(2049) * 4);
    CHECK(fails(0, rgba_view(big, 2049, 1)));
}

TEST_CASE("triggers: a mouth-open burst starts on the frame the flag turns on and plays in order") {
    auto pkg = hearts_package();
    StickerAnimator anim;
    anim.set_package(pkg);
    const int burst_frames[4] = {pkg->image_index("h0.png"), pkg->image_index("h1.png"), pkg->image_index("h2.png"),
                                 pkg->image_index("h3.png")};
    // 30 fps; the mouth opens on frame 10 and closes on frame 12; the burst (10 fps, 4 frames) must
    // play 0,0,0,1,1,1,2,2,2,3,3,3 from frame 10 and then hide, though the mouth closed.
    std::vector<int> shown;
    int first = -1;
    for (int i = 0; i < 40; ++i) {
        FaceShape f = synthetic_face(200, 200, 80);
        f.id = 7;
        if (i >= 10 && i < 12) f.expressions_active = 1u << MEIYAN_EXPRESSION_MOUTH_OPEN;
        const StickerFrame fr = anim.update({f}, i / 30.0);
        for (const StickerDraw& d : fr.draws) {
            for (int k = 0; k < 4; ++k) {
                if (d.image == burst_frames[k]) {
                    if (first < 0) first = i;
                    shown.push_back(k);
                }
            }
        }
    }
    CHECK_EQ(first, 10);
    const std::vector<int> want = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};
    CHECK(shown == want);
    // a second face has its own state; a face that leaves loses it
    FaceShape a = synthetic_face(100, 100, 60), b = synthetic_face(300, 100, 60);
    a.id = 1, b.id = 2;
    b.expressions_active = 1u << MEIYAN_EXPRESSION_MOUTH_OPEN;
    StickerFrame fr = anim.update({a, b}, 2.0);
    int bursts_a = 0, bursts_b = 0;
    for (const StickerDraw& d : fr.draws) {
        if (d.image == burst_frames[0]) (d.face == 0 ? bursts_a : bursts_b)++;
    }
    CHECK(bursts_a == 0 && bursts_b == 1);
    // drawing order follows z: the halo (z -1) first, then the mask, then the burst
    CHECK(fr.draws.front().behind && fr.draws.back().image == burst_frames[0]);
    CHECK(animation_frame(pkg->elements()[2], 0.399) == 3 && animation_frame(pkg->elements()[2], 0.41) == -1);
}

TEST_CASE("placement: the sticker follows position, size and roll; yaw squeezes its width") {
    auto pkg = hearts_package();
    const EffectElement& halo = pkg->elements()[0];
    for (float roll : {0.0f, 30.0f, -75.0f, 180.0f}) {
        const FaceShape f = synthetic_face(320, 240, 100, roll);
        const auto q = sticker_quad(halo, f, 40, 20);
        // pivot (0.5, 1): the bottom-centre of the sprite sits 0.5 face units above landmark 10
        const float bx = (q[2].x + q[3].x) / 2, by = (q[2].y + q[3].y) / 2;
        const float up_x = std::sin(roll * 3.14159265f / 180.0f), up_y = -std::cos(roll * 3.14159265f / 180.0f);
        const FacePoint a = f.points[10];
        CHECK(std::hypot(bx - (a.x + 50 * up_x), by - (a.y + 50 * up_y)) < 0.5f);
        const float width = std::hypot(q[1].x - q[0].x, q[1].y - q[0].y);
        const float height = std::hypot(q[3].x - q[0].x, q[3].y - q[0].y);
        const float eye = std::hypot(f.points[263].x - f.points[33].x, f.points[263].y - f.points[33].y);
        CHECK(std::fabs(width - 2.0f * eye) < 0.5f && std::fabs(height - width / 2) < 0.5f);
    }
    FaceShape turned = synthetic_face(320, 240, 100);
    turned.yaw = 60;
    turned.scale = 100;
    const auto q = sticker_quad(halo, turned, 40, 20);
    CHECK(std::fabs(std::hypot(q[1].x - q[0].x, q[1].y - q[0].y) - 100.0f) < 0.5f);  // 200 * cos 60
}

TEST_CASE("CPU pass: stickers composite, the halo hides behind the face, the mask multiplies") {
    auto pkg = hearts_package();
    const int w = 320, h = 260;
    std::vector<uint8_t> px(static_cast<std::size_t>(w) * h * 4, 200);
    const std::vector<uint8_t> before = px;
    FaceShape f = synthetic_face(160, 150, 70);
    f.id = 3;
    StickerAnimator anim;
    anim.set_package(pkg);
    const StickerFrame fr = anim.update({f}, 0.0);
    CHECK_EQ(fr.draws.size(), static_cast<std::size_t>(2));  // halo + mask; the burst waits for the mouth
    draw_stickers_cpu(fr, {f}, rgba_view(px, w, h));
    CHECK(px != before);
    const FaceOval oval(f);
    int inside_changed = 0, inside = 0, halo_pixels = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const std::size_t i = (static_cast<std::size_t>(y) * w + x) * 4;
            const bool in = oval.contains(static_cast<float>(x) + 0.5f, static_cast<float>(y) + 0.5f);
            const bool changed = px[i] != 200 || px[i + 1] != 200 || px[i + 2] != 200;
            if (in) inside += 1, inside_changed += changed;
            if (!in && changed) ++halo_pixels;
            CHECK_EQ(static_cast<int>(px[i + 3]), 200);  // alpha untouched
            // multiply only darkens; the halo paints purple-blue
            if (in && changed && px[i] > 200) CHECK(false);
        }
    }
    CHECK(halo_pixels > 300);                // the halo shows above the head
    CHECK(inside_changed > inside / 2);      // the mask covers the face
    std::printf("  face pixels %d (%d masked), halo pixels outside the face %d\n", inside, inside_changed, halo_pixels);
}

TEST_CASE("engine: effect, frame times and GL vs CPU") {
    auto pkg = hearts_package();
    const int w = 333, h = 271;
    std::vector<uint8_t> src(static_cast<std::size_t>(w) * h * 4);
    std::mt19937 rng(5);
    for (auto& v : src) v = static_cast<uint8_t>(rng() % 256);
    for (std::size_t i = 3; i < src.size(); i += 4) src[i] = 255;
    FaceShape f = synthetic_face(170, 150, 80, 20);
    f.id = 1;
    f.expressions_active = 1u << MEIYAN_EXPRESSION_MOUTH_OPEN;
    Engine cpu(EngineOptions{});
    const std::unique_ptr<Engine> gl = fixtures::gl_engine_or_skip();
    std::vector<Engine*> engines = {&cpu};
    if (gl) engines.push_back(gl.get());
    std::vector<std::vector<uint8_t>> out;
    for (Engine* e : engines) {
        e->set_effect(pkg);
        e->set_faces({f});
        e->set_frame_time(1.0);
        std::vector<uint8_t> px = src;
        e->process(rgba_view(px, w, h), rgba_view(px, w, h));
        out.push_back(px);
        bool backwards = false;
        try {
            e->set_frame_time(0.5);
        } catch (const Error&) {
            backwards = true;
        }
        CHECK(backwards);
    }
    CHECK(out[0] != src);
    if (out.size() == 2) {
        double se = 0;
        int differ = 0;
        for (std::size_t i = 0; i < src.size(); ++i) {
            const int d = int(out[0][i]) - int(out[1][i]);
            se += d * d;
            differ += d != 0;
        }
        const double psnr = se == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / (se / static_cast<double>(src.size())));
        std::printf("  CPU vs GL: PSNR %.1f dB, %d of %zu values differ\n", psnr, differ, src.size());
        CHECK(psnr >= 38.0);
    }
    cpu.set_effect(nullptr);
    std::vector<uint8_t> px = src;
    cpu.process(rgba_view(px, w, h), rgba_view(px, w, h));
    CHECK(px == src);
}

TEST_CASE("manifest: thousands of mutated manifests are rejected or parse, never crash") {
    const std::string base = kHearts;
    std::mt19937 rng(1234);
    const int iterations = std::getenv("MEIYAN_JSON_FUZZ_ITERATIONS") ? std::atoi(std::getenv("MEIYAN_JSON_FUZZ_ITERATIONS")) : 3000;
    const char alphabet[] = "{}[]\",:0123456789.-+eE \\/uxtrfalsnu\x80\xff\x01";
    int valid = 0, invalid = 0;
    for (int it = 0; it < iterations; ++it) {
        std::string s = base;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < edits; ++k) {
            const std::size_t pos = rng() % (s.size() + 1);
            switch (rng() % 4) {
                case 0: if (pos < s.size()) s.erase(pos, 1 + rng() % 8); break;
                case 1: s.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
                case 2: if (pos < s.size()) s[pos] = alphabet[rng() % (sizeof alphabet - 1)]; break;
                default: s = s.substr(0, pos); break;
            }
        }
        const auto problems = EffectPackage::validate(s);
        if (problems.empty()) {
            auto pkg = EffectPackage::parse(s);  // must not throw when validate found nothing
            for (int i = 0; i < static_cast<int>(pkg->image_names().size()); ++i) {
                std::vector<uint8_t> px = disc(8, 8, 10, 20, 30);
                pkg->set_image(i, rgba_view(px, 8, 8));
            }
            StickerAnimator anim;
            anim.set_package(pkg);
            FaceShape f = synthetic_face(50, 50, 30);
            f.expressions_active = 31;
            std::vector<uint8_t> px(100 * 100 * 4, 0);
            draw_stickers_cpu(anim.update({f}, 0.25), {f}, rgba_view(px, 100, 100));
            ++valid;
        } else {
            ++invalid;
        }
    }
    std::printf("  %d mutations: %d rejected with messages, %d still valid (drawn)\n", iterations, invalid, valid);
    CHECK(invalid > 0);
}

TEST_MAIN()
