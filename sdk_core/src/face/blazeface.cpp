#include "face/blazeface.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace meiyan::face {

std::vector<Point2> ssd_anchors(const DetectorSpec& spec) {
    std::vector<Point2> out;
    const std::size_t layers = spec.strides.size();
    for (std::size_t i = 0; i < layers;) {
        const int stride = spec.strides[i];
        std::size_t j = i;
        while (j < layers && spec.strides[j] == stride) ++j;  // layers of one stride share a grid
        const int per_cell = static_cast<int>(j - i) * (spec.interpolated_anchor ? 2 : 1);
        const int fm = (spec.input_size + stride - 1) / stride;
        for (int y = 0; y < fm; ++y) {
            for (int x = 0; x < fm; ++x) {
                const Point2 c{(static_cast<float>(x) + 0.5f) / static_cast<float>(fm),
                               (static_cast<float>(y) + 0.5f) / static_cast<float>(fm)};
                for (int k = 0; k < per_cell; ++k) out.push_back(c);
            }
        }
        i = j;
    }
    return out;
}

float box_iou(const float a[4], const float b[4]) {
    const float ix = std::max(0.0f, std::min(a[2], b[2]) - std::max(a[0], b[0]));
    const float iy = std::max(0.0f, std::min(a[3], b[3]) - std::max(a[1], b[1]));
    const float inter = ix * iy;
    const float uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    return uni > 0 ? inter / std::max(uni, 1e-12f) : 0.0f;
}

std::vector<Detection> weighted_nms(std::vector<Detection> cand, float iou_threshold) {
    std::stable_sort(cand.begin(), cand.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
    std::vector<Detection> out;
    std::vector<bool> used(cand.size(), false);
    for (std::size_t t = 0; t < cand.size(); ++t) {
        if (used[t]) continue;
        Detection merged{};
        float wsum = 0;
        for (std::size_t k = t; k < cand.size(); ++k) {
            if (used[k]) continue;
            if (k != t && box_iou(cand[t].box, cand[k].box) <= iou_threshold) continue;
            used[k] = true;
            const float w = cand[k].score;
            for (int c = 0; c < 4; ++c) merged.box[c] += w * cand[k].box[c];
            for (int p = 0; p < 6; ++p) {
                merged.keypoints[p].x += w * cand[k].keypoints[p].x;
                merged.keypoints[p].y += w * cand[k].keypoints[p].y;
            }
            wsum += w;
        }
        for (float& v : merged.box) v /= wsum;
        for (Point2& p : merged.keypoints) {
            p.x /= wsum;
            p.y /= wsum;
        }
        merged.score = cand[t].score;
        out.push_back(merged);
    }
    return out;
}

std::vector<Detection> suppress_overlaps(std::vector<Detection> cand, float iou_threshold) {
    std::stable_sort(cand.begin(), cand.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
    std::vector<Detection> out;
    for (const Detection& d : cand) {
        const bool overlaps = std::any_of(out.begin(), out.end(),
                                          [&](const Detection& o) { return box_iou(o.box, d.box) > iou_threshold; });
        if (!overlaps) out.push_back(d);
    }
    return out;
}

std::vector<Detection> decode_detections(const DetectorSpec& spec, const std::vector<Point2>& anchors,
                                         const float* reg, const float* logits, const Affine2& m,
                                         float iou_threshold) {
    std::vector<Detection> cand;
    const float size = static_cast<float>(spec.input_size);
    for (std::size_t i = 0; i < anchors.size(); ++i) {
        const float logit = std::clamp(logits[i], -100.0f, 100.0f);
        const float score = 1.0f / (1.0f + std::exp(-logit));
        if (score < spec.score_threshold) continue;
        const float* r = reg + 16 * i;
        const float cx = r[0] / size + anchors[i].x, cy = r[1] / size + anchors[i].y;
        const float bw = r[2] / size, bh = r[3] / size;
        Detection d{};
        // Normalised crop coordinates -> crop pixels -> image pixels. For crops rotated by a multiple
        // of 90 degrees (the detection sweep) the box's four corners still bound it exactly.
        d.box[0] = d.box[1] = 1e30f;
        d.box[2] = d.box[3] = -1e30f;
        for (int corner = 0; corner < 4; ++corner) {
            const float u = cx + (corner & 1 ? bw : -bw) / 2, v = cy + (corner & 2 ? bh : -bh) / 2;
            const Point2 p = m.apply(u * size, v * size);
            d.box[0] = std::min(d.box[0], p.x);
            d.box[1] = std::min(d.box[1], p.y);
            d.box[2] = std::max(d.box[2], p.x);
            d.box[3] = std::max(d.box[3], p.y);
        }
        for (int k = 0; k < 6; ++k) {
            d.keypoints[k] = m.apply((r[4 + 2 * k] / size + anchors[i].x) * size, (r[5 + 2 * k] / size + anchors[i].y) * size);
        }
        d.score = score;
        cand.push_back(d);
    }
    return weighted_nms(std::move(cand), iou_threshold);
}

RotatedRect roi_from_detection(const Detection& d, float scale) {
    const Point2 r = d.keypoints[0], l = d.keypoints[1];
    RotatedRect roi;
    roi.rotation = normalize_radians(std::atan2(l.y - r.y, l.x - r.x));
    roi.center_x = (d.box[0] + d.box[2]) / 2;
    roi.center_y = (d.box[1] + d.box[3]) / 2;
    roi.width = roi.height = std::max(d.box[2] - d.box[0], d.box[3] - d.box[1]) * scale;
    return roi;
}

}  // namespace meiyan::face
