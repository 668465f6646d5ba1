// The native engine behind the face pipeline's Network interface (face/network.h):
//   FaceNetworks nets;
//   nets.detector = nn::make_network(nn::Model::load_file(dir + "/face_detection_short_range.int8.mynn",
//                                                         "face_detection_short_range"));
//   nets.mesh = nn::make_network(nn::Model::load_file(dir + "/face_landmark.int8.mynn", "face_landmark"));
#pragma once
#include <memory>

#include "face/network.h"
#include "nn/nn_model.h"

namespace meiyan {
namespace nn {

// Takes a one-input model; run() returns pointers into the model's memory (valid until the next run).
std::unique_ptr<face::Network> make_network(std::unique_ptr<Model> model);

}  // namespace nn
}  // namespace meiyan
