// Engine methods for the face effects: set_beauty, set_faces and their read-back.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace meiyan_bindings {

// Faces from a sequence of (N >= 468, 2 or 3) float arrays of frame-pixel landmarks.
std::vector<meiyan::FaceShape> faces_from_arrays(const pybind11::sequence& landmarks);
// Per-face ids, yaw (degrees), scale (pixels per inter-ocular unit) and expression bit masks, each a
// sequence as long as `faces` or None.
void add_face_info(std::vector<meiyan::FaceShape>& faces, const pybind11::object& ids, const pybind11::object& yaws,
                   const pybind11::object& scales, const pybind11::object& expressions);
// A makeup layer from its colour (3 floats 0..1), intensity and blend-mode name.
meiyan::MakeupLayer makeup_layer(const char* name, const std::array<float, 3>& color, float intensity, const std::string& blend);
pybind11::dict beauty_dict(const meiyan::BeautyParams& p);

// Adds the face-effect methods to the Engine class; `E::native()` gives its meiyan::Engine.
template <class E>
void register_beauty(pybind11::class_<E>& cls) {
    namespace py = pybind11;
    cls.def(
           "set_beauty",
           [](E& self, float smoothing, float whitening, float rosy, float sharpen) {
               meiyan::BeautyParams p;
               p.smoothing = smoothing;
               p.whitening = whitening;
               p.rosy = rosy;
               p.sharpen = sharpen;
               self.native().set_beauty(p);
           },
           py::kw_only(), py::arg("smoothing") = 0.0f, py::arg("whitening") = 0.0f, py::arg("rosy") = 0.0f,
           py::arg("sharpen") = 0.0f)
        .def("beauty", [](E& self) { return beauty_dict(self.native().beauty()); })
        .def(
            "set_makeup",
            [](E& self, const std::array<float, 3>& lips_color, float lips, float lip_gloss, const std::string& lips_blend,
               const std::array<float, 3>& blush_color, float blush, const std::string& blush_blend,
               const std::array<float, 3>& brows_color, float brows, const std::string& brows_blend) {
                meiyan::MakeupParams p;
                p.lips = makeup_layer("lips", lips_color, lips, lips_blend);
                p.lip_gloss = lip_gloss;
                p.blush = makeup_layer("blush", blush_color, blush, blush_blend);
                p.brows = makeup_layer("brows", brows_color, brows, brows_blend);
                self.native().set_makeup(p);
            },
            py::kw_only(), py::arg("lips_color") = std::array<float, 3>{0.7f, 0.1f, 0.2f}, py::arg("lips") = 0.0f,
            py::arg("lip_gloss") = 0.0f, py::arg("lips_blend") = "multiply",
            py::arg("blush_color") = std::array<float, 3>{0.95f, 0.45f, 0.5f}, py::arg("blush") = 0.0f,
            py::arg("blush_blend") = "soft_light", py::arg("brows_color") = std::array<float, 3>{0.25f, 0.18f, 0.12f},
            py::arg("brows") = 0.0f, py::arg("brows_blend") = "multiply")
        .def(
            "set_reshape",
            [](E& self, float face_slim, float v_chin, float big_eyes, float chin_length, float nose_width,
               float mouth_size, float forehead) {
                meiyan::ReshapeParams p;
                p.face_slim = face_slim;
                p.v_chin = v_chin;
                p.big_eyes = big_eyes;
                p.chin_length = chin_length;
                p.nose_width = nose_width;
                p.mouth_size = mouth_size;
                p.forehead = forehead;
                self.native().set_reshape(p);
            },
            py::kw_only(), py::arg("face_slim") = 0.0f, py::arg("v_chin") = 0.0f, py::arg("big_eyes") = 0.0f,
            py::arg("chin_length") = 0.0f, py::arg("nose_width") = 0.0f, py::arg("mouth_size") = 0.0f,
            py::arg("forehead") = 0.0f)
        .def(
            "set_faces",
            [](E& self, const py::sequence& landmarks, const py::object& ids, const py::object& yaws,
               const py::object& scales, const py::object& expressions) {
                std::vector<meiyan::FaceShape> faces = faces_from_arrays(landmarks);
                add_face_info(faces, ids, yaws, scales, expressions);
                self.native().set_faces(std::move(faces));
            },
            py::arg("landmarks"), py::kw_only(), py::arg("ids") = py::none(), py::arg("yaws") = py::none(),
            py::arg("scales") = py::none(), py::arg("expressions") = py::none())
        .def_property_readonly("face_count", [](E& self) { return static_cast<int>(self.native().faces().size()); });
}

}  // namespace meiyan_bindings
