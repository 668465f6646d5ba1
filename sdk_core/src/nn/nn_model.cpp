// Model loading, graph checks, memory planning and the run loop.
#include "nn/nn_model.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>
#include <thread>

#include "core/error.h"
#include "nn/nn_format.h"
#include "nn/nn_kernels.h"
#include "nn/nn_layers.h"

namespace meiyan {
namespace nn {

namespace {

constexpr size_t kAlign = 64;
// Bounds the planned memory: far above any model meant for a phone (the largest shipped one plans
// about 3 MB), far below trouble.
constexpr size_t kMaxArena = size_t{1} << 29;

size_t align_up(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

[[noreturn]] void corrupt(const std::string& what) { fail(MEIYAN_ERROR_CORRUPT_DATA, "corrupt .mynn model: " + what); }

TensorInfo info_of(const TensorDesc& d) {
    TensorInfo t;
    t.name = d.name;
    t.shape.assign(d.dims, d.dims + d.rank);
    t.elements = d.elements;
    return t;
}

}  // namespace

struct Model::Impl {
    std::vector<Tensor> tensors;
    std::vector<int> input_ids, output_ids;
    std::unique_ptr<uint8_t[]> arena_mem;
    uint8_t* arena = nullptr;
    uint8_t* scratch = nullptr;
    size_t scratch_bytes = 0;                       // per worker
    std::unique_ptr<uint8_t[]> worker_scratch_mem;  // workers 1.. (worker 0 uses the arena's)
    std::vector<uint8_t*> worker_scratch;
    std::unique_ptr<ThreadPool> pool;
    std::vector<std::pair<std::string, std::string>> meta;
};

Model::Model() : impl_(std::make_unique<Impl>()) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::load_file(const std::string& path, const std::string& expected_name) {
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(MEIYAN_ERROR_IO, "cannot open model file '" + path + "'");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) fail(MEIYAN_ERROR_IO, "cannot read model file '" + path + "'");
    try {
        return load_memory(bytes.data(), bytes.size(), expected_name);
    } catch (const Error& e) {
        throw Error(e.code(), std::string(e.what()) + " (file '" + path + "')");
    }
}

std::unique_ptr<Model> Model::load_memory(const void* data, size_t size, const std::string& expected_name) {
    std::unique_ptr<Model> m(new Model());
    try {
        m->build(static_cast<const uint8_t*>(data), size, expected_name);
    } catch (const std::bad_alloc&) {
        fail(MEIYAN_ERROR_OUT_OF_MEMORY, "not enough memory to load the model");
    }
    return m;
}

void Model::build(const uint8_t* data, size_t size, const std::string& expected_name) {
    ModelDesc desc = parse_model(data, size);
    name_ = desc.meta_value("name");
    precision_ = desc.meta_value("precision");
    if (!expected_name.empty() && name_ != expected_name) {
        fail(MEIYAN_ERROR_CORRUPT_DATA, "wrong model: the file holds '" + name_ + "', expected '" + expected_name + "'");
    }
    Impl& im = *impl_;
    im.meta = desc.meta;
    im.tensors.resize(desc.tensors.size());
    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        im.tensors[i].desc = desc.tensors[i];
        im.tensors[i].root = static_cast<int>(i);
    }
    // Topology: each tensor is produced once, by an op that runs before its consumers.
    std::vector<char> defined(desc.tensors.size(), 0);
    for (int id : desc.inputs) {
        if (desc.tensors[static_cast<size_t>(id)].dtype != DType::F32) corrupt("graph inputs must be float");
        if (defined[static_cast<size_t>(id)]) corrupt("a graph input is listed twice");
        defined[static_cast<size_t>(id)] = 1;
    }
    for (size_t i = 0; i < desc.ops.size(); ++i) {
        const OpDesc& op = desc.ops[i];
        for (int id : op.inputs) {
            if (!defined[static_cast<size_t>(id)]) {
                corrupt("op " + std::to_string(i) + " reads tensor '" + desc.tensors[static_cast<size_t>(id)].name +
                        "' before it is computed");
            }
        }
        for (int id : op.outputs) {
            if (defined[static_cast<size_t>(id)]) corrupt("tensor '" + desc.tensors[static_cast<size_t>(id)].name + "' is written twice");
            defined[static_cast<size_t>(id)] = 1;
        }
        layers_.push_back(make_layer(op, static_cast<int>(i), im.tensors));
    }
    for (int id : desc.outputs) {
        if (!defined[static_cast<size_t>(id)]) corrupt("a graph output is never computed");
        if (desc.tensors[static_cast<size_t>(id)].dtype != DType::F32) corrupt("graph outputs must be float");
    }
    im.input_ids = desc.inputs;
    im.output_ids = desc.outputs;
    for (int id : desc.inputs) inputs_.push_back(info_of(desc.tensors[static_cast<size_t>(id)]));
    for (int id : desc.outputs) outputs_.push_back(info_of(desc.tensors[static_cast<size_t>(id)]));
    for (const auto& l : layers_) weight_bytes_ += l->weight_bytes;
    plan_memory();
}

void Model::plan_memory() {
    Impl& im = *impl_;
    std::vector<Tensor>& ts = im.tensors;
    const int n_ops = static_cast<int>(layers_.size());
    // aliases share their input's storage
    for (const auto& l : layers_) {
        if (l->is_alias()) l->out[0]->root = l->in[0]->root;
    }
    auto touch = [&](const Tensor* t, int at) {
        Tensor& r = ts[static_cast<size_t>(t->root)];
        r.first = std::min(r.first, at);
        r.last = std::max(r.last, at);
    };
    for (int id : im.input_ids) touch(&ts[static_cast<size_t>(id)], -1);
    for (int i = 0; i < n_ops; ++i) {
        for (const Tensor* t : layers_[static_cast<size_t>(i)]->in) touch(t, i);
        for (const Tensor* t : layers_[static_cast<size_t>(i)]->out) touch(t, i);
    }
    for (int id : im.output_ids) touch(&ts[static_cast<size_t>(id)], n_ops);

    // Greedy placement, largest first: each block goes to the lowest offset free for its lifetime.
    std::vector<int> roots;
    for (size_t i = 0; i < ts.size(); ++i) {
        if (ts[i].root == static_cast<int>(i) && ts[i].last >= ts[i].first) roots.push_back(static_cast<int>(i));
    }
    std::stable_sort(roots.begin(), roots.end(),
                     [&](int a, int b) { return ts[static_cast<size_t>(a)].desc.bytes() > ts[static_cast<size_t>(b)].desc.bytes(); });
    struct Placed {
        size_t offset, size;
        int first, last;
    };
    std::vector<Placed> placed;
    size_t total = 0;
    for (int r : roots) {
        Tensor& t = ts[static_cast<size_t>(r)];
        const size_t size = align_up(t.desc.bytes() + kTensorSlack);
        std::vector<Placed> live;
        for (const Placed& p : placed) {
            if (p.first <= t.last && t.first <= p.last) live.push_back(p);
        }
        std::sort(live.begin(), live.end(), [](const Placed& a, const Placed& b) { return a.offset < b.offset; });
        size_t offset = 0;
        for (const Placed& p : live) {
            if (offset + size <= p.offset) break;
            offset = std::max(offset, p.offset + p.size);
        }
        t.offset = offset;
        placed.push_back({offset, size, t.first, t.last});
        total = std::max(total, offset + size);
        if (total > kMaxArena) corrupt("the model needs more memory than allowed");
    }
    size_t scratch = 0;
    for (const auto& l : layers_) scratch = std::max(scratch, l->scratch_bytes());
    const size_t scratch_at = align_up(total);
    arena_size_ = scratch_at + align_up(scratch);
    if (arena_size_ > kMaxArena) corrupt("the model needs more memory than allowed");
    // Zeroed once: the few bytes kernels may read past a row end are then always initialised.
    im.arena_mem.reset(new uint8_t[arena_size_ + kAlign]());
    const uintptr_t base = reinterpret_cast<uintptr_t>(im.arena_mem.get());
    im.arena = im.arena_mem.get() + (kAlign - base % kAlign) % kAlign;
    im.scratch = im.arena + scratch_at;
    im.scratch_bytes = align_up(scratch);
    im.worker_scratch.assign(1, im.scratch);
    for (Tensor& t : ts) {
        if (t.root >= 0 && ts[static_cast<size_t>(t.root)].last >= ts[static_cast<size_t>(t.root)].first) {
            t.data = im.arena + ts[static_cast<size_t>(t.root)].offset;
        }
    }
}

std::string Model::meta(const std::string& key) const {
    for (const auto& kv : impl_->meta) {
        if (kv.first == key) return kv.second;
    }
    return std::string();
}

const TensorInfo& Model::input(int i) const {
    require(i >= 0 && i < input_count(), "model input index out of range");
    return inputs_[static_cast<size_t>(i)];
}

const TensorInfo& Model::output(int i) const {
    require(i >= 0 && i < output_count(), "model output index out of range");
    return outputs_[static_cast<size_t>(i)];
}

void Model::run(const float* const* inputs) {
    std::vector<double>* no_profile = nullptr;
    run_impl(inputs, no_profile);
}

void Model::run_profiled(const float* const* inputs, std::vector<double>& seconds) {
    seconds.resize(layers_.size(), 0.0);
    std::vector<double>* p = &seconds;
    run_impl(inputs, p);
}

void Model::run_impl(const float* const* inputs, std::vector<double>* seconds) {
    // (no require(): its message string would be built on every call, and run() must not allocate)
    if (inputs == nullptr) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "null model inputs");
    Impl& im = *impl_;
    for (size_t i = 0; i < im.input_ids.size(); ++i) {
        if (inputs[i] == nullptr) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "null model input");
        Tensor& t = im.tensors[static_cast<size_t>(im.input_ids[i])];
        std::memcpy(t.data, inputs[i], t.desc.bytes());
    }
    const Kernels& k = active_kernels();
    Exec ex;
    ex.scratch = im.worker_scratch.data();
    ex.pool = im.pool.get();
    if (seconds == nullptr) {
        for (auto& l : layers_) l->run_exec(k, ex);
        return;
    }
    for (size_t i = 0; i < layers_.size(); ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        layers_[i]->run_exec(k, ex);
        (*seconds)[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
}

void Model::set_threads(int threads) {
    if (threads == 0) threads = static_cast<int>(std::min<unsigned>(std::max(1u, std::thread::hardware_concurrency()),
                                                                      static_cast<unsigned>(ThreadPool::kMaxThreads)));
    if (threads < 1 || threads > ThreadPool::kMaxThreads) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT, "thread count must be in 0.." + std::to_string(ThreadPool::kMaxThreads) +
                                                " (0: one per core), got " + std::to_string(threads));
    }
    if (threads == this->threads()) return;
    Impl& im = *impl_;
    im.pool.reset();
    im.worker_scratch.assign(1, im.scratch);
    im.worker_scratch_mem.reset();
    if (threads == 1) return;
    const size_t extra = im.scratch_bytes * static_cast<size_t>(threads - 1);
    im.worker_scratch_mem.reset(new uint8_t[extra + kAlign]());
    const uintptr_t base = reinterpret_cast<uintptr_t>(im.worker_scratch_mem.get());
    uint8_t* p = im.worker_scratch_mem.get() + (kAlign - base % kAlign) % kAlign;
    for (int w = 1; w < threads; ++w) im.worker_scratch.push_back(p + im.scratch_bytes * static_cast<size_t>(w - 1));
    im.pool = std::make_unique<ThreadPool>(threads);
}

int Model::threads() const { return impl_->pool ? impl_->pool->size() : 1; }

std::string Model::layer_name(int i) const {
    require(i >= 0 && i < layer_count(), "layer index out of range");
    return layers_[static_cast<size_t>(i)]->describe();
}

const float* Model::output_data(int i) const {
    if (i < 0 || i >= output_count()) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "model output index out of range");
    return impl_->tensors[static_cast<size_t>(impl_->output_ids[static_cast<size_t>(i)])].f32();
}

}  // namespace nn
}  // namespace meiyan
