#include "effects/color/lut3d.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/decimal.h"
#include "core/error.h"

namespace meiyan {

namespace {

constexpr int kMaxLutSize = 256;

[[noreturn]] void corrupt(int line, const std::string& what) {
    fail(MEIYAN_ERROR_CORRUPT_DATA, "invalid .cube data at line " + std::to_string(line) + ": " + what);
}

// Parses exactly `count` finite floats from `rest`; anything else on the line is an error.
// Numbers read with '.' as the decimal point whatever the C locale (parse_decimal).
void parse_floats(std::string_view rest, float* out, int count, int line) {
    const char* p = rest.data();
    const char* const last = rest.data() + rest.size();
    auto skip_blank = [&] {
        while (p != last && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
    };
    for (int i = 0; i < count; ++i) {
        skip_blank();
        double d = 0;
        const char* end = parse_decimal(p, last, d);
        const auto v = static_cast<float>(d);
        if (end == nullptr || (end != last && *end != ' ' && *end != '\t' && *end != '\r') || !std::isfinite(v)) {
            corrupt(line, "expected " + std::to_string(count) + " numbers");
        }
        out[i] = v;
        p = end;
    }
    skip_blank();
    if (p != last) corrupt(line, "unexpected text after the numbers");
}

// Quotes untrusted text for an error message: printable ASCII kept, anything else as \xNN.
std::string printable(std::string_view s) {
    std::string out;
    for (const char c : s.substr(0, 32)) {
        if (c >= 0x20 && c < 0x7f) {
            out += c;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += buf;
        }
    }
    return out;
}

std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

}  // namespace

Lut3D Lut3D::parse_cube(std::string_view text) {
    Lut3D lut;
    std::size_t expected = 0;
    int line_no = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++line_no;
        const std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        if (line.find('\0') != std::string_view::npos) corrupt(line_no, "binary data");
        const auto space = line.find_first_of(" \t");
        const std::string_view key = line.substr(0, space);
        const std::string_view rest = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
        if (key == "TITLE") continue;
        if (key == "LUT_1D_SIZE") corrupt(line_no, "1D LUTs are not supported, only LUT_3D_SIZE");
        if (key == "LUT_3D_SIZE") {
            if (lut.size_ != 0) corrupt(line_no, "LUT_3D_SIZE given twice");
            float n = 0;
            parse_floats(rest, &n, 1, line_no);
            if (n < 2 || n > kMaxLutSize || n != std::floor(n)) corrupt(line_no, "LUT_3D_SIZE must be an integer in [2, 256]");
            lut.size_ = static_cast<int>(n);
            expected = static_cast<std::size_t>(lut.size_) * lut.size_ * lut.size_ * 3;
            lut.data_.reserve(expected);
            continue;
        }
        if (key == "DOMAIN_MIN") { parse_floats(rest, lut.domain_min_, 3, line_no); continue; }
        if (key == "DOMAIN_MAX") { parse_floats(rest, lut.domain_max_, 3, line_no); continue; }
        const char c0 = line[0];
        if (!(c0 == '-' || c0 == '+' || c0 == '.' || (c0 >= '0' && c0 <= '9'))) {
            corrupt(line_no, "unknown keyword '" + printable(key) + "'");
        }
        if (lut.size_ == 0) corrupt(line_no, "table data before LUT_3D_SIZE");
        if (lut.data_.size() >= expected) corrupt(line_no, "more table rows than LUT_3D_SIZE^3");
        float rgb[3];
        parse_floats(line, rgb, 3, line_no);
        lut.data_.insert(lut.data_.end(), rgb, rgb + 3);
    }
    if (lut.size_ == 0) fail(MEIYAN_ERROR_CORRUPT_DATA, "invalid .cube data: no LUT_3D_SIZE line");
    if (lut.data_.size() != expected) {
        fail(MEIYAN_ERROR_CORRUPT_DATA, "invalid .cube data: expected " + std::to_string(expected / 3) +
                                            " table rows, found " + std::to_string(lut.data_.size() / 3));
    }
    for (int c = 0; c < 3; ++c) {
        if (!(lut.domain_max_[c] > lut.domain_min_[c])) fail(MEIYAN_ERROR_CORRUPT_DATA, "invalid .cube data: DOMAIN_MAX must exceed DOMAIN_MIN");
    }
    // Normalise a non-default domain once, so lookups always work on [0, 1].
    for (std::size_t i = 0; i < lut.data_.size(); ++i) {
        const int c = static_cast<int>(i % 3);
        lut.data_[i] = (lut.data_[i] - lut.domain_min_[c]) / (lut.domain_max_[c] - lut.domain_min_[c]);
    }
    return lut;
}

Lut3D Lut3D::load_cube(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(MEIYAN_ERROR_IO, "cannot open LUT file '" + path + "'");
    std::ostringstream ss;
    ss << f.rdbuf();
    if (f.bad()) fail(MEIYAN_ERROR_IO, "cannot read LUT file '" + path + "'");
    try {
        return parse_cube(ss.str());
    } catch (const Error& e) {
        fail(e.code(), std::string(e.what()) + " (in '" + path + "')");
    }
}

void Lut3D::sample(const float rgb[3], float out[3]) const {
    const float scale = static_cast<float>(size_ - 1);
    int i0[3];
    float f[3];
    for (int c = 0; c < 3; ++c) {
        const float x = std::clamp(rgb[c], 0.0f, 1.0f) * scale;
        i0[c] = std::min(static_cast<int>(x), size_ - 2);
        f[c] = x - static_cast<float>(i0[c]);
    }
    const std::size_t n = static_cast<std::size_t>(size_);
    const std::size_t sr = 3, sg = 3 * n, sb = 3 * n * n;
    const float* base = data_.data() + i0[0] * sr + i0[1] * sg + i0[2] * sb;
    for (int c = 0; c < 3; ++c) {
        const float* p = base + c;
        const float c00 = p[0] + (p[sr] - p[0]) * f[0];
        const float c10 = p[sg] + (p[sg + sr] - p[sg]) * f[0];
        const float c01 = p[sb] + (p[sb + sr] - p[sb]) * f[0];
        const float c11 = p[sb + sg] + (p[sb + sg + sr] - p[sb + sg]) * f[0];
        const float c0 = c00 + (c10 - c00) * f[1];
        const float c1 = c01 + (c11 - c01) * f[1];
        out[c] = c0 + (c1 - c0) * f[2];
    }
}

}  // namespace meiyan
