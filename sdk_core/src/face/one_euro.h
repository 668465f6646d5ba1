// The One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass filter whose cut-off rises
// with speed, so still points stop jittering while fast moves are followed without lag.
// Scale-aware: speeds are measured in face sizes per second, so one setting serves near and far faces.
// The speed estimate starts from the first measured speed, not from rest: a face that is already
// moving when it is found is then not held back over its first frames (from rest, the estimate
// reaches a sixth of the speed on the second frame at 30 fps, and the points trail the face).
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
    bool initialised_ = false, has_speed_ = false;
    float x_prev_ = 0, dx_prev_ = 0;
};

// The same filter for a point in the image plane: its two coordinates share one cut-off, from the
// point's speed whichever way it moves (the root mean square of the two coordinates' speeds, which
// keeps a still face's noise at the cut-off the per-coordinate filter gives it). Per-coordinate
// speeds make a turning face's smoothing depend on the roll angle: a point going round has an x
// speed that falls to zero twice a turn, and its x then lags while its y does not, which moves it
// off the face by up to 2 % of the eye distance.
class OneEuroFilter2D {
public:
    void filter(float& x, float& y, float scale, float dt, const OneEuroParams& p);
    void reset() { initialised_ = false; }

private:
    bool initialised_ = false, has_speed_ = false;
    float x_prev_ = 0, y_prev_ = 0, dx_prev_ = 0, dy_prev_ = 0;
};

}  // namespace meiyan::face
