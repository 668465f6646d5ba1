#include "effects/stickers/effect_package.h"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>

#include "core/error.h"
#include "core/json.h"
#include "image/image.h"

namespace meiyan {

namespace {

using json::Type;
using json::Value;

constexpr int kMeshPoints = 468;

std::string fmt_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Walks a manifest, collecting every problem with its path, and fills a package on the way.
class ManifestReader {
public:
    std::vector<std::string> problems;

    void read(const std::string& text, std::string& name, std::string& description, std::string& look,
              std::vector<EffectElement>& elements, std::vector<std::string>& images) {
        if (text.size() > kMaxManifestBytes) {
            problems.push_back("manifest.json: larger than " + std::to_string(kMaxManifestBytes / 1024) + " KiB");
            return;
        }
        Value root;
        try {
            root = json::parse(text);
        } catch (const Error& e) {
            problems.push_back(std::string("manifest.json: ") + e.what());
            return;
        }
        if (!root.is(Type::Object)) {
            problems.push_back("manifest.json: the top level must be an object");
            return;
        }
        images_ = &images;
        check_keys(root, "", {"format", "version", "name", "description", "author", "license", "look", "elements"});
        const Value* format = require(root, "", "format", Type::String);
        if (format && format->string != "meiyan.effect") {
            problems.push_back("format: must be \"meiyan.effect\", got \"" + format->string + "\"");
        }
        if (const Value* version = require(root, "", "version", Type::Number)) {
            if (version->number != 1) {
                problems.push_back("version: " + fmt_number(version->number) +
                                   " is not a format version this engine reads (it reads 1)");
            }
        }
        if (const Value* n = require(root, "", "name", Type::String)) {
            name = n->string;
            check_text(name, "name", 1, 64);
        }
        for (const char* key : {"description", "author", "license"}) {
            if (const Value* v = optional(root, "", key, Type::String)) {
                check_text(v->string, key, 0, 1024);
                if (std::strcmp(key, "description") == 0) description = v->string;
            }
        }
        if (const Value* l = optional(root, "", "look", Type::Object)) look = text.substr(l->begin, l->end - l->begin);
        const Value* els = require(root, "", "elements", Type::Array);
        if (!els) return;
        if (els->items.empty() || els->items.size() > static_cast<std::size_t>(kMaxElements)) {
            problems.push_back("elements: must hold 1.." + std::to_string(kMaxElements) + " elements, has " +
                               std::to_string(els->items.size()));
        }
        std::map<std::string, int> ids;
        const std::size_t n = std::min(els->items.size(), static_cast<std::size_t>(kMaxElements));
        for (std::size_t i = 0; i < n; ++i) {
            const std::string path = "elements[" + std::to_string(i) + "]";
            EffectElement e;
            if (element(els->items[i], path, i, e)) {
                if (ids.count(e.id)) {
                    problems.push_back(path + ".id: \"" + e.id + "\" is already the id of elements[" +
                                       std::to_string(ids[e.id]) + "]");
                }
                ids[e.id] = static_cast<int>(i);
                elements.push_back(std::move(e));
            }
        }
        if (images.size() > static_cast<std::size_t>(kMaxImages)) {
            problems.push_back("the package uses " + std::to_string(images.size()) + " images, more than " +
                               std::to_string(kMaxImages));
        }
        std::stable_sort(elements.begin(), elements.end(),
                         [](const EffectElement& a, const EffectElement& b) { return a.z < b.z; });
    }

private:
    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }

    void check_keys(const Value& obj, const std::string& path, std::initializer_list<const char*> allowed) {
        for (const auto& m : obj.members) {
            bool ok = m.first.rfind("x-", 0) == 0;
            for (const char* a : allowed) ok = ok || m.first == a;
            if (!ok) problems.push_back(join(path, m.first) + ": unknown key (a typo? vendor keys start with \"x-\")");
        }
    }

    const Value* optional(const Value& obj, const std::string& path, const char* key, Type t) {
        const Value* v = obj.find(key);
        if (v && !v->is(t)) {
            problems.push_back(join(path, key) + ": must be " + json::type_name(t) + ", got " + json::type_name(v->type));
            return nullptr;
        }
        return v;
    }

    const Value* require(const Value& obj, const std::string& path, const char* key, Type t) {
        if (!obj.find(key)) {
            problems.push_back(join(path, key) + ": required");
            return nullptr;
        }
        return optional(obj, path, key, t);
    }

    void check_text(const std::string& s, const std::string& path, std::size_t lo, std::size_t hi) {
        if (s.size() < lo || s.size() > hi) {
            problems.push_back(path + ": must be " + std::to_string(lo) + ".." + std::to_string(hi) + " characters long");
        }
    }

    bool number_in(const Value& obj, const std::string& path, const char* key, double lo, double hi, float& out,
                   bool lo_open = false) {
        const Value* v = optional(obj, path, key, Type::Number);
        if (!v) return false;
        if (v->number < lo || v->number > hi || (lo_open && v->number == lo)) {
            problems.push_back(join(path, key) + ": " + fmt_number(v->number) + " is outside " + (lo_open ? "(" : "[") +
                               fmt_number(lo) + ", " + fmt_number(hi) + "]");
            return false;
        }
        out = static_cast<float>(v->number);
        return true;
    }

    bool integer_in(const Value& v, const std::string& path, int lo, int hi, int& out) {
        if (!v.is(Type::Number) || v.number != std::floor(v.number)) {
            problems.push_back(path + ": must be an integer");
            return false;
        }
        if (v.number < lo || v.number > hi) {
            problems.push_back(path + ": " + fmt_number(v.number) + " is outside " + std::to_string(lo) + ".." +
                               std::to_string(hi));
            return false;
        }
        out = static_cast<int>(v.number);
        return true;
    }

    void pair(const Value& obj, const std::string& path, const char* key, double lo, double hi, std::array<float, 2>& out) {
        const Value* v = optional(obj, path, key, Type::Array);
        if (!v) return;
        if (v->items.size() != 2) {
            problems.push_back(join(path, key) + ": must be [x, y]");
            return;
        }
        for (std::size_t k = 0; k < 2; ++k) {
            const Value& item = v->items[k];
            const std::string p = join(path, key) + "[" + std::to_string(k) + "]";
            if (!item.is(Type::Number)) {
                problems.push_back(p + ": must be a number");
            } else if (item.number < lo || item.number > hi) {
                problems.push_back(p + ": " + fmt_number(item.number) + " is outside [" + fmt_number(lo) + ", " +
                                   fmt_number(hi) + "]");
            } else {
                out[k] = static_cast<float>(item.number);
            }
        }
    }

    template <typename E>
    void choice(const Value& obj, const std::string& path, const char* key,
                std::initializer_list<std::pair<const char*, E>> options, E& out) {
        const Value* v = optional(obj, path, key, Type::String);
        if (!v) return;
        std::string names;
        for (const auto& o : options) {
            if (v->string == o.first) {
                out = o.second;
                return;
            }
            names += (names.empty() ? "" : ", ") + std::string(o.first);
        }
        problems.push_back(join(path, key) + ": \"" + v->string + "\" is not one of " + names);
    }

    bool boolean(const Value& obj, const std::string& path, const char* key, bool& out) {
        const Value* v = optional(obj, path, key, Type::Bool);
        if (v) out = v->boolean;
        return v != nullptr;
    }

    // An image path inside the package: relative, '/'-separated, no '..', a .png file.
    int image_ref(const Value& v, const std::string& path) {
        if (!v.is(Type::String)) {
            problems.push_back(path + ": must be a string (an image path)");
            return -1;
        }
        const std::string& s = v.string;
        bool ok = !s.empty() && s.size() <= 256 && s[0] != '/' && s.find('\\') == std::string::npos &&
                  s.find(':') == std::string::npos;
        std::size_t start = 0;
        while (ok && start <= s.size()) {
            const std::size_t slash = std::min(s.find('/', start), s.size());
            const std::string part = s.substr(start, slash - start);
            ok = !part.empty() && part != "." && part != "..";
            start = slash + 1;
        }
        if (!ok) {
            problems.push_back(path + ": \"" + s + "\" is not a relative path inside the package");
            return -1;
        }
        std::string lower = s;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.size() < 5 || lower.compare(lower.size() - 4, 4, ".png") != 0) {
            problems.push_back(path + ": \"" + s + "\" is not a .png file");
            return -1;
        }
        for (std::size_t i = 0; i < images_->size(); ++i) {
            if ((*images_)[i] == s) return static_cast<int>(i);
        }
        images_->push_back(s);
        return static_cast<int>(images_->size() - 1);
    }

    bool element(const Value& v, const std::string& path, std::size_t index, EffectElement& e) {
        if (!v.is(Type::Object)) {
            problems.push_back(path + ": must be an object");
            return false;
        }
        const std::size_t before = problems.size();
        const Value* type = require(v, path, "type", Type::String);
        if (!type) return false;
        if (type->string == "sticker") {
            e.type = ElementType::Sticker;
            check_keys(v, path, {"type", "id", "z", "opacity", "trigger", "play", "frames", "fps", "anchor", "offset",
                                 "width", "pivot", "rotate", "foreshorten"});
        } else if (type->string == "face_mask") {
            e.type = ElementType::FaceMask;
            check_keys(v, path, {"type", "id", "z", "opacity", "trigger", "play", "texture", "blend"});
        } else {
            problems.push_back(path + ".type: \"" + type->string + "\" is not one of sticker, face_mask");
            return false;
        }
        e.id = "element" + std::to_string(index);
        if (const Value* id = optional(v, path, "id", Type::String)) {
            check_text(id->string, path + ".id", 1, 64);
            e.id = id->string;
        }
        if (const Value* z = v.find("z")) integer_in(*z, path + ".z", -100, 100, e.z);
        number_in(v, path, "opacity", 0.0, 1.0, e.opacity);
        choice<StickerTrigger>(v, path, "trigger",
                               {{"always", StickerTrigger::Always},
                                {"face_appears", StickerTrigger::FaceAppears},
                                {"mouth_open", StickerTrigger::MouthOpen},
                                {"blink", StickerTrigger::Blink},
                                {"brow_raise", StickerTrigger::BrowRaise},
                                {"smile", StickerTrigger::Smile}},
                               e.trigger);
        choice<StickerPlay>(v, path, "play", {{"loop", StickerPlay::Loop}, {"once", StickerPlay::Once}}, e.play);
        if (e.type == ElementType::FaceMask) {
            if (const Value* t = require(v, path, "texture", Type::String)) e.texture = image_ref(*t, path + ".texture");
            choice<StickerBlend>(v, path, "blend",
                                 {{"normal", StickerBlend::Normal},
                                  {"multiply", StickerBlend::Multiply},
                                  {"screen", StickerBlend::Screen}},
                                 e.blend);
            return problems.size() == before;
        }
        if (const Value* frames = require(v, path, "frames", Type::Array)) {
            if (frames->items.empty() || frames->items.size() > static_cast<std::size_t>(kMaxFrames)) {
                problems.push_back(path + ".frames: must list 1.." + std::to_string(kMaxFrames) + " images");
            }
            for (std::size_t k = 0; k < frames->items.size() && k < static_cast<std::size_t>(kMaxFrames); ++k) {
                const int idx = image_ref(frames->items[k], path + ".frames[" + std::to_string(k) + "]");
                if (idx >= 0) e.frames.push_back(idx);
            }
        }
        number_in(v, path, "fps", 0.0, 120.0, e.fps, true);
        if (const Value* anchor = require(v, path, "anchor", Type::Array)) {
            if (anchor->items.empty() || anchor->items.size() > 4) {
                problems.push_back(path + ".anchor: must list 1..4 landmark indices");
            }
            for (std::size_t k = 0; k < anchor->items.size() && k < 4; ++k) {
                int idx = 0;
                if (integer_in(anchor->items[k], path + ".anchor[" + std::to_string(k) + "]", 0, kMeshPoints - 1, idx)) {
                    e.anchor.push_back(idx);
                }
            }
        }
        pair(v, path, "offset", -10.0, 10.0, e.offset);
        if (!v.find("width")) problems.push_back(path + ".width: required");
        number_in(v, path, "width", 0.05, 20.0, e.width);
        pair(v, path, "pivot", 0.0, 1.0, e.pivot);
        boolean(v, path, "rotate", e.rotate);
        boolean(v, path, "foreshorten", e.foreshorten);
        return problems.size() == before;
    }

    std::vector<std::string>* images_ = nullptr;
};

}  // namespace

std::vector<std::string> EffectPackage::validate(const std::string& manifest_json) {
    ManifestReader r;
    std::string name, description, look;
    std::vector<EffectElement> elements;
    std::vector<std::string> images;
    r.read(manifest_json, name, description, look, elements, images);
    return r.problems;
}

std::shared_ptr<EffectPackage> EffectPackage::parse(const std::string& manifest_json) {
    ManifestReader r;
    std::shared_ptr<EffectPackage> p(new EffectPackage());
    r.read(manifest_json, p->name_, p->description_, p->look_json_, p->elements_, p->image_names_);
    if (!r.problems.empty()) {
        std::string msg = "invalid effect package manifest (" + std::to_string(r.problems.size()) + " problem" +
                          (r.problems.size() == 1 ? "" : "s") + "): ";
        for (std::size_t i = 0; i < r.problems.size() && i < 8; ++i) msg += (i ? "; " : "") + r.problems[i];
        if (r.problems.size() > 8) msg += "; ...";
        fail(MEIYAN_ERROR_CORRUPT_DATA, msg);
    }
    p->images_.resize(p->image_names_.size());
    return p;
}

int EffectPackage::image_index(const std::string& name) const {
    for (std::size_t i = 0; i < image_names_.size(); ++i) {
        if (image_names_[i] == name) return static_cast<int>(i);
    }
    return -1;
}

void EffectPackage::set_image(int index, const ImageView& pixels) {
    require(index >= 0 && index < static_cast<int>(image_names_.size()),
            "image index " + std::to_string(index) + " is outside 0.." + std::to_string(image_names_.size()) + "");
    const std::string& name = image_names_[static_cast<std::size_t>(index)];
    if (const char* why = meiyan::validate(pixels)) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "image '" + name + "': " + why);
    require(pixels.format == PixelFormat::RGBA8 || pixels.format == PixelFormat::BGRA8 ||
                pixels.format == PixelFormat::RGB8 || pixels.format == PixelFormat::BGR8,
            "image '" + name + "': must be RGBA8, BGRA8, RGB8 or BGR8");
    require(pixels.width <= kMaxImageSide && pixels.height <= kMaxImageSide,
            "image '" + name + "': " + std::to_string(pixels.width) + "x" + std::to_string(pixels.height) +
                " is larger than " + std::to_string(kMaxImageSide) + " pixels per side");
    SpriteImage img;
    img.width = pixels.width;
    img.height = pixels.height;
    img.rgba.resize(static_cast<std::size_t>(img.width) * img.height * 4);
    ImageView dst;
    dst.format = PixelFormat::RGBA8;
    dst.width = img.width;
    dst.height = img.height;
    dst.stride[0] = static_cast<std::ptrdiff_t>(img.width) * 4;
    dst.data[0] = img.rgba.data();
    if (!convert(pixels, dst)) fail(MEIYAN_ERROR_INTERNAL, "image '" + name + "': cannot convert to RGBA");
    for (std::size_t i = 0; i < img.rgba.size(); i += 4) {
        const unsigned a = img.rgba[i + 3];
        for (std::size_t c = 0; c < 3; ++c) img.rgba[i + c] = static_cast<uint8_t>((img.rgba[i + c] * a + 127) / 255);
    }
    images_[static_cast<std::size_t>(index)] = std::move(img);
    ++generation_;
}

bool EffectPackage::image_ready(int index) const {
    return index >= 0 && index < static_cast<int>(images_.size()) && images_[static_cast<std::size_t>(index)].width > 0;
}

void EffectPackage::require_images() const {
    for (std::size_t i = 0; i < images_.size(); ++i) {
        if (images_[i].width == 0) {
            fail(MEIYAN_ERROR_INVALID_ARGUMENT, "effect '" + name_ + "': image '" + image_names_[i] + "' was not given");
        }
    }
}

}  // namespace meiyan
