#include "face/face_tracker.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"
#include "face/crop.h"

namespace meiyan::face {

namespace {

constexpr float kConfidentDetection = 0.75f;  // upright faces score ~0.85; sideways/upside-down fits ~0.6

// Adds the lifetime of this object to a stage's cumulative seconds.
class StageTimer {
public:
    explicit StageTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~StageTimer() { total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
    StageTimer(const StageTimer&) = delete;
    StageTimer& operator=(const StageTimer&) = delete;

private:
    double& total_;
    std::chrono::steady_clock::time_point start_;
};
constexpr float kRadToDeg = 57.29577951f;

// Mesh vertices used for geometry (MediaPipe's 468-point topology).
constexpr int kRightEyeOuter = 33, kRightEyeInner = 133, kLeftEyeInner = 362, kLeftEyeOuter = 263;
constexpr int kForehead = 10, kChin = 152;
constexpr int kNewFacePasses = 3;  // mesh passes after the first on a new face's detector ROI
// After a track is lost the detector runs on every frame for this long (seconds) even while other faces
// are tracked, so the face is found again as soon as it shows (not at the next periodic look).
constexpr double kLostSearchSeconds = 2.0;
// Tiles multiply the chances of a weak false hit (a face-like patch inside a half-hidden face, which a
// still scene would then hold): their detections need a little more than the detector's 0.5. Small
// faces that tiles find score 0.59-0.97 on the benchmark's photos; such hits 0.50-0.53.
constexpr float kTileMinScore = 0.55f;
constexpr float kRoiHold = 0.02f;         // a tracked face's ROI moves when it would shift by more (x width)
constexpr float kRoiHoldRadians = 0.035f;  // ... or turn by more (2 degrees)
constexpr float kRoiMiss = 0.03f;          // a tracked face's landmarks fit an ROI this far off its crop (x width) ...
constexpr float kRoiMissRadians = 0.052f;  // ... or turned by more (3 degrees): one more pass on that ROI
constexpr int kLipInnerTop = 13, kLipInnerBottom = 14, kMouthRight = 61, kMouthLeft = 291;
constexpr int kRightLidTop = 159, kRightLidBottom = 145, kLeftLidTop = 386, kLeftLidBottom = 374;
constexpr int kRightBrow = 105, kLeftBrow = 334;
constexpr int kIrisInput = 64;          // the iris network's crop side
constexpr int kEyeContourPoints = 71;   // its first output (eye contour and brow), unused here
constexpr int kIrisPerEye = kIrisPoints / 2;

const float kCanonical[kMeshPoints][3] = {
#include "face/canonical_face.inc"
};

float dist(const Point3& a, const Point3& b) { return std::hypot(a.x - b.x, a.y - b.y); }

float ramp(float v, float lo, float hi) { return std::clamp((v - lo) / (hi - lo), 0.0f, 1.0f); }

// Letterbox square around the frame, turned by `degrees` so the detector sees an upright face.
RotatedRect frame_square(const ImageView& f, int degrees) {
    RotatedRect r;
    r.center_x = static_cast<float>(f.width) / 2;
    r.center_y = static_cast<float>(f.height) / 2;
    r.width = r.height = static_cast<float>(std::max(f.width, f.height));
    r.rotation = static_cast<float>(degrees) / kRadToDeg;
    return r;
}

// Eigen-decomposition of a symmetric 4x4 matrix by Jacobi rotations (for Horn's quaternion method).
void jacobi4(double a[4][4], double v[4][4]) {
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) v[i][j] = i == j ? 1 : 0;
    for (int sweep = 0; sweep < 50; ++sweep) {
        double off = 0;
        for (int i = 0; i < 4; ++i)
            for (int j = i + 1; j < 4; ++j) off += a[i][j] * a[i][j];
        if (off < 1e-20) return;
        for (int p = 0; p < 4; ++p) {
            for (int q = p + 1; q < 4; ++q) {
                if (std::fabs(a[p][q]) < 1e-30) continue;
                const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                const double t = (theta >= 0 ? 1 : -1) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < 4; ++k) {
                    const double akp = a[k][p], akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < 4; ++k) {
                    const double apk = a[p][k], aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for (int k = 0; k < 4; ++k) {
                    const double vkp = v[k][p], vkq = v[k][q];
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
        }
    }
}

// One Euro smoothing of n points (x and y share one cut-off from the planar speed; z its own); the
// filters are made on first use.
void smooth_points(const Point3* raw, Point3* out, std::size_t n, std::vector<OneEuroFilter2D>& xy,
                   std::vector<OneEuroFilter>& z, float scale, float dt, const OneEuroParams& params) {
    if (xy.empty()) {
        xy.resize(n);
        z.resize(n);
    }
    for (std::size_t i = 0; i < n; ++i) {
        out[i].x = raw[i].x;
        out[i].y = raw[i].y;
        xy[i].filter(out[i].x, out[i].y, scale, dt, params);
        out[i].z = z[i].filter(raw[i].z, scale, dt, params);
    }
}

}  // namespace

RotatedRect roi_from_landmarks(const std::array<Point3, kMeshPoints>& pts, float scale) {
    const Point3 r = pts[kRightEyeOuter], l = pts[kLeftEyeOuter];
    const float rot = normalize_radians(std::atan2(l.y - r.y, l.x - r.x));
    const float c = std::cos(rot), s = std::sin(rot);
    float min_u = 1e30f, max_u = -1e30f, min_v = 1e30f, max_v = -1e30f;
    for (const Point3& p : pts) {  // extent in the face's own (rotated) frame
        const float u = c * p.x + s * p.y, v = -s * p.x + c * p.y;
        min_u = std::min(min_u, u);
        max_u = std::max(max_u, u);
        min_v = std::min(min_v, v);
        max_v = std::max(max_v, v);
    }
    const float cu = (min_u + max_u) / 2, cv = (min_v + max_v) / 2;
    RotatedRect roi;
    roi.center_x = c * cu - s * cv;
    roi.center_y = s * cu + c * cv;
    roi.width = roi.height = std::max(max_u - min_u, max_v - min_v) * scale;
    roi.rotation = rot;
    return roi;
}

RotatedRect eye_roi(const std::array<Point3, kMeshPoints>& pts, bool left_eye, float scale) {
    const Point3 p0 = pts[left_eye ? kLeftEyeInner : kRightEyeOuter];
    const Point3 p1 = pts[left_eye ? kLeftEyeOuter : kRightEyeInner];
    RotatedRect roi;
    roi.center_x = (p0.x + p1.x) / 2;
    roi.center_y = (p0.y + p1.y) / 2;
    roi.width = roi.height = std::max(std::fabs(p1.x - p0.x), std::fabs(p1.y - p0.y)) * scale;
    roi.rotation = normalize_radians(std::atan2(p1.y - p0.y, p1.x - p0.x));
    return roi;
}

HeadPose estimate_pose(const std::array<Point3, kMeshPoints>& pts) {
    // Similarity alignment of the canonical face onto the landmarks (Horn's quaternion method).
    double mc[3] = {0, 0, 0}, mp[3] = {0, 0, 0};
    for (int i = 0; i < kMeshPoints; ++i) {
        for (int k = 0; k < 3; ++k) mc[k] += kCanonical[i][k];
        mp[0] += pts[i].x;
        mp[1] += pts[i].y;
        mp[2] += pts[i].z;
    }
    for (int k = 0; k < 3; ++k) {
        mc[k] /= kMeshPoints;
        mp[k] /= kMeshPoints;
    }
    double s[3][3] = {}, var_c = 0, var_p = 0;
    for (int i = 0; i < kMeshPoints; ++i) {
        const double a[3] = {kCanonical[i][0] - mc[0], kCanonical[i][1] - mc[1], kCanonical[i][2] - mc[2]};
        const double b[3] = {pts[i].x - mp[0], pts[i].y - mp[1], pts[i].z - mp[2]};
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) s[r][c] += a[r] * b[c];
        var_c += a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
        var_p += b[0] * b[0] + b[1] * b[1] + b[2] * b[2];
    }
    double n[4][4] = {
        {s[0][0] + s[1][1] + s[2][2], s[1][2] - s[2][1], s[2][0] - s[0][2], s[0][1] - s[1][0]},
        {s[1][2] - s[2][1], s[0][0] - s[1][1] - s[2][2], s[0][1] + s[1][0], s[2][0] + s[0][2]},
        {s[2][0] - s[0][2], s[0][1] + s[1][0], -s[0][0] + s[1][1] - s[2][2], s[1][2] + s[2][1]},
        {s[0][1] - s[1][0], s[2][0] + s[0][2], s[1][2] + s[2][1], -s[0][0] - s[1][1] + s[2][2]},
    };
    double v[4][4];
    jacobi4(n, v);
    int best = 0;
    for (int i = 1; i < 4; ++i)
        if (n[i][i] > n[best][best]) best = i;
    const double q0 = v[0][best], qx = v[1][best], qy = v[2][best], qz = v[3][best];
    const double rm[9] = {
        q0 * q0 + qx * qx - qy * qy - qz * qz, 2 * (qx * qy - q0 * qz), 2 * (qx * qz + q0 * qy),
        2 * (qy * qx + q0 * qz), q0 * q0 - qx * qx + qy * qy - qz * qz, 2 * (qy * qz - q0 * qx),
        2 * (qz * qx - q0 * qy), 2 * (qz * qy + q0 * qx), q0 * q0 - qx * qx - qy * qy + qz * qz,
    };
    HeadPose pose;
    for (int i = 0; i < 9; ++i) pose.rotation[i] = static_cast<float>(rm[i]);
    pose.scale = static_cast<float>(std::sqrt(var_p / std::max(var_c, 1e-12)));
    for (int k = 0; k < 3; ++k) pose.translation[k] = static_cast<float>(mp[k]);
    // Euler angles of R = Rz(roll) * Ry(yaw) * Rx(pitch) in the camera frame (x right, y down, z away).
    pose.yaw = static_cast<float>(std::asin(std::clamp(-rm[6], -1.0, 1.0))) * kRadToDeg;
    pose.pitch = static_cast<float>(std::atan2(rm[7], rm[8])) * kRadToDeg;
    pose.roll = static_cast<float>(std::atan2(rm[3], rm[0])) * kRadToDeg;
    return pose;
}

void score_expressions(const std::array<Point3, kMeshPoints>& p, Expressions& e) {
    const float face_h = std::max(dist(p[kForehead], p[kChin]), 1e-3f);
    const float right_eye_w = std::max(dist(p[kRightEyeOuter], p[kRightEyeInner]), 1e-3f);
    const float left_eye_w = std::max(dist(p[kLeftEyeOuter], p[kLeftEyeInner]), 1e-3f);
    const float eyes = std::max(dist(p[kRightEyeOuter], p[kLeftEyeOuter]), 1e-3f);
    // Ratios are scale- and roll-free; the ramps span neutral to fully expressed faces.
    // (mouth: a lip gap of 12 % of the face's height is a wide-open mouth -- a tongue held out
    // between the lips measures 9 %, speech stays under 5 %)
    e.score[kMouthOpen] = ramp(dist(p[kLipInnerTop], p[kLipInnerBottom]) / face_h, 0.02f, 0.12f);
    e.score[kBlinkRight] = 1 - ramp(dist(p[kRightLidTop], p[kRightLidBottom]) / right_eye_w, 0.12f, 0.28f);
    e.score[kBlinkLeft] = 1 - ramp(dist(p[kLeftLidTop], p[kLeftLidBottom]) / left_eye_w, 0.12f, 0.28f);
    const float brow = (dist(p[kRightBrow], p[kRightLidTop]) + dist(p[kLeftBrow], p[kLeftLidTop])) / (2 * face_h);
    e.score[kBrowRaise] = ramp(brow, 0.11f, 0.16f);
    e.score[kSmile] = ramp(dist(p[kMouthRight], p[kMouthLeft]) / eyes, 0.50f, 0.68f);
    for (int k = 0; k < kExpressionCount; ++k) {
        if (!e.active[k] && e.score[k] > 0.6f) e.active[k] = true;
        if (e.active[k] && e.score[k] < 0.4f) e.active[k] = false;
    }
}

FaceTracker::FaceTracker(FaceNetworks networks, const TrackerOptions& options) : nets_(std::move(networks)) {
    require(nets_.detector != nullptr && nets_.mesh != nullptr, "the face tracker needs a detector and a mesh network");
    short_anchors_ = ssd_anchors(short_spec_);
    full_anchors_ = ssd_anchors(full_spec_);
    auto check = [](const Network& n, std::size_t input, std::size_t out0, std::size_t out1, const char* what) {
        if (n.input_size() != input || n.output_size(0) != out0 || n.output_size(1) != out1) {
            fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string(what) + " network has the wrong input or output sizes");
        }
    };
    check(*nets_.detector, 128 * 128 * 3, short_anchors_.size() * 16, short_anchors_.size(), "short-range detector");
    if (nets_.detector_full_range) {
        check(*nets_.detector_full_range, 192 * 192 * 3, full_anchors_.size() * 16, full_anchors_.size(),
              "full-range detector");
    }
    // the mesh's input side from its input size: a square RGB crop, 64..256 pixels
    mesh_size_ = static_cast<int>(std::lround(std::sqrt(static_cast<double>(nets_.mesh->input_size()) / 3.0)));
    if (mesh_size_ < 64 || mesh_size_ > 256) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT, "face mesh network input must be a square RGB crop of 64..256 pixels");
    }
    check(*nets_.mesh, static_cast<std::size_t>(mesh_size_) * mesh_size_ * 3, kMeshPoints * 3, 1, "face mesh");
    if (nets_.iris) {
        check(*nets_.iris, kIrisInput * kIrisInput * 3, kEyeContourPoints * 3, kIrisPerEye * 3, "iris");
    }
    set_options(options);
}

void validate_options(const TrackerOptions& o) {
    require(o.max_faces >= 1 && o.max_faces <= 16, "max_faces must be in 1..16, got " + std::to_string(o.max_faces));
    require(o.min_presence >= 0 && o.min_presence <= 1, "min_presence must be in 0..1");
    require(o.redetect_interval >= 1 && o.redetect_interval <= 100000,
            "redetect_interval must be in 1..100000, got " + std::to_string(o.redetect_interval));
    require(o.roi_scale >= 1 && o.roi_scale <= 3, "roi_scale must be in 1..3");
    require(o.threads >= 0 && o.threads <= 64, "threads must be in 0..64 (0: one per core)");
    require(o.tile_runs_per_frame >= 0 && o.tile_runs_per_frame <= 1000,
            "tile_runs_per_frame must be in 0..1000 (0: every tile), got " + std::to_string(o.tile_runs_per_frame));
    const auto finite_positive = [](float v) { return std::isfinite(v) && v > 0; };
    require(finite_positive(o.one_euro.min_cutoff), "min_cutoff must be a finite value > 0");
    require(std::isfinite(o.one_euro.beta) && o.one_euro.beta >= 0, "beta must be a finite value >= 0");
    require(finite_positive(o.one_euro.d_cutoff), "d_cutoff must be a finite value > 0");
}

void FaceTracker::set_options(const TrackerOptions& o) {
    validate_options(o);
    for (Network* net : {nets_.detector.get(), nets_.detector_full_range.get(), nets_.mesh.get(), nets_.iris.get()}) {
        if (net != nullptr) net->set_threads(o.threads);
    }
    options_ = o;
    if (static_cast<int>(tracks_.size()) > o.max_faces) tracks_.resize(static_cast<std::size_t>(o.max_faces));
}

int FaceTracker::id_for(const RotatedRect& roi, double timestamp) {
    lost_.erase(std::remove_if(lost_.begin(), lost_.end(),
                               [&](const LostFace& l) { return !(timestamp - l.time <= kLostSearchSeconds); }),
                lost_.end());
    // the nearest face lost within a face width of here, of a similar size (0.6x..1.6x)
    auto best = lost_.end();
    float best_d = 0;
    for (auto l = lost_.begin(); l != lost_.end(); ++l) {
        const float d = std::hypot(l->roi.center_x - roi.center_x, l->roi.center_y - roi.center_y);
        const float ratio = roi.width / std::max(l->roi.width, 1e-6f);
        if (d <= std::max(l->roi.width, roi.width) && ratio >= 0.6f && ratio <= 1.6f &&
            (best == lost_.end() || d < best_d)) {
            best = l;
            best_d = d;
        }
    }
    if (best == lost_.end()) return next_id_++;
    const int id = best->id;
    lost_.erase(best);
    return id;
}

void FaceTracker::reset() {
    tracks_.clear();
    faces_.clear();
    lost_.clear();
    frames_since_detect_ = 0;
    lost_search_until_ = -1e300;
    lost_search_faces_ = 0;
    fresh_ = true;
}

std::vector<RotatedRect> detection_tiles(int w, int h, int rotation_degrees) {
    std::vector<RotatedRect> tiles;
    const float rotation = static_cast<float>(rotation_degrees) / kRadToDeg;
    auto level = [&](int side) {
        const float overlap = 0.25f * static_cast<float>(side);
        const auto count = [&](int extent) {
            return extent <= side ? 1 : 1 + static_cast<int>(std::ceil(static_cast<float>(extent - side) /
                                                                         (static_cast<float>(side) - overlap)));
        };
        const int nx = count(w), ny = count(h);
        for (int j = 0; j < ny; ++j) {
            for (int i = 0; i < nx; ++i) {
                RotatedRect r;
                // evenly spread from edge to edge (a tile larger than the frame is centred on it)
                const float x0 = nx == 1 ? 0.5f * static_cast<float>(w - side)
                                         : static_cast<float>(w - side) * static_cast<float>(i) / static_cast<float>(nx - 1);
                const float y0 = ny == 1 ? 0.5f * static_cast<float>(h - side)
                                         : static_cast<float>(h - side) * static_cast<float>(j) / static_cast<float>(ny - 1);
                r.center_x = x0 + 0.5f * static_cast<float>(side);
                r.center_y = y0 + 0.5f * static_cast<float>(side);
                r.width = r.height = static_cast<float>(side);
                r.rotation = rotation;
                tiles.push_back(r);
            }
        }
    };
    const int short_side = std::min(w, h);
    // (a strip a few pixels high would need hundreds of tiles that cannot hold a face)
    if ((short_side < w || short_side < h) && short_side >= kMinTile / 4) level(short_side);
    if (short_side / 3 >= kMinTile) level(short_side / 3);
    return tiles;
}

std::vector<Detection> FaceTracker::detect_with(Network& net, const DetectorSpec& spec,
                                                const std::vector<Point2>& anchors, const ImageView& rgba,
                                                const RotatedRect& region) {
    StageTimer timer(stats_.detector_seconds);
    const Affine2 m = region.crop_to_image(spec.input_size, spec.input_size);
    input_.resize(static_cast<std::size_t>(spec.input_size) * spec.input_size * 3);
    crop_to_tensor(rgba, m, spec.input_size, spec.input_size, -1.0f, 1.0f, Border::Zero, input_.data());
    const std::vector<const float*> out = net.run(input_.data());
    ++stats_.detector_runs;
    return decode_detections(spec, anchors, out[0], out[1], m);
}

std::vector<Detection> FaceTracker::detect(const ImageView& rgba, int rotation_degrees) {
    const RotatedRect frame = frame_square(rgba, rotation_degrees);
    std::vector<Detection> found = detect_with(*nets_.detector, short_spec_, short_anchors_, rgba, frame);
    if (found.empty() && nets_.detector_full_range) {
        found = detect_with(*nets_.detector_full_range, full_spec_, full_anchors_, rgba, frame);
    }
    return found;
}

namespace {
bool inside(const RotatedRect& r, float x, float y) {
    const float dx = x - r.center_x, dy = y - r.center_y;
    const float c = std::cos(r.rotation), s = std::sin(r.rotation);
    return std::fabs(c * dx + s * dy) < 0.5f * r.width && std::fabs(-s * dx + c * dy) < 0.5f * r.height;
}
}  // namespace

void FaceTracker::search_tiles(const ImageView& rgba, int rotation_degrees, double timestamp) {
    if (rgba.width != tiles_w_ || rgba.height != tiles_h_ || rotation_degrees != tiles_rotation_) {
        tiles_ = detection_tiles(rgba.width, rgba.height, rotation_degrees);
        tiles_w_ = rgba.width;
        tiles_h_ = rgba.height;
        tiles_rotation_ = rotation_degrees;
        tile_cursor_ = 0;
    }
    if (tiles_.empty()) return;
    const std::size_t runs = fresh_ || options_.tile_runs_per_frame <= 0
                                 ? tiles_.size()
                                 : std::min(tiles_.size(), static_cast<std::size_t>(options_.tile_runs_per_frame));
    std::vector<Detection> found;
    for (std::size_t k = 0; k < runs; ++k) {
        const RotatedRect& tile = tiles_[tile_cursor_];
        tile_cursor_ = (tile_cursor_ + 1) % tiles_.size();
        for (const Detection& d : detect_with(*nets_.detector, short_spec_, short_anchors_, rgba, tile)) {
            // A face cannot lie inside a tracked one: such hits are parts of it cut by the tile.
            const float cx = 0.5f * (d.box[0] + d.box[2]), cy = 0.5f * (d.box[1] + d.box[3]);
            const bool covered = std::any_of(tracks_.begin(), tracks_.end(),
                                             [&](const Track& t) { return inside(t.face.roi, cx, cy); });
            if (!covered && d.score >= kTileMinScore) found.push_back(d);
        }
    }
    if (!found.empty()) add_new_faces(rgba, suppress_overlaps(std::move(found), 0.3f), timestamp);
}

bool FaceTracker::run_mesh(const ImageView& rgba, const RotatedRect& roi, Face& face) {
    StageTimer timer(stats_.mesh_seconds);
    const int n = mesh_size_;
    const Affine2 m = roi.crop_to_image(n, n);
    input_.resize(static_cast<std::size_t>(n) * n * 3);
    crop_to_tensor(rgba, m, n, n, 0.0f, 1.0f, Border::Replicate, input_.data());
    const std::vector<const float*> out = nets_.mesh->run(input_.data());
    ++stats_.mesh_runs;
    const float logit = std::clamp(out[1][0], -80.0f, 80.0f);
    face.presence = 1.0f / (1.0f + std::exp(-logit));
    if (face.presence < options_.min_presence) return false;
    const float z_scale = roi.width / static_cast<float>(n);
    for (int i = 0; i < kMeshPoints; ++i) {
        const float* p = out[0] + 3 * i;
        const Point2 q = m.apply(p[0], p[1]);
        face.raw_landmarks[static_cast<std::size_t>(i)] = {q.x, q.y, p[2] * z_scale};
    }
    face.roi = roi;
    return true;
}

void FaceTracker::run_iris(const ImageView& rgba, Face& face) {
    StageTimer timer(stats_.iris_seconds);
    constexpr int n = kIrisInput;
    input_.resize(static_cast<std::size_t>(n) * n * 3);
    for (int eye = 0; eye < 2; ++eye) {
        // The network was trained on one side: the left eye is mirrored in the crop (u -> n - u)
        // and its points mirrored back.
        const bool left = eye == 1;
        const RotatedRect roi = eye_roi(face.raw_landmarks, left);
        const Affine2 m = roi.crop_to_image(n, n);
        Affine2 flip;
        flip.a = -1;
        flip.c = n;
        const Affine2 crop = left ? m * flip : m;
        crop_to_tensor(rgba, crop, n, n, 0.0f, 1.0f, Border::Replicate, input_.data());
        const std::vector<const float*> out = nets_.iris->run(input_.data());
        ++stats_.iris_runs;
        const float z_scale = roi.width / static_cast<float>(n);
        for (int i = 0; i < kIrisPerEye; ++i) {
            const float* p = out[1] + 3 * i;
            const Point2 q = crop.apply(p[0], p[1]);
            face.raw_iris[static_cast<std::size_t>(eye * kIrisPerEye + i)] = {q.x, q.y, p[2] * z_scale};
        }
    }
    face.has_iris = true;
}

int FaceTracker::add_new_faces(const ImageView& rgba, const std::vector<Detection>& found, double timestamp) {
    int added = 0;
    for (const Detection& d : found) {
        if (static_cast<int>(tracks_.size()) >= options_.max_faces) break;
        const RotatedRect roi = roi_from_detection(d, options_.roi_scale);
        bool known = false;
        for (const Track& t : tracks_) {
            const float dd = std::hypot(t.face.roi.center_x - roi.center_x, t.face.roi.center_y - roi.center_y);
            known = known || dd < 0.5f * std::min(t.face.roi.width, roi.width);
        }
        if (known) continue;
        Track t;
        if (!run_mesh(rgba, roi, t.face)) continue;
        // A detector box is coarse (and at 90-degree steps BlazeFace still fires on sideways faces):
        // mesh passes on the ROI of the previous pass's landmarks land where tracking would; the
        // ROI settles in two or three (a new face's first frame is otherwise its worst).
        bool lost = false;
        RotatedRect prev = roi;
        for (int pass = 0; pass < kNewFacePasses; ++pass) {
            const RotatedRect refined = roi_from_landmarks(t.face.raw_landmarks, options_.roi_scale);
            if (!run_mesh(rgba, refined, t.face)) {
                lost = true;
                break;
            }
            const float moved = std::hypot(refined.center_x - prev.center_x, refined.center_y - prev.center_y);
            const float turned = std::fabs(std::remainder(refined.rotation - prev.rotation, 6.2831853f));
            if (moved < 0.01f * refined.width && turned < 0.02f && std::fabs(refined.width - prev.width) < 0.01f * refined.width) {
                break;
            }
            prev = refined;
        }
        if (lost) continue;
        // The passes may have carried it onto a face already tracked (a detection on a part of it).
        const RotatedRect& fit = t.face.roi;
        const bool duplicate = std::any_of(tracks_.begin(), tracks_.end(), [&](const Track& o) {
            return std::hypot(o.face.roi.center_x - fit.center_x, o.face.roi.center_y - fit.center_y) <
                   0.25f * std::min(o.face.roi.width, fit.width);
        });
        if (duplicate) continue;
        t.face.id = id_for(fit, timestamp);
        t.last_time = timestamp;
        t.roi_filter.reset(roi_from_landmarks(t.face.raw_landmarks, options_.roi_scale), timestamp);
        tracks_.push_back(std::move(t));
        ++added;
    }
    return added;
}

void FaceTracker::finish(Track& t, double timestamp) {
    StageTimer timer(stats_.post_seconds);
    Face& f = t.face;
    const float dt = static_cast<float>(timestamp - t.last_time);
    const float scale = f.roi.width / options_.roi_scale;
    if (options_.smoothing) {
        smooth_points(f.raw_landmarks.data(), f.landmarks.data(), f.landmarks.size(), t.xy_filters, t.z_filters, scale, dt,
                      options_.one_euro);
    } else {
        f.landmarks = f.raw_landmarks;
    }
    if (f.has_iris && options_.smoothing) {
        smooth_points(f.raw_iris.data(), f.iris.data(), f.iris.size(), t.iris_xy_filters, t.iris_z_filters, scale, dt,
                      options_.one_euro);
    } else if (f.has_iris) {
        f.iris = f.raw_iris;
    } else {
        // no iris this frame: its filters restart from the next measurement
        t.iris_xy_filters.clear();
        t.iris_z_filters.clear();
    }
    t.last_time = timestamp;
    f.pose = estimate_pose(f.landmarks);
    score_expressions(f.landmarks, f.expressions);
}

const std::vector<Face>& FaceTracker::track(const ImageView& rgba, double timestamp, int camera_rotation) {
    if (const char* why = validate(rgba)) fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string("frame: ") + why);
    require(crop_supports(rgba.format), "the face tracker needs an RGBA8, BGRA8, RGB8 or BGR8 frame");
    require(camera_rotation == 0 || camera_rotation == 90 || camera_rotation == 180 || camera_rotation == 270,
            "camera_rotation must be 0, 90, 180 or 270");
    require(std::isfinite(timestamp), "timestamp must be finite");
    ++stats_.frames;

    // 1. Follow every tracked face with an ROI from its earlier landmarks, moved ahead by its motion
    // so far: a turning or moving face is then cropped where it is now, not where it was (the mesh
    // is most accurate on a centred crop).
    for (auto it = tracks_.begin(); it != tracks_.end();) {
        RotatedRect roi = it->roi_filter.predict(timestamp);
        // Keep the last ROI while the new one is within a small margin of it: the mesh handles
        // that much offset, and re-deriving the ROI from every frame's own landmarks otherwise
        // makes a still face's points cycle by a few percent of its size.
        const RotatedRect& last = it->face.roi;
        if (std::hypot(roi.center_x - last.center_x, roi.center_y - last.center_y) < kRoiHold * last.width &&
            std::fabs(roi.width - last.width) < kRoiHold * last.width &&
            std::fabs(std::remainder(roi.rotation - last.rotation, 6.2831853f)) < kRoiHoldRadians) {
            roi = last;
        }
        bool found = run_mesh(rgba, roi, it->face);
        if (found) {
            RotatedRect fit = roi_from_landmarks(it->face.raw_landmarks, options_.roi_scale);
            // The face moved unlike its motion so far (or a new face's first motion): landmarks from a
            // crop that far off are the least accurate, so the mesh runs again on the ROI they give.
            // (Size is left out: the mesh takes a few percent of scale in its stride.)
            if (std::hypot(fit.center_x - roi.center_x, fit.center_y - roi.center_y) > kRoiMiss * roi.width ||
                std::fabs(std::remainder(fit.rotation - roi.rotation, 6.2831853f)) > kRoiMissRadians) {
                found = run_mesh(rgba, fit, it->face);
                fit = roi_from_landmarks(it->face.raw_landmarks, options_.roi_scale);
            }
            if (found) it->roi_filter.update(fit, timestamp);
        }
        if (found) {
            ++it;
        } else {
            // a face just lost (occluded, or gone for a moment) is looked for on every frame for a while,
            // until as many faces are tracked again
            lost_search_faces_ = std::max(timestamp < lost_search_until_ ? lost_search_faces_ : 0,
                                          static_cast<int>(tracks_.size()));
            lost_search_until_ = timestamp + kLostSearchSeconds;
            lost_.push_back({it->face.id, it->face.roi, timestamp});
            it = tracks_.erase(it);
        }
    }
    // Drop duplicates: two tracks that converged onto one face.
    for (std::size_t i = 0; i < tracks_.size(); ++i) {
        for (std::size_t j = i + 1; j < tracks_.size();) {
            const RotatedRect &a = tracks_[i].face.roi, &b = tracks_[j].face.roi;
            const float d = std::hypot(a.center_x - b.center_x, a.center_y - b.center_y);
            if (d < 0.25f * std::min(a.width, b.width)) {
                tracks_.erase(tracks_.begin() + static_cast<std::ptrdiff_t>(j));
            } else {
                ++j;
            }
        }
    }

    // 2. Look for new faces when none are tracked, or now and then while fewer than max_faces are.
    const int tracked = static_cast<int>(tracks_.size());
    ++frames_since_detect_;
    const bool periodic = tracked == 0 || (tracked < options_.max_faces && frames_since_detect_ >= options_.redetect_interval);
    const bool need = periodic || (tracked < options_.max_faces && timestamp < lost_search_until_ && tracked < lost_search_faces_);
    if (need) {
        frames_since_detect_ = 0;
        ++stats_.detector_frames;
        std::vector<Detection> found = detect(rgba, camera_rotation);
        // With nothing tracked and no confident face at the camera's orientation, the other quarter
        // turns are tried too (upside-down or sideways faces), and each face keeps the turn where the
        // detector is most sure: BlazeFace still fires, weakly, on faces turned by 90 or 180 degrees,
        // and a mesh fitted upside down would track the face with its landmarks swapped. The sweep
        // runs on the first frame and then every third empty frame, bounding an empty scene's cost.
        const bool confident = std::any_of(found.begin(), found.end(),
                                           [](const Detection& d) { return d.score >= kConfidentDetection; });
        // Weak detections wait for the next sweep frame rather than risk a wrongly turned track.
        if (tracked == 0 && options_.rotation_sweep && !confident) {
            if (fresh_ || ++empty_frames_ % 3 == 0) {
                for (int k = 1; k < 4; ++k) {
                    std::vector<Detection> more = detect(rgba, (camera_rotation + 90 * k) % 360);
                    found.insert(found.end(), more.begin(), more.end());
                }
                add_new_faces(rgba, suppress_overlaps(std::move(found), 0.3f), timestamp);
            }
        } else {
            add_new_faces(rgba, found, timestamp);
        }
        // Tiles only on the periodic looks: a face just lost was large enough to be tracked, and the
        // whole frame finds it again (the lost-face search then costs one detector run a frame).
        if (periodic && options_.tile_search && static_cast<int>(tracks_.size()) < options_.max_faces) {
            search_tiles(rgba, camera_rotation, timestamp);
        }
    }
    fresh_ = false;

    faces_.clear();
    for (Track& t : tracks_) {
        if (nets_.iris && options_.iris) {
            run_iris(rgba, t.face);
        } else {
            t.face.has_iris = false;
        }
        finish(t, timestamp);
        faces_.push_back(t.face);
    }
    return faces_;
}

}  // namespace meiyan::face
