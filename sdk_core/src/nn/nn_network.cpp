#include "nn/nn_network.h"

#include <fstream>
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
    void set_threads(int threads) override { model_->set_threads(threads); }

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

face::FaceNetworks load_face_networks(const std::string& models_dir, const std::vector<std::string>& precisions,
                                      const std::string& mesh_task) {
    require(mesh_task == "face_landmark" || mesh_task == "face_landmark_lite",
            "mesh network must be face_landmark or face_landmark_lite, got '" + mesh_task + "'");
    auto load = [&](const std::string& task, bool required) -> std::unique_ptr<face::Network> {
        std::string tried;
        for (const std::string& precision : precisions) {
            const std::string path = models_dir + "/" + task + "." + precision + ".mynn";
            if (std::ifstream(path).good()) return make_network(Model::load_file(path, task));
            tried += (tried.empty() ? "" : " or ") + task + "." + precision + ".mynn";
        }
        if (required) fail(MEIYAN_ERROR_IO, "no " + tried + " in '" + models_dir + "'");
        return nullptr;
    };
    face::FaceNetworks nets;
    nets.detector = load("face_detection_short_range", true);
    nets.mesh = load(mesh_task, true);
    nets.detector_full_range = load("face_detection_full_range", false);
    nets.iris = load("iris_landmark", false);
    return nets;
}

}  // namespace nn
}  // namespace meiyan
