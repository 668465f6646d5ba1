// Pixel format facts and view validation.
#include "image/image.h"

namespace meiyan {

const char* pixel_format_name(PixelFormat f) {
    switch (f) {
        case PixelFormat::RGBA8: return "RGBA8";
        case PixelFormat::BGRA8: return "BGRA8";
        case PixelFormat::RGB8: return "RGB8";
        case PixelFormat::BGR8: return "BGR8";
        case PixelFormat::NV12: return "NV12";
        case PixelFormat::NV21: return "NV21";
        case PixelFormat::I420: return "I420";
    }
    return "unknown";
}

bool is_yuv(PixelFormat f) { return f == PixelFormat::NV12 || f == PixelFormat::NV21 || f == PixelFormat::I420; }

int bytes_per_pixel(PixelFormat f) {
    switch (f) {
        case PixelFormat::RGBA8:
        case PixelFormat::BGRA8: return 4;
        case PixelFormat::RGB8:
        case PixelFormat::BGR8: return 3;
        case PixelFormat::NV12:
        case PixelFormat::NV21:
        case PixelFormat::I420: return 1;
    }
    return 0;
}

int plane_count(PixelFormat f) {
    switch (f) {
        case PixelFormat::NV12:
        case PixelFormat::NV21: return 2;
        case PixelFormat::I420: return 3;
        default: return bytes_per_pixel(f) > 0 ? 1 : 0;
    }
}

std::ptrdiff_t min_stride(PixelFormat f, int plane, int width) {
    if (width <= 0 || plane < 0 || plane >= plane_count(f)) return 0;
    if (plane == 0) return static_cast<std::ptrdiff_t>(width) * bytes_per_pixel(f);
    const std::ptrdiff_t chroma_width = (static_cast<std::ptrdiff_t>(width) + 1) / 2;
    return f == PixelFormat::I420 ? chroma_width : 2 * chroma_width;
}

int plane_height(PixelFormat f, int plane, int height) {
    if (height <= 0 || plane < 0 || plane >= plane_count(f)) return 0;
    return plane == 0 ? height : height / 2 + height % 2;
}

const char* validate(const ImageView& v) {
    if (plane_count(v.format) == 0) return "unknown pixel format";
    if (v.width <= 0 || v.height <= 0) return "width and height must be positive";
    if (v.width > kMaxImageDimension || v.height > kMaxImageDimension) return "width or height exceeds 65536";
    for (int p = 0; p < plane_count(v.format); ++p) {
        if (!v.data[p]) return "a plane pointer is null";
        const std::ptrdiff_t s = v.stride[p] < 0 ? -v.stride[p] : v.stride[p];
        if (s < min_stride(v.format, p, v.width)) return "a stride is shorter than one row of its plane";
    }
    return nullptr;
}

}  // namespace meiyan
