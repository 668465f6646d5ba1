// convert(): every format pair, row by row through the active kernel table. Packed pairs convert
// directly; YUV <-> packed goes through one RGBA row (or two, for the 2x2 chroma) when the packed
// side is not 4 bytes per pixel; YUV <-> YUV moves chroma only.
#include <cstring>
#include <vector>

#include "image/image_kernels.h"

namespace meiyan {

namespace {

using image_detail::Kernels;

uint8_t* row(const ImageView& v, int plane, int y) { return v.data[plane] + v.stride[plane] * y; }

bool is_bgr_order(PixelFormat f) { return f == PixelFormat::BGRA8 || f == PixelFormat::BGR8; }

// Where the samples of one chroma row live: sample i at u[i * step] and v[i * step].
struct ChromaRow {
    uint8_t* u;
    uint8_t* v;
    int step;
};

ChromaRow chroma_row(const ImageView& img, int cy) {
    uint8_t* p = row(img, 1, cy);
    switch (img.format) {
        case PixelFormat::NV12: return {p, p + 1, 2};
        case PixelFormat::NV21: return {p + 1, p, 2};
        default: return {p, row(img, 2, cy), 1};
    }
}

void copy_planes(const ImageView& src, const ImageView& dst) {
    for (int p = 0; p < plane_count(src.format); ++p) {
        const std::size_t bytes = static_cast<std::size_t>(min_stride(src.format, p, src.width));
        for (int y = 0; y < plane_height(src.format, p, src.height); ++y) {
            const uint8_t* s = row(src, p, y);
            uint8_t* d = row(dst, p, y);
            if (s != d) std::memcpy(d, s, bytes);
        }
    }
}

// One row between two different packed formats (in place when their pixel sizes match).
void packed_row(const Kernels& k, PixelFormat sf, const uint8_t* s, PixelFormat df, uint8_t* d, int width) {
    const bool swap = is_bgr_order(sf) != is_bgr_order(df);
    const int sb = bytes_per_pixel(sf), db = bytes_per_pixel(df);
    if (sb == 4 && db == 4) {
        k.swap_rb4(s, d, width);
    } else if (sb == 3 && db == 3) {
        image_detail::swap_rb3_row(s, d, width);
    } else if (sb == 3) {
        k.rgb3_to_rgba(s, d, width, swap);
    } else {
        k.rgba_to_rgb3(s, d, width, swap);
    }
}

void yuv_to_yuv(const ImageView& src, const ImageView& dst) {
    for (int y = 0; y < src.height; ++y) {
        const uint8_t* s = row(src, 0, y);
        uint8_t* d = row(dst, 0, y);
        if (s != d) std::memcpy(d, s, static_cast<std::size_t>(src.width));
    }
    for (int cy = 0; cy < plane_height(src.format, 1, src.height); ++cy) {
        const ChromaRow s = chroma_row(src, cy), d = chroma_row(dst, cy);
        for (int i = 0; i < (src.width + 1) / 2; ++i) {
            const uint8_t u = s.u[i * s.step], v = s.v[i * s.step];
            d.u[i * d.step] = u;
            d.v[i * d.step] = v;
        }
    }
}

void yuv_to_packed(const Kernels& k, const ImageView& src, const ImageView& dst) {
    // 4-byte targets are written directly; 3-byte ones from an RGBA/BGRA row in their own order.
    const bool direct = bytes_per_pixel(dst.format) == 4;
    const bool bgr = is_bgr_order(dst.format);
    std::vector<uint8_t> tmp(direct ? 0 : 4 * static_cast<std::size_t>(src.width));
    for (int y = 0; y < src.height; ++y) {
        const ChromaRow c = chroma_row(src, y / 2);
        uint8_t* out = direct ? row(dst, 0, y) : tmp.data();
        k.yuv_to_rgba(row(src, 0, y), c.u, c.v, c.step, out, src.width, bgr);
        if (!direct) k.rgba_to_rgb3(tmp.data(), row(dst, 0, y), src.width, false);
    }
}

void packed_to_yuv(const Kernels& k, const ImageView& src, const ImageView& dst) {
    const std::size_t row_bytes = 4 * static_cast<std::size_t>(src.width);
    std::vector<uint8_t> tmp(src.format == PixelFormat::RGBA8 ? 0 : 2 * row_bytes);
    const auto rgba_row = [&](int y, int slot) -> const uint8_t* {
        if (tmp.empty()) return row(src, 0, y);
        uint8_t* t = tmp.data() + slot * row_bytes;
        packed_row(k, src.format, row(src, 0, y), PixelFormat::RGBA8, t, src.width);
        return t;
    };
    for (int cy = 0; cy < plane_height(dst.format, 1, dst.height); ++cy) {
        const int y0 = 2 * cy, y1 = y0 + 1 < src.height ? y0 + 1 : y0;
        const uint8_t* r0 = rgba_row(y0, 0);
        const uint8_t* r1 = y1 == y0 ? r0 : rgba_row(y1, 1);
        const ChromaRow c = chroma_row(dst, cy);
        k.rgba_to_yuv(r0, r1, row(dst, 0, y0), row(dst, 0, y1), c.u, c.v, c.step, src.width);
    }
}

}  // namespace

bool convert(const ImageView& src, const ImageView& dst) {
    if (validate(src) || validate(dst) || src.width != dst.width || src.height != dst.height) return false;
    const Kernels& k = image_detail::active_kernels();
    const bool yuv_in = is_yuv(src.format), yuv_out = is_yuv(dst.format);
    if (src.format == dst.format) {
        copy_planes(src, dst);
    } else if (yuv_in && yuv_out) {
        yuv_to_yuv(src, dst);
    } else if (yuv_in) {
        yuv_to_packed(k, src, dst);
    } else if (yuv_out) {
        packed_to_yuv(k, src, dst);
    } else {
        for (int y = 0; y < src.height; ++y)
            packed_row(k, src.format, row(src, 0, y), dst.format, row(dst, 0, y), src.width);
    }
    return true;
}

}  // namespace meiyan
