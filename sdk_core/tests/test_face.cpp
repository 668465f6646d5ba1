// Face-pipeline geometry without networks: anchors, NMS, ROIs, head pose, One Euro filtering.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "check.h"
#include "core/error.h"
#include "face/blazeface.h"
#include "face/crop.h"
#include "face/face_tracker.h"
#include "face/one_euro.h"
#include "face/roi_filter.h"

using namespace meiyan::face;

namespace {

const float kCanonical[kMeshPoints][3] = {
#include "face/canonical_face.inc"
};

// The canonical face turned by yaw/pitch/roll (degrees, R = Rz Ry Rx), scaled and moved.
std::array<Point3, kMeshPoints> posed_face(double yaw, double pitch, double roll, double scale, double tx, double ty) {
    const double d = 3.14159265358979 / 180;
    const double cy = std::cos(yaw * d), sy = std::sin(yaw * d), cp = std::cos(pitch * d), sp = std::sin(pitch * d);
    const double cr = std::cos(roll * d), sr = std::sin(roll * d);
    const double rx[9] = {1, 0, 0, 0, cp, -sp, 0, sp, cp};
    const double ry[9] = {cy, 0, sy, 0, 1, 0, -sy, 0, cy};
    const double rz[9] = {cr, -sr, 0, sr, cr, 0, 0, 0, 1};
    double t[9] = {}, r[9] = {};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 3; ++k) t[3 * i + j] += ry[3 * i + k] * rx[3 * k + j];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 3; ++k) r[3 * i + j] += rz[3 * i + k] * t[3 * k + j];
    std::array<Point3, kMeshPoints> out;
    for (int i = 0; i < kMeshPoints; ++i) {
        const float* c = kCanonical[i];
        out[static_cast<std::size_t>(i)] = {
            static_cast<float>(scale * (r[0] * c[0] + r[1] * c[1] + r[2] * c[2]) + tx),
            static_cast<float>(scale * (r[3] * c[0] + r[4] * c[1] + r[5] * c[2]) + ty),
            static_cast<float>(scale * (r[6] * c[0] + r[7] * c[1] + r[8] * c[2]))};
    }
    return out;
}

}  // namespace

TEST_CASE("SSD anchors: MediaPipe's counts and order") {
    const auto s = ssd_anchors(DetectorSpec::short_range());
    CHECK_EQ(s.size(), std::size_t{896});  // 16x16x2 + 8x8x6
    CHECK_NEAR(s[0].x, 1.0 / 32, 1e-6);
    CHECK_NEAR(s[1].x, 1.0 / 32, 1e-6);  // two anchors per cell on the stride-8 grid
    CHECK_NEAR(s[512].x, 1.0 / 16, 1e-6);
    CHECK_EQ(ssd_anchors(DetectorSpec::full_range()).size(), std::size_t{2304});  // 48x48
}

TEST_CASE("weighted NMS merges overlapping boxes by score") {
    Detection a{{0, 0, 10, 10}, {}, 0.9f}, b{{1, 1, 11, 11}, {}, 0.6f}, c{{50, 50, 60, 60}, {}, 0.7f};
    const auto out = weighted_nms({b, a, c}, 0.3f);
    CHECK_EQ(out.size(), std::size_t{2});
    CHECK_NEAR(out[0].score, 0.9, 1e-6);
    CHECK_NEAR(out[0].box[0], 0.6 / 1.5, 1e-5);  // (0*0.9 + 1*0.6) / 1.5
    CHECK_NEAR(out[1].box[0], 50, 1e-5);
    CHECK_NEAR(box_iou(a.box, a.box), 1.0, 1e-6);
    CHECK_NEAR(box_iou(a.box, c.box), 0.0, 1e-6);
}

TEST_CASE("head pose recovers known rotations of the canonical face") {
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> angle(-40, 40), roll(-180, 180);
    for (int trial = 0; trial < 20; ++trial) {
        const double yaw = angle(rng), pitch = angle(rng), r = roll(rng);
        const auto pts = posed_face(yaw, pitch, r, 120, 400, 300);
        const HeadPose p = estimate_pose(pts);
        CHECK_NEAR(p.yaw, yaw, 0.05);
        CHECK_NEAR(p.pitch, pitch, 0.05);
        CHECK_NEAR(p.roll, r, 0.05);
        CHECK_NEAR(p.scale, 120, 0.01);
        CHECK_NEAR(p.translation[0], 400, 1e-2);
    }
}

TEST_CASE("ROI from landmarks follows roll and size") {
    for (double r : {0.0, 30.0, 90.0, 180.0, -120.0}) {
        const auto pts = posed_face(0, 0, r, 100, 320, 240);
        const RotatedRect roi = roi_from_landmarks(pts, 1.5f);
        const double got = roi.rotation * 180 / 3.14159265358979;
        CHECK_NEAR(std::remainder(got - r, 360.0), 0.0, 0.5);
        CHECK(roi.width > 150 && roi.width < 400);
        CHECK_NEAR(roi.width, roi.height, 1e-3);
    }
}

TEST_CASE("face crop: the vector path gives the scalar sampling's tensor exactly") {
    std::mt19937 rng(7);
    const int w = 301, h = 217;
    std::vector<uint8_t> frame(static_cast<std::size_t>(w + 3) * h * 4);
    for (auto& v : frame) v = static_cast<uint8_t>(rng());
    meiyan::ImageView img;
    img.format = meiyan::PixelFormat::RGBA8;
    img.width = w;
    img.height = h;
    img.data[0] = frame.data();
    img.stride[0] = (w + 3) * 4;  // rows padded: offsets use the stride
    std::uniform_real_distribution<double> angle(-3.2, 3.2), size(20, 400), centre(-40, 340), inner(-10, 10);
    for (int trial = 0; trial < 40; ++trial) {
        // even trials: crops well inside the frame (the vector path's case), odd: anywhere
        const bool inside = trial % 4 < 2;
        RotatedRect r;
        r.center_x = static_cast<float>(inside ? 150 + inner(rng) : centre(rng));
        r.center_y = static_cast<float>(inside ? 108 + inner(rng) : centre(rng));
        r.width = r.height = static_cast<float>(inside ? 60 + inner(rng) : size(rng));
        r.rotation = static_cast<float>(angle(rng));
        const int n = trial % 2 ? 64 : 192;
        const Affine2 m = r.crop_to_image(n, n);
        for (const Border border : {Border::Zero, Border::Replicate}) {
            std::vector<float> a(static_cast<std::size_t>(n) * n * 3), b(a.size());
            meiyan::simd_force(meiyan::SimdLevel::Scalar);
            crop_to_tensor(img, m, n, n, -1.0f, 1.0f, border, a.data());
            meiyan::simd_force(meiyan::simd_detected());
            crop_to_tensor(img, m, n, n, -1.0f, 1.0f, border, b.data());
            CHECK(a == b);
            // the same pixels seen bottom-up (a negative stride) and flipped back by the map
            meiyan::ImageView flipped = img;
            flipped.data[0] = frame.data() + static_cast<std::ptrdiff_t>(h - 1) * img.stride[0];
            flipped.stride[0] = -img.stride[0];
            Affine2 fm = m;
            fm.d = -m.d;
            fm.e = -m.e;
            fm.f = h - m.f;
            crop_to_tensor(flipped, fm, n, n, -1.0f, 1.0f, border, b.data());
            meiyan::simd_force(meiyan::SimdLevel::Scalar);
            crop_to_tensor(flipped, fm, n, n, -1.0f, 1.0f, border, a.data());
            meiyan::simd_force(meiyan::simd_detected());
            CHECK(a == b);
        }
    }
}

TEST_CASE("face crop: BGRA, RGB and BGR frames give the RGBA frame's tensor exactly") {
    std::mt19937 rng(11);
    const int w = 203, h = 157;
    std::vector<uint8_t> rgba(static_cast<std::size_t>(w) * h * 4), bgra(rgba.size()),
        rgb(static_cast<std::size_t>(w) * h * 3), bgr(rgb.size());
    for (std::size_t p = 0; p < static_cast<std::size_t>(w) * h; ++p) {
        const uint8_t r = static_cast<uint8_t>(rng()), g = static_cast<uint8_t>(rng()), b = static_cast<uint8_t>(rng());
        const uint8_t px4[4] = {r, g, b, 255}, bx4[4] = {b, g, r, 255}, px3[3] = {r, g, b}, bx3[3] = {b, g, r};
        std::copy(px4, px4 + 4, &rgba[4 * p]);
        std::copy(bx4, bx4 + 4, &bgra[4 * p]);
        std::copy(px3, px3 + 3, &rgb[3 * p]);
        std::copy(bx3, bx3 + 3, &bgr[3 * p]);
    }
    auto view = [&](std::vector<uint8_t>& data, meiyan::PixelFormat f, int bpp) {
        meiyan::ImageView v;
        v.format = f;
        v.width = w;
        v.height = h;
        v.data[0] = data.data();
        v.stride[0] = w * bpp;
        return v;
    };
    const meiyan::ImageView views[4] = {view(rgba, meiyan::PixelFormat::RGBA8, 4), view(bgra, meiyan::PixelFormat::BGRA8, 4),
                                        view(rgb, meiyan::PixelFormat::RGB8, 3), view(bgr, meiyan::PixelFormat::BGR8, 3)};
    std::uniform_real_distribution<double> angle(-3.2, 3.2), size(20, 300), centre(-30, 230);
    for (int trial = 0; trial < 30; ++trial) {
        RotatedRect r;
        r.center_x = static_cast<float>(centre(rng));
        r.center_y = static_cast<float>(centre(rng));
        r.width = r.height = static_cast<float>(size(rng));
        r.rotation = static_cast<float>(angle(rng));
        const Affine2 m = r.crop_to_image(64, 64);
        for (const meiyan::SimdLevel level : {meiyan::SimdLevel::Scalar, meiyan::simd_detected()}) {
            meiyan::simd_force(level);
            std::vector<float> ref(64 * 64 * 3), got(ref.size());
            crop_to_tensor(views[0], m, 64, 64, 0.0f, 1.0f, Border::Replicate, ref.data());
            for (int k = 1; k < 4; ++k) {
                crop_to_tensor(views[k], m, 64, 64, 0.0f, 1.0f, Border::Replicate, got.data());
                CHECK(got == ref);
            }
        }
    }
    meiyan::simd_force(meiyan::simd_detected());
}

TEST_CASE("detection tiles: two levels that cover the frame with overlap") {
    const auto tiles = detection_tiles(1280, 720, 0);
    CHECK(tiles.size() == 3u + 28u);  // 720-px squares along the width, then 240-px squares (7 x 4)
    for (int level = 0; level < 2; ++level) {
        const float side = level == 0 ? 720.0f : 240.0f;
        const std::size_t first = level == 0 ? 0 : 3, last = level == 0 ? 3 : tiles.size();
        // every pixel of the frame lies inside some tile of each level, a quarter tile from its
        // border where the frame allows (a face cut by one tile is whole in the next)
        for (float y = 0; y < 720; y += 7) {
            for (float x = 0; x < 1280; x += 7) {
                float best = -1e9f;
                for (std::size_t i = first; i < last; ++i) {
                    const RotatedRect& t = tiles[i];
                    CHECK_NEAR(t.width, side, 1e-3);
                    CHECK(t.center_x - side / 2 >= -1e-3f && t.center_x + side / 2 <= 1280 + 1e-3f);
                    CHECK(t.center_y - side / 2 >= -1e-3f && t.center_y + side / 2 <= 720 + 1e-3f);
                    best = std::max(best, std::min(side / 2 - std::fabs(x - t.center_x), side / 2 - std::fabs(y - t.center_y)));
                }
                CHECK(best >= std::min({x, y, 1280.0f - x, 720.0f - y, side / 8}) - 1e-3f);
            }
        }
    }
    // a square frame: the whole-frame pass covers the first level; small frames have no second one
    CHECK(detection_tiles(720, 720, 0).size() == 16u);
    CHECK(detection_tiles(640, 360, 0).size() == 3u);  // 360-px squares; a 120-px level would be below kMinTile
    CHECK(detection_tiles(300, 300, 0).empty());
    CHECK(detection_tiles(4000, 8, 0).empty());  // a strip: no tile could hold a face
    CHECK(detection_tiles(4000, 100, 0).size() == 53u);
    for (const RotatedRect& t : detection_tiles(720, 1280, 90)) CHECK_NEAR(t.rotation, 3.14159265f / 2, 1e-5);
}

TEST_CASE("eye ROI: centred between the eye corners, turned along them, 2.3x their extent") {
    for (double r : {0.0, 20.0, 45.0, 90.0, 180.0, -135.0}) {
        const auto pts = posed_face(10, -5, r, 150, 320, 240);
        for (const bool left : {false, true}) {
            const Point3 a = pts[left ? 362 : 33], b = pts[left ? 263 : 133];  // the eye's corners, image-left first when upright
            const RotatedRect roi = eye_roi(pts, left);
            CHECK_NEAR(roi.center_x, (a.x + b.x) / 2, 1e-3);
            CHECK_NEAR(roi.center_y, (a.y + b.y) / 2, 1e-3);
            CHECK_NEAR(roi.width, 2.3f * std::max(std::fabs(a.x - b.x), std::fabs(a.y - b.y)), 1e-3);
            CHECK_NEAR(roi.width, roi.height, 1e-6);
            CHECK_NEAR(std::remainder(roi.rotation - std::atan2(b.y - a.y, b.x - a.x), 6.283185307), 0.0, 1e-5);
            // the canonical eye's corners are level to within a few degrees: the ROI turns with the face
            CHECK_NEAR(std::remainder(roi.rotation * 180 / 3.14159265358979 - r, 360.0), 0.0, 8.0);
        }
    }
}

namespace {
// A network of given sizes that never runs (the tracker checks sizes when it is built).
class SizedNetwork final : public Network {
public:
    SizedNetwork(std::size_t input, std::size_t out0, std::size_t out1) : input_(input), out_{out0, out1} {}
    std::vector<const float*> run(const float*) override { return {}; }
    std::size_t input_size() const override { return input_; }
    std::size_t output_size(std::size_t i) const override { return out_[i]; }

private:
    std::size_t input_;
    std::size_t out_[2];
};

FaceNetworks sized_networks() {
    FaceNetworks n;
    n.detector = std::make_unique<SizedNetwork>(128 * 128 * 3, 896 * 16, 896);
    n.mesh = std::make_unique<SizedNetwork>(192 * 192 * 3, kMeshPoints * 3, 1);
    return n;
}
}  // namespace

TEST_CASE("tracker: the iris network is optional and its sizes are checked") {
    FaceTracker without(sized_networks(), TrackerOptions{});
    CHECK(!without.has_iris_network());
    CHECK(!TrackerOptions{}.iris);  // off by default: two more network runs a face
    FaceNetworks nets = sized_networks();
    nets.iris = std::make_unique<SizedNetwork>(64 * 64 * 3, 71 * 3, 5 * 3);
    FaceTracker with(std::move(nets), TrackerOptions{});
    CHECK(with.has_iris_network());
    for (const std::size_t bad_iris_out : {std::size_t{4 * 3}, std::size_t{10 * 3}}) {
        FaceNetworks wrong = sized_networks();
        wrong.iris = std::make_unique<SizedNetwork>(64 * 64 * 3, 71 * 3, bad_iris_out);
        bool threw = false;
        try {
            FaceTracker t(std::move(wrong), TrackerOptions{});
        } catch (const meiyan::Error&) {
            threw = true;
        }
        CHECK(threw);
    }
}

TEST_CASE("One Euro: still noise shrinks, a fast move is followed") {
    std::mt19937 rng(1);
    std::normal_distribution<float> noise(0, 1);
    OneEuroFilter f;
    const OneEuroParams p;
    double raw_sq = 0, out_sq = 0;
    float prev_raw = 0, prev_out = 0;
    for (int i = 0; i < 300; ++i) {
        const float x = 100 + noise(rng);
        const float y = f.filter(x, 200, 1.0f / 30, p);
        if (i > 30) {
            raw_sq += (x - prev_raw) * (x - prev_raw);
            out_sq += (y - prev_out) * (y - prev_out);
        }
        prev_raw = x;
        prev_out = y;
    }
    CHECK(std::sqrt(out_sq) < 0.3 * std::sqrt(raw_sq));
    // A jump of half a face: within 4 frames the filter is within 10% of it.
    float y = 0;
    for (int i = 0; i < 4; ++i) y = f.filter(200, 200, 1.0f / 30, p);
    CHECK(std::fabs(y - 200) < 10);
}

TEST_CASE("One Euro 2D: a point going round lags alike at every angle") {
    // A point on a circle of 100 px, a face of 200 px turning half a turn a second: once moving,
    // the planar filter's lag behind the point is the same at every angle; per-coordinate filters
    // lag most where one coordinate's speed passes through zero.
    const OneEuroParams p;
    OneEuroFilter2D planar;
    OneEuroFilter fx, fy;
    double planar_min = 1e9, planar_max = 0, split_min = 1e9, split_max = 0;
    for (int i = 0; i < 240; ++i) {
        const double a = 3.14159265358979 * i / 30;
        float x = static_cast<float>(100 * std::cos(a)), y = static_cast<float>(100 * std::sin(a));
        const float sx = fx.filter(x, 200, 1.0f / 30, p), sy = fy.filter(y, 200, 1.0f / 30, p);
        const float tx = x, ty = y;
        planar.filter(x, y, 200, 1.0f / 30, p);
        if (i < 60) continue;
        const double lag = std::hypot(x - tx, y - ty), split = std::hypot(sx - tx, sy - ty);
        planar_min = std::min(planar_min, lag);
        planar_max = std::max(planar_max, lag);
        split_min = std::min(split_min, split);
        split_max = std::max(split_max, split);
    }
    CHECK(planar_max < 1.02 * planar_min);
    CHECK(split_max > 1.2 * split_min);
    CHECK(planar_max < split_max);
}

TEST_CASE("ROI filter: a new face's motion from its second frame, noisy fits smoothed") {
    const double d = 3.14159265358979 / 180;
    auto pose = [&](int i) {  // turning 5 degrees and moving 4 px right per frame at 30 fps
        RotatedRect r;
        r.center_x = 300.0f + 4.0f * static_cast<float>(i);
        r.center_y = 200;
        r.width = r.height = 240;
        r.rotation = static_cast<float>(normalize_radians(static_cast<float>(5 * i * d)));
        return r;
    };
    RoiFilter f;
    f.reset(pose(0), 0.0);
    RotatedRect p = f.predict(1.0 / 30);
    CHECK_NEAR(p.rotation, 0.0, 1e-6);  // nothing known of its motion yet
    f.update(pose(1), 1.0 / 30);
    p = f.predict(2.0 / 30);
    CHECK_NEAR(std::remainder(p.rotation - pose(2).rotation, 6.2831853), 0.0, 1e-4);
    CHECK_NEAR(p.center_x, pose(2).center_x, 1e-3);
    // Fits off by 0.3 degree at random: the prediction is off by less than that (two-point
    // extrapolation, 2 f1 - f0, would be off by 2.2 times as much).
    std::mt19937 rng(3);
    std::normal_distribution<double> noise(0, 0.3 * d);
    double sq = 0;
    int n = 0;
    for (int i = 2; i < 400; ++i) {
        const double t = i / 30.0;
        p = f.predict(t);
        if (i > 20) {
            const double e = std::remainder(p.rotation - pose(i).rotation, 6.2831853);
            sq += e * e;
            ++n;
        }
        RotatedRect fit = pose(i);
        fit.rotation += static_cast<float>(noise(rng));
        f.update(fit, t);
    }
    CHECK(std::sqrt(sq / n) < 0.3 * d);
    // A jump (another face, a cut) restarts it there rather than carrying the old motion on.
    RotatedRect jump = pose(400);
    jump.center_x += 500;
    f.update(jump, 400 / 30.0);
    CHECK_NEAR(f.predict(401 / 30.0).center_x, jump.center_x, 1e-3);
}

TEST_CASE("ROI filter: a still face that starts to turn is followed from the next frame") {
    const double d = 3.14159265358979 / 180;
    auto pose = [&](int i) {  // still for two seconds, then turning 5 degrees a frame
        RotatedRect r;
        r.center_x = 300;
        r.center_y = 200;
        r.width = r.height = 240;
        r.rotation = normalize_radians(static_cast<float>(i < 60 ? 0.0 : 5 * (i - 60) * d));
        return r;
    };
    RoiFilter f;
    f.reset(pose(0), 0.0);
    for (int i = 1; i < 80; ++i) {
        const RotatedRect p = f.predict(i / 30.0);
        // (frame 61 is the turn's first: nothing foretold it)
        if (i != 61) CHECK_NEAR(std::remainder(p.rotation - pose(i).rotation, 6.2831853), 0.0, 0.1 * d);
        f.update(pose(i), i / 30.0);
    }
}

TEST_MAIN()
