// resize_bilinear_rgba(): a horizontal pass into 32-bit sums for the (at most two) source rows each
// output row needs, then a vertical pass; both through the active kernel table. Source rows stay in
// two slots so that upscaling computes each horizontal pass once.
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "image/image_kernels.h"

namespace meiyan {

namespace {

using image_detail::kResizeOne;

struct Tap {
    int i0;  // first source sample
    int i1;  // second source sample (i0 + 1 unless the source has one sample)
    int w1;  // weight of i1 out of kResizeOne
};

// cv2's INTER_LINEAR mapping, computed like cv2 (double scale, float position) so that the weights
// agree with it: position (d + 0.5) * scale - 0.5, clamped to the first and last sample. At the
// last sample the pair is moved one to the left with all weight on the right tap, so both taps lie
// inside the row for every source of two or more samples.
std::vector<Tap> plan_axis(int src_n, int dst_n) {
    const double scale = 1.0 / (static_cast<double>(dst_n) / src_n);
    std::vector<Tap> taps(static_cast<std::size_t>(dst_n));
    for (int d = 0; d < dst_n; ++d) {
        float f = static_cast<float>((d + 0.5) * scale - 0.5);
        int i = static_cast<int>(std::floor(f));
        f -= static_cast<float>(i);
        int w1 = static_cast<int>(std::lrint(f * static_cast<float>(kResizeOne)));
        if (i < 0) i = 0, w1 = 0;
        if (i >= src_n - 1) {
            i = src_n > 1 ? src_n - 2 : 0;
            w1 = src_n > 1 ? kResizeOne : 0;
        }
        taps[static_cast<std::size_t>(d)] = {i, src_n > 1 ? i + 1 : i, w1};
    }
    return taps;
}

const uint8_t* row(const ImageView& v, int y) { return v.data[0] + v.stride[0] * y; }

}  // namespace

bool resize_bilinear_rgba(const ImageView& src, const ImageView& dst) {
    if (validate(src) || validate(dst) || bytes_per_pixel(src.format) != 4 || is_yuv(src.format) ||
        src.format != dst.format) {
        return false;
    }
    const int sw = src.width, dw = dst.width;
    if (sw == dw && src.height == dst.height) {  // the weights would be exactly 1 and 0
        for (int y = 0; y < dst.height; ++y)
            std::memcpy(dst.data[0] + dst.stride[0] * y, row(src, y), 4 * static_cast<std::size_t>(dw));
        return true;
    }

    const std::vector<Tap> xt = plan_axis(sw, dw), yt = plan_axis(src.height, dst.height);
    std::vector<int32_t> xofs(static_cast<std::size_t>(dw)), xweights(static_cast<std::size_t>(dw));
    for (std::size_t i = 0; i < xt.size(); ++i) {
        xofs[i] = 4 * xt[i].i0;
        xweights[i] = (kResizeOne - xt[i].w1) | (xt[i].w1 << 16);
    }

    const image_detail::Kernels& k = image_detail::active_kernels();
    const std::size_t row_len = 4 * static_cast<std::size_t>(dw);
    std::vector<int32_t> sums(2 * row_len);
    int32_t* slot[2] = {sums.data(), sums.data() + row_len};
    int held[2] = {-1, -1};  // source row in each slot
    const auto fill = [&](int s, int sy) {
        if (held[s] == sy) return;
        k.resize_h(row(src, sy), sw, xofs.data(), xweights.data(), slot[s], dw);
        held[s] = sy;
    };
    for (int dy = 0; dy < dst.height; ++dy) {
        const Tap& t = yt[static_cast<std::size_t>(dy)];
        if (held[1] == t.i0) {
            std::swap(slot[0], slot[1]);
            std::swap(held[0], held[1]);
        }
        fill(0, t.i0);
        if (t.w1 != 0) fill(1, t.i1);  // a zero weight needs no second row (integer downscales)
        k.resize_v(slot[0], t.w1 != 0 ? slot[1] : slot[0], kResizeOne - t.w1, t.w1, dst.data[0] + dst.stride[0] * dy,
                   static_cast<int>(row_len));
    }
    return true;
}

}  // namespace meiyan
