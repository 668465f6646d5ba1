// The native engine behind the face pipeline's Network interface (face/network.h):
//   FaceNetworks nets;
//   nets.detector = nn::make_network(nn::Model::load_file(dir + "/face_detection_short_range.int8.mynn",
//                                                         "face_detection_short_range"));
//   nets.mesh = nn::make_network(nn::Model::load_file(dir + "/face_landmark.int8.mynn", "face_landmark"));
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "face/face_tracker.h"
#include "face/network.h"
#include "nn/nn_model.h"

namespace meiyan {
namespace nn {

// Takes a one-input model; run() returns pointers into the model's memory (valid until the next run).
std::unique_ptr<face::Network> make_network(std::unique_ptr<Model> model);

// The face tracker's networks from the .mynn files in `models_dir`, each task taking the first
// precision of `precisions` that is present (the full-range detector and the iris network are optional). Throws
// Error(IO) naming the task when a required one is missing. `mesh_task` picks the mesh network:
// "face_landmark" (the full mesh, 192x192) or "face_landmark_lite" (the trained lite mesh, 128x128).
face::FaceNetworks load_face_networks(const std::string& models_dir, const std::vector<std::string>& precisions,
                                      const std::string& mesh_task = "face_landmark");

}  // namespace nn
}  // namespace meiyan
