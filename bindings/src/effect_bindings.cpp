#include "effect_bindings.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "effects/stickers/sticker_scene.h"

namespace py = pybind11;
using meiyan::EffectPackage;

namespace meiyan_bindings {

namespace {

struct PyEffectPackage {
    std::shared_ptr<EffectPackage> pkg;
};

const char* trigger_name(meiyan::StickerTrigger t) {
    switch (t) {
        case meiyan::StickerTrigger::Always: return "always";
        case meiyan::StickerTrigger::FaceAppears: return "face_appears";
        case meiyan::StickerTrigger::MouthOpen: return "mouth_open";
        case meiyan::StickerTrigger::Blink: return "blink";
        case meiyan::StickerTrigger::BrowRaise: return "brow_raise";
        case meiyan::StickerTrigger::Smile: return "smile";
    }
    return "?";
}

py::dict element_dict(const EffectPackage& p, const meiyan::EffectElement& e) {
    py::dict d;
    d["id"] = e.id;
    d["type"] = e.type == meiyan::ElementType::Sticker ? "sticker" : "face_mask";
    d["z"] = e.z;
    d["opacity"] = e.opacity;
    d["trigger"] = trigger_name(e.trigger);
    d["play"] = e.play == meiyan::StickerPlay::Loop ? "loop" : "once";
    if (e.type == meiyan::ElementType::FaceMask) {
        d["texture"] = p.image_names()[static_cast<std::size_t>(e.texture)];
        return d;
    }
    py::list frames;
    for (int f : e.frames) frames.append(p.image_names()[static_cast<std::size_t>(f)]);
    d["frames"] = frames;
    d["fps"] = e.fps;
    d["anchor"] = e.anchor;
    d["offset"] = py::make_tuple(e.offset[0], e.offset[1]);
    d["width"] = e.width;
    d["pivot"] = py::make_tuple(e.pivot[0], e.pivot[1]);
    return d;
}

void set_image(PyEffectPackage& self, int index, const py::array& a, const std::string& format) {
    meiyan::PixelFormat f;
    if (format == "rgba") {
        f = meiyan::PixelFormat::RGBA8;
    } else if (format == "bgra") {
        f = meiyan::PixelFormat::BGRA8;
    } else if (format == "rgb") {
        f = meiyan::PixelFormat::RGB8;
    } else if (format == "bgr") {
        f = meiyan::PixelFormat::BGR8;
    } else {
        throw py::value_error("format must be rgba, bgra, rgb or bgr, got '" + format + "'");
    }
    if (!a.dtype().is(py::dtype::of<uint8_t>())) throw py::type_error("image must have dtype uint8");
    const int channels = meiyan::bytes_per_pixel(f);
    if (a.ndim() != 3 || a.shape(2) != channels) {
        throw py::value_error(format + " image must have shape (H, W, " + std::to_string(channels) + ")");
    }
    const auto c = py::array_t<uint8_t, py::array::c_style>::ensure(a);
    if (!c) throw py::value_error("cannot read the image array");
    meiyan::ImageView v;
    v.format = f;
    v.width = static_cast<int>(c.shape(1));
    v.height = static_cast<int>(c.shape(0));
    v.stride[0] = static_cast<std::ptrdiff_t>(c.shape(1)) * channels;
    v.data[0] = const_cast<uint8_t*>(c.data());
    self.pkg->set_image(index, v);
}

}  // namespace

std::shared_ptr<const EffectPackage> effect_of(const py::object& obj) {
    if (obj.is_none()) return nullptr;
    return obj.cast<PyEffectPackage&>().pkg;
}

void register_effects(py::module_& m) {
    py::class_<PyEffectPackage>(m, "EffectPackage", "A parsed effect package manifest and its images")
        .def_static(
            "parse", [](const std::string& manifest) { return PyEffectPackage{EffectPackage::parse(manifest)}; },
            py::arg("manifest"), "Parse manifest.json text; raises ValueError listing the problems.")
        .def_static("validate", &EffectPackage::validate, py::arg("manifest"), "Every problem of a manifest (empty: valid).")
        .def_property_readonly("name", [](const PyEffectPackage& s) { return s.pkg->name(); })
        .def_property_readonly("description", [](const PyEffectPackage& s) { return s.pkg->description(); })
        .def_property_readonly("look_json", [](const PyEffectPackage& s) { return s.pkg->look_json(); })
        .def_property_readonly("image_names", [](const PyEffectPackage& s) { return s.pkg->image_names(); })
        .def_property_readonly("elements",
                               [](const PyEffectPackage& s) {
                                   py::list out;
                                   for (const auto& e : s.pkg->elements()) out.append(element_dict(*s.pkg, e));
                                   return out;
                               })
        .def("set_image", &set_image, py::arg("index"), py::arg("image"), py::arg("format") = "bgra")
        .def("image_ready", [](const PyEffectPackage& s, int i) { return s.pkg->image_ready(i); }, py::arg("index"))
        .def(
            "placement",
            [](const PyEffectPackage& s, const std::string& element_id, const py::array_t<float, py::array::c_style | py::array::forcecast>& landmarks,
               float yaw, float scale) {
                if (landmarks.ndim() != 2 || landmarks.shape(0) < meiyan::kFaceMeshPoints || landmarks.shape(1) < 2) {
                    throw py::value_error("landmarks must have shape (468, 2) or (468, 3)");
                }
                meiyan::FaceShape f;
                for (int k = 0; k < meiyan::kFaceMeshPoints; ++k) {
                    f.points[static_cast<std::size_t>(k)] = {landmarks.at(k, 0), landmarks.at(k, 1)};
                }
                f.yaw = yaw;
                f.scale = scale;
                for (const auto& e : s.pkg->elements()) {
                    if (e.id != element_id) continue;
                    if (e.type != meiyan::ElementType::Sticker) throw py::value_error("'" + element_id + "' is not a sticker");
                    const int img = e.frames[0];
                    int w = 1, h = 1;
                    if (s.pkg->image_ready(img)) {
                        w = s.pkg->image(img).width;
                        h = s.pkg->image(img).height;
                    }
                    const auto q = meiyan::sticker_quad(e, f, w, h);
                    py::array_t<float> out({4, 2});
                    for (int k = 0; k < 4; ++k) {
                        out.mutable_at(k, 0) = q[static_cast<std::size_t>(k)].x;
                        out.mutable_at(k, 1) = q[static_cast<std::size_t>(k)].y;
                    }
                    return out;
                }
                throw py::value_error("no element with id '" + element_id + "'");
            },
            py::arg("element_id"), py::arg("landmarks"), py::arg("yaw") = 0.0f, py::arg("scale") = 0.0f,
            "Corners (u,v = 00, 10, 11, 01) of a sticker's first frame on a face, frame pixels.");
}

}  // namespace meiyan_bindings
