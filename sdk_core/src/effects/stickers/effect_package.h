// Effect packages (format v1, docs/effect_package.md): a manifest of face-anchored stickers and
// face masks, plus the images they use. The core parses and checks the manifest; the host decodes
// the PNGs and hands their pixels over (set_image), so the core links no image codec.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "image/image.h"

namespace meiyan {

// An image as the sticker renderer samples it: RGBA8 with premultiplied alpha, tightly packed.
struct SpriteImage {
    int width = 0, height = 0;
    std::vector<uint8_t> rgba;  // premultiplied
};

enum class StickerTrigger { Always, FaceAppears, MouthOpen, Blink, BrowRaise, Smile };
enum class StickerPlay { Loop, Once };
enum class StickerBlend { Normal, Multiply, Screen };
enum class ElementType { Sticker, FaceMask };

struct EffectElement {
    ElementType type = ElementType::Sticker;
    std::string id;
    int z = 0;  // < 0: behind the head (hidden where the face covers it)
    float opacity = 1.0f;
    StickerTrigger trigger = StickerTrigger::Always;
    StickerPlay play = StickerPlay::Loop;
    // sticker
    std::vector<int> frames;  // indices into EffectPackage::image_names
    float fps = 12.0f;
    std::vector<int> anchor;  // mesh landmark indices; the anchor is their mean
    std::array<float, 2> offset{{0.0f, 0.0f}};  // face units, face frame
    float width = 1.0f;                          // face units
    std::array<float, 2> pivot{{0.5f, 0.5f}};
    bool rotate = true;
    bool foreshorten = true;
    // face_mask
    int texture = -1;  // index into image_names
    StickerBlend blend = StickerBlend::Normal;
};

constexpr std::size_t kMaxManifestBytes = 256 * 1024;
constexpr int kMaxElements = 64;
constexpr int kMaxFrames = 256;
constexpr int kMaxImages = 512;
constexpr int kMaxImageSide = 2048;

class EffectPackage {
public:
    // Checks a manifest and lists every problem found ("elements[2].anchor[0]: 470 is not a
    // landmark index (0..467)"); an empty list means the manifest is valid.
    static std::vector<std::string> validate(const std::string& manifest_json);
    // Parses a valid manifest; throws Error(CORRUPT_DATA) listing the problems otherwise.
    static std::shared_ptr<EffectPackage> parse(const std::string& manifest_json);

    const std::string& name() const { return name_; }
    const std::string& description() const { return description_; }
    // The "look" object as JSON text ("" when absent): the host applies it with the engine's
    // setters (it names bundled filters and presets that the host owns).
    const std::string& look_json() const { return look_json_; }
    // Elements in drawing order (ascending z, ties in manifest order).
    const std::vector<EffectElement>& elements() const { return elements_; }

    // The images the manifest refers to, each once, in order of first use.
    const std::vector<std::string>& image_names() const { return image_names_; }
    int image_index(const std::string& name) const;  // -1 when not used
    // RGBA8, RGB8, BGRA8 or BGR8 pixels of image `index` (copied, premultiplied). Throws
    // Error(INVALID_ARGUMENT) for a bad index, format or size (1..2048 per side).
    void set_image(int index, const ImageView& pixels);
    bool image_ready(int index) const;
    // Throws Error(INVALID_ARGUMENT) naming the first image not yet given.
    void require_images() const;
    const SpriteImage& image(int index) const { return images_[static_cast<std::size_t>(index)]; }
    // Bumped by every set_image (renderers re-upload their textures when it changes).
    uint64_t generation() const { return generation_; }

private:
    EffectPackage() = default;
    std::string name_, description_, look_json_;
    std::vector<EffectElement> elements_;
    std::vector<std::string> image_names_;
    std::vector<SpriteImage> images_;
    uint64_t generation_ = 0;
};

}  // namespace meiyan
