#include "engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "nn/nn_network.h"
#if MEIYAN_WITH_GL
#include "render/gl/gl_renderer.h"
#endif

namespace meiyan {

void require_valid(const ImageView& v, const char* what) {
    if (const char* why = validate(v)) fail(MEIYAN_ERROR_INVALID_ARGUMENT, std::string(what) + ": " + why);
}

Engine::Engine(const EngineOptions& options) : options_(options) {
    if (options.backend == Backend::Cpu) {
        renderer_ = make_cpu_renderer();
        return;
    }
#if MEIYAN_WITH_GL
    auto gl = make_gl_renderer(options.gl_use_current_context ? GlContextMode::Current : GlContextMode::Own);
    gl_ = gl.get();
    renderer_ = std::move(gl);
#else
    fail(MEIYAN_ERROR_UNSUPPORTED, "this build of meiyan has no OpenGL renderer (MEIYAN_WITH_GL=OFF)");
#endif
}

Engine::~Engine() = default;

std::string Engine::renderer_name() const { return renderer_->name(); }

void Engine::set_color(const ColorParams& params) {
    params.validate();
    state_.color = params;
}

void Engine::set_beauty(const BeautyParams& params) {
    params.validate();
    state_.beauty = params;
}

void Engine::set_makeup(const MakeupParams& params) {
    params.validate();
    require_masks(params, state_.makeup_masks);
    state_.makeup = params;
}

void Engine::set_makeup_mask(UvLayer layer, std::shared_ptr<const UvMask> mask) {
    const int i = static_cast<int>(layer);
    require(i >= 0 && i < kUvLayerCount, "unknown makeup layer " + std::to_string(i));
    MakeupMasks next = state_.makeup_masks;
    next.layers[static_cast<std::size_t>(i)] = std::move(mask);
    require_masks(state_.makeup, next);
    state_.makeup_masks = std::move(next);
}

void Engine::set_reshape(const ReshapeParams& params) {
    params.validate();
    state_.reshape = params;
}

void Engine::set_faces(std::vector<FaceShape> faces) { state_.faces = std::move(faces); }

void Engine::set_lut(std::shared_ptr<const Lut3D> lut) { state_.lut = std::move(lut); }

void Engine::enable_face_tracking(const std::string& models_dir, const face::TrackerOptions& options,
                                  const std::string& mesh_task) {
    face::TrackerOptions o = options;
    o.threads = tracker_options_.threads;
    o.iris = tracker_options_.iris;
    tracker_ = std::make_unique<face::FaceTracker>(nn::load_face_networks(models_dir, {"fp32", "int8"}, mesh_task), o);
}

// One place for the three setters: the live tracker first (it validates), then the kept options.
template <typename Change>
void Engine::change_tracker_options(const Change& change) {
    if (tracker_) {
        face::TrackerOptions o = tracker_->options();
        change(o);
        tracker_->set_options(o);
    }
    change(tracker_options_);
}

void Engine::set_iris(bool on) {
    change_tracker_options([&](face::TrackerOptions& o) { o.iris = on; });
}

void Engine::set_tracker_options(const face::TrackerOptions& options) {
    face::validate_options(options);
    change_tracker_options([&](face::TrackerOptions& o) {
        o.smoothing = options.smoothing;
        o.one_euro = options.one_euro;
        o.rotation_sweep = options.rotation_sweep;
        o.redetect_interval = options.redetect_interval;
        o.tile_search = options.tile_search;
        o.tile_runs_per_frame = options.tile_runs_per_frame;
    });
}

void Engine::set_threads(int threads) {
    require(threads >= 0 && threads <= 64, "threads must be in 0..64 (0: one per core), got " + std::to_string(threads));
    change_tracker_options([&](face::TrackerOptions& o) { o.threads = threads; });
    masks_.set_threads(threads);
}

void Engine::disable_face_tracking() {
    tracker_.reset();
    state_.faces.clear();
}

const std::vector<face::Face>& Engine::faces_tracked() const {
    static const std::vector<face::Face> kNone;
    return tracker_ ? tracker_->faces() : kNone;
}

void Engine::set_camera_rotation(int degrees) {
    require(degrees == 0 || degrees == 90 || degrees == 180 || degrees == 270,
            "camera rotation must be 0, 90, 180 or 270, got " + std::to_string(degrees));
    camera_rotation_ = degrees;
}

namespace {
// Whether any byte of a plane of `a` may lie in a plane of `b` (address ranges, strides of either sign).
bool overlaps(const ImageView& a, const ImageView& b) {
    auto range = [](const ImageView& v, int p) {
        const std::ptrdiff_t rows = plane_height(v.format, p, v.height);
        const std::ptrdiff_t row_bytes = min_stride(v.format, p, v.width);
        const uint8_t* first = v.data[p];
        const uint8_t* last_row = first + (rows - 1) * v.stride[p];
        const uint8_t* lo = std::min(first, last_row);
        const uint8_t* hi = std::max(first, last_row) + row_bytes;
        return std::make_pair(reinterpret_cast<std::uintptr_t>(lo), reinterpret_cast<std::uintptr_t>(hi));
    };
    for (int i = 0; i < plane_count(a.format); ++i) {
        for (int j = 0; j < plane_count(b.format); ++j) {
            const auto ra = range(a, i), rb = range(b, j);
            if (ra.first < rb.second && rb.first < ra.second) return true;
        }
    }
    return false;
}
}  // namespace

void Engine::process(const ImageView& in, const ImageView& out) {
    require_valid(in, "input image");
    require_valid(out, "output image");
    require(in.width == out.width && in.height == out.height,
            "output size " + std::to_string(out.width) + "x" + std::to_string(out.height) + " differs from input size " +
                std::to_string(in.width) + "x" + std::to_string(in.height));
    // A tightly packed RGBA8 output is the working frame itself (one full-frame copy fewer), unless
    // the input overlaps it other than as the very same RGBA8 frame (then the input is converted
    // into a buffer first, as for every other output format).
    const bool packed_out = out.format == PixelFormat::RGBA8 && out.stride[0] == static_cast<std::ptrdiff_t>(out.width) * 4;
    const bool same_frame = in.format == PixelFormat::RGBA8 && in.data[0] == out.data[0] && in.stride[0] == out.stride[0];
    const bool direct = packed_out && (same_frame || !overlaps(in, out));
    ImageView work;
    if (direct) {
        work = out;
        if (!same_frame && !convert(in, work)) fail(MEIYAN_ERROR_INTERNAL, "cannot convert the input frame to RGBA");
    } else {
        work.format = PixelFormat::RGBA8;
        work.width = in.width;
        work.height = in.height;
        work.stride[0] = static_cast<std::ptrdiff_t>(in.width) * 4;
        work_.resize(static_cast<std::size_t>(work.stride[0]) * static_cast<std::size_t>(in.height));
        work.data[0] = work_.data();
        if (!convert(in, work)) fail(MEIYAN_ERROR_INTERNAL, "cannot convert the input frame to RGBA");
    }
    const double t = frame_time();
    if (tracker_) {
        std::vector<FaceShape> shapes;
        for (const face::Face& f : tracker_->track(work, t, camera_rotation_)) {
            FaceShape shape;
            for (std::size_t i = 0; i < shape.points.size(); ++i) {
                shape.points[i] = {f.landmarks[i].x, f.landmarks[i].y};
            }
            shape.id = f.id;
            shape.yaw = f.pose.yaw;
            shape.scale = f.pose.scale;
            shape.has_iris = f.has_iris;
            if (f.has_iris) {
                for (std::size_t i = 0; i < shape.iris.size(); ++i) shape.iris[i] = {f.iris[i].x, f.iris[i].y};
            }
            for (int k = 0; k < face::kExpressionCount; ++k) {
                if (f.expressions.active[k]) shape.expressions_active |= 1u << k;
            }
            shapes.push_back(shape);
        }
        state_.faces = std::move(shapes);
    }
    state_.stickers = animator_.update(state_.faces, t);
    if (state_.background.is_active()) state_.person_mask = masks_.mask_for(work);
    renderer_->render(state_, work);
    if (!direct && !convert(work, out)) fail(MEIYAN_ERROR_INTERNAL, "cannot convert the frame to the output format");
}

void Engine::set_effect(std::shared_ptr<const EffectPackage> effect) { animator_.set_package(std::move(effect)); }

void Engine::set_frame_time(double seconds) {
    require(std::isfinite(seconds), "the frame time must be finite");
    require(seconds >= last_time_, "the frame time must not go backwards");
    next_time_ = seconds;
    has_next_time_ = true;
}

double Engine::frame_time() {
    double t;
    if (has_next_time_) {
        t = next_time_;
        has_next_time_ = false;
    } else {
        t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    last_time_ = t;
    return t;
}

void Engine::process_texture(uint32_t in_texture, uint32_t out_texture, int width, int height) {
    if (!gl_) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "process_texture needs the GL backend");
    state_.stickers = animator_.update(state_.faces, frame_time());
    if (state_.background.is_active()) state_.person_mask = masks_.mask_for_size(width, height);
#if MEIYAN_WITH_GL
    gl_->render_texture(state_, in_texture, out_texture, width, height);
#else
    (void)in_texture;
    (void)out_texture;
    (void)width;
    (void)height;
#endif
}

}  // namespace meiyan
