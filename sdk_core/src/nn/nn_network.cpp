#include "nn/nn_network.h"

#include <vector>

#include "core/error.h"

namespace meiyan {
namespace nn {

namespace {

class ModelNetwork final : public face::Network {
public:
    explicit ModelNetwork(std::unique_ptr<Model> m) : model_(std::move(m)) {
        require(model_ != nullptr, "null model");
        require(model_->input_count() == 1, "a face network takes exactly one input");
        outputs_.resize(static_cast<size_t>(model_->output_count()));
    }

    std::vector<const float*> run(const float* input) override {
        const float* inputs[1] = {input};
        model_->run(inputs);
        for (int i = 0; i < model_->output_count(); ++i) outputs_[static_cast<size_t>(i)] = model_->output_data(i);
        return outputs_;
    }

    std::size_t input_size() const override { return model_->input(0).elements; }

    std::size_t output_size(std::size_t index) const override {
        require(index < static_cast<std::size_t>(model_->output_count()), "network output index out of range");
        return model_->output(static_cast<int>(index)).elements;
    }

private:
    std::unique_ptr<Model> model_;
    std::vector<const float*> outputs_;
};

}  // namespace

std::unique_ptr<face::Network> make_network(std::unique_ptr<Model> model) {
    return std::make_unique<ModelNetwork>(std::move(model));
}

}  // namespace nn
}  // namespace meiyan
