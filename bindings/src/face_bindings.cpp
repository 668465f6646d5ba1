// The C++ FaceTracker for Python. Networks are Python callables (float32 NHWC array in, list of
// arrays out) so that onnxruntime can serve as the reference backend; native networks plug in
// through the same interface.
#include "face_bindings.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "face/face_tracker.h"
#include "nn/nn_network.h"

namespace py = pybind11;
using namespace meiyan;
using namespace meiyan::face;

namespace {

class PyNetwork final : public Network {
public:
    PyNetwork(py::object fn, std::vector<py::ssize_t> input_shape, std::vector<std::size_t> output_sizes)
        : fn_(std::move(fn)), shape_(std::move(input_shape)), output_sizes_(std::move(output_sizes)) {
        input_size_ = 1;
        for (py::ssize_t d : shape_) input_size_ *= static_cast<std::size_t>(d);
    }

    std::vector<const float*> run(const float* input) override {
        py::gil_scoped_acquire gil;
        py::array_t<float> x(shape_);
        std::copy(input, input + input_size_, x.mutable_data());
        const py::object result = fn_(x);
        outputs_.clear();
        std::vector<const float*> ptrs;
        for (const py::handle h : result) {
            auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(h);
            if (!a) throw Error(MEIYAN_ERROR_INTERNAL, "network callable returned a non-numeric output");
            outputs_.push_back(a);
            ptrs.push_back(a.data());
        }
        if (ptrs.size() < output_sizes_.size()) {
            throw Error(MEIYAN_ERROR_INTERNAL, "network callable returned " + std::to_string(ptrs.size()) + " outputs, expected " +
                                                   std::to_string(output_sizes_.size()));
        }
        for (std::size_t i = 0; i < output_sizes_.size(); ++i) {
            if (static_cast<std::size_t>(outputs_[i].size()) != output_sizes_[i]) {
                throw Error(MEIYAN_ERROR_INTERNAL, "network output " + std::to_string(i) + " has " +
                                                       std::to_string(outputs_[i].size()) + " values, expected " +
                                                       std::to_string(output_sizes_[i]));
            }
        }
        return ptrs;
    }
    std::size_t input_size() const override { return input_size_; }
    std::size_t output_size(std::size_t index) const override { return output_sizes_.at(index); }

private:
    py::object fn_;
    std::vector<py::ssize_t> shape_;
    std::vector<std::size_t> output_sizes_;
    std::size_t input_size_ = 0;
    std::vector<py::array_t<float>> outputs_;  // keeps the returned arrays alive until the next run
};

template <std::size_t N>
py::array_t<float> points_array(const std::array<Point3, N>& pts) {
    py::array_t<float> a({static_cast<py::ssize_t>(N), py::ssize_t{3}});
    auto r = a.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < static_cast<py::ssize_t>(N); ++i) {
        r(i, 0) = pts[static_cast<std::size_t>(i)].x;
        r(i, 1) = pts[static_cast<std::size_t>(i)].y;
        r(i, 2) = pts[static_cast<std::size_t>(i)].z;
    }
    return a;
}

const char* kExpressionNames[kExpressionCount] = {"mouth_open", "blink_left", "blink_right", "brow_raise", "smile"};

py::dict face_dict(const Face& f) {
    py::dict d;
    d["id"] = f.id;
    d["presence"] = f.presence;
    d["landmarks"] = points_array(f.landmarks);
    d["raw_landmarks"] = points_array(f.raw_landmarks);
    d["iris"] = f.has_iris ? py::object(points_array(f.iris)) : py::object(py::none());
    d["raw_iris"] = f.has_iris ? py::object(points_array(f.raw_iris)) : py::object(py::none());
    d["roi"] = py::make_tuple(f.roi.center_x, f.roi.center_y, f.roi.width, f.roi.height, f.roi.rotation);
    py::array_t<float> rot({3, 3});
    std::copy(f.pose.rotation, f.pose.rotation + 9, rot.mutable_data());
    py::dict pose;
    pose["yaw"] = f.pose.yaw;
    pose["pitch"] = f.pose.pitch;
    pose["roll"] = f.pose.roll;
    pose["rotation"] = rot;
    pose["translation"] = py::make_tuple(f.pose.translation[0], f.pose.translation[1], f.pose.translation[2]);
    pose["scale"] = f.pose.scale;
    d["pose"] = pose;
    py::dict scores, active;
    for (int k = 0; k < kExpressionCount; ++k) {
        scores[kExpressionNames[k]] = f.expressions.score[k];
        active[kExpressionNames[k]] = f.expressions.active[k];
    }
    d["expressions"] = scores;
    d["expressions_active"] = active;
    return d;
}

std::unique_ptr<Network> wrap(const py::object& fn, std::vector<py::ssize_t> shape, std::vector<std::size_t> outs) {
    if (fn.is_none()) return nullptr;
    if (!PyCallable_Check(fn.ptr())) throw py::type_error("networks must be callables: float32 NHWC array -> outputs");
    return std::make_unique<PyNetwork>(fn, std::move(shape), std::move(outs));
}

class PyFaceTracker {
public:
    PyFaceTracker(const py::object& detector, const py::object& mesh, const py::object& detector_full_range,
                  const TrackerOptions& options, const py::object& iris) {
        FaceNetworks nets;
        nets.detector = wrap(detector, {1, 128, 128, 3}, {896 * 16, 896});
        nets.mesh = wrap(mesh, {1, 192, 192, 3}, {kMeshPoints * 3, 1});
        nets.detector_full_range = wrap(detector_full_range, {1, 192, 192, 3}, {2304 * 16, 2304});
        nets.iris = wrap(iris, {1, 64, 64, 3}, {71 * 3, 5 * 3});
        tracker_ = std::make_unique<FaceTracker>(std::move(nets), options);
    }
    explicit PyFaceTracker(std::unique_ptr<FaceTracker> tracker) : tracker_(std::move(tracker)) {}

    // Native backend: the networks run in the C++ engine from .mynn files, with no Python in the loop.
    static PyFaceTracker native(const std::string& models_dir, const std::vector<std::string>& precisions,
                                const TrackerOptions& options, const std::string& mesh_task) {
        return PyFaceTracker(
            std::make_unique<FaceTracker>(nn::load_face_networks(models_dir, precisions, mesh_task), options));
    }

    py::list track(const py::array& frame, double timestamp, int camera_rotation, const std::string& format) {
        const ImageView v = view(frame, format);
        py::list out;
        for (const Face& f : tracker_->track(v, timestamp, camera_rotation)) out.append(face_dict(f));
        return out;
    }

    py::list detect(const py::array& rgba, int rotation) {
        py::list out;
        for (const Detection& d : tracker_->detect(view(rgba), rotation)) {
            py::array_t<float> kps({6, 2});
            for (int k = 0; k < 6; ++k) {
                kps.mutable_data()[2 * k] = d.keypoints[k].x;
                kps.mutable_data()[2 * k + 1] = d.keypoints[k].y;
            }
            py::dict det;
            det["box"] = py::make_tuple(d.box[0], d.box[1], d.box[2], d.box[3]);
            det["keypoints"] = kps;
            det["score"] = d.score;
            out.append(det);
        }
        return out;
    }

    py::dict stats() const {
        py::dict d;
        d["frames"] = tracker_->stats().frames;
        d["detector_runs"] = tracker_->stats().detector_runs;
        d["detector_frames"] = tracker_->stats().detector_frames;
        d["mesh_runs"] = tracker_->stats().mesh_runs;
        d["iris_runs"] = tracker_->stats().iris_runs;
        d["iris_seconds"] = tracker_->stats().iris_seconds;
        d["detector_seconds"] = tracker_->stats().detector_seconds;
        d["mesh_seconds"] = tracker_->stats().mesh_seconds;
        d["post_seconds"] = tracker_->stats().post_seconds;
        return d;
    }

    void reset() { tracker_->reset(); }
    bool has_iris_network() const { return tracker_->has_iris_network(); }
    TrackerOptions options() const { return tracker_->options(); }
    void set_options(const TrackerOptions& o) { tracker_->set_options(o); }

private:
    // An (H, W, 4) RGBA/BGRA or (H, W, 3) RGB/BGR uint8 array with contiguous pixels (rows may be strided).
    static ImageView view(const py::array& a, const std::string& format = "rgba") {
        PixelFormat f;
        if (format == "rgba") {
            f = PixelFormat::RGBA8;
        } else if (format == "bgra") {
            f = PixelFormat::BGRA8;
        } else if (format == "rgb") {
            f = PixelFormat::RGB8;
        } else if (format == "bgr") {
            f = PixelFormat::BGR8;
        } else {
            throw py::value_error("the face tracker reads 'rgba', 'bgra', 'rgb' or 'bgr' frames, not '" + format + "'");
        }
        const py::ssize_t bpp = bytes_per_pixel(f);
        if (!a.dtype().is(py::dtype::of<uint8_t>())) throw py::type_error("frame must have dtype uint8");
        if (a.ndim() != 3 || a.shape(2) != bpp || a.strides(2) != 1 || a.strides(1) != bpp) {
            throw py::value_error("frame must be an (H, W, " + std::to_string(bpp) + ") " + format +
                                  " uint8 array with contiguous pixels");
        }
        ImageView v;
        v.format = f;
        v.width = static_cast<int>(a.shape(1));
        v.height = static_cast<int>(a.shape(0));
        v.data[0] = static_cast<uint8_t*>(const_cast<void*>(a.data()));
        v.stride[0] = a.strides(0);
        return v;
    }
    std::unique_ptr<FaceTracker> tracker_;
};

}  // namespace

void register_face(py::module_& m) {
    py::class_<OneEuroParams>(m, "OneEuroParams")
        .def(py::init<>())
        .def_readwrite("min_cutoff", &OneEuroParams::min_cutoff)
        .def_readwrite("beta", &OneEuroParams::beta)
        .def_readwrite("d_cutoff", &OneEuroParams::d_cutoff);
    py::class_<TrackerOptions>(m, "TrackerOptions")
        .def(py::init<>())
        .def_readwrite("max_faces", &TrackerOptions::max_faces)
        .def_readwrite("min_presence", &TrackerOptions::min_presence)
        .def_readwrite("smoothing", &TrackerOptions::smoothing)
        .def_readwrite("one_euro", &TrackerOptions::one_euro)
        .def_readwrite("redetect_interval", &TrackerOptions::redetect_interval)
        .def_readwrite("rotation_sweep", &TrackerOptions::rotation_sweep)
        .def_readwrite("roi_scale", &TrackerOptions::roi_scale)
        .def_readwrite("threads", &TrackerOptions::threads)
        .def_readwrite("iris", &TrackerOptions::iris)
        .def_readwrite("tile_search", &TrackerOptions::tile_search)
        .def_readwrite("tile_runs_per_frame", &TrackerOptions::tile_runs_per_frame);
    py::class_<PyFaceTracker>(m, "FaceTracker")
        .def(py::init<const py::object&, const py::object&, const py::object&, const TrackerOptions&, const py::object&>(),
             py::arg("detector"), py::arg("mesh"), py::arg("detector_full_range") = py::none(),
             py::arg("options") = TrackerOptions(), py::arg("iris") = py::none())
        .def_static("native", &PyFaceTracker::native, py::arg("models_dir"), py::arg("precisions"),
                    py::arg("options") = TrackerOptions(), py::arg("mesh_task") = "face_landmark")
        .def("track", &PyFaceTracker::track, py::arg("frame"), py::arg("timestamp"), py::arg("camera_rotation") = 0,
             py::arg("format") = "rgba")
        .def("detect", &PyFaceTracker::detect, py::arg("rgba"), py::arg("rotation") = 0)
        .def("stats", &PyFaceTracker::stats)
        .def("reset", &PyFaceTracker::reset)
        .def_property_readonly("has_iris_network", &PyFaceTracker::has_iris_network)
        .def_property("options", &PyFaceTracker::options, &PyFaceTracker::set_options);
    m.def("canonical_face_pose", [](const py::array_t<float, py::array::c_style | py::array::forcecast>& pts) {
        if (pts.ndim() != 2 || pts.shape(0) != kMeshPoints || pts.shape(1) != 3) {
            throw py::value_error("expected a (468, 3) array");
        }
        std::array<Point3, kMeshPoints> p;
        for (int i = 0; i < kMeshPoints; ++i) p[static_cast<std::size_t>(i)] = {pts.at(i, 0), pts.at(i, 1), pts.at(i, 2)};
        const HeadPose pose = estimate_pose(p);
        return py::make_tuple(pose.yaw, pose.pitch, pose.roll, pose.scale);
    }, py::arg("landmarks"), "Head pose (yaw, pitch, roll degrees; scale) of 468 landmarks against the canonical face.");
}
