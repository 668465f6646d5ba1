// The ROI a tracked face's mesh runs on, carried from frame to frame: an alpha-beta filter of its
// pose (centre, size, rotation) over the ROIs fitted to each frame's landmarks.
//
// Each fit varies with the crop it came from (about 0.5 degree and 0.5 % of the face for some
// faces), and for some faces the fit turns against the crop, so that the ROI of each frame's own
// landmarks alternates around the face. A velocity taken from the last two fits carries that
// variation into the next ROI 2.2 times over (2 f1 - f0); the filter blends each fit into its
// prediction (gain 0.6, which also damps the alternation) and learns the velocity over frames. Its
// gains start at those of the least-squares line through the fits so far, so a new face's motion
// is known from its second frame, and settle at the fixed ones from its fifth; a fit well outside
// the usual spread (the face speeds up, slows down, turns back) is taken in more fully.
#pragma once
#include "face/geometry.h"

namespace meiyan::face {

class RoiFilter {
public:
    // Starts over at this ROI, not moving.
    void reset(const RotatedRect& roi, double timestamp);
    // The ROI expected at `timestamp` (extrapolated over at most two of the last frame intervals,
    // and not at all while the motion per frame is implausibly large).
    RotatedRect predict(double timestamp) const;
    // Takes in the ROI fitted to the landmarks of the frame at `timestamp` (after reset()).
    void update(const RotatedRect& fit, double timestamp);

private:
    float cx_ = 0, cy_ = 0, log_size_ = 0, rotation_ = 0;  // the filtered pose
    float vx_ = 0, vy_ = 0, vr_ = 0;                      // its velocity, per second (size: none)
    double time_ = 0, interval_ = 0;                       // the last update, and the frame interval before it
    int updates_ = 0;
};

}  // namespace meiyan::face
