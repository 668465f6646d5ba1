// Reading .mynn files: every count, offset and size is checked before it is used.
#include "nn/nn_format.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/error.h"

namespace meiyan {
namespace nn {

namespace {

constexpr size_t kHeaderSize = 48;
constexpr size_t kTensorRecord = 44;
// Generous bounds that no real model reaches; they keep every size computation far from overflow.
constexpr uint32_t kMaxSections = 64;
constexpr uint32_t kMaxTensors = 1u << 16;
constexpr uint32_t kMaxOps = 1u << 16;
constexpr size_t kMaxElements = size_t{1} << 28;

[[noreturn]] void corrupt(const std::string& what) { fail(MEIYAN_ERROR_CORRUPT_DATA, "corrupt .mynn model: " + what); }

std::array<uint32_t, 256> make_crc_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}

// Bounds-checked little-endian reader over one section.
class Reader {
public:
    Reader(const uint8_t* data, size_t size, const char* what) : data_(data), size_(size), what_(what) {}

    uint32_t u32() { return static_cast<uint32_t>(read(4)); }
    uint16_t u16() { return static_cast<uint16_t>(read(2)); }
    uint8_t u8() { return static_cast<uint8_t>(read(1)); }
    int32_t i32() { return static_cast<int32_t>(u32()); }
    float f32() {
        const uint32_t b = u32();
        float f;
        std::memcpy(&f, &b, 4);
        return f;
    }
    void skip(size_t n) {
        need(n);
        pos_ += n;
    }
    size_t remaining() const { return size_ - pos_; }

private:
    void need(size_t n) const {
        if (n > size_ - pos_) corrupt(std::string(what_) + " section is truncated");
    }
    uint64_t read(size_t n) {
        need(n);
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
        pos_ += n;
        return v;
    }

    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    const char* what_;
};

uint32_t load_u32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}

size_t wtype_size(WType t) {
    switch (t) {
        case WType::F32:
        case WType::I32: return 4;
        case WType::F16: return 2;
        case WType::U8:
        case WType::I8: return 1;
    }
    return 0;
}

struct Section {
    const uint8_t* data = nullptr;
    size_t size = 0;
    bool present = false;
};

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
    static const std::array<uint32_t, 256> table = make_crc_table();
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

const char* op_name(OpCode code) {
    switch (code) {
        case OpCode::Conv: return "CONV";
        case OpCode::Pool: return "POOL";
        case OpCode::Binary: return "BINARY";
        case OpCode::Unary: return "UNARY";
        case OpCode::Pad: return "PAD";
        case OpCode::Resize: return "RESIZE";
        case OpCode::Deconv: return "DECONV";
        case OpCode::DepthToSpace: return "DEPTH2SPACE";
        case OpCode::Concat: return "CONCAT";
        case OpCode::Transpose: return "TRANSPOSE";
        case OpCode::Reshape: return "RESHAPE";
        case OpCode::Quantize: return "QUANTIZE";
        case OpCode::Dequantize: return "DEQUANTIZE";
    }
    return "?";
}

std::string TensorDesc::shape_string() const {
    std::string s = "[";
    for (int i = 0; i < rank; ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + "]";
}

float OpDesc::fparam(size_t i) const {
    float f;
    std::memcpy(&f, &params[i], 4);
    return f;
}

std::string ModelDesc::meta_value(const std::string& key) const {
    for (const auto& kv : meta) {
        if (kv.first == key) return kv.second;
    }
    return std::string();
}

float half_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t mant = h & 0x3FFu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mant <<= 1;
            } while ((mant & 0x400u) == 0);
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3FFu) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

std::vector<float> weight_as_f32(const WeightRef& w) {
    std::vector<float> out(w.count);
    for (uint32_t i = 0; i < w.count; ++i) {
        const uint8_t* p = w.data + static_cast<size_t>(i) * wtype_size(w.type);
        switch (w.type) {
            case WType::F32: {
                const uint32_t b = load_u32(p);
                std::memcpy(&out[i], &b, 4);
                break;
            }
            case WType::F16: out[i] = half_to_float(static_cast<uint16_t>(p[0] | p[1] << 8)); break;
            case WType::U8: out[i] = p[0]; break;
            case WType::I8: out[i] = static_cast<int8_t>(p[0]); break;
            case WType::I32: out[i] = static_cast<float>(static_cast<int32_t>(load_u32(p))); break;
        }
    }
    return out;
}

ModelDesc parse_model(const uint8_t* data, size_t size) {
    if (data == nullptr || size < kHeaderSize) corrupt("the file is shorter than its header");
    if (std::memcmp(data, "MYNN", 4) != 0) corrupt("not a .mynn file (bad magic)");
    const uint16_t major = static_cast<uint16_t>(data[4] | data[5] << 8);
    const uint16_t minor = static_cast<uint16_t>(data[6] | data[7] << 8);
    if (major != kFormatMajor) {
        corrupt("format version " + std::to_string(major) + "." + std::to_string(minor) + ", this engine reads " +
                std::to_string(kFormatMajor) + ".x (reconvert the model)");
    }
    if (crc32(data, 44) != load_u32(data + 44)) corrupt("header checksum mismatch");
    const uint32_t header_size = load_u32(data + 8);
    const uint32_t file_size = load_u32(data + 12);
    const uint32_t nsec = load_u32(data + 16);
    const uint32_t table_crc = load_u32(data + 24);
    if (header_size != kHeaderSize) corrupt("unexpected header size");
    if (file_size != size) {
        corrupt("file is " + std::to_string(size) + " bytes, its header says " + std::to_string(file_size) +
                " (truncated?)");
    }
    if (nsec == 0 || nsec > kMaxSections) corrupt("bad section count");
    if (kHeaderSize + size_t{16} * nsec > size) corrupt("section table out of bounds");
    const uint8_t* table = data + kHeaderSize;
    if (crc32(table, size_t{16} * nsec) != table_crc) corrupt("section table checksum mismatch");

    Section meta, strs, tens, grph, ops, wght;
    // Bytes outside the header, the table and the sections must be zero padding: then every byte of
    // the file is checked by something.
    std::vector<std::pair<size_t, size_t>> covered = {{0, kHeaderSize + size_t{16} * nsec}};
    for (uint32_t i = 0; i < nsec; ++i) {
        const uint8_t* e = table + 16 * i;
        const uint32_t off = load_u32(e + 4), len = load_u32(e + 8), crc = load_u32(e + 12);
        if (off > size || len > size - off) corrupt("section " + std::to_string(i) + " out of bounds");
        covered.emplace_back(off, off + size_t{len});
        if (crc32(data + off, len) != crc) {
            corrupt("checksum mismatch in section '" + std::string(reinterpret_cast<const char*>(e), 4) + "'");
        }
        Section* s = nullptr;
        if (std::memcmp(e, "META", 4) == 0) s = &meta;
        else if (std::memcmp(e, "STRS", 4) == 0) s = &strs;
        else if (std::memcmp(e, "TENS", 4) == 0) s = &tens;
        else if (std::memcmp(e, "GRPH", 4) == 0) s = &grph;
        else if (std::memcmp(e, "OPS ", 4) == 0) s = &ops;
        else if (std::memcmp(e, "WGHT", 4) == 0) s = &wght;
        if (s == nullptr) continue;  // unknown sections are skipped (minor versions may add some)
        if (s->present) corrupt("duplicate section");
        *s = Section{data + off, len, true};
    }
    if (!meta.present || !strs.present || !tens.present || !grph.present || !ops.present || !wght.present) {
        corrupt("a required section is missing");
    }
    std::sort(covered.begin(), covered.end());
    size_t done = 0;
    for (const auto& c : covered) {
        for (size_t i = done; i < c.first; ++i) {
            if (data[i] != 0) corrupt("non-zero padding at byte " + std::to_string(i));
        }
        done = std::max(done, c.second);
    }
    for (size_t i = done; i < size; ++i) {
        if (data[i] != 0) corrupt("non-zero padding at byte " + std::to_string(i));
    }

    ModelDesc m;
    // META: key=value lines
    {
        std::string text(reinterpret_cast<const char*>(meta.data), meta.size);
        size_t pos = 0;
        while (pos < text.size()) {
            size_t end = text.find('\n', pos);
            if (end == std::string::npos) end = text.size();
            const std::string line = text.substr(pos, end - pos);
            const size_t eq = line.find('=');
            if (eq != std::string::npos) m.meta.emplace_back(line.substr(0, eq), line.substr(eq + 1));
            pos = end + 1;
        }
    }
    // TENS
    {
        Reader r(tens.data, tens.size, "TENS");
        const uint32_t n = r.u32();
        if (n == 0 || n > kMaxTensors) corrupt("bad tensor count");
        if (r.remaining() < size_t{n} * kTensorRecord) corrupt("TENS section is truncated");
        m.tensors.resize(n);
        for (uint32_t i = 0; i < n; ++i) {
            TensorDesc& t = m.tensors[i];
            const uint8_t dt = r.u8();
            if (dt > 1) corrupt("tensor " + std::to_string(i) + " has an unknown dtype");
            t.dtype = static_cast<DType>(dt);
            t.rank = r.u8();
            r.skip(2);
            if (t.rank < 1 || t.rank > kMaxRank) corrupt("tensor " + std::to_string(i) + " has a bad rank");
            t.elements = 1;
            for (int d = 0; d < kMaxRank; ++d) {
                t.dims[d] = r.i32();
                if (d >= t.rank) continue;
                if (t.dims[d] <= 0 || static_cast<size_t>(t.dims[d]) > kMaxElements) {
                    corrupt("tensor " + std::to_string(i) + " has a bad dimension");
                }
                t.elements *= static_cast<size_t>(t.dims[d]);
                if (t.elements > kMaxElements) corrupt("tensor " + std::to_string(i) + " is too large");
            }
            t.scale = r.f32();
            t.zero_point = r.i32();
            const uint32_t noff = r.u32(), nlen = r.u32();
            if (noff > strs.size || nlen > strs.size - noff) corrupt("tensor name out of bounds");
            t.name.assign(reinterpret_cast<const char*>(strs.data + noff), nlen);
            if (t.dtype == DType::U8) {
                if (!(t.scale > 0.0f) || !(t.scale < 1e30f) || t.zero_point < 0 || t.zero_point > 255) {
                    corrupt("tensor '" + t.name + "' has bad quantisation");
                }
            }
        }
    }
    // GRPH
    {
        Reader r(grph.data, grph.size, "GRPH");
        for (auto* list : {&m.inputs, &m.outputs}) {
            const uint32_t n = r.u32();
            if (n == 0 || n > 64) corrupt("bad graph input/output count");
            for (uint32_t i = 0; i < n; ++i) {
                const int32_t id = r.i32();
                if (id < 0 || static_cast<size_t>(id) >= m.tensors.size()) corrupt("graph tensor id out of range");
                list->push_back(id);
            }
        }
    }
    // OPS
    {
        Reader r(ops.data, ops.size, "OPS");
        const uint32_t n = r.u32();
        if (n == 0 || n > kMaxOps) corrupt("bad op count");
        m.ops.resize(n);
        for (uint32_t i = 0; i < n; ++i) {
            OpDesc& op = m.ops[i];
            const uint16_t code = r.u16();
            if (code < 1 || code > 13) corrupt("op " + std::to_string(i) + " has unknown opcode " + std::to_string(code));
            op.code = static_cast<OpCode>(code);
            const uint16_t nin = r.u16(), nout = r.u16(), npar = r.u16(), nw = r.u16();
            r.skip(2);
            if (nin == 0 || nin > 64 || nout != 1 || npar > 64 || nw > 16) {
                corrupt("op " + std::to_string(i) + " has bad counts");
            }
            for (uint16_t k = 0; k < nin + nout; ++k) {
                const int32_t id = r.i32();
                if (id < 0 || static_cast<size_t>(id) >= m.tensors.size()) {
                    corrupt("op " + std::to_string(i) + " refers to a missing tensor");
                }
                (k < nin ? op.inputs : op.outputs).push_back(id);
            }
            for (uint16_t k = 0; k < npar; ++k) op.params.push_back(r.u32());
            for (uint16_t k = 0; k < nw; ++k) {
                WeightRef w;
                const uint32_t t = r.u32(), off = r.u32(), count = r.u32();
                if (t > 4) corrupt("op " + std::to_string(i) + " has a weight of unknown type");
                w.type = static_cast<WType>(t);
                w.count = count;
                const size_t bytes = static_cast<size_t>(count) * wtype_size(w.type);
                if (count > kMaxElements || off > wght.size || bytes > wght.size - off) {
                    corrupt("op " + std::to_string(i) + " has a weight out of bounds");
                }
                w.data = wght.data + off;
                op.weights.push_back(w);
            }
        }
        if (r.remaining() != 0) corrupt("trailing bytes in the OPS section");
    }
    return m;
}

}  // namespace nn
}  // namespace meiyan
