#include "core/json.h"

#include <cmath>
#include <cstring>
#include "core/decimal.h"
#include "core/error.h"

namespace meiyan {
namespace json {

const Value* Value::find(const std::string& key) const {
    for (const auto& m : members) {
        if (m.first == key) return &m.second;
    }
    return nullptr;
}

const char* type_name(Type t) {
    switch (t) {
        case Type::Null: return "null";
        case Type::Bool: return "a boolean";
        case Type::Number: return "a number";
        case Type::String: return "a string";
        case Type::Array: return "an array";
        case Type::Object: return "an object";
    }
    return "?";
}

namespace {

class Parser {
public:
    Parser(const char* text, std::size_t size) : start_(text), p_(text), end_(text + size) {
        if (size >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
            static_cast<unsigned char>(text[2]) == 0xBF) {
            p_ += 3;
        }
    }

    Value document() {
        Value v = value(0);
        skip_space();
        if (p_ != end_) error("unexpected text after the document");
        return v;
    }

private:
    [[noreturn]] void error(const std::string& what) const {
        fail(MEIYAN_ERROR_CORRUPT_DATA,
             "JSON line " + std::to_string(line_) + ", column " + std::to_string(column_) + ": " + what);
    }

    void advance() {
        if (*p_ == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        ++p_;
    }

    void skip_space() {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) advance();
    }

    bool literal(const char* word) {
        const std::size_t n = std::strlen(word);
        if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
        for (std::size_t i = 0; i < n; ++i) advance();
        return true;
    }

    Value value(int depth) {
        skip_space();
        const std::size_t begin = static_cast<std::size_t>(p_ - start_);
        Value v = value_inner(depth);
        v.begin = begin;
        v.end = static_cast<std::size_t>(p_ - start_);
        return v;
    }

    Value value_inner(int depth) {
        if (depth > kMaxDepth) error("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        skip_space();
        if (p_ == end_) error("unexpected end of the document");
        Value v;
        v.line = line_;
        v.column = column_;
        const char c = *p_;
        if (c == '{') {
            v.type = Type::Object;
            advance();
            skip_space();
            if (p_ != end_ && *p_ == '}') {
                advance();
                return v;
            }
            for (;;) {
                skip_space();
                if (p_ == end_ || *p_ != '"') error("expected a member name in quotes");
                std::string key = string_body();
                for (const auto& m : v.members) {
                    if (m.first == key) error("duplicate key \"" + key + "\"");
                }
                skip_space();
                if (p_ == end_ || *p_ != ':') error("expected ':' after the member name");
                advance();
                Value member = value(depth + 1);
                v.members.emplace_back(std::move(key), std::move(member));
                skip_space();
                if (p_ != end_ && *p_ == ',') {
                    advance();
                    continue;
                }
                if (p_ != end_ && *p_ == '}') {
                    advance();
                    return v;
                }
                error("expected ',' or '}' in an object");
            }
        }
        if (c == '[') {
            v.type = Type::Array;
            advance();
            skip_space();
            if (p_ != end_ && *p_ == ']') {
                advance();
                return v;
            }
            for (;;) {
                v.items.push_back(value(depth + 1));
                skip_space();
                if (p_ != end_ && *p_ == ',') {
                    advance();
                    continue;
                }
                if (p_ != end_ && *p_ == ']') {
                    advance();
                    return v;
                }
                error("expected ',' or ']' in an array");
            }
        }
        if (c == '"') {
            v.type = Type::String;
            v.string = string_body();
            return v;
        }
        if (literal("true")) {
            v.type = Type::Bool;
            v.boolean = true;
            return v;
        }
        if (literal("false")) {
            v.type = Type::Bool;
            return v;
        }
        if (literal("null")) return v;
        if (c == '-' || (c >= '0' && c <= '9')) {
            v.type = Type::Number;
            v.number = number();
            return v;
        }
        error(std::string("unexpected character '") + (c >= 32 && c < 127 ? std::string(1, c) : "?") + "'");
    }

    double number() {
        const char* start = p_;
        auto digits = [&] {
            const char* s = p_;
            while (p_ != end_ && *p_ >= '0' && *p_ <= '9') advance();
            return p_ != s;
        };
        if (*p_ == '-') advance();
        if (p_ != end_ && *p_ == '0') {
            advance();
        } else if (!digits()) {
            error("bad number");
        }
        if (p_ != end_ && *p_ == '.') {
            advance();
            if (!digits()) error("bad number: digits expected after '.'");
        }
        if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
            advance();
            if (p_ != end_ && (*p_ == '+' || *p_ == '-')) advance();
            if (!digits()) error("bad number: digits expected in the exponent");
        }
        const std::size_t n = static_cast<std::size_t>(p_ - start);
        if (n > 64) error("number too long");
        double d = 0;
        if (parse_decimal(start, p_, d) != p_ || !std::isfinite(d)) error("number out of range");
        return d;
    }

    unsigned hex4() {
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            if (p_ == end_) error("unexpected end in a \\u escape");
            const char h = *p_;
            unsigned d;
            if (h >= '0' && h <= '9') {
                d = static_cast<unsigned>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                d = static_cast<unsigned>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                d = static_cast<unsigned>(h - 'A' + 10);
            } else {
                error("bad \\u escape");
            }
            v = v * 16 + d;
            advance();
        }
        return v;
    }

    static void put_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // One UTF-8 sequence copied after checking it is well formed (no overlongs, no surrogates).
    void utf8_char(std::string& out) {
        const unsigned char b0 = static_cast<unsigned char>(*p_);
        int n;
        unsigned cp;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            n = 1, cp = b0 & 0x1Fu;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 2, cp = b0 & 0x0Fu;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 3, cp = b0 & 0x07u;
        } else {
            error("invalid UTF-8");
        }
        if (end_ - p_ <= n) error("invalid UTF-8");
        for (int i = 1; i <= n; ++i) {
            const unsigned char b = static_cast<unsigned char>(p_[i]);
            if ((b & 0xC0) != 0x80) error("invalid UTF-8");
            cp = (cp << 6) | (b & 0x3Fu);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
            error("invalid UTF-8");
        }
        out.append(p_, static_cast<std::size_t>(n + 1));
        p_ += n + 1;
        column_ += 1;
    }

    std::string string_body() {
        advance();  // the opening quote
        std::string out;
        for (;;) {
            if (p_ == end_) error("unterminated string");
            const char c = *p_;
            if (c == '"') {
                advance();
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) error("control character in a string");
            if (static_cast<unsigned char>(c) >= 0x80) {
                utf8_char(out);
                continue;
            }
            if (c != '\\') {
                out += c;
                advance();
                continue;
            }
            advance();
            if (p_ == end_) error("unterminated string");
            const char e = *p_;
            advance();
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') error("unpaired surrogate in a \\u escape");
                        advance();
                        advance();
                        const unsigned lo = hex4();
                        if (lo < 0xDC00 || lo > 0xDFFF) error("unpaired surrogate in a \\u escape");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        error("unpaired surrogate in a \\u escape");
                    }
                    if (cp == 0) error("\\u0000 is not allowed in strings");
                    put_utf8(out, cp);
                    break;
                }
                default: error("bad escape sequence");
            }
        }
    }

    const char* start_;
    const char* p_;
    const char* end_;
    int line_ = 1, column_ = 1;
};

}  // namespace

Value parse(const char* text, std::size_t size) {
    if (text == nullptr && size > 0) fail(MEIYAN_ERROR_INVALID_ARGUMENT, "null JSON text");
    if (size == 0) fail(MEIYAN_ERROR_CORRUPT_DATA, "JSON: the document is empty");
    return Parser(text, size).document();
}

}  // namespace json
}  // namespace meiyan
