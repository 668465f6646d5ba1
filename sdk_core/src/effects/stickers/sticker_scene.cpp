#include "effects/stickers/sticker_scene.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "meiyan/meiyan.h"

namespace meiyan {

namespace {

constexpr int kRightEyeOuter = 33, kLeftEyeOuter = 263;
constexpr float kPi = 3.14159265358979f;

bool flag_on(const FaceShape& f, StickerTrigger t) {
    auto bit = [&](int k) { return (f.expressions_active >> k) & 1u; };
    switch (t) {
        case StickerTrigger::Always:
        case StickerTrigger::FaceAppears: return true;
        case StickerTrigger::MouthOpen: return bit(MEIYAN_EXPRESSION_MOUTH_OPEN);
        case StickerTrigger::Blink: return bit(MEIYAN_EXPRESSION_BLINK_LEFT) || bit(MEIYAN_EXPRESSION_BLINK_RIGHT);
        case StickerTrigger::BrowRaise: return bit(MEIYAN_EXPRESSION_BROW_RAISE);
        case StickerTrigger::Smile: return bit(MEIYAN_EXPRESSION_SMILE);
    }
    return false;
}

}  // namespace

float face_unit(const FaceShape& face) {
    if (face.scale > 0 && std::isfinite(face.scale)) return face.scale;
    const FacePoint& a = face.points[kRightEyeOuter];
    const FacePoint& b = face.points[kLeftEyeOuter];
    return std::hypot(b.x - a.x, b.y - a.y);
}

std::array<FacePoint, 4> sticker_quad(const EffectElement& e, const FaceShape& face, int image_width, int image_height) {
    const FacePoint& r = face.points[kRightEyeOuter];
    const FacePoint& l = face.points[kLeftEyeOuter];
    float ax = 1, ay = 0;  // the face's x axis in the frame (toward the subject's left eye)
    const float eye = std::hypot(l.x - r.x, l.y - r.y);
    if (e.rotate && eye > 1e-6f) {
        ax = (l.x - r.x) / eye;
        ay = (l.y - r.y) / eye;
    }
    const float bx = -ay, by = ax;  // toward the chin
    float cx = 0, cy = 0;
    for (int i : e.anchor) {
        cx += face.points[static_cast<std::size_t>(i)].x;
        cy += face.points[static_cast<std::size_t>(i)].y;
    }
    const float n = static_cast<float>(std::max<std::size_t>(e.anchor.size(), 1));
    cx /= n;
    cy /= n;
    const float unit = face_unit(face);
    cx += (e.offset[0] * ax + e.offset[1] * bx) * unit;
    cy += (e.offset[0] * ay + e.offset[1] * by) * unit;
    float w = e.width * unit;
    const float h = w * static_cast<float>(image_height) / static_cast<float>(std::max(image_width, 1));
    if (e.foreshorten) w *= std::max(0.1f, std::cos(face.yaw * kPi / 180.0f));
    std::array<FacePoint, 4> q;
    const float us[4] = {0, 1, 1, 0}, vs[4] = {0, 0, 1, 1};
    for (int k = 0; k < 4; ++k) {
        const float du = (us[k] - e.pivot[0]) * w, dv = (vs[k] - e.pivot[1]) * h;
        q[static_cast<std::size_t>(k)] = {cx + du * ax + dv * bx, cy + du * ay + dv * by};
    }
    return q;
}

int animation_frame(const EffectElement& e, double seconds_since_start) {
    const int n = e.type == ElementType::FaceMask ? 1 : static_cast<int>(e.frames.size());
    if (n <= 0) return -1;
    if (n == 1) return 0;
    // a hair of slack: a frame due exactly at a timestamp is not lost to rounding
    const double k = std::floor(std::max(0.0, seconds_since_start) * static_cast<double>(e.fps) + 1e-6);
    const long long i = static_cast<long long>(std::min(k, 1e15));
    if (e.play == StickerPlay::Loop) return static_cast<int>(i % n);
    if (i < n) return static_cast<int>(i);
    // `once` after the end: `always` holds the last frame, the others hide
    return e.trigger == StickerTrigger::Always ? n - 1 : -1;
}

void StickerAnimator::set_package(std::shared_ptr<const EffectPackage> package) {
    if (package) package->require_images();
    package_ = std::move(package);
    faces_.clear();
}

StickerFrame StickerAnimator::update(const std::vector<FaceShape>& faces, double t) {
    require(std::isfinite(t), "the frame time must be finite");
    StickerFrame out;
    out.package = package_;
    if (!package_) {
        faces_.clear();
        return out;
    }
    const std::vector<EffectElement>& els = package_->elements();
    std::map<int, FaceState> next;
    for (std::size_t fi = 0; fi < faces.size(); ++fi) {
        const FaceShape& face = faces[fi];
        const int id = face.id >= 0 ? face.id : static_cast<int>(fi);
        if (next.count(id)) continue;  // a duplicate id: the first face keeps it
        auto found = faces_.find(id);
        FaceState st;
        if (found != faces_.end()) {
            st = std::move(found->second);
        } else {
            st.first_seen = t;
            st.elements.resize(els.size());
        }
        for (std::size_t ei = 0; ei < els.size(); ++ei) {
            const EffectElement& e = els[ei];
            ElementState& es = st.elements[ei];
            const bool on = flag_on(face, e.trigger);
            int frame = -1;
            if (e.trigger == StickerTrigger::Always || e.trigger == StickerTrigger::FaceAppears) {
                frame = animation_frame(e, t - st.first_seen);
            } else if (e.play == StickerPlay::Loop) {
                if (on && !es.prev_active) es.start = t;
                if (on) frame = animation_frame(e, t - es.start);
            } else {
                if (on && !es.prev_active && !es.running) {
                    es.start = t;
                    es.running = true;
                }
                if (es.running) {
                    frame = animation_frame(e, t - es.start);
                    if (frame < 0) es.running = false;
                }
            }
            es.prev_active = on;
            if (frame < 0) continue;
            StickerDraw d;
            d.type = e.type;
            d.face = static_cast<int>(fi);
            d.element = static_cast<int>(ei);
            d.opacity = e.opacity;
            d.blend = e.blend;
            d.behind = e.z < 0;
            if (e.type == ElementType::FaceMask) {
                d.image = e.texture;
            } else {
                d.image = e.frames[static_cast<std::size_t>(frame)];
                const SpriteImage& img = package_->image(d.image);
                d.quad = sticker_quad(e, face, img.width, img.height);
            }
            out.draws.push_back(d);
        }
        next.emplace(id, std::move(st));
    }
    faces_ = std::move(next);
    // drawing order: by element (z order), then by face
    std::stable_sort(out.draws.begin(), out.draws.end(),
                     [](const StickerDraw& a, const StickerDraw& b) { return a.element < b.element; });
    return out;
}

}  // namespace meiyan
