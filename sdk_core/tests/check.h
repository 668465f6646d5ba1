// Minimal test harness: each test_*.cpp is one executable registered with ctest.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace check {

struct Case {
    const char* name;
    std::function<void()> fn;
};

inline std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

inline int& failures() {
    static int n = 0;
    return n;
}

struct Register {
    Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

inline int run_all() {
    int failed_cases = 0;
    for (const auto& c : registry()) {
        const int before = failures();
        c.fn();
        const bool ok = failures() == before;
        std::printf("[%s] %s\n", ok ? "PASS" : "FAIL", c.name);
        if (!ok) ++failed_cases;
    }
    std::printf("%d passed, %d failed\n", static_cast<int>(registry().size()) - failed_cases, failed_cases);
    return failed_cases == 0 ? 0 : 1;
}

}  // namespace check

#define CHECK_CAT2(a, b) a##b
#define CHECK_CAT(a, b) CHECK_CAT2(a, b)
#define TEST_CASE(name)                                                      \
    static void CHECK_CAT(test_fn_, __LINE__)();                             \
    static check::Register CHECK_CAT(test_reg_, __LINE__)(name, CHECK_CAT(test_fn_, __LINE__)); \
    static void CHECK_CAT(test_fn_, __LINE__)()

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);  \
            ++check::failures();                                                     \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                          \
    do {                                                                                        \
        const auto va_ = (a);                                                                   \
        const auto vb_ = (b);                                                                   \
        if (!(va_ == vb_)) {                                                                    \
            std::printf("  %s:%d: CHECK_EQ(%s, %s) failed: %s vs %s\n", __FILE__, __LINE__, #a, \
                        #b, std::to_string(va_).c_str(), std::to_string(vb_).c_str());          \
            ++check::failures();                                                                \
        }                                                                                       \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                  \
    do {                                                                                       \
        const double va_ = (a);                                                                \
        const double vb_ = (b);                                                                \
        if (!(std::fabs(va_ - vb_) <= (tol))) {                                                \
            std::printf("  %s:%d: CHECK_NEAR(%s, %s) failed: %g vs %g (tol %g)\n", __FILE__, __LINE__, \
                        #a, #b, va_, vb_, static_cast<double>(tol));                          \
            ++check::failures();                                                               \
        }                                                                                      \
    } while (0)

#define TEST_MAIN() \
    int main() { return check::run_all(); }
