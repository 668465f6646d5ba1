// meiyan's neural-network engine: runs one .mynn model (see model_export/nn_convert.py).
//
// Loading parses and checks the file, packs the weights for the kernels and plans all activation
// memory once: run() allocates nothing. Activations are NHWC; 4-D float inputs are NHWC as the
// ONNX models take them. One thread by default; set_threads(n) splits the large convolutions over
// n threads (the outputs are the same bytes for any n). A Model is not safe to run from two
// threads at once (create one per thread: the weights are not shared, models are small).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meiyan {
namespace nn {

struct TensorInfo {
    std::string name;
    std::vector<int> shape;
    size_t elements = 0;
};

class Layer;

class Model {
public:
    // Throws Error: MEIYAN_ERROR_IO when the file cannot be read, MEIYAN_ERROR_CORRUPT_DATA when it
    // is malformed (truncated, bad checksum, wrong version, inconsistent graph), and
    // MEIYAN_ERROR_CORRUPT_DATA when `expected_name` is given and the file holds another model.
    static std::unique_ptr<Model> load_file(const std::string& path, const std::string& expected_name = "");
    static std::unique_ptr<Model> load_memory(const void* data, size_t size, const std::string& expected_name = "");

    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const std::string& name() const { return name_; }
    const std::string& precision() const { return precision_; }
    std::string meta(const std::string& key) const;

    int input_count() const { return static_cast<int>(inputs_.size()); }
    int output_count() const { return static_cast<int>(outputs_.size()); }
    const TensorInfo& input(int i) const;
    const TensorInfo& output(int i) const;

    // Runs the model. inputs[i] holds input(i).elements floats (NHWC for images).
    void run(const float* const* inputs);
    // Valid until the next run().
    const float* output_data(int i) const;

    // 1 (the default) runs on the calling thread only; n > 1 adds n - 1 workers; 0 means one thread
    // per core. Throws Error(INVALID_ARGUMENT) outside 0..64.
    void set_threads(int threads);
    int threads() const;

    size_t arena_bytes() const { return arena_size_; }
    size_t weight_bytes() const { return weight_bytes_; }
    int layer_count() const { return static_cast<int>(layers_.size()); }
    // Per-layer descriptions ("CONV u8 3x3/2 dw 24->24 96x96"), for profiling tools.
    std::string layer_name(int i) const;
    // run(), adding each layer's wall time in seconds to seconds[i] (resized to layer_count()).
    void run_profiled(const float* const* inputs, std::vector<double>& seconds);

private:
    Model();
    void build(const uint8_t* data, size_t size, const std::string& expected_name);
    void plan_memory();
    void run_impl(const float* const* inputs, std::vector<double>* seconds);

    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string name_, precision_;
    std::vector<TensorInfo> inputs_, outputs_;
    std::vector<std::unique_ptr<Layer>> layers_;
    size_t arena_size_ = 0;
    size_t weight_bytes_ = 0;
};

}  // namespace nn
}  // namespace meiyan
