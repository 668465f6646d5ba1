// A strict JSON reader (RFC 8259) for the small documents the SDK reads: effect package
// manifests. Objects keep their key order; duplicate keys, trailing commas, comments, NaN and
// control characters in strings are errors. Depth and size are bounded, so hostile input costs
// little: parse() throws Error(CORRUPT_DATA) "line L, column C: what" and never crashes.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace meiyan {
namespace json {

enum class Type { Null, Bool, Number, String, Array, Object };

class Value {
public:
    Type type = Type::Null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<Value> items;                            // Array
    std::vector<std::pair<std::string, Value>> members;  // Object, in document order
    int line = 1, column = 1;                            // where the value starts
    std::size_t begin = 0, end = 0;                      // its bytes in the document

    bool is(Type t) const { return type == t; }
    // The member named `key`, or null.
    const Value* find(const std::string& key) const;
};

constexpr int kMaxDepth = 32;

// Parses one JSON document (UTF-8, optional BOM). Throws Error(CORRUPT_DATA).
Value parse(const char* text, std::size_t size);
inline Value parse(const std::string& text) { return parse(text.data(), text.size()); }

const char* type_name(Type t);

}  // namespace json
}  // namespace meiyan
