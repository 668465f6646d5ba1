// Beauty: face masks from the mesh, the CPU reference, the engine plumbing, and CPU vs GL where EGL works.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <cstdint>
#include <random>
#include <vector>

#include "check.h"
#include "fixtures.h"
#include "core/error.h"
#include "effects/beauty/beauty_cpu.h"
#include "effects/beauty/face_regions.h"
#include "effects/beauty/reshape.h"
#include "effects/makeup/contacts.h"
#include "effects/makeup/makeup_cpu.h"
#include "engine/engine.h"
#include "face/face_topology.h"

using namespace meiyan;
using fixtures::byte_difference;
using fixtures::ByteDifference;
using fixtures::rgba_view;
using fixtures::synthetic_face;

namespace {

// Skin-coloured noise with a seeded generator.
std::vector<uint8_t> skin_noise(int w, int h, int amplitude, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-amplitude, amplitude);
    std::vector<uint8_t> px(static_cast<std::size_t>(w) * h * 4);
    for (std::size_t i = 0; i < px.size(); i += 4) {
        const int n = d(rng);
        px[i] = static_cast<uint8_t>(std::clamp(200 + n, 0, 255));
        px[i + 1] = static_cast<uint8_t>(std::clamp(150 + n, 0, 255));
        px[i + 2] = static_cast<uint8_t>(std::clamp(130 + n, 0, 255));
        px[i + 3] = 255;
    }
    return px;
}

double local_variance(const std::vector<uint8_t>& px, int w, int x0, int y0, int x1, int y1) {
    double s = 0, s2 = 0;
    int n = 0;
    for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) {
            const double v = px[(static_cast<std::size_t>(y) * w + x) * 4 + 1];
            s += v;
            s2 += v * v;
            ++n;
        }
    }
    return s2 / n - (s / n) * (s / n);
}

}  // namespace

TEST_CASE("beauty params are validated by name") {
    BeautyParams p;
    p.rosy = 1.5f;
    bool threw = false;
    try {
        p.validate();
    } catch (const Error& e) {
        threw = std::string(e.what()).find("rosy") != std::string::npos;
    }
    CHECK(threw);
    p.rosy = std::nanf("");
    threw = false;
    try {
        p.validate();
    } catch (const Error&) {
        threw = true;
    }
    CHECK(threw);
}

TEST_CASE("the mask covers cheeks, not eyes, lips or the background") {
    const int w = 640, h = 480;
    const BeautyGrid g = build_beauty_grid({synthetic_face(320, 240, 120)}, w, h);
    CHECK_EQ(g.factor, 2);
    CHECK(!g.empty());
    auto at = [&](const FacePoint& p, int c) {
        return g.mask[(static_cast<std::size_t>(p.y / static_cast<float>(g.factor)) * g.width + static_cast<std::size_t>(p.x / static_cast<float>(g.factor))) * 4 + c];
    };
    const FaceShape f = synthetic_face(320, 240, 120);
    CHECK(at(f.points[50], 0) > 200);   // cheek: skin
    CHECK(at(f.points[280], 0) > 200);  // other cheek
    CHECK(at(f.points[159], 0) < 30);   // upper eyelid
    CHECK(at(f.points[13], 0) < 30);    // lips
    CHECK(at(f.points[159], 1) > 200);  // but the eye is in the face region
    CHECK(at({5, 5}, 0) == 0 && at({5, 5}, 1) == 0);
    CHECK_EQ(g.tone_samples.size(), face_regions::kToneSamples.size() * 2);
}

TEST_CASE("feature masks: mouth, eye openings and under-eye band from the mesh, feathered inwards") {
    const int w = 640, h = 480;
    const FaceShape f = synthetic_face(320, 240, 120);
    BeautyParams all;
    all.teeth_whiten = all.eye_brighten = all.dark_circles = 1.0f;
    const FeatureMask m = build_feature_mask({f}, w, h, all);
    CHECK(!m.empty());
    auto at = [&](float x, float y, int c) -> int {
        const int ix = static_cast<int>(x) - m.x0, iy = static_cast<int>(y) - m.y0;
        if (ix < 0 || iy < 0 || ix >= m.width || iy >= m.height) return 0;
        return m.rgba[(static_cast<std::size_t>(iy) * m.width + ix) * 4 + static_cast<std::size_t>(c)];
    };
    auto mid = [&](int a, int b, int c) {
        return at(0.5f * (f.points[a].x + f.points[b].x), 0.5f * (f.points[a].y + f.points[b].y), c);
    };
    CHECK(mid(159, 145, 1) > 0);  // between the right eye's lids: eye opening
    CHECK(mid(386, 374, 1) > 0);
    CHECK(mid(159, 145, 0) == 0 && mid(159, 145, 2) == 0);
    CHECK(at(f.points[50].x, f.points[50].y, 1) == 0);  // cheek: no eye
    CHECK(at(5, 5, 0) == 0 && at(5, 5, 1) == 0 && at(5, 5, 2) == 0);
    // every mask is 0 on its outline's points (the feather reaches inwards only)
    for (int i : face_regions::kRightEye) CHECK(at(f.points[static_cast<std::size_t>(i)].x, f.points[static_cast<std::size_t>(i)].y, 1) < 128);
    CHECK(build_feature_mask({synthetic_face(-5000, 9000, 40)}, w, h, all).empty());
    BeautyParams eyes_only;
    eyes_only.eye_brighten = 0.5f;
    const FeatureMask e = build_feature_mask({f}, w, h, eyes_only);
    int other = 0, eye = 0;
    for (std::size_t i = 0; i < e.rgba.size(); i += 4) {
        other += e.rgba[i] + e.rgba[i + 2];
        eye += e.rgba[i + 1] > 0;
    }
    CHECK_EQ(other, 0);
    CHECK(eye > 0);
}

TEST_CASE("beauty smooths skin and never writes outside the masks") {
    const int w = 400, h = 300;
    std::vector<uint8_t> px = skin_noise(w, h, 12, 7), before = px;
    const FaceShape f = synthetic_face(200, 150, 90);
    const BeautyGrid g = build_beauty_grid({f}, w, h);
    BeautyParams p;
    p.smoothing = 1.0f;
    p.whitening = 0.5f;
    BeautyCpu cpu;
    cpu.apply(p, g, FeatureMask{}, rgba_view(px, w, h));
    const int cx = static_cast<int>(f.points[50].x), cy = static_cast<int>(f.points[50].y);
    CHECK(local_variance(px, w, cx - 6, cy - 6, cx + 6, cy + 6) < 0.5 * local_variance(before, w, cx - 6, cy - 6, cx + 6, cy + 6));
    int changed_outside = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const std::size_t i = (static_cast<std::size_t>(y) * w + x) * 4;
            const bool outside = x < g.x0 * g.factor || x >= g.x1 * g.factor || y < g.y0 * g.factor || y >= g.y1 * g.factor;
            if (outside && (px[i] != before[i] || px[i + 1] != before[i + 1] || px[i + 2] != before[i + 2])) ++changed_outside;
            if (px[i + 3] != 255) ++changed_outside;
        }
    }
    CHECK_EQ(changed_outside, 0);
}

TEST_CASE("engine: beauty needs faces; neutral beauty is the identity") {
    const int w = 160, h = 120;
    std::vector<uint8_t> px = skin_noise(w, h, 20, 3), before = px;
    EngineOptions o;
    Engine e(o);
    BeautyParams p;
    p.smoothing = 1.0f;
    e.set_beauty(p);
    e.process(rgba_view(px, w, h), rgba_view(px, w, h));
    CHECK(px == before);  // no faces
    e.set_faces({synthetic_face(80, 60, 40)});
    e.process(rgba_view(px, w, h), rgba_view(px, w, h));
    CHECK(px != before);
    px = before;
    e.set_beauty(BeautyParams{});
    e.process(rgba_view(px, w, h), rgba_view(px, w, h));
    CHECK(px == before);
    // A face far outside the frame changes nothing and does not crash.
    e.set_beauty(p);
    e.set_faces({synthetic_face(-5000, 9000, 40)});
    e.process(rgba_view(px, w, h), rgba_view(px, w, h));
    CHECK(px == before);
}

TEST_CASE("GL beauty matches the CPU reference") {
    const std::unique_ptr<Engine> gl = fixtures::gl_engine_or_skip();
    if (!gl) return;
    Engine cpu(EngineOptions{});
    const int w = 331, h = 257;
    const std::vector<uint8_t> src = skin_noise(w, h, 25, 11);
    BeautyParams p;
    p.smoothing = 0.8f;
    p.whitening = 0.6f;
    p.rosy = 0.5f;
    p.sharpen = 0.7f;
    for (Engine* e : {&cpu, gl.get()}) {
        e->set_beauty(p);
        e->set_faces({synthetic_face(160, 130, 70)});
    }
    std::vector<uint8_t> a = src, b = src;
    cpu.process(rgba_view(a, w, h), rgba_view(a, w, h));
    gl->process(rgba_view(b, w, h), rgba_view(b, w, h));
    CHECK(byte_difference(a, b).worst <= 2);
}
TEST_CASE("reshape: neutral is empty; the field stays near the face; edge faces warp smoothly") {
    const int w = 320, h = 240;
    ReshapeParams p;
    CHECK(build_reshape_field(p, {synthetic_face(160, 120, 60)}, w, h).empty());
    p.face_slim = 1.0f;
    p.v_chin = 1.0f;
    p.big_eyes = 1.0f;
    const ReshapeField far = build_reshape_field(p, {synthetic_face(160, 120, 60)}, w, h);
    CHECK(!far.empty());
    CHECK(far.x0 > 0 && far.y0 > 0 && far.x1 < far.width && far.y1 < far.height);
    // A ramp warped with a face over the corner: no neighbour jumps beyond the ramp's own slope.
    std::vector<uint8_t> px(static_cast<std::size_t>(w) * h * 4);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            uint8_t* q = &px[(static_cast<std::size_t>(y) * w + x) * 4];
            q[0] = static_cast<uint8_t>(x * 255 / (w - 1));
            q[1] = static_cast<uint8_t>(y * 255 / (h - 1));
            q[2] = 128;
            q[3] = 255;
        }
    }
    const std::vector<uint8_t> before = px;
    ReshapeCpu cpu;
    cpu.apply(build_reshape_field(p, {synthetic_face(10, 5, 90)}, w, h), rgba_view(px, w, h));
    CHECK(px != before);
    int worst = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = 1; x < w; ++x) {
            const std::size_t i = (static_cast<std::size_t>(y) * w + x) * 4;
            worst = std::max(worst, std::abs(int(px[i]) - int(px[i - 4])));
        }
    }
    CHECK(worst <= 6);
}
TEST_CASE("makeup: masks on lips, cheeks and brows; blend modes; params validated") {
    const int w = 400, h = 300;
    const FaceShape f = synthetic_face(200, 150, 90);
    MakeupParams p;
    CHECK(build_makeup_grid(p, {f}, w, h).empty());
    p.lips.intensity = 1.0f;
    p.lips.color[0] = 0.8f;
    p.lips.blend = BlendMode::Multiply;
    p.blush.intensity = 0.8f;
    p.blush.color[0] = 1.0f;
    p.blush.color[1] = 0.4f;
    p.blush.color[2] = 0.5f;
    p.blush.blend = BlendMode::SoftLight;
    p.brows.intensity = 0.5f;
    p.brows.blend = BlendMode::Overlay;
    p.lip_gloss = 0.5f;
    p.validate();
    const MakeupGrid g = build_makeup_grid(p, {f}, w, h);
    CHECK(!g.empty());
    auto mask = [&](int point, int c) {
        const FacePoint q = f.points[static_cast<std::size_t>(point)];
        const int x = static_cast<int>(q.x) / g.factor, y = static_cast<int>(q.y) / g.factor;
        return g.mask[(static_cast<std::size_t>(y) * g.width + x) * 4 + c];
    };
    CHECK(mask(17, 0) > 100);  // lower lip
    CHECK(mask(50, 1) > 100);  // cheek
    CHECK(mask(105, 2) > 100);  // brow
    CHECK(mask(4, 0) == 0 && mask(4, 2) == 0);  // nose tip
    std::vector<uint8_t> px = skin_noise(w, h, 10, 5), before = px;
    makeup_cpu(p, g, MakeupFine{}, rgba_view(px, w, h));
    const std::size_t lip = (static_cast<std::size_t>(f.points[17].y - 2) * w + static_cast<std::size_t>(f.points[17].x)) * 4;
    CHECK(px[lip + 1] < before[lip + 1]);  // multiply by a red: green falls
    CHECK(px[0] == before[0] && px[1] == before[1]);  // the corner is untouched
    p.blush.intensity = 2.0f;
    bool threw = false;
    try {
        p.validate();
    } catch (const Error& e) {
        threw = std::string(e.what()).find("blush") != std::string::npos;
    }
    CHECK(threw);
}

namespace {

// A mask painted in the UV layout: a disc of radius r (UV units) around landmark `point`'s UV.
std::shared_ptr<const UvMask> disc_mask(int point, float r, int size = 256) {
    const float* c = face::face_topology().uv[point];
    std::vector<uint8_t> px(static_cast<std::size_t>(size) * size, 0);
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const float u = (static_cast<float>(x) + 0.5f) / static_cast<float>(size);
            const float v = (static_cast<float>(y) + 0.5f) / static_cast<float>(size);
            if (std::hypot(u - c[0], v - c[1]) < r) px[static_cast<std::size_t>(y) * size + x] = 255;
        }
    }
    return std::make_shared<const UvMask>(px.data(), size, size);
}

}  // namespace

TEST_CASE("makeup UV layers: masks follow the turned mesh, missing masks are refused, GL matches CPU") {
    const int w = 400, h = 300;
    const FaceShape f = synthetic_face(200, 150, 110, 25.0f);  // rolled: the paint must turn with it
    MakeupParams p;
    p.contour.intensity = 1.0f;
    p.contour.blend = BlendMode::Multiply;
    p.contour.color[0] = p.contour.color[1] = p.contour.color[2] = 0.3f;
    p.eyeliner.intensity = 1.0f;
    p.validate();
    MakeupMasks masks;
    bool threw = false;
    try {
        require_masks(p, masks);
    } catch (const Error& e) {
        threw = e.code() == MEIYAN_ERROR_UNSUPPORTED && std::string(e.what()).find("eyeliner") != std::string::npos;
    }
    CHECK(threw);
    masks.layers[static_cast<std::size_t>(UvLayer::Contour)] = disc_mask(4, 0.03f);     // around the nose tip
    masks.layers[static_cast<std::size_t>(UvLayer::Eyeliner)] = disc_mask(159, 0.01f);  // the right upper lid
    CHECK(masks[UvLayer::Contour]->reaches_any());
    MakeupGrid grid = build_makeup_grid(p, {f}, w, h);
    CHECK(grid.empty());  // no procedural layer is on
    MakeupFine fine;
    paint_uv_layers(p, masks, {f}, grid, fine);
    CHECK(!grid.empty() && !grid.painted.empty() && !fine.empty());
    auto painted = [&](int point) {
        const FacePoint q = f.points[static_cast<std::size_t>(point)];
        const int x = static_cast<int>(q.x) / grid.factor, y = static_cast<int>(q.y) / grid.factor;
        return grid.painted[(static_cast<std::size_t>(y) * grid.width + x) * 4 + 1];
    };
    auto liner = [&](int point) {
        const FacePoint q = f.points[static_cast<std::size_t>(point)];
        const int x = static_cast<int>(std::lround(q.x)), y = static_cast<int>(std::lround(q.y));
        if (x < fine.x0 || x >= fine.x1 || y < fine.y0 || y >= fine.y1) return 0;
        return static_cast<int>(fine.coverage[(static_cast<std::size_t>(y - fine.y0) * fine.width() + (x - fine.x0)) * 2]);
    };
    CHECK(painted(4) == 255);  // the nose tip, wherever the roll put it
    CHECK(painted(152) == 0 && painted(33) == 0);
    // The liner's disc is centred on the lid contour (the edge of the eye hole): painted just above it.
    const FacePoint lid = f.points[159], brow = f.points[105];
    int above = 0;
    for (float t = 0.02f; t < 0.3f; t += 0.02f) {
        FacePoint q{lid.x + (brow.x - lid.x) * t, lid.y + (brow.y - lid.y) * t};
        const int x = static_cast<int>(q.x), y = static_cast<int>(q.y);
        if (x >= fine.x0 && x < fine.x1 && y >= fine.y0 && y < fine.y1) {
            above = std::max(above, static_cast<int>(fine.coverage[(static_cast<std::size_t>(y - fine.y0) * fine.width() +
                                                                    (x - fine.x0)) * 2]));
        }
    }
    CHECK(above > 200);
    CHECK(liner(386) == 0);  // the other eye's lid
    std::vector<uint8_t> px = skin_noise(w, h, 10, 9), before = px;
    makeup_cpu(p, grid, fine, rgba_view(px, w, h));
    const std::size_t nose = (static_cast<std::size_t>(f.points[4].y) * w + static_cast<std::size_t>(f.points[4].x)) * 4;
    CHECK(px[nose] < before[nose] / 2);  // multiplied by 0.3
    CHECK(px[0] == before[0] && px[1] == before[1]);

    // The engine: masks first, then the layers; a mask cannot go while its layer is on.
    Engine cpu(EngineOptions{});
    threw = false;
    try {
        cpu.set_makeup(p);
    } catch (const Error& e) {
        threw = e.code() == MEIYAN_ERROR_UNSUPPORTED;
    }
    CHECK(threw);
    std::unique_ptr<Engine> gl = fixtures::gl_engine_or_skip();
    for (Engine* e : {&cpu, gl.get()}) {
        if (!e) continue;
        e->set_makeup_mask(UvLayer::Contour, masks[UvLayer::Contour]);
        e->set_makeup_mask(UvLayer::Eyeliner, masks[UvLayer::Eyeliner]);
        e->set_makeup(p);
        e->set_faces({f});
    }
    threw = false;
    try {
        cpu.set_makeup_mask(UvLayer::Contour, nullptr);
    } catch (const Error&) {
        threw = true;
    }
    CHECK(threw && cpu.makeup_mask(UvLayer::Contour) != nullptr);
    std::vector<uint8_t> a = before;
    cpu.process(rgba_view(a, w, h), rgba_view(a, w, h));
    CHECK(a == px);  // the engine draws what the passes above drew
    if (gl) {
        std::vector<uint8_t> b = before;
        gl->process(rgba_view(b, w, h), rgba_view(b, w, h));
        const ByteDifference d = byte_difference(a, b, 2);
        std::printf("  UV layers, GL vs CPU: max difference %d, %zu of %zu values differ by more than 2\n", d.worst,
                    d.over, a.size());
        CHECK(d.over * 1000 <= a.size());  // edge pixels may take the neighbouring triangle's rasterisation
    }
    // Intensity 0: nothing is drawn.
    p.contour.intensity = 0.0f;
    p.eyeliner.intensity = 0.0f;
    cpu.set_makeup(p);
    std::vector<uint8_t> c = before;
    cpu.process(rgba_view(c, w, h), rgba_view(c, w, h));
    CHECK(c == before);
}

namespace {

// Iris points for a synthetic face: each centre between the eye's corners, radius `frac` of the eye's width.
FaceShape with_iris(FaceShape f, float frac) {
    const int corners[2][2] = {{33, 133}, {362, 263}};
    for (int e = 0; e < 2; ++e) {
        const FacePoint a = f.points[static_cast<std::size_t>(corners[e][0])];
        const FacePoint b = f.points[static_cast<std::size_t>(corners[e][1])];
        const float cx = 0.5f * (a.x + b.x), cy = 0.5f * (a.y + b.y);
        const float r = frac * std::hypot(b.x - a.x, b.y - a.y);
        f.iris[static_cast<std::size_t>(5 * e)] = {cx, cy};
        const float dirs[4][2] = {{1, 0}, {0, -1}, {-1, 0}, {0, 1}};
        for (int k = 0; k < 4; ++k) {
            f.iris[static_cast<std::size_t>(5 * e + 1 + k)] = {cx + r * dirs[k][0], cy + r * dirs[k][1]};
        }
    }
    f.has_iris = true;
    return f;
}

}  // namespace

TEST_CASE("contacts: iris ring minus the pupil, inside the eye openings; no iris, no lenses; GL matches CPU") {
    const int w = 400, h = 300;
    const FaceShape f = with_iris(synthetic_face(200, 150, 110, 20.0f), 0.3f);  // rolled
    MakeupParams p;
    p.contacts.intensity = 1.0f;
    p.contacts.blend = BlendMode::Normal;
    p.contacts.color[0] = 0.1f, p.contacts.color[1] = 0.4f, p.contacts.color[2] = 0.9f;
    p.validate();
    CHECK(contacts::ring_profile(0.0f) == 0.0f && contacts::ring_profile(0.3f) == 0.0f);
    CHECK(contacts::ring_profile(0.7f) > 0.7f && contacts::ring_profile(1.1f) == 0.0f);
    CHECK(contacts::ring_profile(contacts::kLimbal) > contacts::ring_profile(0.7f));  // the limbal band
    const ContactsCoverage cov = build_contacts_coverage(p.contacts, {f}, w, h);
    CHECK(!cov.empty());
    // Every covered pixel: inside an iris disc, outside its pupil, inside that eye's opening.
    std::vector<float> open_r(static_cast<std::size_t>(w) * h, 0.0f), open_l = open_r;
    face_regions::fill_polygon(face_regions::outline(f, face_regions::kRightEye, 1.0f, 1.0f), w, h, open_r);
    face_regions::fill_polygon(face_regions::outline(f, face_regions::kLeftEye, 1.0f, 1.0f), w, h, open_l);
    std::size_t covered = 0, bad = 0;
    for (int y = cov.y0; y < cov.y1; ++y) {
        for (int x = cov.x0; x < cov.x1; ++x) {
            if (cov.coverage[static_cast<std::size_t>(y - cov.y0) * cov.width() + (x - cov.x0)] == 0) continue;
            ++covered;
            bool ok = false;
            for (int e = 0; e < 2; ++e) {
                const FacePoint c = f.iris[static_cast<std::size_t>(5 * e)];
                const float r = std::hypot(f.iris[static_cast<std::size_t>(5 * e + 1)].x - c.x,
                                           f.iris[static_cast<std::size_t>(5 * e + 1)].y - c.y);
                const float d = std::hypot(static_cast<float>(x) + 0.5f - c.x, static_cast<float>(y) + 0.5f - c.y) / r;
                // the eyelid edge is softened by one pixel: a pixel next to the opening may be covered
                bool inside = false;
                const std::vector<float>& o = e == 0 ? open_r : open_l;
                for (int dy = -1; dy <= 1; ++dy) {
                    for (int dx = -1; dx <= 1; ++dx) {
                        const int xx = std::clamp(x + dx, 0, w - 1), yy = std::clamp(y + dy, 0, h - 1);
                        inside = inside || o[static_cast<std::size_t>(yy) * w + xx] > 0.0f;
                    }
                }
                ok = ok || (d > contacts::kPupil && d < contacts::kOuterEnd && inside);
            }
            bad += ok ? 0u : 1u;
        }
    }
    CHECK(covered > 50 && bad == 0);
    // the pupils stay as they were
    std::vector<uint8_t> px = skin_noise(w, h, 10, 5), before = px;
    contacts_cpu(p.contacts, cov, rgba_view(px, w, h));
    for (int e = 0; e < 2; ++e) {
        const FacePoint c = f.iris[static_cast<std::size_t>(5 * e)];
        const std::size_t i = (static_cast<std::size_t>(c.y) * w + static_cast<std::size_t>(c.x)) * 4;
        CHECK(px[i] == before[i] && px[i + 1] == before[i + 1] && px[i + 2] == before[i + 2]);
    }
    CHECK(px != before);

    // The engine: the same pixels; a face without iris points and intensity 0 leave the frame as it is.
    Engine cpu(EngineOptions{});
    std::unique_ptr<Engine> gl = fixtures::gl_engine_or_skip();
    for (Engine* e : {&cpu, gl.get()}) {
        if (!e) continue;
        e->set_makeup(p);
        e->set_faces({f});
    }
    std::vector<uint8_t> a = before;
    cpu.process(rgba_view(a, w, h), rgba_view(a, w, h));
    CHECK(a == px);
    if (gl) {
        std::vector<uint8_t> b = before;
        gl->process(rgba_view(b, w, h), rgba_view(b, w, h));
        double se = 0;
        for (std::size_t i = 0; i < a.size(); ++i) se += (double(a[i]) - double(b[i])) * (double(a[i]) - double(b[i]));
        const double mse = se / static_cast<double>(a.size());
        const double psnr = mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
        std::printf("  contacts, GL vs CPU: PSNR %.1f dB\n", psnr);
        CHECK(psnr >= 38.0);
    }
    FaceShape no_iris = f;
    no_iris.has_iris = false;
    cpu.set_faces({no_iris});
    std::vector<uint8_t> c = before;
    cpu.process(rgba_view(c, w, h), rgba_view(c, w, h));
    CHECK(c == before);
    cpu.set_faces({f});
    p.contacts.intensity = 0.0f;
    cpu.set_makeup(p);
    c = before;
    cpu.process(rgba_view(c, w, h), rgba_view(c, w, h));
    CHECK(c == before);
    p.contacts.intensity = 1.5f;
    bool threw = false;
    try {
        cpu.set_makeup(p);
    } catch (const Error& e) {
        threw = e.code() == MEIYAN_ERROR_INVALID_ARGUMENT && std::string(e.what()).find("contacts") != std::string::npos;
    }
    CHECK(threw);
}

TEST_CASE("makeup mask grid: full resolution up to 360 px, at most 360 rows over the short side above") {
    MakeupParams params;
    params.lips.intensity = 0.5f;
    struct Size {
        int w, h, factor;
    };
    // (the factor above 719 px is what it was before the cap: half the beauty grid's reduction)
    for (const Size s : {Size{320, 320, 1}, Size{640, 360, 1}, Size{854, 480, 2}, Size{960, 540, 2},
                         Size{1024, 576, 2}, Size{1280, 720, 2}, Size{720, 1280, 2}, Size{1920, 1080, 3},
                         Size{3840, 2160, 6}}) {
        const MakeupGrid g = build_makeup_grid(params, {}, s.w, s.h);
        CHECK_EQ(g.factor, s.factor);
        CHECK(std::min(g.width, g.height) <= 360);
        CHECK_EQ(g.width, (s.w + s.factor - 1) / s.factor);
    }
}

int main() { return check::run_all(); }
