// The .mynn engine file (written by model_export/nn_convert.py; layout in model_export/nn_format.py).
// parse_model() checks the container (magic, version, sizes, CRC32 of header, section table and
// every section) and the bounds of every record; it throws Error(MEIYAN_ERROR_CORRUPT_DATA) with
// a message naming what is wrong. The graph's meaning (shapes, op parameters) is checked by the
// model when it builds its layers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace meiyan {
namespace nn {

constexpr uint16_t kFormatMajor = 1;
constexpr uint16_t kFormatMinor = 0;
constexpr int kMaxRank = 6;

enum class DType : uint8_t { F32 = 0, U8 = 1 };
enum class WType : uint32_t { F32 = 0, U8 = 1, I8 = 2, I32 = 3, F16 = 4 };

enum class OpCode : uint16_t {
    Conv = 1,
    Pool = 2,
    Binary = 3,
    Unary = 4,
    Pad = 5,
    Resize = 6,
    Deconv = 7,
    DepthToSpace = 8,
    Concat = 9,
    Transpose = 10,
    Reshape = 11,
    Quantize = 12,
    Dequantize = 13,
};
const char* op_name(OpCode code);

struct TensorDesc {
    std::string name;
    DType dtype = DType::F32;
    int rank = 0;
    int dims[kMaxRank] = {0, 0, 0, 0, 0, 0};
    float scale = 0.0f;
    int32_t zero_point = 0;
    size_t elements = 0;

    size_t element_size() const { return dtype == DType::F32 ? 4 : 1; }
    size_t bytes() const { return elements * element_size(); }
    std::string shape_string() const;
};

// A weight array inside the parsed buffer (not aligned; read with memcpy).
struct WeightRef {
    WType type = WType::F32;
    const uint8_t* data = nullptr;
    uint32_t count = 0;
};

struct OpDesc {
    OpCode code = OpCode::Conv;
    std::vector<int> inputs;
    std::vector<int> outputs;
    std::vector<uint32_t> params;  // raw 32-bit words
    std::vector<WeightRef> weights;

    int iparam(size_t i) const { return static_cast<int>(static_cast<int32_t>(params[i])); }
    float fparam(size_t i) const;
};

struct ModelDesc {
    std::vector<std::pair<std::string, std::string>> meta;
    std::vector<TensorDesc> tensors;
    std::vector<OpDesc> ops;
    std::vector<int> inputs;
    std::vector<int> outputs;

    std::string meta_value(const std::string& key) const;
};

// The weights of the returned model point into `data`, which must outlive their use.
ModelDesc parse_model(const uint8_t* data, size_t size);

uint32_t crc32(const uint8_t* data, size_t size);

// Converts weight arrays (any stored type) to float / int.
std::vector<float> weight_as_f32(const WeightRef& w);
float half_to_float(uint16_t h);

}  // namespace nn
}  // namespace meiyan
