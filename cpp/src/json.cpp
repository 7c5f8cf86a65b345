#include "json.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "error.h"

namespace ugatit {

class JsonParser {
public:
    explicit JsonParser(const std::string& text) : text_(text) {}

    Json document() {
        Json value = parse_value(0);
        skip_space();
        if (pos_ != text_.size()) fail("unexpected data after the document");
        return value;
    }

private:
    static constexpr int kMaxDepth = 256;

    [[noreturn]] void fail(const std::string& what) const {
        int line = 1, column = 1;
        for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
            if (text_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw Error(ErrorKind::kMetadata, "invalid JSON at line " + std::to_string(line) + ", column " +
                                              std::to_string(column) + ": " + what);
    }

    void skip_space() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }

    bool consume(const char* literal) {
        const std::size_t length = std::char_traits<char>::length(literal);
        if (text_.compare(pos_, length, literal) != 0) return false;
        pos_ += length;
        return true;
    }

    Json parse_value(int depth) {
        if (depth > kMaxDepth) fail("nesting is deeper than " + std::to_string(kMaxDepth));
        skip_space();
        if (pos_ >= text_.size()) fail("unexpected end of input");
        Json value;
        const char c = text_[pos_];
        if (c == '{') return parse_object(depth);
        if (c == '[') return parse_array(depth);
        if (c == '"') {
            value.type_ = Json::Type::kString;
            value.string_ = parse_string();
        } else if (consume("true") || consume("false")) {
            value.type_ = Json::Type::kBool;
            value.bool_ = c == 't';
        } else if (consume("null")) {
            value.type_ = Json::Type::kNull;
        } else if (consume("NaN")) {
            set_number(value, std::numeric_limits<double>::quiet_NaN());
        } else if (consume("Infinity")) {
            set_number(value, std::numeric_limits<double>::infinity());
        } else if (consume("-Infinity")) {
            set_number(value, -std::numeric_limits<double>::infinity());
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            parse_number(value);
        } else {
            fail(std::string("unexpected character '") + c + "'");
        }
        return value;
    }

    static void set_number(Json& value, double number) {
        value.type_ = Json::Type::kNumber;
        value.number_ = number;
    }

    Json parse_object(int depth) {
        Json object;
        object.type_ = Json::Type::kObject;
        ++pos_;  // '{'
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return object;
        }
        while (true) {
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a string key");
            std::string key = parse_string();
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':' after a key");
            ++pos_;
            Json member = parse_value(depth + 1);
            bool replaced = false;
            for (std::size_t i = 0; i < object.keys_.size() && !replaced; ++i) {
                if (object.keys_[i] == key) {
                    object.items_[i] = std::move(member);
                    replaced = true;
                }
            }
            if (!replaced) {
                object.keys_.push_back(std::move(key));
                object.items_.push_back(std::move(member));
            }
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
            } else if (pos_ < text_.size() && text_[pos_] == '}') {
                ++pos_;
                return object;
            } else {
                fail("expected ',' or '}' in an object");
            }
        }
    }

    Json parse_array(int depth) {
        Json array;
        array.type_ = Json::Type::kArray;
        ++pos_;  // '['
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return array;
        }
        while (true) {
            array.items_.push_back(parse_value(depth + 1));
            skip_space();
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
            } else if (pos_ < text_.size() && text_[pos_] == ']') {
                ++pos_;
                return array;
            } else {
                fail("expected ',' or ']' in an array");
            }
        }
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    void parse_number(Json& value) {
        const std::size_t start = pos_;
        auto digits = [&]() {
            const std::size_t first = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
            return pos_ - first;
        };
        if (text_[pos_] == '-') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '0') {
            ++pos_;
        } else if (digits() == 0) {
            fail("invalid number");
        }
        bool integral = true;
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            integral = false;
            if (digits() == 0) fail("invalid number: digits expected after '.'");
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            integral = false;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (digits() == 0) fail("invalid number: digits expected in the exponent");
        }
        const char* first = text_.data() + start;
        const char* last = text_.data() + pos_;
        double number = 0.0;
        const auto parsed = std::from_chars(first, last, number);  // locale-independent
        if (parsed.ec == std::errc::result_out_of_range) {         // as Python: huge -> +-inf, tiny -> +-0
            const std::string literal(first, last);
            const std::size_t e = literal.find_first_of("eE");
            const bool tiny = e != std::string::npos && literal[e + 1] == '-';
            number = tiny ? 0.0 : std::numeric_limits<double>::infinity();
            if (*first == '-') number = -number;
        }
        set_number(value, number);
        if (integral) {
            std::int64_t integer = 0;
            const auto as_integer = std::from_chars(first, last, integer);
            value.integral_ = as_integer.ec == std::errc() && as_integer.ptr == last;
            value.integer_ = integer;
        }
    }

    unsigned hex4() {
        if (text_.size() - pos_ < 4) fail("truncated \\u escape");
        unsigned code = 0;
        for (int i = 0; i < 4; ++i) {
            const char h = text_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9')
                code |= h - '0';
            else if (h >= 'a' && h <= 'f')
                code |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F')
                code |= h - 'A' + 10;
            else
                fail("invalid \\u escape");
        }
        return code;
    }

    static void append_utf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        }
    }

    std::string parse_string() {
        ++pos_;  // opening quote
        std::string out;
        while (true) {
            if (pos_ >= text_.size()) fail("unterminated string");
            const char c = text_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) fail("unterminated string");
            const char escape = text_[pos_++];
            switch (escape) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned code = hex4();
                    // A high surrogate followed by an escaped low surrogate is one code point.
                    if (code >= 0xd800 && code < 0xdc00 && text_.compare(pos_, 2, "\\u") == 0) {
                        const std::size_t saved = pos_;
                        pos_ += 2;
                        const unsigned low = hex4();
                        if (low >= 0xdc00 && low < 0xe000) {
                            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                        } else {
                            pos_ = saved;
                        }
                    }
                    append_utf8(out, code);
                    break;
                }
                default: fail(std::string("invalid escape '\\") + escape + "'");
            }
        }
    }

    const std::string& text_;
    std::size_t pos_ = 0;
};

Json Json::parse(const std::string& text) {
    return JsonParser(text).document();
}

const Json* Json::find(const std::string& key) const {
    if (type_ != Type::kObject) return nullptr;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (keys_[i] == key) return &items_[i];
    }
    return nullptr;
}

const char* Json::type_name(Type type) {
    switch (type) {
        case Type::kNull: return "null";
        case Type::kBool: return "a boolean";
        case Type::kNumber: return "a number";
        case Type::kString: return "a string";
        case Type::kArray: return "an array";
        case Type::kObject: return "an object";
    }
    return "unknown";
}

}  // namespace ugatit
