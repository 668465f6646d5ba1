#include "background_bindings.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "effects/background/background_cpu.h"
#include "image/image.h"

namespace py = pybind11;

namespace meiyan_bindings {

namespace {

using meiyan::BackgroundMode;

// An (H, W, 3) BGR or (H, W, 4) RGBA uint8 array as RGBA pixels (copied: the engine keeps them).
std::shared_ptr<const meiyan::RgbaImage> rgba_image(const py::object& obj, const char* what) {
    if (!py::isinstance<py::array>(obj)) throw py::type_error(std::string(what) + " must be a numpy.ndarray");
    const py::array arr = py::reinterpret_borrow<py::array>(obj);
    if (!arr.dtype().is(py::dtype::of<uint8_t>())) {
        throw py::type_error(std::string(what) + " must have dtype uint8, got " + std::string(py::str(arr.dtype())));
    }
    if (arr.ndim() != 3 || (arr.shape(2) != 3 && arr.shape(2) != 4)) {
        throw py::value_error(std::string(what) + " must be an (H, W, 3) BGR or (H, W, 4) RGBA array");
    }
    if (arr.shape(0) == 0 || arr.shape(1) == 0 || arr.shape(0) > meiyan::kMaxImageDimension ||
        arr.shape(1) > meiyan::kMaxImageDimension) {
        throw py::value_error(std::string(what) + " must be 1.." + std::to_string(meiyan::kMaxImageDimension) +
                              " pixels on a side");
    }
    const auto c = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(arr);
    const int h = static_cast<int>(c.shape(0)), w = static_cast<int>(c.shape(1)), ch = static_cast<int>(c.shape(2));
    auto img = std::make_shared<meiyan::RgbaImage>();
    img->width = w;
    img->height = h;
    img->pixels.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
    meiyan::ImageView src;
    src.format = ch == 3 ? meiyan::PixelFormat::BGR8 : meiyan::PixelFormat::RGBA8;
    src.width = w;
    src.height = h;
    src.data[0] = const_cast<uint8_t*>(c.data());
    src.stride[0] = static_cast<std::ptrdiff_t>(w) * ch;
    if (!meiyan::convert(src, meiyan::background::rgba_view_of(img->pixels.data(), w, h))) {
        throw py::value_error(std::string("cannot convert the ") + what);
    }
    return img;
}

const char* mode_name(BackgroundMode m) {
    switch (m) {
        case BackgroundMode::None: return "none";
        case BackgroundMode::Blur: return "blur";
        case BackgroundMode::Color: return "color";
        case BackgroundMode::Image: return "image";
    }
    return "?";
}

py::array_t<uint8_t> grid_array(const meiyan::PersonMask& m) {
    py::array_t<uint8_t> out({m.height, m.width});
    std::memcpy(out.mutable_data(), m.alpha.data(), m.alpha.size());
    return out;
}

class PySegmenter {
public:
    PySegmenter(const std::string& models_dir, int interval, float smoothing, bool refine, int threads)
        : seg_(meiyan::PersonSegmenter::load(models_dir, segmenter_options(interval, smoothing, refine))) {
        if (threads < 0 || threads > 64) throw py::value_error("threads must be in 0..64 (0: one per core), got " + std::to_string(threads));
        seg_->set_threads(threads);
    }

    py::array_t<uint8_t> update(const py::array& rgba) {
        const auto c = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(rgba);
        if (!c || c.ndim() != 3 || c.shape(2) != 4 || c.shape(0) == 0 || c.shape(1) == 0) {
            throw py::value_error("the segmenter takes (H, W, 4) RGBA uint8 frames");
        }
        meiyan::ImageView v = meiyan::background::rgba_view_of(c.data(), static_cast<int>(c.shape(1)),
                                                               static_cast<int>(c.shape(0)));
        std::shared_ptr<const meiyan::PersonMask> m;
        {
            py::gil_scoped_release release;
            m = seg_->update(v);
        }
        return grid_array(*m);
    }

    py::array_t<float> probabilities() const {
        const std::vector<float>& p = seg_->probabilities();
        if (p.empty()) return py::array_t<float>(std::vector<py::ssize_t>{0, 0});
        const int n = meiyan::PersonSegmenter::kInputSize;
        py::array_t<float> out({n, n});
        std::memcpy(out.mutable_data(), p.data(), p.size() * sizeof(float));
        return out;
    }

    meiyan::PersonSegmenter& get() { return *seg_; }

private:
    std::unique_ptr<meiyan::PersonSegmenter> seg_;
};

}  // namespace

meiyan::SegmenterOptions segmenter_options(int interval, float smoothing, bool refine) {
    meiyan::SegmenterOptions o;
    o.interval = interval;
    o.smoothing = smoothing;
    o.refine = refine;
    o.validate();
    return o;
}

meiyan::BackgroundParams background_params(const std::string& mode, float blur, const std::array<float, 3>& color,
                                           const py::object& image, float feather) {
    meiyan::BackgroundParams p;
    if (mode == "none") {
        p.mode = BackgroundMode::None;
    } else if (mode == "blur") {
        p.mode = BackgroundMode::Blur;
    } else if (mode == "color") {
        p.mode = BackgroundMode::Color;
    } else if (mode == "image") {
        p.mode = BackgroundMode::Image;
    } else {
        throw py::value_error("background mode must be none, blur, color or image, got '" + mode + "'");
    }
    p.blur = blur;
    for (std::size_t c = 0; c < 3; ++c) p.color[c] = color[c];
    p.feather = feather;
    if (!image.is_none()) p.image = rgba_image(image, "background image");
    p.validate();
    return p;
}

py::dict background_dict(const meiyan::BackgroundParams& p) {
    py::dict d;
    d["mode"] = mode_name(p.mode);
    d["blur"] = p.blur;
    d["color"] = py::make_tuple(p.color[0], p.color[1], p.color[2]);
    d["feather"] = p.feather;
    d["image_size"] = p.image ? py::object(py::make_tuple(p.image->width, p.image->height)) : py::object(py::none());
    return d;
}

py::dict segmenter_stats(const meiyan::PersonSegmenter& s) {
    const meiyan::PersonSegmenter::Stats& st = s.stats();
    py::dict d;
    d["frames"] = st.frames;
    d["network_runs"] = st.network_runs;
    d["network_seconds"] = st.network_seconds;
    d["refine_seconds"] = st.refine_seconds;
    d["interval"] = s.options().interval;
    d["smoothing"] = s.options().smoothing;
    d["refine"] = s.options().refine;
    return d;
}

std::shared_ptr<const meiyan::PersonMask> mask_from_array(const py::object& obj) {
    if (obj.is_none()) return nullptr;
    if (!py::isinstance<py::array>(obj)) throw py::type_error("person mask must be a numpy.ndarray");
    const py::array arr = py::reinterpret_borrow<py::array>(obj);
    if (arr.ndim() != 2 || arr.shape(0) == 0 || arr.shape(1) == 0) {
        throw py::value_error("person mask must be a non-empty (H, W) array");
    }
    auto m = std::make_shared<meiyan::PersonMask>();
    m->height = static_cast<int>(arr.shape(0));
    m->width = static_cast<int>(arr.shape(1));
    m->alpha.resize(static_cast<std::size_t>(m->width) * static_cast<std::size_t>(m->height));
    if (arr.dtype().is(py::dtype::of<uint8_t>())) {
        const auto c = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(arr);
        std::memcpy(m->alpha.data(), c.data(), m->alpha.size());
    } else if (arr.dtype().kind() == 'f') {
        const auto c = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(arr);
        const float* d = c.data();
        for (std::size_t i = 0; i < m->alpha.size(); ++i) {
            if (!(d[i] >= 0.0f && d[i] <= 1.0f)) {
                throw py::value_error("person mask values must be in [0, 1], got " + std::to_string(d[i]));
            }
            m->alpha[i] = static_cast<uint8_t>(std::lround(d[i] * 255.0f));
        }
    } else {
        throw py::type_error("person mask must be float (0..1) or uint8 (0..255), got " + std::string(py::str(arr.dtype())));
    }
    return m;
}

py::object mask_to_array(const std::shared_ptr<const meiyan::PersonMask>& mask) {
    if (!mask) return py::none();
    return grid_array(*mask);
}

py::object mask_to_frame(const std::shared_ptr<const meiyan::PersonMask>& mask, int width, int height) {
    if (!mask) return py::none();
    std::vector<uint8_t> grid(mask->alpha.size() * 4, 0), up(static_cast<std::size_t>(width) * height * 4);
    for (std::size_t i = 0; i < mask->alpha.size(); ++i) grid[4 * i + 3] = mask->alpha[i];
    meiyan::resize_bilinear_rgba(meiyan::background::rgba_view_of(grid.data(), mask->width, mask->height),
                                 meiyan::background::rgba_view_of(up.data(), width, height));
    py::array_t<float> out({height, width});
    float* o = out.mutable_data();
    for (std::size_t i = 0; i < static_cast<std::size_t>(width) * height; ++i) o[i] = up[4 * i + 3] * (1.0f / 255.0f);
    return out;
}

void register_segmenter(py::module_& m) {
    py::class_<PySegmenter>(m, "PersonSegmenter",
                            "Person segmentation at a lower rate than the frames, blended in time, refined per frame.")
        .def(py::init<const std::string&, int, float, bool, int>(), py::arg("models_dir"), py::kw_only(),
             py::arg("interval") = 2, py::arg("smoothing") = 0.7f, py::arg("refine") = true, py::arg("threads") = 1)
        .def("update", &PySegmenter::update, py::arg("rgba"),
             "One RGBA frame of a stream; returns the person mask on the effect grid (uint8).")
        .def_property_readonly("probabilities", &PySegmenter::probabilities,
                               "The blended network output, 256x256 float32 (the frame stretched).")
        .def("reset", [](PySegmenter& s) { s.get().reset(); })
        .def("stats", [](PySegmenter& s) { return segmenter_stats(s.get()); })
        .def(
            "set_options",
            [](PySegmenter& s, int interval, float smoothing, bool refine) {
                s.get().set_options(segmenter_options(interval, smoothing, refine));
            },
            py::kw_only(), py::arg("interval") = 2, py::arg("smoothing") = 0.7f, py::arg("refine") = true);
    m.def(
        "background_grid",
        [](int width, int height) {
            if (width <= 0 || height <= 0) throw py::value_error("frame size must be positive");
            const meiyan::background::Grid g = meiyan::background::grid_for(width, height);
            return py::make_tuple(g.factor, g.width, g.height);
        },
        py::arg("width"), py::arg("height"), "(factor, width, height) of the background effects' grid for a frame size.");
}

}  // namespace meiyan_bindings
