// Layer construction (validation + weight packing) and execution.
#include "nn/nn_layers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"

// The float steps written here (resize blending, PReLU tables, averages) follow onnxruntime's
// roundings: no fused multiply-add (GCC: MEIYAN_NO_CONTRACT on the functions that need it).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace meiyan {
namespace nn {

namespace {

// Output pixels per GEMM call: the epilogue then runs on rows still in cache.
constexpr int kChunk = 64;
// Layers with fewer multiply-adds than this run on one thread even when the model has more.
constexpr int64_t kMinSplitMacs = 50000;

[[noreturn]] void bad(int index, const OpDesc& op, const std::string& what) {
    fail(MEIYAN_ERROR_CORRUPT_DATA, "corrupt .mynn model: op " + std::to_string(index) + " (" + op_name(op.code) +
                                        "): " + what);
}

size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

bool finite_positive(float v) { return v > 0.0f && v < 1e30f; }

// Reads weight i of an op as a typed vector, checking its type and element count.
struct WeightReader {
    const OpDesc& op;
    int index;

    const WeightRef& get(size_t i, size_t count, std::initializer_list<WType> types, const char* what) const {
        if (i >= op.weights.size()) bad(index, op, std::string("missing weight: ") + what);
        const WeightRef& w = op.weights[i];
        bool ok = false;
        for (WType t : types) ok = ok || w.type == t;
        if (!ok) bad(index, op, std::string("weight '") + what + "' has the wrong type");
        if (w.count != count) {
            bad(index, op, std::string("weight '") + what + "' has " + std::to_string(w.count) + " values, expected " +
                               std::to_string(count));
        }
        return w;
    }
    std::vector<float> f32(size_t i, size_t count, const char* what) const {
        return weight_as_f32(get(i, count, {WType::F32, WType::F16}, what));
    }
    std::vector<int32_t> i32(size_t i, size_t count, const char* what) const {
        const WeightRef& w = get(i, count, {WType::I32}, what);
        std::vector<int32_t> v(count);
        if (count) std::memcpy(v.data(), w.data, count * 4);  // little-endian hosts only (x86-64, AArch64)
        return v;
    }
    std::vector<int8_t> i8(size_t i, size_t count, const char* what) const {
        const WeightRef& w = get(i, count, {WType::I8}, what);
        std::vector<int8_t> v(count);
        if (count) std::memcpy(v.data(), w.data, count);
        return v;
    }
    std::vector<uint8_t> u8(size_t i, const char* what) const {
        if (i >= op.weights.size()) bad(index, op, std::string("missing weight: ") + what);
        const WeightRef& w = op.weights[i];
        if (w.type != WType::U8) bad(index, op, std::string("weight '") + what + "' has the wrong type");
        return std::vector<uint8_t>(w.data, w.data + w.count);
    }
};

bool is_f32(const Tensor* t) { return t->desc.dtype == DType::F32; }
bool is_u8(const Tensor* t) { return t->desc.dtype == DType::U8; }

void check_nhwc(int index, const OpDesc& op, const Tensor* t, const char* what) {
    if (t->desc.rank != 4 || t->dim(0) != 1) {
        bad(index, op, std::string(what) + " must be a 1xHxWxC tensor, got " + t->desc.shape_string());
    }
}

// Applies a uint8 activation table in place: per-channel tables (256 x c) or one shared table.
void apply_table(uint8_t* y, int pixels, int c, const std::vector<uint8_t>& table) {
    if (table.size() == 256) {
        const size_t n = static_cast<size_t>(pixels) * static_cast<size_t>(c);
        for (size_t i = 0; i < n; ++i) y[i] = table[y[i]];
        return;
    }
    // per-channel tables: c consecutive bytes use c tables; unrolled so that loads overlap
    const uint8_t* t = table.data();
    for (int p = 0; p < pixels; ++p) {
        uint8_t* row = y + static_cast<std::ptrdiff_t>(p) * c;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
            const uint8_t a0 = t[(ch + 0) * 256 + row[ch + 0]], a1 = t[(ch + 1) * 256 + row[ch + 1]];
            const uint8_t a2 = t[(ch + 2) * 256 + row[ch + 2]], a3 = t[(ch + 3) * 256 + row[ch + 3]];
            row[ch] = a0, row[ch + 1] = a1, row[ch + 2] = a2, row[ch + 3] = a3;
        }
        for (; ch < c; ++ch) row[ch] = t[ch * 256 + row[ch]];
    }
}

// ---------------------------------------------------------------------------------------------
// CONV

class ConvLayer : public Layer {
public:
    ConvLayer(const OpDesc& op, int index) {
        if (op.params.size() != 18) bad(index, op, "expected 18 parameters");
        kh_ = op.iparam(0), kw_ = op.iparam(1), sh_ = op.iparam(2), sw_ = op.iparam(3);
        pt_ = op.iparam(4), pl_ = op.iparam(5), pb_ = op.iparam(6), pr_ = op.iparam(7);
        depthwise_ = op.iparam(8) != 0;
        act_pre_ = op.iparam(9), act_post_ = op.iparam(10);
        has_res_ = op.iparam(11) != 0;
        for (int v : {kh_, kw_, sh_, sw_}) {
            if (v < 1 || v > 64) bad(index, op, "kernel and stride must be in 1..64");
        }
        for (int v : {pt_, pl_, pb_, pr_}) {
            if (v < 0 || v > 64) bad(index, op, "padding must be in 0..64");
        }
        if (op.iparam(8) != 0 && op.iparam(8) != 1) bad(index, op, "bad depthwise flag");
        if (op.iparam(11) != 0 && op.iparam(11) != 1) bad(index, op, "bad residual flag");
        if (op.inputs.size() != (has_res_ ? 2u : 1u)) bad(index, op, "wrong number of inputs");
    }

    void bind(const OpDesc& op, int index) {
        const Tensor* x = in[0];
        const Tensor* y = out[0];
        check_nhwc(index, op, x, "input");
        check_nhwc(index, op, y, "output");
        h_ = x->dim(1), w_ = x->dim(2), cin_ = x->dim(3);
        oh_ = y->dim(1), ow_ = y->dim(2), cout_ = y->dim(3);
        const long eh = static_cast<long>(h_) + pt_ + pb_ - kh_, ew = static_cast<long>(w_) + pl_ + pr_ - kw_;
        if (eh < 0 || ew < 0 || oh_ != eh / sh_ + 1 || ow_ != ew / sw_ + 1) {
            bad(index, op, "output shape " + y->desc.shape_string() + " does not follow from input " +
                               x->desc.shape_string());
        }
        if (depthwise_ && cin_ != cout_) bad(index, op, "depthwise convolution must keep the channel count");
        // bounded here so that every product below fits an int (the weights must fit the file too)
        const int64_t k_in = int64_t{kh_} * kw_ * (depthwise_ ? 1 : cin_);
        if (k_in > (int64_t{1} << 24) || k_in * cout_ > (int64_t{1} << 28)) bad(index, op, "too many weights");
        u8_ = is_u8(x);
        if (is_u8(y) != u8_) bad(index, op, "input and output types differ");
        if (has_res_) {
            const Tensor* r = in[1];
            check_nhwc(index, op, r, "residual");
            if (r->dim(1) != oh_ || r->dim(2) != ow_ || r->dim(3) > cout_) bad(index, op, "residual shape mismatch");
            if (is_u8(r) != u8_) bad(index, op, "residual type differs");
            res_c_ = r->dim(3);
        }
        const int k_per_out = depthwise_ ? kh_ * kw_ : kh_ * kw_ * cin_;
        const size_t wcount = depthwise_ ? static_cast<size_t>(kh_) * kw_ * cout_ : static_cast<size_t>(cout_) * k_per_out;
        WeightReader wr{op, index};
        if (!u8_) {
            const std::vector<float> wts = wr.f32(0, wcount, "weights");
            bias_f_ = wr.f32(1, static_cast<size_t>(cout_), "bias");
            size_t next = 2;
            for (int* act : {&act_pre_, &act_post_}) {
                if (*act < kActNone || *act > kActSigmoid) bad(index, op, "bad float activation");
                std::vector<float>& s = act == &act_pre_ ? slopes_pre_ : slopes_post_;
                if (*act == kActPrelu) {
                    s = wr.f32(next++, static_cast<size_t>(cout_), "slopes");
                    s.resize(round_up(static_cast<size_t>(cout_), kPanel), 0.0f);
                }
            }
            if (next != op.weights.size()) bad(index, op, "unexpected extra weights");
            pack_f32(wts);
            bias_f_.resize(round_up(static_cast<size_t>(cout_), kPanel), 0.0f);
        } else {
            conv_scale_ = op.fparam(12), conv_zp_ = op.iparam(13);
            pre_scale_ = op.fparam(14), pre_zp_ = op.iparam(15);
            add_scale_ = op.fparam(16), add_zp_ = op.iparam(17);
            for (float s : {conv_scale_, pre_scale_, add_scale_}) {
                if (!finite_positive(s)) bad(index, op, "bad quantisation scale");
            }
            for (int z : {conv_zp_, pre_zp_, add_zp_}) {
                if (z < 0 || z > 255) bad(index, op, "bad zero point");
            }
            const std::vector<int8_t> wts = wr.i8(0, wcount, "weights");
            const std::vector<int32_t> bias = wr.i32(1, static_cast<size_t>(cout_), "bias");
            mult_ = wr.f32(2, static_cast<size_t>(cout_), "multipliers");
            for (float m : mult_) {
                if (!(m >= 0.0f && m < 1e30f)) bad(index, op, "bad requantisation multiplier");
            }
            size_t next = 3;
            // the quantisation each table maps from and to
            const float s_from[2] = {conv_scale_, add_scale_};
            const int z_from[2] = {conv_zp_, add_zp_};
            const float s_to[2] = {pre_scale_, y->desc.scale};
            const int z_to[2] = {pre_zp_, y->desc.zero_point};
            for (int s = 0; s < 2; ++s) {
                const int act = s == 0 ? act_pre_ : act_post_;
                std::vector<uint8_t>& table = s == 0 ? table_pre_ : table_post_;
                if (act == kActLut) {
                    table = wr.u8(next++, "table");
                    if (table.size() != 256 && table.size() != static_cast<size_t>(cout_) * 256) {
                        bad(index, op, "activation table size");
                    }
                } else if (act == kActPrelu) {
                    table = prelu_tables(wr.f32(next++, static_cast<size_t>(cout_), "slopes"), s_from[s], z_from[s],
                                         s_to[s], z_to[s]);
                } else if (act != kActNone) {
                    bad(index, op, "bad uint8 activation");
                }
            }
            if (next != op.weights.size()) bad(index, op, "unexpected extra weights");
            // without the stages, the quantisation must chain to the output's
            if (act_pre_ == kActNone && (pre_scale_ != conv_scale_ || pre_zp_ != conv_zp_)) {
                bad(index, op, "pre-activation quantisation mismatch");
            }
            if (!has_res_ && (add_scale_ != pre_scale_ || add_zp_ != pre_zp_)) bad(index, op, "add quantisation mismatch");
            if (act_post_ == kActNone && (add_scale_ != y->desc.scale || add_zp_ != y->desc.zero_point)) {
                bad(index, op, "output quantisation mismatch");
            }
            if (has_res_) {
                qadd_ = qadd_params(pre_scale_, pre_zp_, in[1]->desc.scale, in[1]->desc.zero_point, add_scale_, add_zp_);
            }
            pack_u8(wts, bias, x->desc.zero_point);
            bias_i_.resize(round_up(static_cast<size_t>(cout_), kPanel), 0);
            mult_.resize(round_up(static_cast<size_t>(cout_), kPanel), 0.0f);
        }
        pointwise_ = !depthwise_ && kh_ == 1 && kw_ == 1 && sh_ == 1 && sw_ == 1 && pt_ + pl_ + pb_ + pr_ == 0;
        macs_ = int64_t{oh_} * ow_ * cout_ * kh_ * kw_ * (depthwise_ ? 1 : cin_);
    }

    void run(const Kernels& k, uint8_t* scratch) override {
        const int n = tasks();
        for (int t = 0; t < n; ++t) run_task(k, t, scratch);
    }

    // Depthwise layers split by output row, the others by GEMM chunk; small layers stay on one
    // thread (waking the workers costs more than they would save).
    void run_exec(const Kernels& k, const Exec& ex) override {
        const int n = tasks();
        if (ex.workers() < 2 || n < 2 || macs_ < kMinSplitMacs) {
            run(k, ex.scratch[0]);
            return;
        }
        auto task = [&](int t, int worker) { run_task(k, t, ex.scratch[worker]); };
        ex.pool->parallel_for(n, task);
    }

    size_t scratch_bytes() const override {
        const size_t res = res_scratch();  // a widened uint8 residual
        if (depthwise_ || pointwise_) return res;
        const size_t kk = static_cast<size_t>(kh_) * kw_ * cin_;
        return res + (u8_ ? kChunk * round_up(kk, 4) : kChunk * kk * sizeof(float));
    }

    std::string describe() const override {
        std::string s = std::string("CONV ") + (u8_ ? "u8 " : "f32 ") + std::to_string(kh_) + "x" + std::to_string(kw_) +
                        "/" + std::to_string(sh_) + (depthwise_ ? " dw " : " ") + std::to_string(cin_) + "->" +
                        std::to_string(cout_) + " " + std::to_string(oh_) + "x" + std::to_string(ow_);
        if (has_res_) s += " +res";
        return s;
    }

private:
    void pack_f32(const std::vector<float>& wts) {
        if (depthwise_) {
            cpad_ = static_cast<int>(round_up(static_cast<size_t>(cout_), kPanel));
            wf_.assign(static_cast<size_t>(kh_) * kw_ * cpad_, 0.0f);
            for (int t = 0; t < kh_ * kw_; ++t) {
                for (int c = 0; c < cout_; ++c) {
                    wf_[static_cast<size_t>(t) * cpad_ + c] = wts[static_cast<size_t>(t) * cout_ + c];
                }
            }
        } else {
            kk_ = kh_ * kw_ * cin_;
            const int panels = (cout_ + kPanel - 1) / kPanel;
            wf_.assign(static_cast<size_t>(panels) * kk_ * kPanel, 0.0f);
            for (int o = 0; o < cout_; ++o) {
                float* dst = wf_.data() + static_cast<size_t>(o / kPanel) * kk_ * kPanel + o % kPanel;
                for (int q = 0; q < kk_; ++q) dst[static_cast<size_t>(q) * kPanel] = wts[static_cast<size_t>(o) * kk_ + q];
            }
        }
        weight_bytes = wf_.size() * sizeof(float) + bias_f_.size() * sizeof(float);
    }

    void pack_u8(const std::vector<int8_t>& wts, const std::vector<int32_t>& bias, int in_zp) {
        bias_i_.assign(static_cast<size_t>(cout_), 0);
        if (depthwise_) {
            cpad_ = static_cast<int>(round_up(static_cast<size_t>(cout_), kPanel));
            wdw_.assign(static_cast<size_t>(kh_) * kw_ * cpad_, 0);
            for (int c = 0; c < cout_; ++c) {
                int64_t sum = 0;
                for (int t = 0; t < kh_ * kw_; ++t) {
                    const int8_t v = wts[static_cast<size_t>(t) * cout_ + c];
                    wdw_[static_cast<size_t>(t) * cpad_ + c] = v;
                    sum += v;
                }
                bias_i_[c] = static_cast<int32_t>(bias[c] - static_cast<int64_t>(in_zp) * sum);
            }
            weight_bytes = wdw_.size() * 2;
        } else {
            kk_ = kh_ * kw_ * cin_;
            k4_ = (kk_ + 3) / 4;
            const int panels = (cout_ + kPanel - 1) / kPanel;
            wq_.assign(static_cast<size_t>(panels) * k4_ * kPanel * 4, 0);
            for (int o = 0; o < cout_; ++o) {
                int8_t* dst = wq_.data() + static_cast<size_t>(o / kPanel) * k4_ * kPanel * 4 + (o % kPanel) * 4;
                int64_t sum = 0;
                for (int q = 0; q < kk_; ++q) {
                    const int8_t v = wts[static_cast<size_t>(o) * kk_ + q];
                    dst[static_cast<size_t>(q / 4) * kPanel * 4 + q % 4] = v;
                    sum += v;
                }
                bias_i_[o] = static_cast<int32_t>(bias[o] - static_cast<int64_t>(in_zp) * sum);
            }
            weight_bytes = wq_.size();
        }
        weight_bytes += bias_i_.size() * 4 + mult_.size() * 4 + table_pre_.size() + table_post_.size();
    }

    EpilogueF32 epilogue_for(int first_pixel) const {
        EpilogueF32 ep;
        ep.act_pre = act_pre_;
        ep.slopes_pre = slopes_pre_.empty() ? nullptr : slopes_pre_.data();
        ep.act_post = act_post_;
        ep.slopes_post = slopes_post_.empty() ? nullptr : slopes_post_.data();
        if (has_res_) {
            ep.residual = in[1]->f32() + static_cast<std::ptrdiff_t>(first_pixel) * res_c_;
            ep.res_channels = res_c_;
            ep.res_stride = res_c_;
        }
        return ep;
    }

    int tasks() const { return depthwise_ ? oh_ : (oh_ * ow_ + kChunk - 1) / kChunk; }

    void run_task(const Kernels& k, int t, uint8_t* scratch) const {
        if (u8_) {
            task_u8(k, t, scratch);
        } else {
            task_f32(k, t, scratch);
        }
    }

    // Task t: output row t (depthwise) or output pixels [t * kChunk, +kChunk).
    void task_f32(const Kernels& k, int t, uint8_t* scratch) const {
        const float* x = in[0]->f32();
        float* y = out[0]->f32();
        if (depthwise_) {
            DwRow r;
            r.in = x, r.h = h_, r.w = w_, r.c = cin_, r.kh = kh_, r.kw = kw_, r.sh = sh_, r.sw = sw_;
            r.pad_top = pt_, r.pad_left = pl_, r.ow = ow_, r.weights = wf_.data(), r.cpad = cpad_, r.bias = bias_f_.data();
            r.oy = t;
            r.out = y + static_cast<std::ptrdiff_t>(t) * ow_ * cout_;
            k.dwconv_row(r, epilogue_for(t * ow_));
            return;
        }
        const int p0 = t * kChunk;
        const int m = std::min(kChunk, oh_ * ow_ - p0);
        const float* a;
        int lda;
        if (pointwise_) {
            a = x + static_cast<std::ptrdiff_t>(p0) * cin_;
            lda = cin_;
        } else {
            float* cols = reinterpret_cast<float*>(scratch);
            im2col<float>(x, p0, m, cols, kk_, 0.0f);
            a = cols;
            lda = kk_;
        }
        float* c = y + static_cast<std::ptrdiff_t>(p0) * cout_;
        k.sgemm(m, cout_, kk_, a, lda, wf_.data(), bias_f_.data(), c, cout_, epilogue_for(p0));
    }

    // Gathers the kh x kw x cin patch of each output pixel into one row (NHWC: the kw taps of a
    // kernel row are contiguous in the input, so an inside row is one copy).
    template <typename T>
    void im2col(const T* x, int p0, int m, T* cols, int row_len, T pad) const {
        const int span = kw_ * cin_;
        for (int i = 0; i < m; ++i) {
            const int p = p0 + i, oy = p / ow_, ox = p % ow_;
            const int ix0 = ox * sw_ - pl_;
            T* dst = cols + static_cast<std::ptrdiff_t>(i) * row_len;
            for (int ky = 0; ky < kh_; ++ky) {
                const int iy = oy * sh_ - pt_ + ky;
                T* d = dst + ky * span;
                if (iy < 0 || iy >= h_) {
                    std::fill(d, d + span, pad);
                } else if (ix0 >= 0 && ix0 + kw_ <= w_) {
                    // short spans (first layers: 3 channels) copy faster inline than through memcpy
                    const T* src = x + (static_cast<std::ptrdiff_t>(iy) * w_ + ix0) * cin_;
                    for (int q = 0; q < span; ++q) d[q] = src[q];
                } else {
                    for (int kx = 0; kx < kw_; ++kx) {
                        const int ix = ix0 + kx;
                        T* dk = d + kx * cin_;
                        if (ix < 0 || ix >= w_) {
                            std::fill(dk, dk + cin_, pad);
                        } else {
                            std::memcpy(dk, x + (static_cast<std::ptrdiff_t>(iy) * w_ + ix) * cin_, sizeof(T) * cin_);
                        }
                    }
                }
            }
            std::fill(dst + kk_, dst + row_len, T(0));
        }
    }

    size_t res_scratch() const {
        return u8_ && has_res_ && res_c_ < cout_ ? round_up(static_cast<size_t>(std::max(kChunk, ow_)) * cout_, 64) + 64 : 0;
    }

    // The uint8 stages after the requantisation, on `pixels` output pixels starting at first_pixel.
    // A residual with fewer channels is first widened with its zero point (the padding it stands for).
    void u8_stages(const Kernels& k, uint8_t* y, int first_pixel, int pixels, uint8_t* scratch) const {
        if (!table_pre_.empty()) apply_table(y, pixels, cout_, table_pre_);
        if (has_res_) {
            const uint8_t* r = in[1]->u8() + static_cast<std::ptrdiff_t>(first_pixel) * res_c_;
            if (res_c_ < cout_) {
                const uint8_t zr = static_cast<uint8_t>(in[1]->desc.zero_point);
                for (int p = 0; p < pixels; ++p) {
                    uint8_t* d = scratch + static_cast<std::ptrdiff_t>(p) * cout_;
                    std::memcpy(d, r + static_cast<std::ptrdiff_t>(p) * res_c_, static_cast<size_t>(res_c_));
                    std::memset(d + res_c_, zr, static_cast<size_t>(cout_ - res_c_));
                }
                r = scratch;
            }
            k.qadd(y, r, y, static_cast<size_t>(pixels) * cout_, qadd_);
        }
        if (!table_post_.empty()) apply_table(y, pixels, cout_, table_post_);
    }

    void task_u8(const Kernels& k, int t, uint8_t* scratch) const {
        const uint8_t* x = in[0]->u8();
        uint8_t* y = out[0]->u8();
        const int in_zp = in[0]->desc.zero_point;
        if (depthwise_) {
            DwRow r;
            r.in = x, r.h = h_, r.w = w_, r.c = cin_, r.kh = kh_, r.kw = kw_, r.sh = sh_, r.sw = sw_;
            r.pad_top = pt_, r.pad_left = pl_, r.ow = ow_, r.weights = wdw_.data(), r.cpad = cpad_;
            r.bias = bias_i_.data(), r.mult = mult_.data(), r.in_zp = in_zp, r.out_zp = conv_zp_;
            r.oy = t;
            uint8_t* row = y + static_cast<std::ptrdiff_t>(t) * ow_ * cout_;
            r.out = row;
            k.qdwconv_row(r);
            u8_stages(k, row, t * ow_, ow_, scratch);
            return;
        }
        const int p0 = t * kChunk;
        const int m = std::min(kChunk, oh_ * ow_ - p0);
        const uint8_t* a;
        int lda;
        if (pointwise_) {
            a = x + static_cast<std::ptrdiff_t>(p0) * cin_;
            lda = cin_;
        } else {
            uint8_t* cols = scratch + res_scratch();
            im2col<uint8_t>(x, p0, m, cols, k4_ * 4, static_cast<uint8_t>(in_zp));
            a = cols;
            lda = k4_ * 4;
        }
        uint8_t* c = y + static_cast<std::ptrdiff_t>(p0) * cout_;
        k.qgemm(m, cout_, k4_, a, lda, wq_.data(), bias_i_.data(), mult_.data(), conv_zp_, c, cout_);
        u8_stages(k, c, p0, m, scratch);
    }

    int kh_, kw_, sh_, sw_, pt_, pl_, pb_, pr_;
    int64_t macs_ = 0;  // multiply-adds per run
    bool depthwise_, has_res_, u8_ = false, pointwise_ = false;
    int act_pre_, act_post_;
    int h_ = 0, w_ = 0, cin_ = 0, oh_ = 0, ow_ = 0, cout_ = 0, res_c_ = 0, kk_ = 0, k4_ = 0, cpad_ = 0;
    std::vector<float> wf_, bias_f_, slopes_pre_, slopes_post_, mult_;
    std::vector<int8_t> wq_;
    std::vector<int16_t> wdw_;
    std::vector<int32_t> bias_i_;
    std::vector<uint8_t> table_pre_, table_post_;
    float conv_scale_ = 0, pre_scale_ = 0, add_scale_ = 0;
    int conv_zp_ = 0, pre_zp_ = 0, add_zp_ = 0;
    QAddParams qadd_;
};

// ---------------------------------------------------------------------------------------------
// POOL

class PoolLayer : public Layer {
public:
    PoolLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (op.params.size() != 9) bad(index, op, "expected 9 parameters");
        kind_ = op.iparam(0), kh_ = op.iparam(1), kw_ = op.iparam(2), sh_ = op.iparam(3), sw_ = op.iparam(4);
        pt_ = op.iparam(5), pl_ = op.iparam(6), pb_ = op.iparam(7), pr_ = op.iparam(8);
        if (kind_ != 0 && kind_ != 1) bad(index, op, "unknown pool kind");
        check_nhwc(index, op, x, "input");
        check_nhwc(index, op, y, "output");
        if (kh_ < 1 || kw_ < 1 || sh_ < 1 || sw_ < 1 || kh_ > 4096 || kw_ > 4096 || sh_ > 4096 || sw_ > 4096 ||
            kh_ * kw_ > (1 << 22)) {
            bad(index, op, "bad kernel or stride");  // (bounded so that uint8 sums fit 32 bits)
        }
        for (int v : {pt_, pl_, pb_, pr_}) {
            if (v < 0 || v >= std::min(kh_, kw_)) bad(index, op, "bad padding");
        }
        h_ = x->dim(1), w_ = x->dim(2), c_ = x->dim(3), oh_ = y->dim(1), ow_ = y->dim(2);
        const long eh = static_cast<long>(h_) + pt_ + pb_ - kh_, ew = static_cast<long>(w_) + pl_ + pr_ - kw_;
        if (eh < 0 || ew < 0 || oh_ != eh / sh_ + 1 || ow_ != ew / sw_ + 1 || y->dim(3) != c_) {
            bad(index, op, "output shape does not follow from the input");
        }
        if (x->desc.dtype != y->desc.dtype) bad(index, op, "input and output types differ");
        if (kind_ == 0 && is_u8(x) && (x->desc.scale != y->desc.scale || x->desc.zero_point != y->desc.zero_point)) {
            bad(index, op, "uint8 max pooling must keep the quantisation");
        }
        if (is_u8(x)) {
            mult_ = x->desc.scale / y->desc.scale / static_cast<float>(kh_ * kw_);
        }
        in = {x};
        out = {y};
        code = op.code;
    }

    size_t scratch_bytes() const override { return kind_ == 1 ? static_cast<size_t>(c_) * sizeof(int64_t) * 2 : 0; }

    void run(const Kernels& k, uint8_t* scratch) override {
        const bool u8 = is_u8(in[0]);
        const bool padded = pt_ + pl_ + pb_ + pr_ > 0;
        if (kind_ == 0 && !padded) {
            for (int oy = 0; oy < oh_; ++oy) {
                const std::ptrdiff_t src = static_cast<std::ptrdiff_t>(oy) * sh_ * w_ * c_;
                const std::ptrdiff_t dst = static_cast<std::ptrdiff_t>(oy) * ow_ * c_;
                if (u8) {
                    k.maxpool_row_u8(in[0]->u8() + src, w_, c_, kh_, kw_, sw_, ow_, out[0]->u8() + dst);
                } else {
                    k.maxpool_row_f32(in[0]->f32() + src, w_, c_, kh_, kw_, sw_, ow_, out[0]->f32() + dst);
                }
            }
            return;
        }
        if (kind_ == 1 && !padded && kh_ == h_ && kw_ == w_) {  // global average: one pass over the pixels
            global_average(scratch);
            return;
        }
        // Padded max pooling and average pooling (padding counts as zero: count_include_pad).
        double* fsum = reinterpret_cast<double*>(scratch);
        int64_t* isum = reinterpret_cast<int64_t*>(scratch);
        const int zp = in[0]->desc.zero_point;
        for (int oy = 0; oy < oh_; ++oy) {
            for (int ox = 0; ox < ow_; ++ox) {
                const std::ptrdiff_t o = (static_cast<std::ptrdiff_t>(oy) * ow_ + ox) * c_;
                if (kind_ == 1) {
                    if (u8) {
                        std::fill(isum, isum + c_, int64_t{0});
                    } else {
                        std::fill(fsum, fsum + c_, 0.0);
                    }
                }
                bool any = false;
                for (int ky = 0; ky < kh_; ++ky) {
                    const int iy = oy * sh_ - pt_ + ky;
                    if (iy < 0 || iy >= h_) continue;
                    for (int kx = 0; kx < kw_; ++kx) {
                        const int ix = ox * sw_ - pl_ + kx;
                        if (ix < 0 || ix >= w_) continue;
                        const std::ptrdiff_t i = (static_cast<std::ptrdiff_t>(iy) * w_ + ix) * c_;
                        for (int ch = 0; ch < c_; ++ch) {
                            if (kind_ == 1) {
                                if (u8) {
                                    isum[ch] += in[0]->u8()[i + ch] - zp;
                                } else {
                                    fsum[ch] += in[0]->f32()[i + ch];
                                }
                            } else if (u8) {
                                uint8_t& d = out[0]->u8()[o + ch];
                                d = any ? std::max(d, in[0]->u8()[i + ch]) : in[0]->u8()[i + ch];
                            } else {
                                float& d = out[0]->f32()[o + ch];
                                d = any ? std::max(d, in[0]->f32()[i + ch]) : in[0]->f32()[i + ch];
                            }
                        }
                        any = true;
                    }
                }
                if (kind_ == 1) {
                    for (int ch = 0; ch < c_; ++ch) {
                        if (u8) {
                            out[0]->u8()[o + ch] = requantize(static_cast<int32_t>(isum[ch]), mult_, out[0]->desc.zero_point);
                        } else {
                            out[0]->f32()[o + ch] = static_cast<float>(fsum[ch] / (kh_ * kw_));
                        }
                    }
                }
            }
        }
    }

private:
    void global_average(uint8_t* scratch) const {
        const size_t pixels = static_cast<size_t>(h_) * w_;
        if (is_u8(in[0])) {
            int32_t* sum = reinterpret_cast<int32_t*>(scratch);
            std::fill(sum, sum + c_, 0);
            const uint8_t* x = in[0]->u8();
            for (size_t p = 0; p < pixels; ++p) {
                const uint8_t* row = x + p * c_;
                for (int ch = 0; ch < c_; ++ch) sum[ch] += row[ch];
            }
            const int32_t zsum = in[0]->desc.zero_point * static_cast<int32_t>(pixels);
            for (int ch = 0; ch < c_; ++ch) out[0]->u8()[ch] = requantize(sum[ch] - zsum, mult_, out[0]->desc.zero_point);
            return;
        }
        double* sum = reinterpret_cast<double*>(scratch);
        std::fill(sum, sum + c_, 0.0);
        const float* x = in[0]->f32();
        for (size_t p = 0; p < pixels; ++p) {
            const float* row = x + p * c_;
            for (int ch = 0; ch < c_; ++ch) sum[ch] += row[ch];
        }
        for (int ch = 0; ch < c_; ++ch) out[0]->f32()[ch] = static_cast<float>(sum[ch] / static_cast<double>(pixels));
    }

    int kind_, kh_, kw_, sh_, sw_, pt_, pl_, pb_, pr_;
    int h_ = 0, w_ = 0, c_ = 0, oh_ = 0, ow_ = 0;
    float mult_ = 0.0f;
};

// ---------------------------------------------------------------------------------------------
// BINARY, UNARY, QUANTIZE, DEQUANTIZE

class BinaryLayer : public Layer {
public:
    BinaryLayer(const OpDesc& op, int index, Tensor* a, Tensor* b, Tensor* y) {
        if (op.params.size() != 2) bad(index, op, "expected 2 parameters");
        kind_ = op.iparam(0), act_ = op.iparam(1);
        if (kind_ != 0 && kind_ != 1) bad(index, op, "unknown binary kind");
        if (act_ != kActNone && act_ != kActRelu) bad(index, op, "bad activation");
        if (a->desc.elements != y->desc.elements || a->desc.rank != y->desc.rank) bad(index, op, "shape mismatch");
        for (int d = 0; d < a->desc.rank; ++d) {
            if (a->dim(d) != y->dim(d)) bad(index, op, "shape mismatch");
        }
        const int last = a->dim(a->desc.rank - 1);
        n_ = a->desc.elements;
        if (b->desc.elements == n_) {
            bcast_ = 0;
        } else if (b->desc.elements == static_cast<size_t>(last)) {
            bcast_ = last;
        } else if (b->desc.elements == 1) {
            bcast_ = 1;
        } else {
            bad(index, op, "unsupported broadcast of " + b->desc.shape_string() + " onto " + a->desc.shape_string());
        }
        if (a->desc.dtype != b->desc.dtype || a->desc.dtype != y->desc.dtype) bad(index, op, "operand types differ");
        if (is_u8(a)) {
            qadd_ = qadd_params(a->desc.scale, a->desc.zero_point, b->desc.scale, b->desc.zero_point, y->desc.scale,
                                y->desc.zero_point);
            mul_ = a->desc.scale * b->desc.scale / y->desc.scale;
        }
        in = {a, b};
        out = {y};
        code = op.code;
    }

    void run(const Kernels& k, uint8_t*) override {
        const size_t inner = bcast_ == 0 ? n_ : static_cast<size_t>(bcast_);
        const size_t outer = bcast_ == 0 ? 1 : n_ / inner;
        if (is_u8(in[0])) {
            const uint8_t* a = in[0]->u8();
            const uint8_t* b = in[1]->u8();
            uint8_t* y = out[0]->u8();
            const int za = in[0]->desc.zero_point, zb = in[1]->desc.zero_point, zy = out[0]->desc.zero_point;
            if (kind_ == 1 && bcast_ != 1) {
                QMulParams p;
                p.za = za, p.zb = zb, p.zy = zy, p.mul = mul_;
                k.qmul(a, b, y, static_cast<int>(outer), static_cast<int>(inner), bcast_ == 0 ? static_cast<int>(inner) : 0, p);
            } else {
                for (size_t o = 0; o < outer; ++o) {
                    const uint8_t* ar = a + o * inner;
                    uint8_t* yr = y + o * inner;
                    if (kind_ == 0 && bcast_ != 1) {
                        k.qadd(ar, b, yr, inner, qadd_);
                        continue;
                    }
                    for (size_t i = 0; i < inner; ++i) {
                        const int bv = b[bcast_ == 1 ? 0 : i];
                        if (kind_ == 0) {
                            yr[i] = qadd_one(ar[i], bv, qadd_);
                        } else {
                            const float v = static_cast<float>(ar[i] - za) * static_cast<float>(bv - zb);
                            yr[i] = requantize_float(v * mul_, zy);
                        }
                    }
                }
            }
            if (act_ == kActRelu) {
                for (size_t i = 0; i < n_; ++i) y[i] = std::max<uint8_t>(y[i], static_cast<uint8_t>(zy));
            }
            return;
        }
        float* y = out[0]->f32();
        if (bcast_ == 1) {
            const float* a = in[0]->f32();
            const float bv = in[1]->f32()[0];
            for (size_t i = 0; i < n_; ++i) y[i] = kind_ == 0 ? a[i] + bv : a[i] * bv;
        } else {
            k.binary_f32(in[0]->f32(), in[1]->f32(), y, static_cast<int>(outer), static_cast<int>(inner),
                         bcast_ == 0 ? static_cast<int>(inner) : 0, kind_);
        }
        if (act_ == kActRelu) {
            EpilogueF32 ep;
            ep.act_pre = kActRelu;
            k.epilogue(y, 1, static_cast<int>(n_), ep);
        }
    }

private:
    int kind_, act_;
    size_t n_ = 0;
    int bcast_ = 0;  // 0: same shape, 1: one value, else the channel count
    QAddParams qadd_;
    float mul_ = 0.0f;
};

class UnaryLayer : public Layer {
public:
    UnaryLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (op.params.size() != 1) bad(index, op, "expected 1 parameter");
        act_ = op.iparam(0);
        if (x->desc.elements != y->desc.elements || x->desc.dtype != y->desc.dtype) bad(index, op, "shape mismatch");
        c_ = x->dim(x->desc.rank - 1);
        WeightReader wr{op, index};
        if (is_f32(x)) {
            if (act_ < kActRelu || act_ > kActSigmoid) bad(index, op, "bad float activation");
            if (act_ == kActPrelu) {
                if (op.weights.size() != 1) bad(index, op, "missing slopes");
                const size_t n = op.weights[0].count;
                if (n != 1 && n != static_cast<size_t>(c_)) bad(index, op, "slope count");
                slopes_ = wr.f32(0, n, "slopes");
                if (n == 1) slopes_.assign(static_cast<size_t>(c_), slopes_[0]);
            } else if (!op.weights.empty()) {
                bad(index, op, "unexpected weights");
            }
        } else {
            if (act_ == kActLut) {
                table_ = wr.u8(0, "table");
                if (table_.size() != 256 && table_.size() != static_cast<size_t>(c_) * 256) bad(index, op, "table size");
            } else if (act_ == kActPrelu) {
                table_ = prelu_tables(wr.f32(0, static_cast<size_t>(c_), "slopes"), x->desc.scale, x->desc.zero_point,
                                      y->desc.scale, y->desc.zero_point);
            } else {
                bad(index, op, "bad uint8 activation");
            }
            if (op.weights.size() != 1) bad(index, op, "unexpected weights");
        }
        in = {x};
        out = {y};
        code = op.code;
    }

    void run(const Kernels& k, uint8_t*) override {
        const int pixels = static_cast<int>(in[0]->desc.elements / static_cast<size_t>(c_));
        if (is_u8(in[0])) {
            if (out[0]->data != in[0]->data) std::memcpy(out[0]->data, in[0]->data, in[0]->desc.elements);
            apply_table(out[0]->u8(), pixels, c_, table_);
            return;
        }
        if (out[0]->data != in[0]->data) std::memcpy(out[0]->data, in[0]->data, in[0]->desc.bytes());
        EpilogueF32 ep;
        ep.act_pre = act_;
        ep.slopes_pre = slopes_.empty() ? nullptr : slopes_.data();
        if (act_ == kActPrelu) {
            k.epilogue(out[0]->f32(), pixels, c_, ep);
        } else {  // no per-channel parameters: one flat row
            k.epilogue(out[0]->f32(), 1, static_cast<int>(in[0]->desc.elements), ep);
        }
    }

private:
    int act_;
    int c_ = 1;
    std::vector<float> slopes_;
    std::vector<uint8_t> table_;
};

class QuantLayer : public Layer {
public:
    QuantLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (!op.params.empty()) bad(index, op, "unexpected parameters");
        if (x->desc.elements != y->desc.elements) bad(index, op, "shape mismatch");
        const bool q = op.code == OpCode::Quantize;
        if (q ? !(is_f32(x) && is_u8(y)) : !(is_u8(x) && is_f32(y))) bad(index, op, "wrong types");
        in = {x};
        out = {y};
        code = op.code;
    }
    void run(const Kernels& k, uint8_t*) override {
        if (code == OpCode::Quantize) {
            k.quantize(in[0]->f32(), out[0]->u8(), in[0]->desc.elements, out[0]->desc.scale, out[0]->desc.zero_point);
        } else {
            k.dequantize(in[0]->u8(), out[0]->f32(), in[0]->desc.elements, in[0]->desc.scale, in[0]->desc.zero_point);
        }
    }
};

// ---------------------------------------------------------------------------------------------
// PAD, RESIZE, DECONV, DEPTH2SPACE, CONCAT, TRANSPOSE, RESHAPE

bool same_quant(const Tensor* a, const Tensor* b) {
    return a->desc.dtype == b->desc.dtype &&
           (a->desc.dtype == DType::F32 || (a->desc.scale == b->desc.scale && a->desc.zero_point == b->desc.zero_point));
}

class PadLayer : public Layer {
public:
    PadLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (op.params.size() != 7) bad(index, op, "expected 7 parameters");
        for (int i = 0; i < 6; ++i) {
            p_[i] = op.iparam(static_cast<size_t>(i));
            if (p_[i] < 0 || p_[i] > 4096) bad(index, op, "bad padding");
        }
        value_ = op.fparam(6);
        check_nhwc(index, op, x, "input");
        check_nhwc(index, op, y, "output");
        if (y->dim(1) != int64_t{x->dim(1)} + p_[0] + p_[1] || y->dim(2) != int64_t{x->dim(2)} + p_[2] + p_[3] ||
            y->dim(3) != int64_t{x->dim(3)} + p_[4] + p_[5]) {
            bad(index, op, "output shape does not follow from the input");
        }
        if (!same_quant(x, y)) bad(index, op, "padding must keep the type and quantisation");
        in = {x};
        out = {y};
        code = op.code;
    }
    void run(const Kernels&, uint8_t*) override {
        const Tensor* x = in[0];
        const Tensor* y = out[0];
        const size_t es = x->desc.element_size();
        const int h = x->dim(1), w = x->dim(2), c = x->dim(3), ow = y->dim(2), oc = y->dim(3);
        // fill: the value (float) or the zero point (uint8: the quantised zero)
        if (is_u8(x)) {
            std::memset(y->data, x->desc.zero_point, y->desc.bytes());
        } else {
            std::fill(y->f32(), y->f32() + y->desc.elements, value_);
        }
        for (int iy = 0; iy < h; ++iy) {
            for (int ix = 0; ix < w; ++ix) {
                const uint8_t* s = x->data + ((static_cast<size_t>(iy) * w + ix) * c) * es;
                uint8_t* d = y->data + (((static_cast<size_t>(iy) + p_[0]) * ow + ix + p_[2]) * oc + p_[4]) * es;
                std::memcpy(d, s, static_cast<size_t>(c) * es);
            }
        }
    }

private:
    int p_[6] = {0, 0, 0, 0, 0, 0};
    float value_ = 0.0f;
};

class ResizeLayer : public Layer {
public:
    ResizeLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (op.params.size() != 3) bad(index, op, "expected 3 parameters");
        const int mode = op.iparam(0);
        const float scale_h = op.fparam(1), scale_w = op.fparam(2);
        if (mode < 0 || mode > 2) bad(index, op, "unknown coordinate mode");
        if (!finite_positive(scale_h) || !finite_positive(scale_w)) bad(index, op, "bad scales");
        check_nhwc(index, op, x, "input");
        check_nhwc(index, op, y, "output");
        if (x->dim(3) != y->dim(3) || !same_quant(x, y)) bad(index, op, "resizing must keep channels and type");
        taps(mode, scale_h, y->dim(1), x->dim(1), ty_);
        taps(mode, scale_w, y->dim(2), x->dim(2), tx_);
        in = {x};
        out = {y};
        code = op.code;
    }

    size_t scratch_bytes() const override {
        const size_t in_row = static_cast<size_t>(in[0]->dim(2)) * in[0]->dim(3);
        const size_t out_row = static_cast<size_t>(out[0]->dim(2)) * out[0]->dim(3);
        return (2 * in_row + out_row) * sizeof(float);
    }

    void run(const Kernels& k, uint8_t* scratch) override {
        const Tensor* x = in[0];
        const int w = x->dim(2), c = x->dim(3), oh = out[0]->dim(1), ow = out[0]->dim(2);
        const bool u8 = is_u8(x);
        const float s = x->desc.scale;
        const int zp = x->desc.zero_point;
        const size_t row_len = static_cast<size_t>(w) * c;
        float* rows[2] = {reinterpret_cast<float*>(scratch), reinterpret_cast<float*>(scratch) + row_len};
        float* blended = rows[1] + row_len;  // uint8: one output row before quantisation
        int cached[2] = {-1, -1};
        // a dequantized source row (uint8: as onnxruntime runs DQ -> Resize -> Q); consecutive output
        // rows mostly share theirs. `keep` is the other row of the pair, which must not be evicted.
        auto fetch = [&](int iy, int keep) -> const float* {
            if (!u8) return x->f32() + static_cast<size_t>(iy) * row_len;
            for (int slot = 0; slot < 2; ++slot) {
                if (cached[slot] == iy) return rows[slot];
            }
            const int slot = cached[0] == keep ? 1 : 0;
            k.dequantize(x->u8() + static_cast<size_t>(iy) * row_len, rows[slot], row_len, s, zp);
            cached[slot] = iy;
            return rows[slot];
        };
        for (int oy = 0; oy < oh; ++oy) {
            const Tap& ty = ty_[static_cast<size_t>(oy)];
            const float* src[2];
            src[0] = fetch(ty.i0, ty.i1);
            src[1] = fetch(ty.i1, ty.i0);
            float* dst = u8 ? blended : out[0]->f32() + static_cast<size_t>(oy) * ow * c;
            blend_row(src[0], src[1], tx_.data(), ty.w0, ty.w1, ow, c, dst);
            if (u8) k.quantize(blended, out[0]->u8() + static_cast<size_t>(oy) * ow * c, static_cast<size_t>(ow) * c, s, zp);
        }
    }

private:
    struct Tap {
        int i0, i1;
        float w0, w1;
    };

    // One output row: ((w00 a + w01 b) + w10 c) + w11 d per channel, onnxruntime's order, no fused
    // multiply-add (wYX = wy * wx).
    static void blend_row(const float* r0, const float* r1, const Tap* tx, float wy0, float wy1, int ow, int c,
                          float* out);

    static void taps(int mode, float scale, int out_size, int in_size, std::vector<Tap>& t) {
        t.resize(static_cast<size_t>(out_size));
        for (int o = 0; o < out_size; ++o) {
            float s;
            if (mode == 0) {
                s = (static_cast<float>(o) + 0.5f) / scale - 0.5f;
            } else if (mode == 1) {
                s = out_size > 1 ? static_cast<float>(o) * (static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1))
                                 : 0.0f;
            } else {
                s = static_cast<float>(o) / scale;
            }
            s = std::min(std::max(s, 0.0f), static_cast<float>(in_size - 1));
            Tap& tp = t[static_cast<size_t>(o)];
            tp.i0 = std::min(static_cast<int>(s), in_size - 1);
            tp.i1 = std::min(tp.i0 + 1, in_size - 1);
            tp.w1 = std::fabs(s - static_cast<float>(tp.i0));
            tp.w0 = std::fabs(s - static_cast<float>(tp.i1));
            if (tp.i0 == tp.i1) tp.w0 = tp.w1 = 0.5f;
        }
    }

    std::vector<Tap> ty_, tx_;
};

class DeconvLayer : public Layer {
public:
    DeconvLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (op.params.size() != 8) bad(index, op, "expected 8 parameters");
        kh_ = op.iparam(0), kw_ = op.iparam(1), sh_ = op.iparam(2), sw_ = op.iparam(3);
        pt_ = op.iparam(4), pl_ = op.iparam(5);
        const int pb = op.iparam(6), pr = op.iparam(7);
        for (int v : {kh_, kw_, sh_, sw_}) {
            if (v < 1 || v > 64) bad(index, op, "kernel and stride must be in 1..64");
        }
        for (int v : {pt_, pl_, pb, pr}) {
            if (v < 0 || v > 64) bad(index, op, "bad padding");
        }
        check_nhwc(index, op, x, "input");
        check_nhwc(index, op, y, "output");
        if (!is_f32(x) || !is_f32(y)) bad(index, op, "only float transposed convolutions");
        cin_ = x->dim(3), cout_ = y->dim(3);
        if (int64_t{kh_} * kw_ * cout_ > (int64_t{1} << 24) || int64_t{kh_} * kw_ * cout_ * cin_ > (int64_t{1} << 28)) {
            bad(index, op, "too many weights");
        }
        if (y->dim(1) != (int64_t{x->dim(1)} - 1) * sh_ + kh_ - pt_ - pb ||
            y->dim(2) != (int64_t{x->dim(2)} - 1) * sw_ + kw_ - pl_ - pr) {
            bad(index, op, "output shape does not follow from the input");
        }
        WeightReader wr{op, index};
        n_ = kh_ * kw_ * cout_;
        const std::vector<float> wts = wr.f32(0, static_cast<size_t>(cin_) * n_, "weights");  // [Cin][kh][kw][Cout]
        bias_ = wr.f32(1, static_cast<size_t>(cout_), "bias");
        if (op.weights.size() != 2) bad(index, op, "unexpected weights");
        const int panels = (n_ + kPanel - 1) / kPanel;
        packed_.assign(static_cast<size_t>(panels) * cin_ * kPanel, 0.0f);
        for (int j = 0; j < n_; ++j) {
            for (int ci = 0; ci < cin_; ++ci) {
                packed_[(static_cast<size_t>(j / kPanel) * cin_ + ci) * kPanel + j % kPanel] = wts[static_cast<size_t>(ci) * n_ + j];
            }
        }
        zeros_.assign(round_up(static_cast<size_t>(n_), kPanel), 0.0f);
        tiles_ = sh_ == kh_ && sw_ == kw_ && pt_ == 0 && pl_ == 0 && pb == 0 && pr == 0;
        tile_bias_ = zeros_;
        for (int j = 0; j < n_; ++j) tile_bias_[static_cast<size_t>(j)] = bias_[static_cast<size_t>(j % cout_)];
        weight_bytes = packed_.size() * 4;
        in = {x};
        out = {y};
        code = op.code;
    }

    size_t scratch_bytes() const override { return static_cast<size_t>(kChunk) * n_ * sizeof(float); }

    // Each input pixel's kh x kw x Cout contribution is one GEMM row; they are then added in place.
    void run(const Kernels& k, uint8_t* scratch) override {
        const int h = in[0]->dim(1), w = in[0]->dim(2), oh = out[0]->dim(1), ow = out[0]->dim(2);
        float* y = out[0]->f32();
        if (tiles_) {
            for (int iy = 0; iy < h; ++iy) tile_row(k, iy, scratch);
            return;
        }
        if (cout_ == 1) {
            std::fill(y, y + out[0]->desc.elements, bias_[0]);
        } else {
            for (size_t p = 0; p < out[0]->desc.elements; p += static_cast<size_t>(cout_)) {
                std::memcpy(y + p, bias_.data(), sizeof(float) * static_cast<size_t>(cout_));
            }
        }
        float* cols = reinterpret_cast<float*>(scratch);
        const int pixels = h * w;
        for (int p0 = 0; p0 < pixels; p0 += kChunk) {
            const int m = std::min(kChunk, pixels - p0);
            k.sgemm(m, n_, cin_, in[0]->f32() + static_cast<std::ptrdiff_t>(p0) * cin_, cin_, packed_.data(),
                    zeros_.data(), cols, n_, EpilogueF32());
            for (int i = 0; i < m; ++i) {
                const int iy = (p0 + i) / w, ix = (p0 + i) % w;
                const float* src = cols + static_cast<std::ptrdiff_t>(i) * n_;
                for (int ky = 0; ky < kh_; ++ky) {
                    const int oy = iy * sh_ - pt_ + ky;
                    if (oy < 0 || oy >= oh) continue;
                    for (int kx = 0; kx < kw_; ++kx) {
                        const int ox = ix * sw_ - pl_ + kx;
                        if (ox < 0 || ox >= ow) continue;
                        float* d = y + (static_cast<std::ptrdiff_t>(oy) * ow + ox) * cout_;
                        const float* s = src + (ky * kw_ + kx) * cout_;
                        for (int co = 0; co < cout_; ++co) d[co] += s[co];
                    }
                }
            }
        }
    }

    // Tiles split by input row (each writes its own kh output rows); overlapping kernels add into
    // shared outputs and stay on one thread.
    void run_exec(const Kernels& k, const Exec& ex) override {
        const int h = in[0]->dim(1);
        if (!tiles_ || ex.workers() < 2 || h < 2 || int64_t{h} * in[0]->dim(2) * n_ * cin_ < kMinSplitMacs) {
            run(k, ex.scratch[0]);
            return;
        }
        auto task = [&](int iy, int worker) { tile_row(k, iy, ex.scratch[worker]); };
        ex.pool->parallel_for(h, task);
    }

private:
    // stride == kernel, no padding: every output pixel comes from one input pixel
    void tile_row(const Kernels& k, int iy, uint8_t* scratch) const {
        const int w = in[0]->dim(2), ow = out[0]->dim(2);
        float* y = out[0]->f32();
        float* cols = reinterpret_cast<float*>(scratch);
        const int span = kw_ * cout_;
        for (int x0 = 0; x0 < w; x0 += kChunk) {
            const int m = std::min(kChunk, w - x0);
            k.sgemm(m, n_, cin_, in[0]->f32() + (static_cast<std::ptrdiff_t>(iy) * w + x0) * cin_, cin_, packed_.data(),
                    tile_bias_.data(), cols, n_, EpilogueF32());
            for (int ky = 0; ky < kh_; ++ky) {
                float* d = y + ((static_cast<std::ptrdiff_t>(iy) * kh_ + ky) * ow + static_cast<std::ptrdiff_t>(x0) * kw_) * cout_;
                for (int i = 0; i < m; ++i) {
                    const float* src = cols + static_cast<std::ptrdiff_t>(i) * n_ + ky * span;
                    for (int q = 0; q < span; ++q) d[static_cast<std::ptrdiff_t>(i) * span + q] = src[q];
                }
            }
        }
    }

    int kh_, kw_, sh_, sw_, pt_, pl_;
    int cin_ = 0, cout_ = 0, n_ = 0;
    bool tiles_ = false;
    std::vector<float> packed_, bias_, zeros_, tile_bias_;
};

class DepthToSpaceLayer : public Layer {
public:
    DepthToSpaceLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (op.params.size() != 2) bad(index, op, "expected 2 parameters");
        b_ = op.iparam(0), crd_ = op.iparam(1) == 1;
        if (b_ < 1 || b_ > 64 || op.iparam(1) < 0 || op.iparam(1) > 1) bad(index, op, "bad block size or mode");
        check_nhwc(index, op, x, "input");
        check_nhwc(index, op, y, "output");
        if (x->dim(3) % (b_ * b_) != 0 || y->dim(3) != x->dim(3) / (b_ * b_) || y->dim(1) != int64_t{x->dim(1)} * b_ ||
            y->dim(2) != int64_t{x->dim(2)} * b_ || !same_quant(x, y)) {
            bad(index, op, "shapes do not match the block size");
        }
        in = {x};
        out = {y};
        code = op.code;
    }
    void run(const Kernels&, uint8_t*) override {
        const size_t es = in[0]->desc.element_size();
        const int h = in[0]->dim(1), w = in[0]->dim(2), c = in[0]->dim(3), oc = out[0]->dim(3), ow = out[0]->dim(2);
        for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
                const uint8_t* s = in[0]->data + (static_cast<size_t>(y) * w + x) * c * es;
                for (int i = 0; i < b_; ++i) {
                    for (int j = 0; j < b_; ++j) {
                        uint8_t* d = out[0]->data + ((static_cast<size_t>(y) * b_ + i) * ow + x * b_ + j) * oc * es;
                        if (!crd_) {
                            std::memcpy(d, s + static_cast<size_t>((i * b_ + j) * oc) * es, static_cast<size_t>(oc) * es);
                        } else {
                            for (int ch = 0; ch < oc; ++ch) {
                                std::memcpy(d + ch * es, s + static_cast<size_t>(ch * b_ * b_ + i * b_ + j) * es, es);
                            }
                        }
                    }
                }
            }
        }
    }

private:
    int b_ = 1;
    bool crd_ = false;
};

class ConcatLayer : public Layer {
public:
    ConcatLayer(const OpDesc& op, int index, std::vector<Tensor*> xs, Tensor* y) {
        if (op.params.size() != 1) bad(index, op, "expected 1 parameter");
        axis_ = op.iparam(0);
        const int rank = y->desc.rank;
        if (axis_ < 0 || axis_ >= rank) bad(index, op, "bad axis");
        int64_t total = 0;
        for (const Tensor* x : xs) {
            if (x->desc.rank != rank || !same_quant(x, y)) bad(index, op, "inputs must match the output's rank and type");
            for (int d = 0; d < rank; ++d) {
                if (d != axis_ && x->dim(d) != y->dim(d)) bad(index, op, "inputs differ outside the axis");
            }
            total += x->dim(axis_);
        }
        if (total != y->dim(axis_)) bad(index, op, "output size along the axis");
        in = std::move(xs);
        out = {y};
        code = op.code;
    }
    void run(const Kernels&, uint8_t*) override {
        const Tensor* y = out[0];
        const size_t es = y->desc.element_size();
        size_t outer = 1, inner = es;
        for (int d = 0; d < axis_; ++d) outer *= static_cast<size_t>(y->dim(d));
        for (int d = axis_ + 1; d < y->desc.rank; ++d) inner *= static_cast<size_t>(y->dim(d));
        const size_t row = inner * static_cast<size_t>(y->dim(axis_));
        size_t at = 0;
        for (const Tensor* x : in) {
            const size_t chunk = inner * static_cast<size_t>(x->dim(axis_));
            for (size_t o = 0; o < outer; ++o) std::memcpy(y->data + o * row + at, x->data + o * chunk, chunk);
            at += chunk;
        }
    }

private:
    int axis_ = 0;
};

class TransposeLayer : public Layer {
public:
    TransposeLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        rank_ = x->desc.rank;
        if (static_cast<int>(op.params.size()) != rank_ || y->desc.rank != rank_) bad(index, op, "permutation rank");
        bool seen[kMaxRank] = {false, false, false, false, false, false};
        for (int d = 0; d < rank_; ++d) {
            perm_[d] = op.iparam(static_cast<size_t>(d));
            if (perm_[d] < 0 || perm_[d] >= rank_ || seen[perm_[d]]) bad(index, op, "bad permutation");
            seen[perm_[d]] = true;
            if (y->dim(d) != x->dim(perm_[d])) bad(index, op, "output shape does not follow the permutation");
        }
        if (!same_quant(x, y)) bad(index, op, "type mismatch");
        in = {x};
        out = {y};
        code = op.code;
    }
    void run(const Kernels&, uint8_t*) override {
        const Tensor* x = in[0];
        const size_t es = x->desc.element_size();
        size_t in_stride[kMaxRank];
        size_t s = 1;
        for (int d = rank_ - 1; d >= 0; --d) {
            in_stride[d] = s;
            s *= static_cast<size_t>(x->dim(d));
        }
        int idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
        const size_t n = x->desc.elements;
        for (size_t o = 0; o < n; ++o) {
            size_t src = 0;
            for (int d = 0; d < rank_; ++d) src += static_cast<size_t>(idx[d]) * in_stride[perm_[d]];
            std::memcpy(out[0]->data + o * es, x->data + src * es, es);
            for (int d = rank_ - 1; d >= 0; --d) {
                if (++idx[d] < out[0]->dim(d)) break;
                idx[d] = 0;
            }
        }
    }

private:
    int rank_ = 0;
    int perm_[kMaxRank] = {0, 1, 2, 3, 4, 5};
};

class ReshapeLayer : public Layer {
public:
    ReshapeLayer(const OpDesc& op, int index, Tensor* x, Tensor* y) {
        if (!op.params.empty()) bad(index, op, "unexpected parameters");
        if (x->desc.elements != y->desc.elements || !same_quant(x, y)) bad(index, op, "a reshape must keep size and type");
        in = {x};
        out = {y};
        code = op.code;
    }
    bool is_alias() const override { return true; }
    void run(const Kernels&, uint8_t*) override {}
};

}  // namespace

MEIYAN_NO_CONTRACT void ResizeLayer::blend_row(const float* r0, const float* r1, const Tap* tx, float wy0, float wy1,
                                                int ow, int c, float* out) {
    for (int ox = 0; ox < ow; ++ox) {
        const Tap& t = tx[ox];
        const float w00 = t.w0 * wy0, w01 = t.w1 * wy0, w10 = t.w0 * wy1, w11 = t.w1 * wy1;
        const float* a = r0 + static_cast<size_t>(t.i0) * c;
        const float* b = r0 + static_cast<size_t>(t.i1) * c;
        const float* cc = r1 + static_cast<size_t>(t.i0) * c;
        const float* d = r1 + static_cast<size_t>(t.i1) * c;
        float* o = out + static_cast<size_t>(ox) * c;
        for (int ch = 0; ch < c; ++ch) o[ch] = ((w00 * a[ch] + w01 * b[ch]) + w10 * cc[ch]) + w11 * d[ch];
    }
}

std::string Layer::describe() const {
    std::string s = op_name(code);
    s += std::string(" ") + (out.empty() || out[0]->desc.dtype == DType::F32 ? "f32 " : "u8 ");
    if (!out.empty()) s += out[0]->desc.shape_string();
    return s;
}

std::vector<uint8_t> prelu_tables(const std::vector<float>& slopes, float s_in, int z_in, float s_out, int z_out) {
    std::vector<uint8_t> t(slopes.size() * 256);
    for (size_t c = 0; c < slopes.size(); ++c) {
        for (int q = 0; q < 256; ++q) {
            const float x = static_cast<float>(q - z_in) * s_in;
            const float y = x < 0.0f ? x * slopes[c] : x;
            t[c * 256 + static_cast<size_t>(q)] = quantize_one(y, s_out, z_out);
        }
    }
    return t;
}

std::unique_ptr<Layer> make_layer(const OpDesc& op, int index, std::vector<Tensor>& tensors) {
    std::vector<Tensor*> xs;
    for (int i : op.inputs) xs.push_back(&tensors[static_cast<size_t>(i)]);
    Tensor* y = &tensors[static_cast<size_t>(op.outputs[0])];
    auto need = [&](size_t n) {
        if (xs.size() != n) bad(index, op, "expected " + std::to_string(n) + " input(s)");
    };
    switch (op.code) {
        case OpCode::Conv: {
            auto l = std::make_unique<ConvLayer>(op, index);
            l->in = xs;
            l->out = {y};
            l->code = op.code;
            l->bind(op, index);
            return l;
        }
        case OpCode::Pool: need(1); return std::make_unique<PoolLayer>(op, index, xs[0], y);
        case OpCode::Binary: need(2); return std::make_unique<BinaryLayer>(op, index, xs[0], xs[1], y);
        case OpCode::Unary: need(1); return std::make_unique<UnaryLayer>(op, index, xs[0], y);
        case OpCode::Pad: need(1); return std::make_unique<PadLayer>(op, index, xs[0], y);
        case OpCode::Resize: need(1); return std::make_unique<ResizeLayer>(op, index, xs[0], y);
        case OpCode::Deconv: need(1); return std::make_unique<DeconvLayer>(op, index, xs[0], y);
        case OpCode::DepthToSpace: need(1); return std::make_unique<DepthToSpaceLayer>(op, index, xs[0], y);
        case OpCode::Concat: return std::make_unique<ConcatLayer>(op, index, xs, y);
        case OpCode::Transpose: need(1); return std::make_unique<TransposeLayer>(op, index, xs[0], y);
        case OpCode::Reshape: need(1); return std::make_unique<ReshapeLayer>(op, index, xs[0], y);
        case OpCode::Quantize:
        case OpCode::Dequantize: need(1); return std::make_unique<QuantLayer>(op, index, xs[0], y);
    }
    bad(index, op, "unknown op");
}

}  // namespace nn
}  // namespace meiyan
