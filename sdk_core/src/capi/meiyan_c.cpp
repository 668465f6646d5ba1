// The C API is a thin shell: each function calls the C++ core and turns exceptions into a status
// plus a thread-local message.
#include "meiyan/meiyan.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>

#include "core/error.h"
#include "effects/background/background_cpu.h"
#include "effects/makeup/makeup_masks.h"
#include "engine/engine.h"
#include "nn/nn_kernels.h"

struct meiyan_engine_s {
    meiyan::Engine engine;
    std::string name;  // keeps renderer_name()'s string alive for the caller
    explicit meiyan_engine_s(const meiyan::EngineOptions& o) : engine(o) {}
};

struct meiyan_lut_s {
    std::shared_ptr<const meiyan::Lut3D> lut;
};

struct meiyan_effect_s {
    std::shared_ptr<meiyan::EffectPackage> package;
};

// The C structs' layout is ABI: fields are only ever appended, and these checks catch a change.
static_assert(offsetof(meiyan_image, struct_size) == 0 && offsetof(meiyan_image, planes) == 16 &&
                  offsetof(meiyan_image, strides) == 16 + 3 * sizeof(void*),
              "meiyan_image layout changed");
static_assert(offsetof(meiyan_beauty_params, forehead) == 44 && offsetof(meiyan_beauty_params, teeth_whiten) == 48 &&
                  offsetof(meiyan_beauty_params, dark_circles) == 56 && sizeof(meiyan_beauty_params) == 60,
              "meiyan_beauty_params layout changed");
static_assert(sizeof(meiyan_makeup_layer) == 20 && offsetof(meiyan_makeup_params, lip_gloss) == 24 &&
                  offsetof(meiyan_makeup_params, brows) == 48 && offsetof(meiyan_makeup_params, eyeshadow) == 68 &&
                  offsetof(meiyan_makeup_params, highlight) == 148 && offsetof(meiyan_makeup_params, contacts) == 168 &&
                  sizeof(meiyan_makeup_params) == 188,
              "meiyan_makeup_params layout changed");
static_assert(offsetof(meiyan_color_params, brightness) == 4 && sizeof(meiyan_color_params) == 28,
              "meiyan_color_params layout changed");
static_assert(offsetof(meiyan_background_params, blur) == 8 && offsetof(meiyan_background_params, feather) == 24 &&
                  offsetof(meiyan_background_params, image) == (sizeof(void*) == 8 ? 32 : 28),
              "meiyan_background_params layout changed");
static_assert(sizeof(meiyan_tracker_options) == 32 && offsetof(meiyan_tracker_options, min_cutoff) == 8 &&
                  offsetof(meiyan_tracker_options, tile_runs_per_frame) == 28,
              "meiyan_tracker_options layout is part of the ABI");
static_assert(offsetof(meiyan_face, landmarks) == 12 && offsetof(meiyan_face, roi) == 12 + 468 * 3 * 4 &&
                  offsetof(meiyan_face, expressions_active) == sizeof(meiyan_face) - 4,
              "meiyan_face layout changed");

namespace {

// The size of meiyan_makeup_params in ABI 3 (before the UV-layout layers were appended).
constexpr uint32_t kMakeupParamsAbi3Size = offsetof(meiyan_makeup_params, eyeshadow);
constexpr uint32_t kBeautyParamsAbi3Size = offsetof(meiyan_beauty_params, teeth_whiten);

thread_local std::string g_last_error;

template <typename Fn>
meiyan_status guarded(Fn&& fn) {
    try {
        fn();
        g_last_error.clear();
        return MEIYAN_OK;
    } catch (const meiyan::Error& e) {
        g_last_error = e.what();
        return e.code();
    } catch (const std::bad_alloc&) {
        g_last_error = "out of memory";
        return MEIYAN_ERROR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        g_last_error = std::string("internal error: ") + e.what();
        return MEIYAN_ERROR_INTERNAL;
    } catch (...) {
        g_last_error = "internal error";
        return MEIYAN_ERROR_INTERNAL;
    }
}

// Reads a C enum field as the int a C caller may have stored, without loading an out-of-range
// value through the C++ enum type (undefined behaviour that UBSan rightly reports).
template <typename E>
int enum_value(const E& field) {
    static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
    int v = 0;
    std::memcpy(&v, &field, sizeof v);
    return v;
}

void require_ptr(const void* p, const char* name) { meiyan::require(p != nullptr, std::string(name) + " is NULL"); }

void require_struct(const void* p, uint32_t struct_size, std::size_t needed, const char* name) {
    require_ptr(p, name);
    meiyan::require(struct_size >= needed,
                    std::string(name) + "->struct_size is " + std::to_string(struct_size) + ", expected at least " +
                        std::to_string(needed) + " (call the matching _init function first)");
}

// Whether the caller's struct reaches past `field`: one from an older header lacks the fields
// appended since, which then keep their defaults.
template <typename S, typename F>
bool caller_has(const S* s, const F& field) {
    const auto end = static_cast<std::size_t>(reinterpret_cast<const char*>(&field + 1) -
                                              reinterpret_cast<const char*>(s));
    return s->struct_size >= end;
}

meiyan::ImageView to_view(const meiyan_image* img, const char* name) {
    require_struct(img, img ? img->struct_size : 0, sizeof(meiyan_image), name);
    const int format = enum_value(img->format);
    meiyan::require(format >= MEIYAN_FORMAT_RGBA8 && format <= MEIYAN_FORMAT_I420,
                    std::string(name) + " has an unknown pixel format " + std::to_string(format));
    meiyan::ImageView v;
    v.format = static_cast<meiyan::PixelFormat>(format);
    v.width = img->width;
    v.height = img->height;
    for (int i = 0; i < 3; ++i) {
        v.data[i] = img->planes[i];
        v.stride[i] = img->strides[i];
    }
    meiyan::require_valid(v, name);
    return v;
}

meiyan::Engine& engine_of(meiyan_engine* e) {
    require_ptr(e, "engine");
    return e->engine;
}

}  // namespace

extern "C" {

uint32_t meiyan_abi_version(void) { return MEIYAN_ABI_VERSION; }

const char* meiyan_version_string(void) { return MEIYAN_VERSION_STRING; }

const char* meiyan_last_error(void) { return g_last_error.c_str(); }

const char* meiyan_status_string(meiyan_status status) {
    switch (status) {
        case MEIYAN_OK: return "ok";
        case MEIYAN_ERROR_INVALID_ARGUMENT: return "invalid argument";
        case MEIYAN_ERROR_UNSUPPORTED: return "unsupported";
        case MEIYAN_ERROR_IO: return "i/o error";
        case MEIYAN_ERROR_CORRUPT_DATA: return "corrupt data";
        case MEIYAN_ERROR_GL: return "OpenGL error";
        case MEIYAN_ERROR_OUT_OF_MEMORY: return "out of memory";
        case MEIYAN_ERROR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char* meiyan_cpu_features(void) {
    switch (meiyan::simd_detected()) {
        case meiyan::SimdLevel::AVX2:
#if MEIYAN_NN_X86
            // the NN engine's uint8 GEMM also picks a dot-product extension when there is one
            if (meiyan::nn::avx512_vnni_supported()) return "sse4.1 avx2 avx512-vnni";
            if (meiyan::nn::avx_vnni_supported()) return "sse4.1 avx2 avx-vnni";
#endif
            return "sse4.1 avx2";
        case meiyan::SimdLevel::SSE2: return "sse4.1";
        case meiyan::SimdLevel::NEON: return "neon";
        case meiyan::SimdLevel::Scalar: break;
    }
    return "scalar";
}

void meiyan_engine_options_init(meiyan_engine_options* options) {
    if (!options) return;
    *options = meiyan_engine_options{};
    options->struct_size = sizeof(meiyan_engine_options);
    options->backend = MEIYAN_BACKEND_CPU;
    options->gl_context = MEIYAN_GL_CONTEXT_OWN;
}

void meiyan_beauty_params_init_sized(meiyan_beauty_params* params, uint32_t struct_size) {
    if (!params || struct_size < kBeautyParamsAbi3Size) return;
    meiyan_beauty_params p{};
    p.struct_size = static_cast<uint32_t>(std::min<std::size_t>(struct_size, sizeof(meiyan_beauty_params)));
    std::memcpy(params, &p, p.struct_size);  // only the caller's bytes: an older header's struct is shorter
}

void(meiyan_beauty_params_init)(meiyan_beauty_params* params) {
    meiyan_beauty_params_init_sized(params, kBeautyParamsAbi3Size);
}

void meiyan_makeup_params_init_sized(meiyan_makeup_params* params, uint32_t struct_size) {
    if (!params || struct_size < kMakeupParamsAbi3Size) return;
    meiyan_makeup_params p{};
    p.struct_size = static_cast<uint32_t>(std::min<std::size_t>(struct_size, sizeof(meiyan_makeup_params)));
    // the colours and blends the Python MakeupParams starts from (#b3243a, #f07a86, #3d2b1f, #7c4a5e,
    // #1c1416, #0e0b0c, #9c7058, #fff1de, #3a7ec4)
    auto layer = [](int r, int g, int b, meiyan_blend blend) {
        return meiyan_makeup_layer{{static_cast<float>(r) / 255.0f, static_cast<float>(g) / 255.0f,
                                    static_cast<float>(b) / 255.0f}, 0.0f, blend};
    };
    p.lips = layer(179, 36, 58, MEIYAN_BLEND_MULTIPLY);
    p.blush = layer(240, 122, 134, MEIYAN_BLEND_SOFT_LIGHT);
    p.brows = layer(61, 43, 31, MEIYAN_BLEND_MULTIPLY);
    p.eyeshadow = layer(124, 74, 94, MEIYAN_BLEND_MULTIPLY);
    p.eyeliner = layer(28, 20, 22, MEIYAN_BLEND_NORMAL);
    p.lashes = layer(14, 11, 12, MEIYAN_BLEND_NORMAL);
    p.contour = layer(156, 112, 88, MEIYAN_BLEND_MULTIPLY);
    p.highlight = layer(255, 241, 222, MEIYAN_BLEND_SOFT_LIGHT);
    p.contacts = layer(58, 126, 196, MEIYAN_BLEND_SOFT_LIGHT);  // #3a7ec4, blue
    // only the caller's bytes: a struct from an older header is shorter
    std::memcpy(params, &p, p.struct_size);
}

void(meiyan_makeup_params_init)(meiyan_makeup_params* params) {
    meiyan_makeup_params_init_sized(params, kMakeupParamsAbi3Size);
}

void meiyan_color_params_init(meiyan_color_params* params) {
    if (!params) return;
    *params = meiyan_color_params{};
    params->struct_size = sizeof(meiyan_color_params);
    params->lut_intensity = 1.0f;
}

meiyan_status meiyan_engine_create(const meiyan_engine_options* options, meiyan_engine** out_engine) {
    return guarded([&] {
        require_ptr(out_engine, "out_engine");
        *out_engine = nullptr;
        meiyan::EngineOptions o;
        if (options) {
            require_struct(options, options->struct_size, sizeof(meiyan_engine_options), "options");
            const int backend = enum_value(options->backend), context = enum_value(options->gl_context);
            meiyan::require(backend == MEIYAN_BACKEND_CPU || backend == MEIYAN_BACKEND_GL,
                            "options->backend is not a meiyan_backend value");
            meiyan::require(context == MEIYAN_GL_CONTEXT_OWN || context == MEIYAN_GL_CONTEXT_CURRENT,
                            "options->gl_context is not a meiyan_gl_context value");
            o.backend = backend == MEIYAN_BACKEND_GL ? meiyan::Backend::Gl : meiyan::Backend::Cpu;
            o.gl_use_current_context = context == MEIYAN_GL_CONTEXT_CURRENT;
        }
        *out_engine = new meiyan_engine_s(o);
    });
}

void meiyan_engine_destroy(meiyan_engine* engine) { delete engine; }

meiyan_status meiyan_engine_renderer_name(const meiyan_engine* engine, const char** out_name) {
    return guarded([&] {
        require_ptr(engine, "engine");
        require_ptr(out_name, "out_name");
        auto* e = const_cast<meiyan_engine*>(engine);
        e->name = e->engine.renderer_name();
        *out_name = e->name.c_str();
    });
}

meiyan_status meiyan_engine_set_color(meiyan_engine* engine, const meiyan_color_params* params) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        require_struct(params, params ? params->struct_size : 0, sizeof(meiyan_color_params), "params");
        meiyan::ColorParams p;
        p.brightness = params->brightness;
        p.contrast = params->contrast;
        p.saturation = params->saturation;
        p.warmth = params->warmth;
        p.whitening = params->whitening;
        p.lut_intensity = params->lut_intensity;
        e.set_color(p);
    });
}

meiyan_status meiyan_engine_set_beauty(meiyan_engine* engine, const meiyan_beauty_params* params) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        // ABI 3 and 4 callers pass the ABI 3 size: the items appended since stay off
        require_struct(params, params ? params->struct_size : 0, kBeautyParamsAbi3Size, "params");
        meiyan::BeautyParams b;
        b.smoothing = params->smoothing;
        b.whitening = params->whitening;
        b.rosy = params->rosy;
        b.sharpen = params->sharpen;
        auto appended = [&](const float& field, float& out) {
            if (caller_has(params, field)) out = field;
        };
        appended(params->teeth_whiten, b.teeth_whiten);
        appended(params->eye_brighten, b.eye_brighten);
        appended(params->dark_circles, b.dark_circles);
        meiyan::ReshapeParams r;
        r.face_slim = params->face_slim;
        r.v_chin = params->v_chin;
        r.big_eyes = params->big_eyes;
        r.chin_length = params->chin_length;
        r.nose_width = params->nose_width;
        r.mouth_size = params->mouth_size;
        r.forehead = params->forehead;
        b.validate();  // both first: a bad field leaves the engine as it was
        r.validate();
        e.set_beauty(b);
        e.set_reshape(r);
    });
}

extern "C++" {  // C++ helpers: C linkage cannot return a C++ type
namespace {

meiyan::MakeupLayer makeup_layer(const meiyan_makeup_layer& l, const char* name) {
    const int blend = enum_value(l.blend);
    meiyan::require(blend >= MEIYAN_BLEND_NORMAL && blend <= MEIYAN_BLEND_SCREEN,
                    std::string("makeup ") + name + ".blend must be a meiyan_blend value");
    meiyan::MakeupLayer out;
    for (int c = 0; c < 3; ++c) out.color[c] = l.color[c];
    out.intensity = l.intensity;
    out.blend = static_cast<meiyan::BlendMode>(blend);
    return out;
}

}  // namespace
}  // extern "C++"

meiyan_status meiyan_engine_set_makeup(meiyan_engine* engine, const meiyan_makeup_params* params) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        // ABI 3 callers pass the ABI 3 size: the layers appended since stay off
        require_struct(params, params ? params->struct_size : 0, kMakeupParamsAbi3Size, "params");
        meiyan::MakeupParams m;
        m.lips = makeup_layer(params->lips, "lips");
        m.lip_gloss = params->lip_gloss;
        m.blush = makeup_layer(params->blush, "blush");
        m.brows = makeup_layer(params->brows, "brows");
        auto appended = [&](const meiyan_makeup_layer& l, const char* name, meiyan::MakeupLayer& out) {
            if (caller_has(params, l)) out = makeup_layer(l, name);
        };
        appended(params->eyeshadow, "eyeshadow", m.eyeshadow);
        appended(params->eyeliner, "eyeliner", m.eyeliner);
        appended(params->lashes, "lashes", m.lashes);
        appended(params->contour, "contour", m.contour);
        appended(params->highlight, "highlight", m.highlight);
        appended(params->contacts, "contacts", m.contacts);
        e.set_makeup(m);
    });
}

meiyan_status meiyan_engine_set_makeup_mask(meiyan_engine* engine, meiyan_makeup_mask layer, const uint8_t* coverage,
                                            int32_t size, ptrdiff_t stride) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        const int l = enum_value(layer);
        meiyan::require(l >= MEIYAN_MAKEUP_MASK_EYESHADOW && l <= MEIYAN_MAKEUP_MASK_HIGHLIGHT,
                        "layer is not a meiyan_makeup_mask value: " + std::to_string(l));
        std::shared_ptr<const meiyan::UvMask> mask;
        if (coverage) mask = std::make_shared<const meiyan::UvMask>(coverage, size, stride);
        e.set_makeup_mask(static_cast<meiyan::UvLayer>(l), std::move(mask));
    });
}

meiyan_status meiyan_engine_set_lut(meiyan_engine* engine, const meiyan_lut* lut) {
    return guarded([&] { engine_of(engine).set_lut(lut ? lut->lut : nullptr); });
}

meiyan_status meiyan_engine_process(meiyan_engine* engine, const meiyan_image* in, const meiyan_image* out) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        e.process(to_view(in, "in"), to_view(out, "out"));
    });
}

meiyan_status meiyan_engine_process_texture(meiyan_engine* engine, uint32_t in_texture, uint32_t out_texture,
                                            int32_t width, int32_t height) {
    return guarded([&] { engine_of(engine).process_texture(in_texture, out_texture, width, height); });
}

meiyan_status meiyan_engine_enable_faces(meiyan_engine* engine, const char* models_dir, int32_t max_faces) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        require_ptr(models_dir, "models_dir");
        meiyan::face::TrackerOptions options = e.tracker_options();
        options.max_faces = max_faces;
        e.enable_face_tracking(models_dir, options);
    });
}

meiyan_status meiyan_engine_enable_faces_mesh(meiyan_engine* engine, const char* models_dir, int32_t max_faces,
                                             const char* mesh) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        require_ptr(models_dir, "models_dir");
        require_ptr(mesh, "mesh");
        const std::string m = mesh;
        meiyan::require(m == "full" || m == "lite", "mesh must be \"full\" or \"lite\", got \"" + m + "\"");
        meiyan::face::TrackerOptions options = e.tracker_options();
        options.max_faces = max_faces;
        e.enable_face_tracking(models_dir, options, m == "lite" ? "face_landmark_lite" : "face_landmark");
    });
}

void meiyan_tracker_options_init(meiyan_tracker_options* options) {
    if (!options) return;
    const meiyan::face::TrackerOptions d;
    *options = meiyan_tracker_options{};
    options->struct_size = sizeof(meiyan_tracker_options);
    options->smoothing = d.smoothing ? 1 : 0;
    options->min_cutoff = d.one_euro.min_cutoff;
    options->beta = d.one_euro.beta;
    options->rotation_sweep = d.rotation_sweep ? 1 : 0;
    options->redetect_interval = d.redetect_interval;
    options->tile_search = d.tile_search ? 1 : 0;
    options->tile_runs_per_frame = d.tile_runs_per_frame;
}

meiyan_status meiyan_engine_set_tracker_options(meiyan_engine* engine, const meiyan_tracker_options* options) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        require_struct(options, options ? options->struct_size : 0, sizeof(meiyan_tracker_options), "options");
        auto flag = [](int32_t v, const char* name) {
            meiyan::require(v == 0 || v == 1, std::string("options->") + name + " must be 0 or 1, got " + std::to_string(v));
            return v == 1;
        };
        meiyan::face::TrackerOptions o = e.tracker_options();
        o.smoothing = flag(options->smoothing, "smoothing");
        o.rotation_sweep = flag(options->rotation_sweep, "rotation_sweep");
        o.tile_search = flag(options->tile_search, "tile_search");
        o.one_euro.min_cutoff = options->min_cutoff;
        o.one_euro.beta = options->beta;
        o.redetect_interval = options->redetect_interval;
        o.tile_runs_per_frame = options->tile_runs_per_frame;
        e.set_tracker_options(o);
    });
}

meiyan_status meiyan_engine_set_camera_rotation(meiyan_engine* engine, int32_t degrees) {
    return guarded([&] { engine_of(engine).set_camera_rotation(degrees); });
}

meiyan_status meiyan_engine_set_threads(meiyan_engine* engine, int32_t threads) {
    return guarded([&] { engine_of(engine).set_threads(threads); });
}

meiyan_status meiyan_engine_faces(const meiyan_engine* engine, meiyan_face* faces, int32_t capacity,
                                  int32_t* out_count) {
    return guarded([&] {
        require_ptr(engine, "engine");
        require_ptr(out_count, "out_count");
        meiyan::require(capacity >= 0, "capacity must not be negative");
        meiyan::require(capacity == 0 || faces != nullptr, "faces is NULL");
        const std::vector<meiyan::face::Face>& tracked = engine->engine.faces_tracked();
        const int32_t n = std::min(capacity, static_cast<int32_t>(tracked.size()));
        for (int32_t i = 0; i < n; ++i) {
            meiyan_face& out = faces[i];
            require_struct(&out, out.struct_size, sizeof(meiyan_face), "faces[i]");
            const meiyan::face::Face& f = tracked[static_cast<std::size_t>(i)];
            out.id = f.id;
            out.presence = f.presence;
            for (int k = 0; k < MEIYAN_FACE_LANDMARKS; ++k) {
                const meiyan::face::Point3& p = f.landmarks[static_cast<std::size_t>(k)];
                out.landmarks[3 * k] = p.x;
                out.landmarks[3 * k + 1] = p.y;
                out.landmarks[3 * k + 2] = p.z;
            }
            const float roi[5] = {f.roi.center_x, f.roi.center_y, f.roi.width, f.roi.height, f.roi.rotation};
            std::memcpy(out.roi, roi, sizeof roi);
            out.yaw = f.pose.yaw;
            out.pitch = f.pose.pitch;
            out.roll = f.pose.roll;
            std::memcpy(out.rotation, f.pose.rotation, sizeof out.rotation);
            std::memcpy(out.translation, f.pose.translation, sizeof out.translation);
            out.scale = f.pose.scale;
            out.expressions_active = 0;
            for (int k = 0; k < MEIYAN_EXPRESSION_COUNT; ++k) {
                out.expressions[k] = f.expressions.score[k];
                if (f.expressions.active[k]) out.expressions_active |= 1u << k;
            }
        }
        *out_count = static_cast<int32_t>(tracked.size());
    });
}

meiyan_status meiyan_lut_load_cube(const char* path, meiyan_lut** out_lut) {
    return guarded([&] {
        require_ptr(path, "path");
        require_ptr(out_lut, "out_lut");
        *out_lut = nullptr;
        auto lut = std::make_shared<const meiyan::Lut3D>(meiyan::Lut3D::load_cube(path));
        *out_lut = new meiyan_lut_s{std::move(lut)};
    });
}

meiyan_status meiyan_lut_parse_cube(const char* text, size_t length, meiyan_lut** out_lut) {
    return guarded([&] {
        require_ptr(text, "text");
        require_ptr(out_lut, "out_lut");
        *out_lut = nullptr;
        auto lut = std::make_shared<const meiyan::Lut3D>(meiyan::Lut3D::parse_cube(std::string_view(text, length)));
        *out_lut = new meiyan_lut_s{std::move(lut)};
    });
}

meiyan_status meiyan_lut_size(const meiyan_lut* lut, int32_t* out_size) {
    return guarded([&] {
        require_ptr(lut, "lut");
        require_ptr(out_size, "out_size");
        *out_size = lut->lut->size();
    });
}

void meiyan_lut_destroy(meiyan_lut* lut) { delete lut; }

meiyan_status meiyan_effect_create(const char* manifest_json, size_t length, meiyan_effect** out_effect) {
    return guarded([&] {
        require_ptr(out_effect, "out_effect");
        *out_effect = nullptr;
        require_ptr(manifest_json, "manifest_json");
        *out_effect = new meiyan_effect_s{meiyan::EffectPackage::parse(std::string(manifest_json, length))};
    });
}

void meiyan_effect_destroy(meiyan_effect* effect) { delete effect; }

meiyan_status meiyan_effect_image_count(const meiyan_effect* effect, int32_t* out_count) {
    return guarded([&] {
        require_ptr(effect, "effect");
        require_ptr(out_count, "out_count");
        *out_count = static_cast<int32_t>(effect->package->image_names().size());
    });
}

meiyan_status meiyan_effect_image_path(const meiyan_effect* effect, int32_t index, const char** out_path) {
    return guarded([&] {
        require_ptr(effect, "effect");
        require_ptr(out_path, "out_path");
        const auto& names = effect->package->image_names();
        meiyan::require(index >= 0 && static_cast<size_t>(index) < names.size(),
                        "image index " + std::to_string(index) + " is outside 0.." + std::to_string(names.size()));
        *out_path = names[static_cast<size_t>(index)].c_str();
    });
}

meiyan_status meiyan_effect_set_image(meiyan_effect* effect, int32_t index, const meiyan_image* pixels) {
    return guarded([&] {
        require_ptr(effect, "effect");
        effect->package->set_image(index, to_view(pixels, "pixels"));
    });
}

meiyan_status meiyan_effect_validate(const char* manifest_json, size_t length, char* problems, size_t capacity,
                                     int32_t* out_problem_count) {
    return guarded([&] {
        require_ptr(manifest_json, "manifest_json");
        require_ptr(out_problem_count, "out_problem_count");
        meiyan::require(problems != nullptr || capacity == 0, "problems is NULL but capacity is not 0");
        const std::vector<std::string> found = meiyan::EffectPackage::validate(std::string(manifest_json, length));
        *out_problem_count = static_cast<int32_t>(found.size());
        std::string text;
        for (const std::string& p : found) text += p + "\n";
        if (capacity > 0) {
            const size_t n = std::min(text.size(), capacity - 1);
            std::memcpy(problems, text.data(), n);
            problems[n] = '\0';
        }
    });
}

meiyan_status meiyan_engine_set_effect(meiyan_engine* engine, const meiyan_effect* effect) {
    return guarded([&] { engine_of(engine).set_effect(effect ? effect->package : nullptr); });
}

meiyan_status meiyan_engine_set_frame_time(meiyan_engine* engine, double seconds) {
    return guarded([&] { engine_of(engine).set_frame_time(seconds); });
}

void meiyan_background_params_init(meiyan_background_params* params) {
    if (!params) return;
    const meiyan::BackgroundParams d;
    *params = meiyan_background_params{};
    params->struct_size = sizeof(meiyan_background_params);
    params->mode = MEIYAN_BACKGROUND_NONE;
    params->blur = d.blur;
    for (int c = 0; c < 3; ++c) params->color[c] = d.color[c];
    params->feather = d.feather;
}

meiyan_status meiyan_engine_enable_segmentation(meiyan_engine* engine, const char* models_dir, int32_t interval) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        require_ptr(models_dir, "models_dir");
        meiyan::SegmenterOptions o;
        o.interval = interval;
        o.validate();
        e.enable_segmentation(models_dir, o);
    });
}

meiyan_status meiyan_engine_set_background(meiyan_engine* engine, const meiyan_background_params* params) {
    return guarded([&] {
        meiyan::Engine& e = engine_of(engine);
        require_struct(params, params ? params->struct_size : 0, sizeof(meiyan_background_params), "params");
        meiyan::BackgroundParams p;
        p.mode = static_cast<meiyan::BackgroundMode>(enum_value(params->mode));  // validate() names a bad one
        p.blur = params->blur;
        for (int c = 0; c < 3; ++c) p.color[c] = params->color[c];
        p.feather = params->feather;
        if (params->image) p.image = meiyan::background::copy_rgba(to_view(params->image, "params->image"));
        e.set_background(p);
    });
}

meiyan_status meiyan_engine_person_mask(const meiyan_engine* engine, uint8_t* mask, size_t capacity,
                                        int32_t* out_width, int32_t* out_height) {
    return guarded([&] {
        require_ptr(engine, "engine");
        require_ptr(out_width, "out_width");
        require_ptr(out_height, "out_height");
        meiyan::require(mask != nullptr || capacity == 0, "mask is NULL but capacity is not 0");
        const std::shared_ptr<const meiyan::PersonMask>& m = engine->engine.person_masks().last();
        if (!m) meiyan::fail(MEIYAN_ERROR_UNSUPPORTED, "no person mask yet: no frame was processed with a background");
        *out_width = m->width;
        *out_height = m->height;
        if (capacity >= m->alpha.size()) std::memcpy(mask, m->alpha.data(), m->alpha.size());
    });
}

meiyan_status meiyan_image_convert(const meiyan_image* src, const meiyan_image* dst) {
    return guarded([&] {
        const meiyan::ImageView s = to_view(src, "src"), d = to_view(dst, "dst");
        meiyan::require(s.width == d.width && s.height == d.height, "src and dst sizes differ");
        if (!meiyan::convert(s, d)) {
            meiyan::fail(MEIYAN_ERROR_UNSUPPORTED, std::string("no conversion from ") + meiyan::pixel_format_name(s.format) +
                                                       " to " + meiyan::pixel_format_name(d.format));
        }
    });
}

meiyan_status meiyan_image_rotate(const meiyan_image* src, const meiyan_image* dst, int32_t degrees, int32_t mirror) {
    return guarded([&] {
        const meiyan::ImageView s = to_view(src, "src"), d = to_view(dst, "dst");
        meiyan::require(degrees == 0 || degrees == 90 || degrees == 180 || degrees == 270,
                        "degrees must be 0, 90, 180 or 270, got " + std::to_string(degrees));
        meiyan::require(meiyan::bytes_per_pixel(s.format) == 4 && s.format == d.format && !meiyan::is_yuv(s.format),
                        "rotate needs RGBA8 or BGRA8 images of the same format");
        const bool swap = degrees == 90 || degrees == 270;
        meiyan::require(d.width == (swap ? s.height : s.width) && d.height == (swap ? s.width : s.height),
                        "dst must have the rotated size of src");
        if (!meiyan::rotate_rgba(s, d, degrees, mirror != 0)) meiyan::fail(MEIYAN_ERROR_INTERNAL, "rotate failed");
    });
}

meiyan_status meiyan_image_resize(const meiyan_image* src, const meiyan_image* dst) {
    return guarded([&] {
        const meiyan::ImageView s = to_view(src, "src"), d = to_view(dst, "dst");
        meiyan::require(meiyan::bytes_per_pixel(s.format) == 4 && s.format == d.format && !meiyan::is_yuv(s.format),
                        "resize needs RGBA8 or BGRA8 images of the same format");
        if (!meiyan::resize_bilinear_rgba(s, d)) meiyan::fail(MEIYAN_ERROR_INTERNAL, "resize failed");
    });
}

meiyan_status meiyan_engine_face_iris(const meiyan_engine* engine, int32_t index, float out_points[30]) {
    static_assert(meiyan::face::kIrisPoints * 3 == 30, "meiyan_engine_face_iris copies 10 points");
    return guarded([&] {
        require_ptr(engine, "engine");
        require_ptr(out_points, "out_points");
        const std::vector<meiyan::face::Face>& tracked = engine->engine.faces_tracked();
        meiyan::require(index >= 0 && index < static_cast<int32_t>(tracked.size()),
                        "face index " + std::to_string(index) + " out of range (" + std::to_string(tracked.size()) +
                            " faces)");
        const meiyan::face::Face& f = tracked[static_cast<std::size_t>(index)];
        if (!f.has_iris) meiyan::fail(MEIYAN_ERROR_UNSUPPORTED, "no iris points: iris is off (meiyan_engine_set_iris) or the models folder has no iris_landmark network");
        for (int k = 0; k < meiyan::face::kIrisPoints; ++k) {
            const meiyan::face::Point3& p = f.iris[static_cast<std::size_t>(k)];
            out_points[3 * k] = p.x;
            out_points[3 * k + 1] = p.y;
            out_points[3 * k + 2] = p.z;
        }
    });
}

meiyan_status meiyan_engine_set_iris(meiyan_engine* engine, int32_t enabled) {
    return guarded([&] {
        meiyan::require(enabled == 0 || enabled == 1, "enabled must be 0 or 1, got " + std::to_string(enabled));
        engine_of(engine).set_iris(enabled == 1);
    });
}

}  // extern "C"
