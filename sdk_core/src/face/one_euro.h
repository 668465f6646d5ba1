// The One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass filter whose cut-off rises
// with speed, so still points stop jittering while fast moves are followed without lag.
// Scale-aware: speeds are measured in face sizes per second, so one setting serves near and far faces.
#pragma once

namespace meiyan::face {

struct OneEuroParams {
    float min_cutoff = 1.0f;  // Hz: smoothing of a still face (lower = smoother, more lag)
    float beta = 40.0f;       // cut-off growth per (face size per second): higher = less lag on motion
    float d_cutoff = 1.0f;    // Hz: smoothing of the speed estimate itself
};

class OneEuroFilter {
public:
    // x: the new sample; scale: the face size in the same units (pixels); dt: seconds since the last sample.
    float filter(float x, float scale, float dt, const OneEuroParams& p);
    void reset() { initialised_ = false; }

private:
    bool initialised_ = false;
    float x_prev_ = 0, dx_prev_ = 0;
};

}  // namespace meiyan::face
