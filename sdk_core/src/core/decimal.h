#pragma once

#include <cstddef>

namespace meiyan {

// Reads a decimal number at the start of [first, last): an optional sign, digits with an optional
// '.' fraction (at least one digit in all), an optional exponent. '.' is the decimal point whatever
// the process's (or thread's) C locale says: an app that called setlocale(LC_NUMERIC, "de_DE")
// still reads "0.5" as one half. No leading spaces, no "inf", "nan" or hex forms.
// Returns the end of the number and sets `out` (+-inf where it overflows a double), or returns
// nullptr when no number starts there or it is longer than 256 characters.
const char* parse_decimal(const char* first, const char* last, double& out);

}  // namespace meiyan
