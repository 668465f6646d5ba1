#include "core/decimal.h"

#include <clocale>
#include <cstdlib>
#include <cstring>

namespace meiyan {

// Not an istringstream with the classic locale (the JSON reader used one): in an extension module
// built with GCC 13 (Ubuntu 24.04, Python 3.12) that segfaulted on the first number it read. strtod
// is locale-aware only in its decimal point, so the '.' is swapped for the current one first.
const char* parse_decimal(const char* first, const char* last, double& out) {
    const char* p = first;
    auto digits = [&] {
        const char* s = p;
        while (p != last && *p >= '0' && *p <= '9') ++p;
        return static_cast<std::size_t>(p - s);
    };
    if (p != last && (*p == '+' || *p == '-')) ++p;
    std::size_t mantissa = digits();
    const char* point = nullptr;
    if (p != last && *p == '.') {
        point = p++;
        mantissa += digits();
    }
    if (mantissa == 0) return nullptr;
    if (p != last && (*p == 'e' || *p == 'E')) {
        const char* e = p++;
        if (p != last && (*p == '+' || *p == '-')) ++p;
        if (digits() == 0) p = e;  // "1e" or "1e+": the number ends before the 'e'
    }
    const std::size_t n = static_cast<std::size_t>(p - first);
    constexpr std::size_t kMax = 256;
    if (n > kMax) return nullptr;
    const char* locale_point = std::localeconv()->decimal_point;
    const char* dp = (locale_point != nullptr && locale_point[0] != '\0') ? locale_point : ".";
    const std::size_t dp_len = std::strlen(dp);
    char buf[kMax + 8];
    std::size_t k = 0;
    for (const char* q = first; q != p; ++q) {
        if (q == point && dp_len <= 8) {
            std::memcpy(buf + k, dp, dp_len);
            k += dp_len;
        } else {
            buf[k++] = *q;
        }
    }
    buf[k] = '\0';
    char* end = nullptr;
    out = std::strtod(buf, &end);
    if (end != buf + k) return nullptr;  // a decimal point longer than 8 bytes: no such locale
    return p;
}

}  // namespace meiyan
