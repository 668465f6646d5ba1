// The engine's layers: one per .mynn op. make_layer() checks everything the op's kernels rely on
// (shapes, parameters, weight counts) and packs the weights; run() then trusts them.
#pragma once
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "nn/nn_format.h"
#include "nn/nn_kernels.h"

namespace meiyan {
namespace nn {

struct Tensor {
    TensorDesc desc;
    int root = -1;      // the tensor whose storage this one uses (itself unless a RESHAPE alias)
    int first = INT_MAX;  // lifetime in op indices (inputs start at -1, outputs end past the last op)
    int last = -1;
    size_t offset = 0;  // in the arena (roots only)
    uint8_t* data = nullptr;

    float* f32() const { return reinterpret_cast<float*>(data); }
    uint8_t* u8() const { return data; }
    int dim(int i) const { return desc.dims[i]; }
};

// Arena blocks carry this many bytes past each tensor: kernels may read (never write) a few bytes
// past a row's end (uint8 GEMM rows are read in groups of 4).
constexpr size_t kTensorSlack = 64;

// How a layer may run: its scratch memory (scratch_bytes() per worker) and, when the model was
// given more than one thread, the pool that layers with enough independent work split it over.
struct Exec {
    uint8_t* const* scratch = nullptr;  // one block per worker
    ThreadPool* pool = nullptr;         // null: one thread
    int workers() const { return pool ? pool->size() : 1; }
};

class Layer {
public:
    virtual ~Layer() = default;
    virtual void run(const Kernels& k, uint8_t* scratch) = 0;
    // The threaded entry point; layers whose work does not split run() on worker 0's scratch.
    // Every split gives the same bytes as run(): each output element is computed by one task.
    virtual void run_exec(const Kernels& k, const Exec& ex) { run(k, ex.scratch[0]); }
    virtual size_t scratch_bytes() const { return 0; }
    virtual bool is_alias() const { return false; }
    virtual std::string describe() const;

    std::vector<Tensor*> in;
    std::vector<Tensor*> out;
    OpCode code = OpCode::Conv;
    size_t weight_bytes = 0;
};

// `tensors` must not be resized afterwards (layers keep pointers into it).
std::unique_ptr<Layer> make_layer(const OpDesc& op, int index, std::vector<Tensor>& tensors);

// uint8 tables of dequantize -> PRelu -> quantize, one per channel (256 x slopes.size()).
std::vector<uint8_t> prelu_tables(const std::vector<float>& slopes, float s_in, int z_in, float s_out, int z_out);

}  // namespace nn
}  // namespace meiyan
