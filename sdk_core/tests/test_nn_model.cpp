// The NN engine end to end on a small built model: results against a naive reference written
// here, every SIMD level against scalar, no allocation in run(), and bad files (truncated,
// corrupt, wrong version, wrong model, mutated thousands of times) rejected with an Error.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>

#include <fstream>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "../fuzz/nn_model_builder.h"
#include "check.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "image/image.h"
#include "nn/nn_kernels.h"
#include "nn/nn_model.h"
#include "nn/nn_network.h"

using meiyan::Error;
using meiyan::nn::Model;

// Allocation counter: run() must not allocate. (GCC cannot see that these new/delete pair up.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    ++g_allocations;
    return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

std::vector<float> input_pattern(size_t n) {
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 1.5f;
    return x;
}

// The small model of nn_model_builder.h, computed naively (float64 sums).
struct Reference {
    std::vector<float> out, dq;
};

float wval(size_t i) { return static_cast<float>((i * 37 % 17)) / 17.0f - 0.45f; }
float bval(size_t i) { return 0.1f * static_cast<float>(i % 3) - 0.1f; }

Reference reference(const std::vector<float>& x) {
    // conv 3x3 pad 1, 3->8, relu
    std::vector<float> c1(8 * 8 * 8);
    for (int y = 0; y < 8; ++y)
        for (int xx = 0; xx < 8; ++xx)
            for (int o = 0; o < 8; ++o) {
                double acc = bval(static_cast<size_t>(o));
                for (int ky = 0; ky < 3; ++ky)
                    for (int kx = 0; kx < 3; ++kx)
                        for (int ci = 0; ci < 3; ++ci) {
                            const int iy = y + ky - 1, ix = xx + kx - 1;
                            if (iy < 0 || iy >= 8 || ix < 0 || ix >= 8) continue;
                            acc += static_cast<double>(x[static_cast<size_t>((iy * 8 + ix) * 3 + ci)]) *
                                   wval(static_cast<size_t>(((o * 3 + ky) * 3 + kx) * 3 + ci));
                        }
                c1[static_cast<size_t>((y * 8 + xx) * 8 + o)] = static_cast<float>(std::max(acc, 0.0));
            }
    // depthwise 3x3 stride 2 pad 1, prelu 0.25
    std::vector<float> c2(4 * 4 * 8);
    for (int y = 0; y < 4; ++y)
        for (int xx = 0; xx < 4; ++xx)
            for (int c = 0; c < 8; ++c) {
                double acc = bval(static_cast<size_t>(c));
                for (int ky = 0; ky < 3; ++ky)
                    for (int kx = 0; kx < 3; ++kx) {
                        const int iy = 2 * y + ky - 1, ix = 2 * xx + kx - 1;
                        if (iy < 0 || iy >= 8 || ix < 0 || ix >= 8) continue;
                        acc += static_cast<double>(c1[static_cast<size_t>((iy * 8 + ix) * 8 + c)]) *
                               wval(static_cast<size_t>((ky * 3 + kx) * 8 + c));
                    }
                c2[static_cast<size_t>((y * 4 + xx) * 8 + c)] = static_cast<float>(acc < 0 ? acc * 0.25 : acc);
            }
    // max pool 2x2/2
    std::vector<float> p1(2 * 2 * 8);
    for (int y = 0; y < 2; ++y)
        for (int xx = 0; xx < 2; ++xx)
            for (int c = 0; c < 8; ++c) {
                float m = -1e30f;
                for (int ky = 0; ky < 2; ++ky)
                    for (int kx = 0; kx < 2; ++kx) m = std::max(m, c2[static_cast<size_t>(((2 * y + ky) * 4 + 2 * xx + kx) * 8 + c)]);
                p1[static_cast<size_t>((y * 2 + xx) * 8 + c)] = m;
            }
    Reference r;
    // 1x1 conv 8->10 + residual (p1 padded to 10 channels)
    r.out.resize(2 * 2 * 10);
    for (int p = 0; p < 4; ++p)
        for (int o = 0; o < 10; ++o) {
            double acc = bval(static_cast<size_t>(o));
            for (int ci = 0; ci < 8; ++ci) acc += static_cast<double>(p1[static_cast<size_t>(p * 8 + ci)]) * wval(static_cast<size_t>(o * 8 + ci));
            if (o < 8) acc += p1[static_cast<size_t>(p * 8 + o)];
            r.out[static_cast<size_t>(p * 10 + o)] = static_cast<float>(acc);
        }
    // quantize (0.05, 10) -> uint8 1x1 conv -> requantize (0.1, 128) -> dequantize
    const int8_t* none = nullptr;
    (void)none;
    r.dq.resize(2 * 2 * 4);
    const int32_t bias[4] = {100, -200, 300, 0};
    const float mult[4] = {0.004f, 0.003f, 0.002f, 0.005f};
    for (int p = 0; p < 4; ++p)
        for (int o = 0; o < 4; ++o) {
            int64_t acc = bias[o];
            for (int ci = 0; ci < 8; ++ci) {
                float v = p1[static_cast<size_t>(p * 8 + ci)] / 0.05f;
                int q = std::min(std::max(static_cast<int>(std::nearbyint(v)) + 10, 0), 255);
                const int w = static_cast<int>((o * 8 + ci) * 29 % 255) - 127;
                acc += static_cast<int64_t>(q - 10) * w;
            }
            const int q = std::min(std::max(static_cast<int>(std::nearbyint(static_cast<float>(acc) * mult[o])) + 128, 0), 255);
            r.dq[static_cast<size_t>(p * 4 + o)] = static_cast<float>(q - 128) * 0.1f;
        }
    return r;
}

template <typename F>
bool throws_error(F&& f, meiyan_status code) {
    try {
        f();
    } catch (const Error& e) {
        return e.code() == code && std::string(e.what()).size() > 10;
    }
    return false;
}

bool expect_error(const std::vector<uint8_t>& bytes, meiyan_status code, const char* what) {
    try {
        Model::load_memory(bytes.data(), bytes.size());
    } catch (const Error& e) {
        if (e.code() != code) {
            std::printf("  %s: status %d (%s), expected %d\n", what, static_cast<int>(e.code()), e.what(), static_cast<int>(code));
            return false;
        }
        return std::string(e.what()).size() > 10;
    }
    std::printf("  %s: loaded without error\n", what);
    return false;
}

}  // namespace

TEST_CASE("nn model: results match a naive reference on every SIMD level") {
    const std::vector<uint8_t> bytes = nn_test::small_model().build();
    auto m = Model::load_memory(bytes.data(), bytes.size(), "test");
    CHECK_EQ(m->input_count(), 1);
    CHECK_EQ(m->output_count(), 2);
    CHECK(m->name() == "test");
    const std::vector<float> x = input_pattern(m->input(0).elements);
    const Reference ref = reference(x);
    const float* in[1] = {x.data()};
    for (meiyan::SimdLevel level : {meiyan::SimdLevel::Scalar, meiyan::SimdLevel::AVX2, meiyan::SimdLevel::NEON}) {
        meiyan::simd_force(level);
        m->run(in);
        double worst = 0;
        for (size_t i = 0; i < ref.out.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(m->output_data(0)[i]) - ref.out[i]));
        int qbad = 0;
        for (size_t i = 0; i < ref.dq.size(); ++i) qbad += std::fabs(m->output_data(1)[i] - ref.dq[i]) > 1e-6f;
        std::printf("  %s: float max diff %.2g, uint8 branch %d differing values\n", meiyan::nn::active_kernels().name, worst, qbad);
        CHECK(worst < 1e-4);
        CHECK_EQ(qbad, 0);
    }
    meiyan::simd_force(meiyan::simd_detected());
}

TEST_CASE("nn model: run() allocates nothing and repeats exactly") {
    const std::vector<uint8_t> bytes = nn_test::small_model().build();
    auto m = Model::load_memory(bytes.data(), bytes.size());
    const std::vector<float> x = input_pattern(m->input(0).elements);
    const float* in[1] = {x.data()};
    m->run(in);
    const std::vector<float> first(m->output_data(0), m->output_data(0) + m->output(0).elements);
    const long before = g_allocations.load();
    for (int i = 0; i < 5; ++i) m->run(in);
    CHECK_EQ(g_allocations.load() - before, 0L);
    int same = 0;
    for (size_t i = 0; i < first.size(); ++i) same += first[i] == m->output_data(0)[i];
    CHECK_EQ(static_cast<size_t>(same), first.size());
    CHECK(m->arena_bytes() > 0);
}

TEST_CASE("nn model: truncated, corrupt, wrong-version and wrong-model files are errors") {
    const std::vector<uint8_t> good = nn_test::small_model().build();
    int failures = 0;
    for (size_t n = 0; n < good.size(); n += (n < 100 ? 1 : 7)) {
        const std::vector<uint8_t> t(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
        failures += !expect_error(t, MEIYAN_ERROR_CORRUPT_DATA, "truncated");
    }
    CHECK_EQ(failures, 0);
    std::vector<uint8_t> b = good;
    b[0] = 'X';
    CHECK(expect_error(b, MEIYAN_ERROR_CORRUPT_DATA, "bad magic"));
    b = good;
    b[good.size() - 3] ^= 0x40;  // inside the weights: a section checksum mismatch
    CHECK(expect_error(b, MEIYAN_ERROR_CORRUPT_DATA, "flipped weight bit"));
    b = good;
    b[4] = 2;  // major version 2
    nn_test::Builder::fix_checksums(b);
    CHECK(expect_error(b, MEIYAN_ERROR_CORRUPT_DATA, "future version"));
    b = good;
    b.push_back(0);
    CHECK(expect_error(b, MEIYAN_ERROR_CORRUPT_DATA, "extra byte"));
    try {
        Model::load_memory(good.data(), good.size(), "face_landmark");
        CHECK(false);
    } catch (const Error& e) {
        CHECK_EQ(e.code(), MEIYAN_ERROR_CORRUPT_DATA);
        CHECK(std::string(e.what()).find("face_landmark") != std::string::npos);
    }
    try {
        Model::load_file("/nonexistent/dir/model.mynn");
        CHECK(false);
    } catch (const Error& e) {
        CHECK_EQ(e.code(), MEIYAN_ERROR_IO);
    }
    // A PNG (or any other file) is not a model.
    const std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    CHECK(expect_error(png, MEIYAN_ERROR_CORRUPT_DATA, "png"));
    // and from a path
    const std::string path = "test_nn_model_tmp.mynn";
    {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(good.data()), static_cast<std::streamsize>(good.size() / 2));
    }
    try {
        Model::load_file(path);
        CHECK(false);
    } catch (const Error& e) {
        CHECK_EQ(e.code(), MEIYAN_ERROR_CORRUPT_DATA);
        CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
    std::remove(path.c_str());
}

TEST_CASE("nn model: thousands of mutated files load with an Error or run safely") {
    const std::vector<uint8_t> good = nn_test::small_model().build();
    std::mt19937 rng(12345);
    int loaded = 0, rejected = 0, other = 0;
    const int iterations = std::getenv("MEIYAN_NN_FUZZ_ITERATIONS") ? std::atoi(std::getenv("MEIYAN_NN_FUZZ_ITERATIONS")) : 4000;
    for (int it = 0; it < iterations; ++it) {
        std::vector<uint8_t> b = good;
        const int kind = static_cast<int>(rng() % 4);
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            const size_t at = rng() % b.size();
            if (kind == 3) {
                b[at] = static_cast<uint8_t>(rng());  // any value
            } else {
                b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
            }
        }
        if (kind == 2) b.resize(rng() % b.size());
        // most mutations get their checksums repaired so that they reach the graph checks
        if (kind != 0) nn_test::Builder::fix_checksums(b);
        try {
            auto m = Model::load_memory(b.data(), b.size());
            std::vector<std::vector<float>> xs;
            std::vector<const float*> ptrs;
            for (int i = 0; i < m->input_count(); ++i) xs.push_back(input_pattern(m->input(i).elements));
            for (const auto& v : xs) ptrs.push_back(v.data());
            m->run(ptrs.data());
            ++loaded;
        } catch (const Error& e) {
            if (e.code() == MEIYAN_ERROR_CORRUPT_DATA) {
                ++rejected;
            } else {
                ++other;
                std::printf("  unexpected status %d: %s\n", static_cast<int>(e.code()), e.what());
            }
        }
    }
    std::printf("  %d mutations: %d rejected, %d still valid models (ran), %d other errors\n", iterations, rejected,
                loaded, other);
    CHECK_EQ(other, 0);
    CHECK(rejected > iterations / 2);
}

TEST_CASE("nn model: the face pipeline's Network interface") {
    const std::vector<uint8_t> bytes = nn_test::small_model().build();
    auto direct = Model::load_memory(bytes.data(), bytes.size());
    auto net = meiyan::nn::make_network(Model::load_memory(bytes.data(), bytes.size()));
    CHECK_EQ(net->input_size(), static_cast<size_t>(8 * 8 * 3));
    CHECK_EQ(net->output_size(0), static_cast<size_t>(40));
    CHECK_EQ(net->output_size(1), static_cast<size_t>(16));
    const std::vector<float> x = input_pattern(net->input_size());
    const std::vector<const float*> outs = net->run(x.data());
    const float* in[1] = {x.data()};
    direct->run(in);
    CHECK_EQ(outs.size(), static_cast<size_t>(2));
    int same = 0;
    for (size_t i = 0; i < 40; ++i) same += outs[0][i] == direct->output_data(0)[i];
    CHECK_EQ(same, 40);
}

// The shipped .mynn models (models/ next to the shader folder, when present): every SIMD level
// against scalar on a fixed input -- this is where the NEON build meets the real networks.
// The shipped .mynn files (models/ beside the shader folder); empty, with a note, when absent.
std::vector<std::string> shipped_models() {
    const char* shaders = std::getenv("MEIYAN_SHADER_DIR");
    const std::string dir = std::string(shaders ? shaders : "../shaders") + "/../models";
    std::vector<std::string> files;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            const std::string n = e->d_name;
            if (n.size() > 5 && n.compare(n.size() - 5, 5, ".mynn") == 0) files.push_back(dir + "/" + n);
        }
        closedir(d);
    }
    if (files.empty()) std::printf("  no .mynn files in %s: skipped\n", dir.c_str());
    return files;
}

// Image-like inputs (0.2..0.8) for every input of a model, and pointers to them.
struct ModelInputs {
    std::vector<std::vector<float>> values;
    std::vector<const float*> ptrs;
    explicit ModelInputs(const Model& m) {
        for (int i = 0; i < m.input_count(); ++i) {
            values.push_back(input_pattern(m.input(i).elements));
            for (float& v : values.back()) v = 0.5f + 0.3f * v;
        }
        for (const auto& v : values) ptrs.push_back(v.data());
    }
};

TEST_CASE("nn model: shipped models agree across SIMD levels") {
    for (const std::string& f : shipped_models()) {
        auto m = Model::load_file(f);
        const ModelInputs in(*m);
        const std::vector<const float*>& ptrs = in.ptrs;
        meiyan::simd_force(meiyan::SimdLevel::Scalar);
        m->run(ptrs.data());
        std::vector<std::vector<float>> ref;
        for (int o = 0; o < m->output_count(); ++o) ref.emplace_back(m->output_data(o), m->output_data(o) + m->output(o).elements);
        meiyan::simd_force(meiyan::simd_detected());
        m->run(ptrs.data());
        double worst = 0;
        for (int o = 0; o < m->output_count(); ++o) {
            double scale = 1;
            for (float v : ref[static_cast<size_t>(o)]) scale = std::max(scale, 1.0 + std::fabs(v));
            for (size_t i = 0; i < ref[static_cast<size_t>(o)].size(); ++i) {
                const float v = m->output_data(o)[i];
                CHECK(std::isfinite(v));
                worst = std::max(worst, std::fabs(static_cast<double>(v) - ref[static_cast<size_t>(o)][i]) / scale);
            }
        }
        std::printf("  %s (%s): %s vs scalar, max relative difference %.2g\n", m->name().c_str(), m->precision().c_str(),
                    meiyan::nn::active_kernels().name, worst);
        CHECK(worst < 1e-3);
    }
}

// Threads: the pool runs every task exactly once, and a model split over several threads gives the
// same bytes as one thread (each output element is computed by one task), allocating nothing.
TEST_CASE("nn model: thread pool runs each task once; bad thread counts are errors") {
    for (int threads : {1, 2, 5}) {
        meiyan::ThreadPool pool(threads);
        CHECK_EQ(pool.size(), threads);
        for (int tasks : {0, 1, 3, 1000}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(tasks));
            std::atomic<int> bad_worker{0};
            auto f = [&](int t, int w) {
                hits[static_cast<size_t>(t)].fetch_add(1);
                if (w < 0 || w >= threads) bad_worker.fetch_add(1);
            };
            pool.parallel_for(tasks, f);
            int once = 0;
            for (auto& h : hits) once += h.load() == 1;
            CHECK_EQ(once, tasks);
            CHECK_EQ(bad_worker.load(), 0);
        }
    }
    CHECK(throws_error([] { meiyan::ThreadPool p(0); }, MEIYAN_ERROR_INVALID_ARGUMENT));
    CHECK(throws_error([] { meiyan::ThreadPool p(65); }, MEIYAN_ERROR_INVALID_ARGUMENT));
    const std::vector<uint8_t> bytes = nn_test::small_model().build();
    auto m = Model::load_memory(bytes.data(), bytes.size());
    CHECK(throws_error([&] { m->set_threads(-1); }, MEIYAN_ERROR_INVALID_ARGUMENT));
    CHECK(throws_error([&] { m->set_threads(65); }, MEIYAN_ERROR_INVALID_ARGUMENT));
    CHECK_EQ(m->threads(), 1);
    m->set_threads(0);
    CHECK(m->threads() >= 1);
}

TEST_CASE("nn model: shipped models give the same bytes on 1 and 3 threads, allocating nothing") {
    for (const std::string& f : shipped_models()) {
        auto m = Model::load_file(f);
        const ModelInputs in(*m);
        const std::vector<const float*>& ptrs = in.ptrs;
        m->run(ptrs.data());
        std::vector<std::vector<float>> ref;
        for (int o = 0; o < m->output_count(); ++o) ref.emplace_back(m->output_data(o), m->output_data(o) + m->output(o).elements);
        m->set_threads(3);
        CHECK_EQ(m->threads(), 3);
        m->run(ptrs.data());
        const long before = g_allocations.load();
        for (int r = 0; r < 3; ++r) m->run(ptrs.data());
        CHECK_EQ(g_allocations.load() - before, 0L);
        size_t differ = 0, total = 0;
        for (int o = 0; o < m->output_count(); ++o) {
            for (size_t i = 0; i < ref[static_cast<size_t>(o)].size(); ++i) {
                differ += std::memcmp(&ref[static_cast<size_t>(o)][i], m->output_data(o) + i, sizeof(float)) != 0;
                ++total;
            }
        }
        std::printf("  %s (%s): 3 threads vs 1, %zu of %zu output values differ\n", m->name().c_str(),
                    m->precision().c_str(), differ, total);
        CHECK_EQ(differ, static_cast<size_t>(0));
        m->set_threads(1);
        CHECK_EQ(m->threads(), 1);
    }
}

TEST_MAIN()
