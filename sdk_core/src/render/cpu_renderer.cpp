#include "effects/background/background_cpu.h"
#include "effects/beauty/beauty_cpu.h"
#include "effects/beauty/face_regions.h"
#include "effects/beauty/reshape.h"
#include "effects/color/color_grade_cpu.h"
#include "effects/makeup/contacts.h"
#include "effects/makeup/makeup_cpu.h"
#include "effects/stickers/sticker_cpu.h"
#include "render/renderer.h"

namespace meiyan {

namespace {

class CpuRenderer final : public Renderer {
public:
    std::string name() const override { return "cpu"; }
    void render(const EffectState& state, const ImageView& frame) override {
        if (state.is_identity()) return;
        if (state.background_active()) background_.apply(state.background, *state.person_mask, frame);
        if (state.reshape_active()) reshape_.apply(build_reshape_field(state.reshape, state.faces, frame.width, frame.height), frame);
        if (state.beauty_active()) {
            const FeatureMask features = state.beauty.has_features()
                                             ? build_feature_mask(state.faces, frame.width, frame.height, state.beauty)
                                             : FeatureMask{};
            beauty_.apply(state.beauty, build_beauty_grid(state.faces, frame.width, frame.height), features, frame);
        }
        if (state.makeup_active()) {
            MakeupGrid grid = build_makeup_grid(state.makeup, state.faces, frame.width, frame.height);
            MakeupFine fine;
            paint_uv_layers(state.makeup, state.makeup_masks, state.faces, grid, fine);
            makeup_cpu(state.makeup, grid, fine, frame);
            contacts_cpu(state.makeup.contacts,
                         build_contacts_coverage(state.makeup.contacts, state.faces, frame.width, frame.height), frame);
        }
        if (!state.color_is_identity()) color_grade_cpu(state.color, state.lut.get(), frame);
        if (state.stickers_active()) draw_stickers_cpu(state.stickers, state.faces, frame);
    }

private:
    BeautyCpu beauty_;
    BackgroundCpu background_;
    ReshapeCpu reshape_;
};

}  // namespace

std::unique_ptr<Renderer> make_cpu_renderer() { return std::make_unique<CpuRenderer>(); }

}  // namespace meiyan
