#include "effects/color/color_grade_cpu.h"
#include "render/renderer.h"

namespace meiyan {

namespace {

class CpuRenderer final : public Renderer {
public:
    std::string name() const override { return "cpu"; }
    void render(const EffectState& state, const ImageView& frame) override {
        if (state.is_identity()) return;
        color_grade_cpu(state.color, state.lut.get(), frame);
    }
};

}  // namespace

std::unique_ptr<Renderer> make_cpu_renderer() { return std::make_unique<CpuRenderer>(); }

}  // namespace meiyan
