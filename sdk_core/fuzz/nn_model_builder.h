// Writes small .mynn files in C++ (the layout of model_export/nn_format.py), for the tests and the
// fuzz harness: valid seeds, and mutations whose checksums are repaired so that they reach the
// loader's graph checks instead of stopping at a CRC mismatch.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "nn/nn_format.h"

namespace nn_test {

struct BTensor {
    std::string name;
    int dtype;  // 0 f32, 1 u8
    std::vector<int> shape;
    float scale;
    int zero_point;
};

struct BWeight {
    uint32_t type;  // 0 f32, 1 u8, 2 i8, 3 i32, 4 f16
    std::vector<uint8_t> bytes;
    uint32_t count;
};

struct BOp {
    uint16_t code;
    std::vector<int> inputs, outputs;
    std::vector<uint32_t> params;
    std::vector<BWeight> weights;
};

inline uint32_t fbits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

inline BWeight f32_weight(const std::vector<float>& v) {
    BWeight w{0, std::vector<uint8_t>(v.size() * 4), static_cast<uint32_t>(v.size())};
    if (!v.empty()) std::memcpy(w.bytes.data(), v.data(), v.size() * 4);
    return w;
}
inline BWeight i8_weight(const std::vector<int8_t>& v) {
    BWeight w{2, std::vector<uint8_t>(v.size()), static_cast<uint32_t>(v.size())};
    if (!v.empty()) std::memcpy(w.bytes.data(), v.data(), v.size());
    return w;
}
inline BWeight i32_weight(const std::vector<int32_t>& v) {
    BWeight w{3, std::vector<uint8_t>(v.size() * 4), static_cast<uint32_t>(v.size())};
    if (!v.empty()) std::memcpy(w.bytes.data(), v.data(), v.size() * 4);
    return w;
}

class Builder {
public:
    std::vector<BTensor> tensors;
    std::vector<BOp> ops;
    std::vector<int> inputs, outputs;
    std::vector<std::pair<std::string, std::string>> meta{{"name", "test"}, {"precision", "fp32"}};

    int tensor(const std::string& name, std::vector<int> shape, int dtype = 0, float scale = 0.0f, int zp = 0) {
        tensors.push_back({name, dtype, std::move(shape), scale, zp});
        return static_cast<int>(tensors.size()) - 1;
    }

    std::vector<uint8_t> build() const {
        std::vector<uint8_t> strs, tens, grph, opsb, wght, meta_b;
        for (const auto& kv : meta) append_str(meta_b, kv.first + "=" + kv.second + "\n");
        put32(tens, static_cast<uint32_t>(tensors.size()));
        for (const BTensor& t : tensors) {
            tens.push_back(static_cast<uint8_t>(t.dtype));
            tens.push_back(static_cast<uint8_t>(t.shape.size()));
            put16(tens, 0);
            for (size_t d = 0; d < 6; ++d) put32(tens, static_cast<uint32_t>(d < t.shape.size() ? t.shape[d] : 0));
            put32(tens, fbits(t.scale));
            put32(tens, static_cast<uint32_t>(t.zero_point));
            put32(tens, static_cast<uint32_t>(strs.size()));
            put32(tens, static_cast<uint32_t>(t.name.size()));
            append_str(strs, t.name);
        }
        put32(grph, static_cast<uint32_t>(inputs.size()));
        for (int i : inputs) put32(grph, static_cast<uint32_t>(i));
        put32(grph, static_cast<uint32_t>(outputs.size()));
        for (int i : outputs) put32(grph, static_cast<uint32_t>(i));
        put32(opsb, static_cast<uint32_t>(ops.size()));
        for (const BOp& op : ops) {
            put16(opsb, op.code);
            put16(opsb, static_cast<uint16_t>(op.inputs.size()));
            put16(opsb, static_cast<uint16_t>(op.outputs.size()));
            put16(opsb, static_cast<uint16_t>(op.params.size()));
            put16(opsb, static_cast<uint16_t>(op.weights.size()));
            put16(opsb, 0);
            for (int i : op.inputs) put32(opsb, static_cast<uint32_t>(i));
            for (int i : op.outputs) put32(opsb, static_cast<uint32_t>(i));
            for (uint32_t p : op.params) put32(opsb, p);
            for (const BWeight& w : op.weights) {
                while (wght.size() % 16) wght.push_back(0);
                put32(opsb, w.type);
                put32(opsb, static_cast<uint32_t>(wght.size()));
                put32(opsb, w.count);
                wght.insert(wght.end(), w.bytes.begin(), w.bytes.end());
            }
        }
        const std::vector<std::pair<const char*, const std::vector<uint8_t>*>> secs = {
            {"META", &meta_b}, {"STRS", &strs}, {"TENS", &tens}, {"GRPH", &grph}, {"OPS ", &opsb}, {"WGHT", &wght}};
        const size_t table_end = 48 + 16 * secs.size();
        size_t offset = align(table_end);
        std::vector<uint8_t> out(offset, 0);
        std::memcpy(out.data(), "MYNN", 4);
        for (size_t i = 0; i < secs.size(); ++i) {
            uint8_t* e = out.data() + 48 + 16 * i;
            std::memcpy(e, secs[i].first, 4);
            set32(e + 4, static_cast<uint32_t>(offset));
            set32(e + 8, static_cast<uint32_t>(secs[i].second->size()));
            out.insert(out.end(), secs[i].second->begin(), secs[i].second->end());
            out.resize(align(out.size()), 0);
            offset = out.size();
        }
        set16(out.data() + 4, meiyan::nn::kFormatMajor);
        set16(out.data() + 6, meiyan::nn::kFormatMinor);
        set32(out.data() + 8, 48);
        set32(out.data() + 12, static_cast<uint32_t>(out.size()));
        set32(out.data() + 16, static_cast<uint32_t>(secs.size()));
        fix_checksums(out);
        return out;
    }

    // Recomputes every CRC (sections, table, header) of a file, as far as its header can be read.
    static void fix_checksums(std::vector<uint8_t>& f) {
        if (f.size() < 48) return;
        const uint32_t nsec = get32(f.data() + 16);
        if (nsec > 64 || 48 + size_t{16} * nsec > f.size()) return;
        for (uint32_t i = 0; i < nsec; ++i) {
            uint8_t* e = f.data() + 48 + 16 * i;
            const uint32_t off = get32(e + 4), len = get32(e + 8);
            if (off <= f.size() && len <= f.size() - off) set32(e + 12, meiyan::nn::crc32(f.data() + off, len));
        }
        set32(f.data() + 24, meiyan::nn::crc32(f.data() + 48, size_t{16} * nsec));
        set32(f.data() + 44, meiyan::nn::crc32(f.data(), 44));
    }

    static uint32_t get32(const uint8_t* p) {
        return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
               static_cast<uint32_t>(p[3]) << 24;
    }
    static void set32(uint8_t* p, uint32_t v) {
        for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
    }

private:
    static size_t align(size_t n) { return (n + 63) / 64 * 64; }
    static void put32(std::vector<uint8_t>& b, uint32_t v) {
        for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    static void put16(std::vector<uint8_t>& b, uint16_t v) {
        b.push_back(static_cast<uint8_t>(v));
        b.push_back(static_cast<uint8_t>(v >> 8));
    }
    static void set16(uint8_t* p, uint16_t v) {
        p[0] = static_cast<uint8_t>(v);
        p[1] = static_cast<uint8_t>(v >> 8);
    }
    static void append_str(std::vector<uint8_t>& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
};

// A small float model touching most layer kinds:
//   x [1,8,8,3] -> CONV 3x3/1 pad 1 (3->8, relu) -> CONV dw 3x3/2 (+prelu) -> POOL max 2x2
//   -> PAD channels -> CONV 1x1 (8->10, residual = pad output) -> RESHAPE -> output [1,20,2]
// plus a QUANTIZE -> uint8 CONV 1x1 -> DEQUANTIZE branch as a second output.
inline Builder small_model() {
    Builder b;
    const int x = b.tensor("x", {1, 8, 8, 3});
    const int c1 = b.tensor("c1", {1, 8, 8, 8});
    const int c2 = b.tensor("c2", {1, 4, 4, 8});
    const int p1 = b.tensor("p1", {1, 2, 2, 8});
    const int pd = b.tensor("pd", {1, 2, 2, 10});
    const int c3 = b.tensor("c3", {1, 2, 2, 10});
    const int out = b.tensor("out", {1, 20, 2});
    const int q = b.tensor("q", {1, 2, 2, 8}, 1, 0.05f, 10);
    const int qc = b.tensor("qc", {1, 2, 2, 4}, 1, 0.1f, 128);
    const int dq = b.tensor("dq", {1, 2, 2, 4});
    b.inputs = {x};
    b.outputs = {out, dq};
    auto conv = [&](int in, int o, int k, int s, int pad, bool dw, int act_pre, int cin, int cout, int res) {
        BOp op{1, {in}, {o}, {}, {}};
        op.params = {static_cast<uint32_t>(k), static_cast<uint32_t>(k), static_cast<uint32_t>(s), static_cast<uint32_t>(s),
                     static_cast<uint32_t>(pad), static_cast<uint32_t>(pad), static_cast<uint32_t>(pad), static_cast<uint32_t>(pad),
                     dw ? 1u : 0u, static_cast<uint32_t>(act_pre), 0, res >= 0 ? 1u : 0u, 0, 0, 0, 0, 0, 0};
        if (res >= 0) op.inputs.push_back(res);
        const size_t n = dw ? static_cast<size_t>(k * k * cout) : static_cast<size_t>(cout * k * k * cin);
        std::vector<float> w(n), bias(static_cast<size_t>(cout));
        for (size_t i = 0; i < n; ++i) w[i] = static_cast<float>((i * 37 % 17)) / 17.0f - 0.45f;
        for (size_t i = 0; i < bias.size(); ++i) bias[i] = 0.1f * static_cast<float>(i % 3) - 0.1f;
        op.weights = {f32_weight(w), f32_weight(bias)};
        if (act_pre == 2) op.weights.push_back(f32_weight(std::vector<float>(static_cast<size_t>(cout), 0.25f)));
        b.ops.push_back(op);
    };
    conv(x, c1, 3, 1, 1, false, 1, 3, 8, -1);
    conv(c1, c2, 3, 2, 1, true, 2, 8, 8, -1);
    b.ops.push_back({2, {c2}, {p1}, {0, 2, 2, 2, 2, 0, 0, 0, 0}, {}});
    b.ops.push_back({5, {p1}, {pd}, {0, 0, 0, 0, 0, 2, fbits(0.0f)}, {}});
    conv(p1, c3, 1, 1, 0, false, 0, 8, 10, pd);
    b.ops.push_back({11, {c3}, {out}, {}, {}});
    b.ops.push_back({12, {p1}, {q}, {}, {}});
    {
        BOp op{1, {q}, {qc}, {}, {}};
        op.params = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, fbits(0.1f), 128, fbits(0.1f), 128, fbits(0.1f), 128};
        std::vector<int8_t> w(32);
        for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i * 29 % 255) - 127);
        op.weights = {i8_weight(w), i32_weight({100, -200, 300, 0}), f32_weight({0.004f, 0.003f, 0.002f, 0.005f})};
        b.ops.push_back(op);
    }
    b.ops.push_back({13, {qc}, {dq}, {}, {}});
    return b;
}

}  // namespace nn_test
