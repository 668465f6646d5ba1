#pragma once
#include <pybind11/pybind11.h>

// meiyan._core.NnModel (the native neural-network engine) and its kernel-level helpers.
void register_nn(pybind11::module_& m);
