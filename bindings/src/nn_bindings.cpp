// The native NN engine for Python: load a .mynn model, run it on float32 arrays, time it.
#include "nn_bindings.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "nn/nn_kernels.h"
#include "nn/nn_model.h"

namespace py = pybind11;
using meiyan::nn::Model;

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

class PyNnModel {
public:
    explicit PyNnModel(std::unique_ptr<Model> m) : model_(std::move(m)) {}

    static PyNnModel load(const std::string& path, const std::string& expected_name) {
        return PyNnModel(Model::load_file(path, expected_name));
    }
    static PyNnModel from_bytes(const py::bytes& data, const std::string& expected_name) {
        const std::string s = data;  // one copy; the model keeps nothing of it
        return PyNnModel(Model::load_memory(s.data(), s.size(), expected_name));
    }

    std::string name() const { return model_->name(); }
    std::string precision() const { return model_->precision(); }
    std::string meta(const std::string& key) const { return model_->meta(key); }

    static py::list infos(const Model& m, bool inputs) {
        py::list out;
        const int n = inputs ? m.input_count() : m.output_count();
        for (int i = 0; i < n; ++i) {
            const auto& t = inputs ? m.input(i) : m.output(i);
            out.append(py::make_tuple(t.name, py::tuple(py::cast(t.shape))));
        }
        return out;
    }
    py::list inputs() const { return infos(*model_, true); }
    py::list outputs() const { return infos(*model_, false); }

    // Checks and keeps the input arrays (converted to contiguous float32 where needed).
    std::vector<const float*> bind_inputs(const std::vector<FloatArray>& xs) const {
        if (static_cast<int>(xs.size()) != model_->input_count()) {
            throw py::value_error("the model takes " + std::to_string(model_->input_count()) + " input(s), got " +
                                  std::to_string(xs.size()));
        }
        std::vector<const float*> ptrs;
        for (size_t i = 0; i < xs.size(); ++i) {
            const auto& info = model_->input(static_cast<int>(i));
            if (static_cast<size_t>(xs[i].size()) != info.elements) {
                std::string shape;
                for (int d : info.shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
                throw py::value_error("input " + std::to_string(i) + " ('" + info.name + "') must hold " +
                                      std::to_string(info.elements) + " floats (shape " + shape + "), got " +
                                      std::to_string(xs[i].size()));
            }
            ptrs.push_back(xs[i].data());
        }
        return ptrs;
    }

    py::list run(const std::vector<FloatArray>& xs) {
        const std::vector<const float*> ptrs = bind_inputs(xs);
        {
            py::gil_scoped_release release;
            model_->run(ptrs.data());
        }
        py::list outs;
        for (int i = 0; i < model_->output_count(); ++i) {
            const auto& info = model_->output(i);
            std::vector<py::ssize_t> shape(info.shape.begin(), info.shape.end());
            py::array_t<float> a(shape);
            std::memcpy(a.mutable_data(), model_->output_data(i), info.elements * sizeof(float));
            outs.append(a);
        }
        return outs;
    }

    // Seconds per run for `repeats` runs after `warmup` runs, timed inside C++ (no Python overhead).
    std::vector<double> time_runs(const std::vector<FloatArray>& xs, int repeats, int warmup) {
        if (repeats < 1 || warmup < 0) throw py::value_error("repeats must be >= 1 and warmup >= 0");
        const std::vector<const float*> ptrs = bind_inputs(xs);
        std::vector<double> t(static_cast<size_t>(repeats));
        py::gil_scoped_release release;
        for (int i = 0; i < warmup; ++i) model_->run(ptrs.data());
        for (int i = 0; i < repeats; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            model_->run(ptrs.data());
            t[static_cast<size_t>(i)] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        return t;
    }

    // (layer description, mean seconds) per layer over `repeats` full runs.
    std::vector<std::pair<std::string, double>> profile(const std::vector<FloatArray>& xs, int repeats) {
        if (repeats < 1) throw py::value_error("repeats must be >= 1");
        const std::vector<const float*> ptrs = bind_inputs(xs);
        std::vector<double> seconds;
        {
            py::gil_scoped_release release;
            model_->run(ptrs.data());
            for (int r = 0; r < repeats; ++r) model_->run_profiled(ptrs.data(), seconds);
        }
        std::vector<std::pair<std::string, double>> out;
        for (int l = 0; l < model_->layer_count(); ++l) {
            out.emplace_back(model_->layer_name(l), seconds[static_cast<size_t>(l)] / repeats);
        }
        return out;
    }

    int threads() const { return model_->threads(); }
    void set_threads(int n) { model_->set_threads(n); }

    size_t arena_bytes() const { return model_->arena_bytes(); }
    size_t weight_bytes() const { return model_->weight_bytes(); }

private:
    std::unique_ptr<Model> model_;
};

}  // namespace

void register_nn(py::module_& m) {
    py::class_<PyNnModel>(m, "NnModel", "A .mynn model run by meiyan's native engine (one thread unless told)")
        .def_static("load", &PyNnModel::load, py::arg("path"), py::arg("expected_name") = "",
                    "Read a .mynn file; expected_name, when given, must match the model's name.")
        .def_static("from_bytes", &PyNnModel::from_bytes, py::arg("data"), py::arg("expected_name") = "")
        .def_property_readonly("name", &PyNnModel::name)
        .def_property_readonly("precision", &PyNnModel::precision)
        .def("meta", &PyNnModel::meta, py::arg("key"))
        .def_property_readonly("inputs", &PyNnModel::inputs, "[(name, shape)] of the inputs")
        .def_property_readonly("outputs", &PyNnModel::outputs, "[(name, shape)] of the outputs")
        .def("run", &PyNnModel::run, py::arg("inputs"), "Run on float32 arrays (one per input); returns copies.")
        .def("time_runs", &PyNnModel::time_runs, py::arg("inputs"), py::arg("repeats"), py::arg("warmup") = 3)
        .def("profile", &PyNnModel::profile, py::arg("inputs"), py::arg("repeats") = 10)
        .def_property("threads", &PyNnModel::threads, &PyNnModel::set_threads,
                      "Threads per run (1 by default; 0 sets one per core). Outputs do not depend on it.")
        .def_property_readonly("arena_bytes", &PyNnModel::arena_bytes)
        .def_property_readonly("weight_bytes", &PyNnModel::weight_bytes);

    m.def("nn_kernels", [] {
        const meiyan::nn::Kernels* tables[8];
        const int n = meiyan::nn::available_kernels(tables, 8);
        std::vector<std::string> names;
        for (int i = 0; i < n && i < 8; ++i) names.emplace_back(tables[i]->name);
        return names;
    }, "The NN kernel tables this CPU can run, scalar first.");
    m.def("nn_active_kernels", [] { return std::string(meiyan::nn::active_kernels().name); });
}
