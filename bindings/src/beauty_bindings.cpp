#include "beauty_bindings.h"

#include <cmath>
#include <string>

#include "meiyan/meiyan.h"

namespace py = pybind11;

namespace meiyan_bindings {

std::vector<meiyan::FaceShape> faces_from_arrays(const py::sequence& landmarks) {
    std::vector<meiyan::FaceShape> faces;
    for (std::size_t i = 0; i < landmarks.size(); ++i) {
        const auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(landmarks[i]);
        if (!a || a.ndim() != 2 || a.shape(0) < meiyan::kFaceMeshPoints || (a.shape(1) != 2 && a.shape(1) != 3)) {
            throw py::value_error("face " + std::to_string(i) + ": landmarks must be a float array of shape (468, 2) or (468, 3)");
        }
        meiyan::FaceShape f;
        const float* d = a.data();
        const py::ssize_t cols = a.shape(1);
        for (int k = 0; k < meiyan::kFaceMeshPoints; ++k) {
            const float x = d[k * cols], y = d[k * cols + 1];
            if (!std::isfinite(x) || !std::isfinite(y)) {
                throw py::value_error("face " + std::to_string(i) + ": landmark " + std::to_string(k) + " is not finite");
            }
            f.points[static_cast<std::size_t>(k)] = {x, y};
        }
        faces.push_back(f);
    }
    return faces;
}

void add_face_info(std::vector<meiyan::FaceShape>& faces, const py::object& ids, const py::object& yaws,
                   const py::object& scales, const py::object& expressions, const py::object& irises) {
    auto each = [&](const py::object& seq, const char* what, auto&& set) {
        if (seq.is_none()) return;
        const auto items = seq.cast<py::sequence>();
        if (items.size() != faces.size()) {
            throw py::value_error(std::string(what) + " must hold one value per face (" + std::to_string(faces.size()) +
                                  "), got " + std::to_string(items.size()));
        }
        for (std::size_t i = 0; i < faces.size(); ++i) set(faces[i], items[i]);
    };
    each(ids, "ids", [](meiyan::FaceShape& f, const py::handle& v) { f.id = v.cast<int>(); });
    each(yaws, "yaws", [](meiyan::FaceShape& f, const py::handle& v) {
        const float y = v.cast<float>();
        if (!std::isfinite(y) || y < -180 || y > 180) throw py::value_error("yaw must be in -180..180 degrees");
        f.yaw = y;
    });
    each(scales, "scales", [](meiyan::FaceShape& f, const py::handle& v) {
        const float sc = v.cast<float>();
        if (!std::isfinite(sc) || sc < 0) throw py::value_error("scale must be finite and >= 0");
        f.scale = sc;
    });
    each(expressions, "expressions", [](meiyan::FaceShape& f, const py::handle& v) {
        const long bits = v.cast<long>();
        if (bits < 0 || bits >= (1L << MEIYAN_EXPRESSION_COUNT)) {
            throw py::value_error("expressions must be bit masks of meiyan_expression flags (0..31)");
        }
        f.expressions_active = static_cast<uint32_t>(bits);
    });
    // per face: None (no iris points) or 10 x 2+ floats (right eye's centre + 4 boundary, then the left's)
    each(irises, "iris", [](meiyan::FaceShape& f, const py::handle& v) {
        if (v.is_none()) return;
        const auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(v);
        if (!a || a.ndim() != 2 || a.shape(0) != meiyan::kFaceIrisPoints || a.shape(1) < 2) {
            throw py::value_error("iris points must be an array of shape (10, 2) or (10, 3) (or None)");
        }
        const auto r = a.unchecked<2>();
        for (py::ssize_t k = 0; k < meiyan::kFaceIrisPoints; ++k) {
            if (!std::isfinite(r(k, 0)) || !std::isfinite(r(k, 1))) throw py::value_error("iris points must be finite");
            f.iris[static_cast<std::size_t>(k)] = {r(k, 0), r(k, 1)};
        }
        f.has_iris = true;
    });
}

meiyan::MakeupLayer makeup_layer(const char* name, const std::array<float, 3>& color, float intensity,
                                 const std::string& blend) {
    meiyan::MakeupLayer l;
    for (int c = 0; c < 3; ++c) l.color[c] = color[static_cast<std::size_t>(c)];
    l.intensity = intensity;
    if (blend == "normal") {
        l.blend = meiyan::BlendMode::Normal;
    } else if (blend == "multiply") {
        l.blend = meiyan::BlendMode::Multiply;
    } else if (blend == "soft_light") {
        l.blend = meiyan::BlendMode::SoftLight;
    } else if (blend == "overlay") {
        l.blend = meiyan::BlendMode::Overlay;
    } else if (blend == "screen") {
        l.blend = meiyan::BlendMode::Screen;
    } else {
        throw py::value_error(std::string(name) + "_blend must be normal, multiply, soft_light, overlay or screen, got '" +
                              blend + "'");
    }
    return l;
}

std::shared_ptr<const meiyan::UvMask> uv_mask(const py::object& coverage) {
    if (coverage.is_none()) return nullptr;
    const auto a = py::array_t<uint8_t, py::array::c_style>::ensure(coverage);
    if (!a || a.ndim() != 2 || a.shape(0) != a.shape(1)) {
        throw py::value_error("a makeup mask must be a square 2-D uint8 array (the coverage, 0..255)");
    }
    return std::make_shared<const meiyan::UvMask>(a.data(), static_cast<int>(a.shape(0)), static_cast<std::ptrdiff_t>(a.shape(1)));
}

meiyan::UvLayer uv_layer_of(const std::string& name) {
    for (int i = 0; i < meiyan::kUvLayerCount; ++i) {
        if (name == meiyan::uv_layer_name(static_cast<meiyan::UvLayer>(i))) return static_cast<meiyan::UvLayer>(i);
    }
    throw py::value_error("unknown makeup mask layer '" + name + "' (eyeshadow, eyeliner, lashes, contour, highlight)");
}

py::dict beauty_dict(const meiyan::BeautyParams& p) {
    py::dict d;
    d["smoothing"] = p.smoothing;
    d["whitening"] = p.whitening;
    d["rosy"] = p.rosy;
    d["sharpen"] = p.sharpen;
    d["teeth_whiten"] = p.teeth_whiten;
    d["eye_brighten"] = p.eye_brighten;
    d["dark_circles"] = p.dark_circles;
    return d;
}

}  // namespace meiyan_bindings
