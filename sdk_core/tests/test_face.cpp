// Face-pipeline geometry without networks: anchors, NMS, ROIs, head pose, One Euro filtering.
#include <cmath>
#include <random>

#include "check.h"
#include "face/blazeface.h"
#include "face/face_tracker.h"
#include "face/one_euro.h"

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

TEST_MAIN()
