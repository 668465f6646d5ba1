#pragma once
#include <pybind11/pybind11.h>

// meiyan._core.FaceTracker and its result types.
void register_face(pybind11::module_& m);
