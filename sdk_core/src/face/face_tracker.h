// Multi-face tracking: detection only when needed, the mesh on a rotated ROI that follows the face,
// One Euro smoothing, head pose and expression scores.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "face/blazeface.h"
#include "face/geometry.h"
#include "face/network.h"
#include "face/one_euro.h"
#include "face/roi_filter.h"
#include "image/image.h"

namespace meiyan::face {

constexpr int kMeshPoints = 468;
constexpr int kIrisPoints = 10;  // per face: the right eye's 5 (centre first), then the left eye's 5

struct Point3 {
    float x = 0, y = 0, z = 0;
};

struct HeadPose {
    float yaw = 0, pitch = 0, roll = 0;  // degrees; yaw > 0: the face turns to its left (camera's right)
    float rotation[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major, canonical face -> image (x right, y down, z away)
    float translation[3] = {0, 0, 0};                // image pixels (z: 0)
    float scale = 1;                                  // pixels per canonical unit
};

enum Expression { kMouthOpen = 0, kBlinkLeft, kBlinkRight, kBrowRaise, kSmile, kExpressionCount };

struct Expressions {
    float score[kExpressionCount] = {};  // 0..1
    bool active[kExpressionCount] = {};  // with hysteresis (on above 0.6, off below 0.4)
};

struct Face {
    int id = 0;
    float presence = 0;
    RotatedRect roi;
    std::array<Point3, kMeshPoints> landmarks;      // frame pixels, smoothed when smoothing is on
    std::array<Point3, kMeshPoints> raw_landmarks;  // frame pixels, as the mesh gave them
    // With the iris network (TrackerOptions::iris): MediaPipe's refine_landmarks points 468..477.
    bool has_iris = false;
    std::array<Point3, kIrisPoints> iris;      // frame pixels, smoothed when smoothing is on
    std::array<Point3, kIrisPoints> raw_iris;  // frame pixels, as the iris network gave them
    HeadPose pose;
    Expressions expressions;
};

struct TrackerOptions {
    int max_faces = 4;
    float min_presence = 0.5f;
    bool smoothing = true;
    OneEuroParams one_euro;
    int redetect_interval = 30;  // frames between detector runs while fewer than max_faces are tracked
    bool rotation_sweep = true;  // when no face is seen, also try the detector at 90/180/270 degrees
    float roi_scale = 1.5f;
    int threads = 1;  // per network (0: one per core); the native engine splits its large layers
    bool iris = false;  // run the iris network on both eyes of every face (when the tracker has one); 2 runs a face
    // Small faces: the short-range detector also runs on overlapping square tiles of the frame (see
    // detection_tiles) whenever it looks for new faces. A new tracker's first frame (or a single
    // image) searches every tile; later frames search `tile_runs_per_frame` tiles each, in turn
    // (0: every tile every time), so an empty scene costs a bounded time per frame.
    bool tile_search = true;
    int tile_runs_per_frame = 2;
};

// Every field in range (MEIYAN_ERROR_INVALID_ARGUMENT naming the first that is not).
void validate_options(const TrackerOptions& options);

struct TrackerStats {
    long frames = 0;
    long detector_runs = 0;
    long detector_frames = 0;  // frames on which the detector ran at all (whole frame, rotations or tiles)
    long mesh_runs = 0;
    long iris_runs = 0;  // one per eye
    // Cumulative wall time per stage, seconds: detector (crop + network + decoding), mesh (crop +
    // network + mapping back), iris (both eyes: crop + network + mapping back), post (smoothing,
    // pose, expressions).
    double detector_seconds = 0, mesh_seconds = 0, iris_seconds = 0, post_seconds = 0;
};

struct FaceNetworks {
    std::unique_ptr<Network> detector;             // BlazeFace short range, 128x128, input in [-1, 1]
    std::unique_ptr<Network> detector_full_range;  // optional: 192x192, for small faces
    std::unique_ptr<Network> mesh;  // S x S (192: the full mesh, 128: the lite one), input in [0, 1]: 468x3 points + presence logit
    // optional: 64x64 eye crop in [0, 1] (a left eye mirrored): 71x3 eye-contour points + 5x3 iris points
    std::unique_ptr<Network> iris;
};

class FaceTracker {
public:
    FaceTracker(FaceNetworks networks, const TrackerOptions& options);

    // rgba: the frame (RGBA8, BGRA8, RGB8 or BGR8: crop_supports); timestamp in seconds (monotonic); camera_rotation: 0/90/180/270, the
    // clockwise rotation that makes the frame upright.
    const std::vector<Face>& track(const ImageView& rgba, double timestamp, int camera_rotation = 0);
    // Forgets every face (e.g. on a scene cut).
    void reset();

    const std::vector<Face>& faces() const { return faces_; }
    const TrackerStats& stats() const { return stats_; }
    const TrackerOptions& options() const { return options_; }
    bool has_iris_network() const { return nets_.iris != nullptr; }
    void set_options(const TrackerOptions& options);

    // Detector only, on the whole frame at one rotation (0/90/180/270 degrees).
    std::vector<Detection> detect(const ImageView& rgba, int rotation_degrees);

private:
    struct Track {
        Face face;
        std::vector<OneEuroFilter2D> xy_filters;  // one per landmark
        std::vector<OneEuroFilter> z_filters;     // one per landmark
        std::vector<OneEuroFilter2D> iris_xy_filters;  // one per iris point (empty until the iris runs)
        std::vector<OneEuroFilter> iris_z_filters;
        double last_time = 0;
        RoiFilter roi_filter;  // the next frame's ROI, from this and earlier frames' landmarks
    };

    bool run_mesh(const ImageView& rgba, const RotatedRect& roi, Face& face);
    // Both eyes of a face from its raw landmarks into face.raw_iris.
    void run_iris(const ImageView& rgba, Face& face);
    // The detector on the square `region` of the frame (turned so the detector sees it upright).
    std::vector<Detection> detect_with(Network& net, const DetectorSpec& spec, const std::vector<Point2>& anchors,
                                       const ImageView& rgba, const RotatedRect& region);
    // The next tiles of the tile search (all of them on a fresh tracker): new faces outside the
    // tracked ones start tracks.
    void search_tiles(const ImageView& rgba, int rotation_degrees, double timestamp);
    // Starts tracks for detections not already tracked; returns how many were added.
    int add_new_faces(const ImageView& rgba, const std::vector<Detection>& found, double timestamp);
    void finish(Track& t, double timestamp);

    FaceNetworks nets_;
    TrackerOptions options_;
    DetectorSpec short_spec_ = DetectorSpec::short_range();
    DetectorSpec full_spec_ = DetectorSpec::full_range();
    std::vector<Point2> short_anchors_, full_anchors_;
    std::vector<float> input_;  // reused tensor buffer
    int mesh_size_ = 192;       // the mesh network's input side
    std::vector<Track> tracks_;
    std::vector<Face> faces_;
    TrackerStats stats_;
    int next_id_ = 1;
    long frames_since_detect_ = 0;
    bool fresh_ = true;   // no frame seen since construction or reset()
    long empty_frames_ = 0;  // frames with nothing tracked, for pacing the rotation sweep
    double lost_search_until_ = -1e300;  // timestamp until which a lost face is looked for on every frame ...
    int lost_search_faces_ = 0;          // ... while fewer faces than this are tracked
    // Faces lost in the last kLostSearchSeconds: a face found again where one was lost keeps its id
    // (a hand over the face, a turn away), so per-face effect state (sticker triggers) carries on.
    struct LostFace {
        int id;
        RotatedRect roi;
        double time;
    };
    std::vector<LostFace> lost_;
    int id_for(const RotatedRect& roi, double timestamp);
    std::vector<RotatedRect> tiles_;  // the tile search's squares for this frame size and rotation
    int tiles_w_ = 0, tiles_h_ = 0, tiles_rotation_ = -1;
    std::size_t tile_cursor_ = 0;  // the next tile to search
};

// The tile search's squares for a w x h frame, turned by `rotation_degrees` (0/90/180/270), in search
// order: squares of the frame's short side along its long side (none for a square frame: the whole-
// frame pass covers it; nor for a short side under kMinTile / 4 px), then squares of a third of the
// short side (at least kMinTile px), each level
// overlapping by a quarter of a tile. At 1280x720: 3 + 28 tiles; BlazeFace short range finds faces of
// 20-70 % of its input, so the 240-px tiles take faces from ~48 px wide, the 720-px ones from ~140.
constexpr int kMinTile = 128;
std::vector<RotatedRect> detection_tiles(int w, int h, int rotation_degrees);

// The ROI of the next frame from this frame's landmarks: rotation from the eye corners, a square
// around the landmarks' extent in that rotated frame, times `scale`.
RotatedRect roi_from_landmarks(const std::array<Point3, kMeshPoints>& pts, float scale);

// The iris network's square crop around one eye (as MediaPipe's iris graph): centred between the eye
// corners (mesh 33/133 for the right eye, 362/263 for the left), turned along them, side 2.3x their
// larger extent.
RotatedRect eye_roi(const std::array<Point3, kMeshPoints>& pts, bool left_eye, float scale = 2.3f);

HeadPose estimate_pose(const std::array<Point3, kMeshPoints>& pts);
void score_expressions(const std::array<Point3, kMeshPoints>& pts, Expressions& e);

}  // namespace meiyan::face
