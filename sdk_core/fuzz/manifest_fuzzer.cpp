// libFuzzer harness for the effect-package manifest reader (JSON + format v1 checks): any input
// must either validate -- and then parse, take images and draw on a face without a memory error --
// or come back with problems; parse() of an input validate() rejected must throw CORRUPT_DATA.
// Seeds: the bundled packages' manifest.json files (bindings/meiyan/data/effects/*/manifest.json).
//   build/fuzz/fuzz/manifest_fuzzer -max_total_time=60 build/fuzz/corpus-manifest bindings/meiyan/data/effects/*/
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "effects/stickers/effect_package.h"
#include "effects/stickers/sticker_cpu.h"
#include "effects/stickers/sticker_scene.h"

namespace {

void exercise(const std::string& text) {
    const std::vector<std::string> problems = meiyan::EffectPackage::validate(text);
    if (!problems.empty()) {
        try {
            meiyan::EffectPackage::parse(text);
        } catch (const meiyan::Error& e) {
            if (e.code() == MEIYAN_ERROR_CORRUPT_DATA) return;
        }
        std::fprintf(stderr, "validate() found problems but parse() did not throw CORRUPT_DATA\n");
        std::abort();
    }
    auto pkg = meiyan::EffectPackage::parse(text);
    std::vector<uint8_t> px(6 * 5 * 4, 200);
    meiyan::ImageView img;
    img.format = meiyan::PixelFormat::RGBA8;
    img.width = 6;
    img.height = 5;
    img.stride[0] = 24;
    img.data[0] = px.data();
    for (int i = 0; i < static_cast<int>(pkg->image_names().size()); ++i) pkg->set_image(i, img);
    meiyan::StickerAnimator anim;
    anim.set_package(pkg);
    meiyan::FaceShape face;
    for (int i = 0; i < meiyan::kFaceMeshPoints; ++i) {
        face.points[static_cast<size_t>(i)] = {30.0f + static_cast<float>(i % 20), 25.0f + static_cast<float>(i / 20)};
    }
    face.expressions_active = 31;
    std::vector<uint8_t> frame(64 * 64 * 4, 0);
    meiyan::ImageView f;
    f.format = meiyan::PixelFormat::RGBA8;
    f.width = f.height = 64;
    f.stride[0] = 256;
    f.data[0] = frame.data();
    for (double t : {0.0, 0.3, 2.0}) meiyan::draw_stickers_cpu(anim.update({face}, t), {face}, f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    exercise(std::string(reinterpret_cast<const char*>(data), size));
    return 0;
}

#if defined(MEIYAN_FUZZ_STANDALONE)
int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    }
    return 0;
}
#endif
