// Errors inside the C++ core are exceptions carrying a C status code; the C API and the Python
// binding convert them at their boundary, so no failure can pass silently.
#pragma once
#include <stdexcept>
#include <string>

#include "meiyan/meiyan.h"

namespace meiyan {

class Error : public std::runtime_error {
public:
    Error(meiyan_status code, const std::string& message) : std::runtime_error(message), code_(code) {}
    meiyan_status code() const noexcept { return code_; }

private:
    meiyan_status code_;
};

[[noreturn]] inline void fail(meiyan_status code, const std::string& message) { throw Error(code, message); }

inline void require(bool condition, const std::string& message) {
    if (!condition) fail(MEIYAN_ERROR_INVALID_ARGUMENT, message);
}

}  // namespace meiyan
