// What the face pipeline needs from an inference backend: one NHWC float input in, float outputs
// out. The native NN engine implements it; so can a host-language backend (the Python binding
// wraps onnxruntime this way as the reference).
#pragma once
#include <cstddef>
#include <vector>

namespace meiyan::face {

class Network {
public:
    virtual ~Network() = default;
    // Runs one input of input_size() floats. Returns one pointer per output, valid until the next run.
    virtual std::vector<const float*> run(const float* input) = 0;
    virtual std::size_t input_size() const = 0;
    // Number of floats in output `index`.
    virtual std::size_t output_size(std::size_t index) const = 0;
    // Threads one run() may use (0: one per core). Backends that size their own thread pools
    // when they are created keep theirs.
    virtual void set_threads(int /*threads*/) {}
};

}  // namespace meiyan::face
