// Every NN kernel table this CPU runs (AVX2, AVX2+VNNI, NEON) against the scalar reference, at odd
// sizes and fixed seeds: uint8 kernels must match bit for bit, float kernels to rounding.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "nn/nn_kernels.h"

using namespace meiyan::nn;

namespace {

std::vector<const Kernels*> simd_tables() {
    const Kernels* t[8];
    const int n = available_kernels(t, 8);
    std::vector<const Kernels*> out;
    for (int i = 1; i < n && i < 8; ++i) out.push_back(t[i]);  // t[0] is the scalar table
    return out;
}

struct Rng {
    std::mt19937 g;
    explicit Rng(uint32_t seed) : g(seed) {}
    int i(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); }
    float f(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(g); }
    std::vector<float> fv(size_t n, float lo, float hi) {
        std::vector<float> v(n);
        for (auto& x : v) x = f(lo, hi);
        return v;
    }
};

size_t round16(size_t n) { return (n + 15) / 16 * 16; }

// Largest |a - b| / (1 + |b|).
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(a[i]) != std::isnan(b[i])) return 1e30;
        worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::fabs(b[i])));
    }
    return worst;
}

int count_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    int n = 0;
    for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
    return n;
}

const int kActs[] = {kActNone, kActRelu, kActPrelu, kActHardSwish, kActSigmoid};

// Packs a [k][n] matrix into the GEMM's panels.
std::vector<float> pack_f32(const std::vector<float>& w, int k, int n) {
    const int panels = (n + kPanel - 1) / kPanel;
    std::vector<float> p(static_cast<size_t>(panels) * k * kPanel, 0.0f);
    for (int kk = 0; kk < k; ++kk) {
        for (int j = 0; j < n; ++j) p[(static_cast<size_t>(j / kPanel) * k + kk) * kPanel + j % kPanel] = w[static_cast<size_t>(kk) * n + j];
    }
    return p;
}

}  // namespace

TEST_CASE("nn: a SIMD table exists where the CPU has one") {
    const Kernels* t[8];
    const int n = available_kernels(t, 8);
    CHECK(n >= 1);
    CHECK(std::string(t[0]->name) == "scalar");
    std::printf("  NN kernels:");
    for (int i = 0; i < n && i < 8; ++i) std::printf(" %s", t[i]->name);
    std::printf(" (active %s)\n", active_kernels().name);
}

TEST_CASE("nn: sgemm with every epilogue matches the scalar reference") {
    Rng rng(1);
    for (const Kernels* kt : simd_tables()) {
        double worst = 0;
        for (int iter = 0; iter < 300; ++iter) {
            const int m = rng.i(1, 20), n = rng.i(1, 45), k = rng.i(1, 70);
            const int lda = k + rng.i(0, 3), ldc = n + rng.i(0, 3);
            const std::vector<float> a = rng.fv(static_cast<size_t>(m) * lda, -1, 1);
            const std::vector<float> b = pack_f32(rng.fv(static_cast<size_t>(k) * n, -1, 1), k, n);
            const std::vector<float> bias = rng.fv(round16(static_cast<size_t>(n)), -1, 1);
            const std::vector<float> s1 = rng.fv(round16(static_cast<size_t>(n)), 0, 0.5f);
            const std::vector<float> s2 = rng.fv(round16(static_cast<size_t>(n)), 0, 0.5f);
            const int res_c = rng.i(0, n);
            const std::vector<float> res = rng.fv(static_cast<size_t>(m) * (res_c + 2) + 1, -1, 1);
            EpilogueF32 ep;
            ep.act_pre = kActs[rng.i(0, 4)];
            ep.act_post = kActs[rng.i(0, 4)];
            ep.slopes_pre = s1.data();
            ep.slopes_post = s2.data();
            if (res_c > 0 && rng.i(0, 1)) {
                ep.residual = res.data();
                ep.res_channels = res_c;
                ep.res_stride = res_c + 2;
            }
            std::vector<float> want(static_cast<size_t>(m) * ldc, 7.0f), got = want;
            sgemm_scalar(m, n, k, a.data(), lda, b.data(), bias.data(), want.data(), ldc, ep);
            kt->sgemm(m, n, k, a.data(), lda, b.data(), bias.data(), got.data(), ldc, ep);
            worst = std::max(worst, rel_diff(got, want));  // padding columns (7.0) must be untouched too
        }
        std::printf("  %s: worst relative difference %.2g\n", kt->name, worst);
        CHECK(worst < 2e-5);
    }
}

TEST_CASE("nn: float depthwise rows and epilogues match the scalar reference") {
    Rng rng(2);
    for (const Kernels* kt : simd_tables()) {
        double worst = 0;
        for (int iter = 0; iter < 200; ++iter) {
            DwRow r;
            r.h = rng.i(1, 12), r.w = rng.i(1, 17), r.c = rng.i(1, 40);
            r.kh = r.kw = rng.i(0, 1) ? 3 : 5;
            if (rng.i(0, 5) == 0) r.kw = 1 + rng.i(0, 4);
            r.sh = rng.i(1, 2), r.sw = rng.i(1, 2);
            r.pad_top = rng.i(0, r.kh - 1), r.pad_left = rng.i(0, r.kw - 1);
            const int pad_b = rng.i(0, r.kh - 1), pad_r = rng.i(0, r.kw - 1);
            const int oh = (r.h + r.pad_top + pad_b - r.kh) / r.sh + 1, ow = (r.w + r.pad_left + pad_r - r.kw) / r.sw + 1;
            if (r.h + r.pad_top + pad_b < r.kh || r.w + r.pad_left + pad_r < r.kw) continue;
            r.ow = ow;
            r.cpad = static_cast<int>(round16(static_cast<size_t>(r.c)));
            // 64 spare floats: kernels may read (not use) a few values past the last pixel
            const std::vector<float> in = rng.fv(static_cast<size_t>(r.h) * r.w * r.c + 64, -1, 1);
            std::vector<float> wt = rng.fv(static_cast<size_t>(r.kh) * r.kw * r.cpad, -1, 1);
            for (int t = 0; t < r.kh * r.kw; ++t) {
                for (int c = r.c; c < r.cpad; ++c) wt[static_cast<size_t>(t) * r.cpad + c] = 0.0f;
            }
            const std::vector<float> bias = rng.fv(static_cast<size_t>(r.cpad), -1, 1);
            const std::vector<float> slopes = rng.fv(static_cast<size_t>(r.cpad), 0, 0.5f);
            const std::vector<float> res = rng.fv(static_cast<size_t>(ow) * r.c, -1, 1);
            r.in = in.data(), r.weights = wt.data(), r.bias = bias.data();
            EpilogueF32 ep;
            ep.act_pre = kActs[rng.i(0, 4)];
            ep.slopes_pre = slopes.data();
            if (rng.i(0, 1)) {
                ep.residual = res.data();
                ep.res_channels = rng.i(1, r.c);
                ep.res_stride = r.c;
            }
            for (int oy = 0; oy < oh; ++oy) {
                r.oy = oy;
                std::vector<float> want(static_cast<size_t>(ow) * r.c), got(want.size());
                r.out = want.data();
                dwconv_row_scalar(r, ep);
                r.out = got.data();
                kt->dwconv_row(r, ep);
                worst = std::max(worst, rel_diff(got, want));
            }
        }
        // standalone epilogue (slopes exactly c long, residual with fewer channels)
        for (int iter = 0; iter < 100; ++iter) {
            const int pixels = rng.i(1, 9), c = rng.i(1, 37);
            const std::vector<float> y0 = rng.fv(static_cast<size_t>(pixels) * c, -4, 4);
            const std::vector<float> s1 = rng.fv(static_cast<size_t>(c), 0, 0.5f), s2 = rng.fv(static_cast<size_t>(c), 0, 0.5f);
            const std::vector<float> res = rng.fv(static_cast<size_t>(pixels) * c, -1, 1);
            EpilogueF32 ep;
            ep.act_pre = kActs[rng.i(0, 4)], ep.act_post = kActs[rng.i(0, 4)];
            ep.slopes_pre = s1.data(), ep.slopes_post = s2.data();
            if (rng.i(0, 1)) ep.residual = res.data(), ep.res_channels = rng.i(1, c), ep.res_stride = c;
            std::vector<float> want = y0, got = y0;
            epilogue_scalar(want.data(), pixels, c, ep);
            kt->epilogue(got.data(), pixels, c, ep);
            worst = std::max(worst, rel_diff(got, want));
        }
        std::printf("  %s: worst relative difference %.2g\n", kt->name, worst);
        CHECK(worst < 2e-5);
    }
}

TEST_CASE("nn: uint8 GEMM is bit-exact at every size") {
    Rng rng(3);
    for (const Kernels* kt : simd_tables()) {
        int bad = 0;
        for (int iter = 0; iter < 400; ++iter) {
            const int m = rng.i(1, 20), n = rng.i(1, 45), k4 = rng.i(1, 40);
            const int lda = 4 * k4 + rng.i(0, 5), ldc = n + rng.i(0, 3);
            std::vector<uint8_t> a(static_cast<size_t>(m) * lda + 8);
            for (auto& v : a) v = static_cast<uint8_t>(rng.i(0, 255));
            const int panels = (n + kPanel - 1) / kPanel;
            std::vector<int8_t> b(static_cast<size_t>(panels) * k4 * kPanel * 4, 0);
            for (int j = 0; j < n; ++j) {
                for (int q = 0; q < 4 * k4; ++q) {
                    b[(static_cast<size_t>(j / kPanel) * k4 + q / 4) * kPanel * 4 + (j % kPanel) * 4 + q % 4] =
                        static_cast<int8_t>(rng.i(-128, 127));
                }
            }
            std::vector<int32_t> bias(round16(static_cast<size_t>(n)));
            for (auto& v : bias) v = rng.i(-300000, 300000);
            std::vector<float> mult(round16(static_cast<size_t>(n)));
            for (auto& v : mult) v = rng.f(1e-5f, 3e-3f);
            const int zp = rng.i(0, 255);
            std::vector<uint8_t> want(static_cast<size_t>(m) * ldc, 0xa5), got = want;
            qgemm_scalar(m, n, k4, a.data(), lda, b.data(), bias.data(), mult.data(), zp, want.data(), ldc);
            kt->qgemm(m, n, k4, a.data(), lda, b.data(), bias.data(), mult.data(), zp, got.data(), ldc);
            bad += count_diff(got, want);
        }
        std::printf("  %s: %d differing bytes\n", kt->name, bad);
        CHECK_EQ(bad, 0);
    }
}

TEST_CASE("nn: uint8 depthwise rows are bit-exact") {
    Rng rng(4);
    for (const Kernels* kt : simd_tables()) {
        int bad = 0;
        for (int iter = 0; iter < 200; ++iter) {
            DwRow r;
            r.h = rng.i(1, 12), r.w = rng.i(1, 17), r.c = rng.i(1, 40);
            r.kh = r.kw = rng.i(0, 1) ? 3 : 5;
            r.sh = rng.i(1, 2), r.sw = rng.i(1, 2);
            r.pad_top = rng.i(0, r.kh - 1), r.pad_left = rng.i(0, r.kw - 1);
            const int pad_b = rng.i(0, r.kh - 1), pad_r = rng.i(0, r.kw - 1);
            if (r.h + r.pad_top + pad_b < r.kh || r.w + r.pad_left + pad_r < r.kw) continue;
            const int oh = (r.h + r.pad_top + pad_b - r.kh) / r.sh + 1;
            r.ow = (r.w + r.pad_left + pad_r - r.kw) / r.sw + 1;
            r.cpad = static_cast<int>(round16(static_cast<size_t>(r.c)));
            std::vector<uint8_t> in(static_cast<size_t>(r.h) * r.w * r.c + 64);
            for (auto& v : in) v = static_cast<uint8_t>(rng.i(0, 255));
            std::vector<int16_t> wt(static_cast<size_t>(r.kh) * r.kw * r.cpad, 0);
            for (int t = 0; t < r.kh * r.kw; ++t) {
                for (int c = 0; c < r.c; ++c) wt[static_cast<size_t>(t) * r.cpad + c] = static_cast<int16_t>(rng.i(-128, 127));
            }
            std::vector<int32_t> bias(static_cast<size_t>(r.cpad));
            for (auto& v : bias) v = rng.i(-200000, 200000);
            std::vector<float> mult(static_cast<size_t>(r.cpad));
            for (auto& v : mult) v = rng.f(1e-4f, 3e-2f);
            r.in_zp = rng.i(0, 255), r.out_zp = rng.i(0, 255);
            r.in = in.data(), r.weights = wt.data(), r.bias = bias.data(), r.mult = mult.data();
            for (int oy = 0; oy < oh; ++oy) {
                r.oy = oy;
                std::vector<uint8_t> want(static_cast<size_t>(r.ow) * r.c), got(want.size());
                r.out = want.data();
                qdwconv_row_scalar(r);
                r.out = got.data();
                kt->qdwconv_row(r);
                bad += count_diff(got, want);
            }
        }
        std::printf("  %s: %d differing bytes\n", kt->name, bad);
        CHECK_EQ(bad, 0);
    }
}

TEST_CASE("nn: uint8 add, quantize, dequantize, max pooling and float binary ops") {
    Rng rng(5);
    for (const Kernels* kt : simd_tables()) {
        int bad = 0;
        double worst = 0;
        for (int iter = 0; iter < 200; ++iter) {
            const size_t n = static_cast<size_t>(rng.i(1, 100));
            std::vector<uint8_t> a(n), b(n);
            for (auto& v : a) v = static_cast<uint8_t>(rng.i(0, 255));
            for (auto& v : b) v = static_cast<uint8_t>(rng.i(0, 255));
            const QAddParams p = qadd_params(rng.f(0.001f, 0.5f), rng.i(0, 255), rng.f(0.001f, 0.5f), rng.i(0, 255),
                                             rng.f(0.001f, 0.5f), rng.i(0, 255));
            std::vector<uint8_t> want(n), got(n);
            qadd_scalar(a.data(), b.data(), want.data(), n, p);
            kt->qadd(a.data(), b.data(), got.data(), n, p);
            bad += count_diff(got, want);

            {
                const int pixels = rng.i(1, 5), c = rng.i(1, 40), same = rng.i(0, 1);
                std::vector<uint8_t> ma(static_cast<size_t>(pixels) * c), mb(ma.size());
                for (auto& v : ma) v = static_cast<uint8_t>(rng.i(0, 255));
                for (auto& v : mb) v = static_cast<uint8_t>(rng.i(0, 255));
                QMulParams mp;
                mp.za = rng.i(0, 255), mp.zb = rng.i(0, 255), mp.zy = rng.i(0, 255), mp.mul = rng.f(1e-4f, 2e-2f);
                std::vector<uint8_t> mw(ma.size()), mg(ma.size());
                qmul_scalar(ma.data(), mb.data(), mw.data(), pixels, c, same ? c : 0, mp);
                kt->qmul(ma.data(), mb.data(), mg.data(), pixels, c, same ? c : 0, mp);
                bad += count_diff(mg, mw);
            }

            std::vector<float> x = rng.fv(n, -30, 30);
            x[0] = std::nanf("");
            if (n > 2) x[1] = 1e30f, x[2] = -1e30f;
            const float scale = rng.f(0.01f, 0.3f);
            const int zp = rng.i(0, 255);
            quantize_scalar(x.data(), want.data(), n, scale, zp);
            kt->quantize(x.data(), got.data(), n, scale, zp);
            bad += count_diff(got, want);

            std::vector<float> fw(n), fg(n);
            dequantize_scalar(a.data(), fw.data(), n, scale, zp);
            kt->dequantize(a.data(), fg.data(), n, scale, zp);
            worst = std::max(worst, rel_diff(fg, fw));

            const int pixels = rng.i(1, 6), c = rng.i(1, 30), kind = rng.i(0, 1), same = rng.i(0, 1);
            const std::vector<float> fa = rng.fv(static_cast<size_t>(pixels) * c, -2, 2);
            const std::vector<float> fb = rng.fv(static_cast<size_t>(pixels) * c, -2, 2);
            std::vector<float> bw(fa.size()), bg(fa.size());
            binary_f32_scalar(fa.data(), fb.data(), bw.data(), pixels, c, same ? c : 0, kind);
            kt->binary_f32(fa.data(), fb.data(), bg.data(), pixels, c, same ? c : 0, kind);
            worst = std::max(worst, rel_diff(bg, bw));

            const int kh = rng.i(1, 3), kw = rng.i(1, 3), sw = rng.i(1, 2), w = rng.i(kw, 12);
            const int ow = (w - kw) / sw + 1;
            const std::vector<float> pf = rng.fv(static_cast<size_t>(kh) * w * c, -3, 3);
            std::vector<float> mw(static_cast<size_t>(ow) * c), mg(mw.size());
            maxpool_row_f32_scalar(pf.data(), w, c, kh, kw, sw, ow, mw.data());
            kt->maxpool_row_f32(pf.data(), w, c, kh, kw, sw, ow, mg.data());
            worst = std::max(worst, rel_diff(mg, mw));
            std::vector<uint8_t> pu(static_cast<size_t>(kh) * w * c);
            for (auto& v : pu) v = static_cast<uint8_t>(rng.i(0, 255));
            std::vector<uint8_t> uw(static_cast<size_t>(ow) * c), ug(uw.size());
            maxpool_row_u8_scalar(pu.data(), w, c, kh, kw, sw, ow, uw.data());
            kt->maxpool_row_u8(pu.data(), w, c, kh, kw, sw, ow, ug.data());
            bad += count_diff(ug, uw);
        }
        std::printf("  %s: %d differing bytes, worst float difference %.2g\n", kt->name, bad, worst);
        CHECK_EQ(bad, 0);
        CHECK(worst == 0.0);
    }
}

TEST_CASE("nn: scalar uint8 helpers round half to even and saturate") {
    CHECK_EQ(static_cast<int>(quantize_one(2.5f, 1.0f, 0)), 2);
    CHECK_EQ(static_cast<int>(quantize_one(3.5f, 1.0f, 0)), 4);
    CHECK_EQ(static_cast<int>(quantize_one(-1.0f, 1.0f, 0)), 0);
    CHECK_EQ(static_cast<int>(quantize_one(1e9f, 1.0f, 10)), 255);
    CHECK_EQ(static_cast<int>(quantize_one(std::nanf(""), 1.0f, 7)), 7);
    CHECK_EQ(static_cast<int>(requantize(1000, 0.01f, 100)), 110);
    CHECK_EQ(static_cast<int>(requantize(-2000000000, 1.0f, 100)), 0);
    const QAddParams p = qadd_params(0.5f, 10, 0.25f, 20, 1.0f, 5);
    // (a - 10) * 0.5 + (b - 20) * 0.25 + 5
    CHECK_EQ(static_cast<int>(qadd_one(30, 40, p)), 20);
    CHECK_EQ(static_cast<int>(qadd_one(0, 0, p)), 0);
}

TEST_MAIN()
