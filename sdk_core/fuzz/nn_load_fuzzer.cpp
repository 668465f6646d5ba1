// libFuzzer harness for the .mynn loader and engine: any input must either load (and then run
// without a memory error) or throw meiyan::Error with MEIYAN_ERROR_CORRUPT_DATA.
//
// Built with clang:  clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined \
//                      -Isdk_core/src -Isdk_core/include sdk_core/fuzz/nn_load_fuzzer.cpp <core sources>
// or through sdk_core/fuzz/CMakeLists.txt. Half of the inputs get their checksums repaired first
// (see nn_model_builder.h), so that mutations reach the graph checks rather than the CRC test.
// Without libFuzzer (MEIYAN_FUZZ_STANDALONE), main() replays the files named on the command line,
// or writes a seed corpus with --seeds DIR.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "nn/nn_model.h"
#include "nn_model_builder.h"

namespace {

void exercise(const uint8_t* data, size_t size) {
    try {
        auto m = meiyan::nn::Model::load_memory(data, size);
        std::vector<std::vector<float>> xs;
        std::vector<const float*> ptrs;
        for (int i = 0; i < m->input_count(); ++i) {
            // models are bounded at load; skip giant (but valid) inputs to keep the fuzzer fast
            if (m->input(i).elements > (size_t{1} << 20)) return;
            xs.emplace_back(m->input(i).elements, 0.5f);
            ptrs.push_back(xs.back().data());
        }
        m->run(ptrs.data());
    } catch (const meiyan::Error& e) {
        if (e.code() != MEIYAN_ERROR_CORRUPT_DATA) {
            std::fprintf(stderr, "unexpected status %d: %s\n", static_cast<int>(e.code()), e.what());
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    exercise(data, size);
    if (size >= 48 && (data[size - 1] & 1)) {
        std::vector<uint8_t> fixed(data, data + size);
        nn_test::Builder::fix_checksums(fixed);
        exercise(fixed.data(), fixed.size());
    }
    return 0;
}

#if defined(MEIYAN_FUZZ_STANDALONE)
int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "--seeds") {
        const std::vector<uint8_t> seed = nn_test::small_model().build();
        std::ofstream(std::string(argv[2]) + "/small_model.mynn", std::ios::binary)
            .write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
        return 0;
    }
    for (int i = 1; i < argc; ++i) {
        std::ifstream f(argv[i], std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    }
    return 0;
}
#endif
