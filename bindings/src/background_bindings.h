// meiyan._core.PersonSegmenter and the Engine's background methods: set_background, the
// segmentation switches and the person mask.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "effects/background/person_mask_source.h"
#include "engine/engine.h"

namespace meiyan_bindings {

void register_segmenter(pybind11::module_& m);

// The background parameters from their Python values; `image` is an (H, W, 3) BGR or (H, W, 4)
// RGBA uint8 array, or None. Raises ValueError naming the bad value.
meiyan::BackgroundParams background_params(const std::string& mode, float blur, const std::array<float, 3>& color,
                                           const pybind11::object& image, float feather);
pybind11::dict background_dict(const meiyan::BackgroundParams& p);
meiyan::SegmenterOptions segmenter_options(int interval, float smoothing, bool refine);
pybind11::dict segmenter_stats(const meiyan::PersonSegmenter& s);
// An (H, W) float array (0..1) or uint8 array (0..255) as a mask; None: null.
std::shared_ptr<const meiyan::PersonMask> mask_from_array(const pybind11::object& mask);
// The mask upsampled to width x height as the renderers do it, float32 0..1; None for null.
pybind11::object mask_to_frame(const std::shared_ptr<const meiyan::PersonMask>& mask, int width, int height);
pybind11::object mask_to_array(const std::shared_ptr<const meiyan::PersonMask>& mask);

// Adds the background methods to the Engine class; `E::native()` gives its meiyan::Engine. Also
// registers PersonSegmenter in `m`.
template <class E>
void register_background(pybind11::module_& m, pybind11::class_<E>& cls) {
    namespace py = pybind11;
    register_segmenter(m);
    cls.def(
           "set_background",
           [](E& self, const std::string& mode, float blur, const std::array<float, 3>& color, const py::object& image,
              float feather) { self.native().set_background(background_params(mode, blur, color, image, feather)); },
           py::arg("mode"), py::kw_only(), py::arg("blur") = 0.6f,
           py::arg("color") = std::array<float, 3>{0.0f, 0.0f, 0.0f}, py::arg("image") = py::none(),
           py::arg("feather") = 0.3f)
        .def("background", [](E& self) { return background_dict(self.native().background()); })
        .def(
            "enable_segmentation",
            [](E& self, const std::string& models_dir, int interval, float smoothing, bool refine) {
                self.native().enable_segmentation(models_dir, segmenter_options(interval, smoothing, refine));
            },
            py::arg("models_dir"), py::kw_only(), py::arg("interval") = 2, py::arg("smoothing") = 0.7f,
            py::arg("refine") = true)
        .def("disable_segmentation", [](E& self) { self.native().disable_segmentation(); })
        .def_property_readonly("segmentation", [](E& self) { return self.native().segmenter() != nullptr; })
        .def(
            "set_segmentation_options",
            [](E& self, int interval, float smoothing, bool refine) {
                meiyan::PersonSegmenter* s = self.native().segmenter();
                if (!s) throw py::value_error("segmentation is not enabled");
                s->set_options(segmenter_options(interval, smoothing, refine));
            },
            py::kw_only(), py::arg("interval") = 2, py::arg("smoothing") = 0.7f, py::arg("refine") = true)
        .def("segmentation_stats",
             [](E& self) {
                 meiyan::PersonSegmenter* s = self.native().segmenter();
                 return s ? segmenter_stats(*s) : py::dict();
             })
        .def(
            "set_person_mask", [](E& self, const py::object& mask) { self.native().set_person_mask(mask_from_array(mask)); },
            py::arg("mask").none(true))
        .def_property_readonly("person_mask",
                               [](E& self) {
                                   const meiyan::PersonMaskSource& s = self.native().person_masks();
                                   return mask_to_frame(s.last(), s.last_width(), s.last_height());
                               })
        .def_property_readonly("person_mask_grid",
                               [](E& self) { return mask_to_array(self.native().person_masks().last()); });
}

}  // namespace meiyan_bindings
