// A 3D colour lookup table as read from a .cube file (Adobe / DaVinci Resolve format).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace meiyan {

class Lut3D {
public:
    // Parses .cube text; throws Error(CORRUPT_DATA) with the line number on malformed input.
    static Lut3D parse_cube(std::string_view text);
    // Reads and parses a file; throws Error(IO) when it cannot be read.
    static Lut3D load_cube(const std::string& path);

    int size() const { return size_; }
    // RGB triples, red index fastest (the .cube order): entry (r, g, b) at ((b * N + g) * N + r) * 3.
    const std::vector<float>& data() const { return data_; }
    // Trilinear lookup; rgb in [0, 1].
    void sample(const float rgb[3], float out[3]) const;

private:
    int size_ = 0;
    std::vector<float> data_;
    float domain_min_[3] = {0, 0, 0};
    float domain_max_[3] = {1, 1, 1};
};

}  // namespace meiyan
