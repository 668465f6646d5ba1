// BlazeFace (MediaPipe face detector) anchors, box decoding and weighted NMS.
#pragma once
#include <vector>

#include "face/geometry.h"

namespace meiyan::face {

struct DetectorSpec {
    int input_size;              // square input, pixels
    std::vector<int> strides;    // one per SSD layer
    bool interpolated_anchor;    // one extra anchor per cell and layer
    float score_threshold;

    static DetectorSpec short_range() { return {128, {8, 16, 16, 16}, true, 0.5f}; }
    static DetectorSpec full_range() { return {192, {4}, false, 0.6f}; }
};

struct Detection {
    float box[4];        // x_min, y_min, x_max, y_max in image pixels
    Point2 keypoints[6];  // right eye, left eye, nose tip, mouth, right ear, left ear (subject's sides)
    float score;
};

// Anchor centres, normalised to [0, 1], in the model's output order.
std::vector<Point2> ssd_anchors(const DetectorSpec& spec);

// Decodes raw outputs (regressors: N x 16, logits: N) of a detector run on the square crop that
// `crop_to_image` maps to the image; returns faces above the threshold after weighted NMS, best first.
std::vector<Detection> decode_detections(const DetectorSpec& spec, const std::vector<Point2>& anchors,
                                         const float* regressors, const float* logits, const Affine2& crop_to_image,
                                         float iou_threshold = 0.3f);

// MediaPipe's weighted NMS: each cluster (IoU above the threshold with the best remaining box) is
// replaced by the score-weighted mean of its boxes and keypoints, keeping the best score.
std::vector<Detection> weighted_nms(std::vector<Detection> candidates, float iou_threshold);

// Plain NMS: keeps the best-scoring detection of each overlapping group (for merging detector
// runs at different rotations, whose keypoints must not be averaged).
std::vector<Detection> suppress_overlaps(std::vector<Detection> candidates, float iou_threshold);

float box_iou(const float a[4], const float b[4]);

// The face-mesh ROI of a detection: box centre, square on the long side times `scale`, rotated
// so that the eyes are level.
RotatedRect roi_from_detection(const Detection& d, float scale = 1.5f);

}  // namespace meiyan::face
