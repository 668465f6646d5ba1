// meiyan._core: the C++ API for Python. NumPy arrays are viewed in place wherever their strides let
// the kernels read them, and the GIL is released while a frame is processed.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>

#include "core/error.h"
#include "engine/engine.h"
#include "background_bindings.h"
#include "beauty_bindings.h"
#include "effect_bindings.h"
#include "face_bindings.h"
#include "nn_bindings.h"

namespace py = pybind11;
using namespace meiyan;

namespace {

struct FormatName {
    const char* name;
    PixelFormat format;
};

constexpr FormatName kFormats[] = {
    {"rgba", PixelFormat::RGBA8}, {"bgra", PixelFormat::BGRA8}, {"rgb", PixelFormat::RGB8}, {"bgr", PixelFormat::BGR8},
    {"nv12", PixelFormat::NV12},  {"nv21", PixelFormat::NV21},  {"i420", PixelFormat::I420},
};

PixelFormat parse_format(const std::string& name) {
    for (const auto& f : kFormats) {
        if (name == f.name) return f.format;
    }
    throw py::value_error("unknown pixel format '" + name + "'; expected one of rgba, bgra, rgb, bgr, nv12, nv21, i420");
}

const char* format_key(PixelFormat f) {
    for (const auto& k : kFormats) {
        if (k.format == f) return k.name;
    }
    return "?";
}

// Default format for an array: 3 channels are BGR (as OpenCV gives), 4 are RGBA.
PixelFormat guess_format(const py::array& a) {
    if (a.ndim() == 3 && a.shape(2) == 3) return PixelFormat::BGR8;
    if (a.ndim() == 3 && a.shape(2) == 4) return PixelFormat::RGBA8;
    throw py::value_error("cannot tell the pixel format of a " + std::to_string(a.ndim()) +
                          "-D array; pass format= (3-channel arrays are taken as bgr, 4-channel as rgba)");
}

// Views a NumPy array as an image without copying. Packed formats: HxWxC uint8 with unit channel
// stride and C-byte pixel stride (rows may be padded or negative). YUV formats: a (H*3/2)xW uint8
// array in the usual tight layout, even W and H.
ImageView view_of(const py::array& a, PixelFormat format, bool writable) {
    if (!a.dtype().is(py::dtype::of<uint8_t>())) {
        throw py::type_error("image must have dtype uint8, got " + std::string(py::str(a.dtype())));
    }
    if (writable && !a.writeable()) throw py::value_error("output array is read-only");
    ImageView v;
    v.format = format;
    auto* base = static_cast<uint8_t*>(const_cast<void*>(a.data()));
    if (is_yuv(format)) {
        if (a.ndim() != 2) throw py::value_error(std::string(format_key(format)) + " image must be a 2-D array of shape (H*3/2, W)");
        const py::ssize_t rows = a.shape(0), w = a.shape(1);
        if (w == 0 || rows == 0 || rows % 3 != 0 || (rows / 3 * 2) % 2 != 0 || w % 2 != 0) {
            throw py::value_error(std::string(format_key(format)) + " array must have shape (H*3/2, W) with even, non-zero H and W; got (" +
                                  std::to_string(rows) + ", " + std::to_string(w) + ")");
        }
        if (a.strides(1) != 1) throw py::value_error("yuv array columns must be contiguous");
        const py::ssize_t h = rows / 3 * 2;
        const py::ssize_t stride = a.strides(0);
        v.width = static_cast<int>(w);
        v.height = static_cast<int>(h);
        v.data[0] = base;
        v.stride[0] = stride;
        if (format == PixelFormat::I420) {
            if (stride != w) throw py::value_error("i420 arrays must be C-contiguous");
            v.data[1] = base + w * h;
            v.stride[1] = w / 2;
            v.data[2] = v.data[1] + (w / 2) * (h / 2);
            v.stride[2] = w / 2;
        } else {
            v.data[1] = base + stride * h;
            v.stride[1] = stride;
        }
        return v;
    }
    const int channels = bytes_per_pixel(format);
    if (a.ndim() != 3 || a.shape(2) != channels) {
        throw py::value_error(std::string(format_key(format)) + " image must have shape (H, W, " + std::to_string(channels) +
                              "), got ndim " + std::to_string(a.ndim()) +
                              (a.ndim() == 3 ? " with " + std::to_string(a.shape(2)) + " channels" : std::string()));
    }
    if (a.shape(0) == 0 || a.shape(1) == 0) throw py::value_error("image is empty (0 rows or 0 columns)");
    if (a.shape(0) > (1 << 15) || a.shape(1) > (1 << 15)) throw py::value_error("image is larger than 32768 pixels on a side");
    if (a.strides(2) != 1 || a.strides(1) != channels) {
        throw py::value_error("image pixels must be contiguous within a row (use numpy.ascontiguousarray)");
    }
    v.width = static_cast<int>(a.shape(1));
    v.height = static_cast<int>(a.shape(0));
    v.data[0] = base;
    v.stride[0] = a.strides(0);
    return v;
}

// Contiguous copy when the array's layout cannot be viewed directly (non-unit channel stride etc.).
py::array as_viewable(const py::array& a) {
    if (a.ndim() == 3 && (a.strides(2) != 1 || a.strides(1) != a.shape(2))) {
        return py::array::ensure(a, py::array::c_style);
    }
    return a;
}

py::array new_like(PixelFormat format, int width, int height) {
    if (is_yuv(format)) return py::array_t<uint8_t>({static_cast<py::ssize_t>(height) * 3 / 2, static_cast<py::ssize_t>(width)});
    return py::array_t<uint8_t>({static_cast<py::ssize_t>(height), static_cast<py::ssize_t>(width),
                                 static_cast<py::ssize_t>(bytes_per_pixel(format))});
}

class PyLut {
public:
    explicit PyLut(std::shared_ptr<const Lut3D> lut) : lut_(std::move(lut)) {}
    static PyLut load(const std::string& path) { return PyLut(std::make_shared<const Lut3D>(Lut3D::load_cube(path))); }
    static PyLut parse(const std::string& text) { return PyLut(std::make_shared<const Lut3D>(Lut3D::parse_cube(text))); }
    int size() const { return lut_->size(); }
    py::array_t<float> table() const {
        const int n = lut_->size();
        py::array_t<float> out({n, n, n, 3});  // indexed [b, g, r, channel], as stored
        std::memcpy(out.mutable_data(), lut_->data().data(), lut_->data().size() * sizeof(float));
        return out;
    }
    const std::shared_ptr<const Lut3D>& get() const { return lut_; }

private:
    std::shared_ptr<const Lut3D> lut_;
};

class PyEngine {
public:
    PyEngine(const std::string& backend, const std::string& gl_context) {
        EngineOptions o;
        if (backend == "cpu") {
            o.backend = Backend::Cpu;
        } else if (backend == "gl") {
            o.backend = Backend::Gl;
        } else {
            throw py::value_error("backend must be 'cpu' or 'gl', got '" + backend + "'");
        }
        if (gl_context != "own" && gl_context != "current") {
            throw py::value_error("gl_context must be 'own' or 'current', got '" + gl_context + "'");
        }
        o.gl_use_current_context = gl_context == "current";
        engine_ = std::make_unique<Engine>(o);
    }

    std::string renderer_name() const { return engine_->renderer_name(); }
    std::string backend() const { return engine_->backend() == Backend::Gl ? "gl" : "cpu"; }

    void set_color(float brightness, float contrast, float saturation, float warmth, float whitening, float lut_intensity) {
        ColorParams p;
        p.brightness = brightness;
        p.contrast = contrast;
        p.saturation = saturation;
        p.warmth = warmth;
        p.whitening = whitening;
        p.lut_intensity = lut_intensity;
        engine_->set_color(p);
    }

    py::dict color() const {
        const ColorParams& p = engine_->color();
        py::dict d;
        d["brightness"] = p.brightness;
        d["contrast"] = p.contrast;
        d["saturation"] = p.saturation;
        d["warmth"] = p.warmth;
        d["whitening"] = p.whitening;
        d["lut_intensity"] = p.lut_intensity;
        return d;
    }

    void set_lut(const PyLut* lut) { engine_->set_lut(lut ? lut->get() : nullptr); }
    bool has_lut() const { return engine_->lut() != nullptr; }

    py::array process(const py::array& image, const std::optional<std::string>& format, const std::optional<py::array>& out,
                      const std::optional<std::string>& out_format) {
        const py::array in_arr = as_viewable(image);
        const PixelFormat in_fmt = format ? parse_format(*format) : guess_format(in_arr);
        const ImageView in = view_of(in_arr, in_fmt, false);
        const PixelFormat out_fmt = out_format ? parse_format(*out_format) : in_fmt;
        py::array result = out ? *out : new_like(out_fmt, in.width, in.height);
        const ImageView dst = view_of(result, out_fmt, true);
        if (dst.width != in.width || dst.height != in.height) {
            throw py::value_error("out has size " + std::to_string(dst.width) + "x" + std::to_string(dst.height) +
                                  ", the input " + std::to_string(in.width) + "x" + std::to_string(in.height));
        }
        {
            py::gil_scoped_release release;
            engine_->process(in, dst);
        }
        return result;
    }

    void process_texture(uint32_t in_texture, uint32_t out_texture, int width, int height) {
        engine_->process_texture(in_texture, out_texture, width, height);
    }
    Engine& native() { return *engine_; }

private:
    std::unique_ptr<Engine> engine_;
};

py::array convert_image(const py::array& image, const std::string& src_format, const std::string& dst_format) {
    const py::array arr = as_viewable(image);
    const PixelFormat sf = parse_format(src_format), df = parse_format(dst_format);
    const ImageView src = view_of(arr, sf, false);
    if (is_yuv(df) && (src.width % 2 || src.height % 2)) throw py::value_error("conversion to yuv arrays needs even width and height");
    py::array result = new_like(df, src.width, src.height);
    const ImageView dst = view_of(result, df, true);
    bool ok;
    {
        py::gil_scoped_release release;
        ok = convert(src, dst);
    }
    if (!ok) throw py::value_error("no conversion from " + src_format + " to " + dst_format);
    return result;
}

PixelFormat four_channel_format(const py::array& a) {
    if (a.ndim() != 3 || a.shape(2) != 4) throw py::value_error("expected an (H, W, 4) RGBA or BGRA array");
    return PixelFormat::RGBA8;
}

py::array rotate_image(const py::array& image, int degrees, bool mirror) {
    if (degrees != 0 && degrees != 90 && degrees != 180 && degrees != 270) {
        throw py::value_error("degrees must be 0, 90, 180 or 270, got " + std::to_string(degrees));
    }
    const py::array arr = as_viewable(image);
    const ImageView src = view_of(arr, four_channel_format(arr), false);
    const bool swap = degrees == 90 || degrees == 270;
    py::array result = new_like(PixelFormat::RGBA8, swap ? src.height : src.width, swap ? src.width : src.height);
    const ImageView dst = view_of(result, PixelFormat::RGBA8, true);
    py::gil_scoped_release release;
    rotate_rgba(src, dst, degrees, mirror);
    return result;
}

py::array resize_image(const py::array& image, int width, int height) {
    if (width <= 0 || height <= 0 || width > (1 << 15) || height > (1 << 15)) {
        throw py::value_error("target size must be in 1..32768, got " + std::to_string(width) + "x" + std::to_string(height));
    }
    const py::array arr = as_viewable(image);
    const ImageView src = view_of(arr, four_channel_format(arr), false);
    py::array result = new_like(PixelFormat::RGBA8, width, height);
    const ImageView dst = view_of(result, PixelFormat::RGBA8, true);
    py::gil_scoped_release release;
    resize_bilinear_rgba(src, dst);
    return result;
}

SimdLevel parse_simd(const std::string& name) {
    for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::SSE2, SimdLevel::AVX2, SimdLevel::NEON}) {
        if (name == simd_level_name(l)) return l;
    }
    throw py::value_error("unknown SIMD level '" + name + "'");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "meiyan native core";
    m.attr("__version__") = MEIYAN_VERSION_STRING;
    m.attr("abi_version") = MEIYAN_ABI_VERSION;
#if MEIYAN_WITH_GL
    m.attr("gl_built") = true;
#else
    m.attr("gl_built") = false;
#endif

    static py::exception<Error> base_error(m, "MeiyanError", PyExc_RuntimeError);
    static py::exception<Error> gl_error(m, "GLError", base_error.ptr());
    static py::exception<Error> unsupported_error(m, "UnsupportedError", base_error.ptr());
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const Error& e) {
            switch (e.code()) {
                case MEIYAN_ERROR_INVALID_ARGUMENT:
                case MEIYAN_ERROR_CORRUPT_DATA: PyErr_SetString(PyExc_ValueError, e.what()); return;
                case MEIYAN_ERROR_IO: PyErr_SetString(PyExc_FileNotFoundError, e.what()); return;
                case MEIYAN_ERROR_OUT_OF_MEMORY: PyErr_SetString(PyExc_MemoryError, e.what()); return;
                case MEIYAN_ERROR_GL: py::set_error(gl_error, e.what()); return;
                case MEIYAN_ERROR_UNSUPPORTED: py::set_error(unsupported_error, e.what()); return;
                default: py::set_error(base_error, e.what()); return;
            }
        }
    });

    py::class_<PyLut>(m, "Lut", "A 3D colour lookup table (.cube)")
        .def_static("load", &PyLut::load, py::arg("path"), "Read a .cube file.")
        .def_static("parse", &PyLut::parse, py::arg("text"), "Parse .cube text.")
        .def_property_readonly("size", &PyLut::size)
        .def_property_readonly("table", &PyLut::table, "Float32 array [b, g, r, 3] normalised to [0, 1].");

    py::class_<PyEngine> engine_class(m, "Engine");
    meiyan_bindings::register_beauty(engine_class);
    meiyan_bindings::register_background(m, engine_class);
    meiyan_bindings::register_effect_engine(engine_class);
    engine_class
        .def(py::init<const std::string&, const std::string&>(), py::arg("backend") = "cpu", py::arg("gl_context") = "own")
        .def_property_readonly("renderer_name", &PyEngine::renderer_name)
        .def_property_readonly("backend", &PyEngine::backend)
        .def("set_color", &PyEngine::set_color, py::kw_only(), py::arg("brightness") = 0.0f, py::arg("contrast") = 0.0f,
             py::arg("saturation") = 0.0f, py::arg("warmth") = 0.0f, py::arg("whitening") = 0.0f,
             py::arg("lut_intensity") = 1.0f)
        .def("color", &PyEngine::color)
        .def("set_lut", &PyEngine::set_lut, py::arg("lut").none(true))
        .def_property_readonly("has_lut", &PyEngine::has_lut)
        .def("process", &PyEngine::process, py::arg("image"), py::kw_only(), py::arg("format") = py::none(),
             py::arg("out") = py::none(), py::arg("out_format") = py::none())
        .def("process_texture", &PyEngine::process_texture, py::arg("in_texture"), py::arg("out_texture"), py::arg("width"),
             py::arg("height"));

    m.def("convert", &convert_image, py::arg("image"), py::arg("src_format"), py::arg("dst_format"));
    m.def("rotate", &rotate_image, py::arg("image"), py::arg("degrees"), py::arg("mirror") = false);
    m.def("resize", &resize_image, py::arg("image"), py::arg("width"), py::arg("height"));
    m.def("simd_detected", [] { return std::string(simd_level_name(simd_detected())); });
    m.def("simd_active", [] { return std::string(simd_level_name(simd_active())); });
    m.def("simd_force", [](const std::string& level) { simd_force(parse_simd(level)); }, py::arg("level"));
    m.def("cpu_features", [] { return std::string(meiyan_cpu_features()); });

    register_face(m);
    register_nn(m);
    meiyan_bindings::register_effects(m);
}
