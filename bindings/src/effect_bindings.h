// meiyan._core.EffectPackage (effect packages: stickers, face masks) and the Engine's
// set_effect / set_frame_time.
#pragma once
#include <pybind11/pybind11.h>

#include <memory>

#include "effects/stickers/effect_package.h"
#include "engine/engine.h"

namespace meiyan_bindings {

void register_effects(pybind11::module_& m);

// The package held by a Python EffectPackage object (None: null).
std::shared_ptr<const meiyan::EffectPackage> effect_of(const pybind11::object& obj);

template <class E>
void register_effect_engine(pybind11::class_<E>& cls) {
    namespace py = pybind11;
    cls.def(
           "set_effect", [](E& self, const py::object& pkg) { self.native().set_effect(effect_of(pkg)); },
           py::arg("package").none(true), "Draw this effect package on every face (None: no effect).")
        .def(
            "set_frame_time", [](E& self, double t) { self.native().set_frame_time(t); }, py::arg("seconds"),
            "The time of the next processed frame (animations follow it; it must not go backwards).");
}

}  // namespace meiyan_bindings
