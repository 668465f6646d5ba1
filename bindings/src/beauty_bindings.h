// Engine methods for the face effects: set_beauty, set_faces and their read-back.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace meiyan_bindings {

// Faces from a sequence of (N >= 468, 2 or 3) float arrays of frame-pixel landmarks.
std::vector<meiyan::FaceShape> faces_from_arrays(const pybind11::sequence& landmarks);
// Per-face ids, yaw (degrees), scale (pixels per inter-ocular unit) and expression bit masks, each a
// sequence as long as `faces` or None.
void add_face_info(std::vector<meiyan::FaceShape>& faces, const pybind11::object& ids, const pybind11::object& yaws,
                   const pybind11::object& scales, const pybind11::object& expressions, const pybind11::object& irises);
// A makeup layer from its colour (3 floats 0..1), intensity and blend-mode name.
meiyan::MakeupLayer makeup_layer(const char* name, const std::array<float, 3>& color, float intensity, const std::string& blend);
// A UV-layout mask from a square 2-D uint8 array (None: no mask), and a layer from its name.
std::shared_ptr<const meiyan::UvMask> uv_mask(const pybind11::object& coverage);
meiyan::UvLayer uv_layer_of(const std::string& name);
pybind11::dict beauty_dict(const meiyan::BeautyParams& p);

// Adds the face-effect methods to the Engine class; `E::native()` gives its meiyan::Engine.
template <class E>
void register_beauty(pybind11::class_<E>& cls) {
    namespace py = pybind11;
    cls.def(
           "set_beauty",
           [](E& self, float smoothing, float whitening, float rosy, float sharpen, float teeth_whiten,
              float eye_brighten, float dark_circles) {
               meiyan::BeautyParams p;
               p.smoothing = smoothing;
               p.whitening = whitening;
               p.rosy = rosy;
               p.sharpen = sharpen;
               p.teeth_whiten = teeth_whiten;
               p.eye_brighten = eye_brighten;
               p.dark_circles = dark_circles;
               self.native().set_beauty(p);
           },
           py::kw_only(), py::arg("smoothing") = 0.0f, py::arg("whitening") = 0.0f, py::arg("rosy") = 0.0f,
           py::arg("sharpen") = 0.0f, py::arg("teeth_whiten") = 0.0f, py::arg("eye_brighten") = 0.0f,
           py::arg("dark_circles") = 0.0f)
        .def("beauty", [](E& self) { return beauty_dict(self.native().beauty()); })
        .def(
            "set_makeup",
            [](E& self, const py::kwargs& kwargs) {
                // Each layer: <name> (intensity), <name>_color (3 floats 0..1), <name>_blend; lip_gloss.
                meiyan::MakeupParams p;
                py::dict rest = py::dict(kwargs);
                auto layer = [&](const char* name, meiyan::MakeupLayer& out, const char* blend) {
                    const std::string n = name;
                    const py::str key(n), ckey(n + "_color"), bkey(n + "_blend");
                    const float intensity = rest.contains(key) ? rest[key].cast<float>() : 0.0f;
                    const std::array<float, 3> color = rest.contains(ckey) ? rest[ckey].cast<std::array<float, 3>>()
                                                                           : std::array<float, 3>{0.5f, 0.5f, 0.5f};
                    const std::string mode = rest.contains(bkey) ? rest[bkey].cast<std::string>() : std::string(blend);
                    for (const py::str& k : {key, ckey, bkey}) {
                        if (rest.contains(k)) PyDict_DelItem(rest.ptr(), k.ptr());
                    }
                    out = makeup_layer(name, color, intensity, mode);
                };
                layer("lips", p.lips, "multiply");
                layer("blush", p.blush, "soft_light");
                layer("brows", p.brows, "multiply");
                layer("eyeshadow", p.eyeshadow, "multiply");
                layer("eyeliner", p.eyeliner, "normal");
                layer("lashes", p.lashes, "normal");
                layer("contour", p.contour, "multiply");
                layer("highlight", p.highlight, "soft_light");
                layer("contacts", p.contacts, "soft_light");
                if (rest.contains("lip_gloss")) {
                    p.lip_gloss = rest["lip_gloss"].cast<float>();
                    PyDict_DelItemString(rest.ptr(), "lip_gloss");
                }
                if (!rest.empty()) {
                    throw py::type_error("set_makeup: unknown argument '" + py::str(rest.begin()->first).cast<std::string>() + "'");
                }
                self.native().set_makeup(p);
            })
        .def(
            "set_makeup_mask",
            [](E& self, const std::string& layer, const py::object& coverage) {
                self.native().set_makeup_mask(uv_layer_of(layer), uv_mask(coverage));
            },
            py::arg("layer"), py::arg("coverage"))
        .def("has_makeup_mask",
             [](E& self, const std::string& layer) { return self.native().makeup_mask(uv_layer_of(layer)) != nullptr; })
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
               const py::object& scales, const py::object& expressions, const py::object& iris) {
                std::vector<meiyan::FaceShape> faces = faces_from_arrays(landmarks);
                add_face_info(faces, ids, yaws, scales, expressions, iris);
                self.native().set_faces(std::move(faces));
            },
            py::arg("landmarks"), py::kw_only(), py::arg("ids") = py::none(), py::arg("yaws") = py::none(),
            py::arg("scales") = py::none(), py::arg("expressions") = py::none(), py::arg("iris") = py::none())
        .def_property_readonly("face_count", [](E& self) { return static_cast<int>(self.native().faces().size()); });
}

}  // namespace meiyan_bindings
