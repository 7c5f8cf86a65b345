#include "face_record.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace ugatit::faces {
namespace {

// Python's repr of a finite double: the shortest digits that read back to it, fixed notation when the decimal
// point falls within -4 < decpt <= 16, else d.ddde+XX.
std::string python_repr(double value) {
    char buffer[64];
    const std::to_chars_result done =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string text(buffer, done.ptr);
    std::string sign;
    if (!text.empty() && text[0] == '-') {
        sign = "-";
        text.erase(0, 1);
    }
    const std::size_t e = text.find('e');
    const int exponent = std::atoi(text.c_str() + e + 1);
    std::string digits = text.substr(0, e);
    if (digits.size() > 1) digits.erase(1, 1);  // "1.234" -> "1234"
    const int decpt = exponent + 1;
    const int count = static_cast<int>(digits.size());
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) return sign + "0." + std::string(-decpt, '0') + digits;
        if (decpt >= count) return sign + digits + std::string(decpt - count, '0') + ".0";
        return sign + digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    std::string mantissa = digits.substr(0, 1) + (count > 1 ? "." + digits.substr(1) : "");
    const int magnitude = std::abs(exponent);
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") +
           std::to_string(magnitude);
}

void append_hex4(std::string& out, unsigned value) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\u%04x", value);
    out += buffer;
}

// One code point from UTF-8 at `text[at]` (advancing `at`), or 0xDC00 + byte for a byte that does not start a
// valid sequence (Python's surrogateescape).
unsigned next_code_point(const std::string& text, std::size_t& at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned lead = byte(at);
    int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    unsigned code = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
    bool valid = length > 0 && at + length <= text.size();
    for (int i = 1; valid && i < length; ++i) {
        valid = (byte(at + i) & 0xC0) == 0x80;
        code = (code << 6) | (byte(at + i) & 0x3F);
    }
    const unsigned smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && code >= smallest[length] && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (!valid) {
        ++at;
        return 0xDC00 + lead;
    }
    at += length;
    return code;
}

}  // namespace

std::string python_round_repr(double value, int digits) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    const int size = std::snprintf(nullptr, 0, "%.*f", digits, value);  // correctly rounded, as Python's dtoa
    std::string text(static_cast<std::size_t>(size) + 1, '\0');
    std::snprintf(&text[0], text.size(), "%.*f", digits, value);
    return python_repr(std::strtod(text.c_str(), nullptr));
}

std::string json_string(const std::string& utf8) {
    std::string out = "\"";
    for (std::size_t at = 0; at < utf8.size();) {
        const unsigned code = next_code_point(utf8, at);
        if (code == '"' || code == '\\') {
            out += '\\';
            out += static_cast<char>(code);
        } else if (code == '\n' || code == '\r' || code == '\t' || code == '\b' || code == '\f') {
            out += code == '\n' ? "\\n" : code == '\r' ? "\\r" : code == '\t' ? "\\t" : code == '\b' ? "\\b" : "\\f";
        } else if (code >= 0x20 && code < 0x7F) {
            out += static_cast<char>(code);
        } else if (code > 0xFFFF) {
            append_hex4(out, 0xD800 + ((code - 0x10000) >> 10));
            append_hex4(out, 0xDC00 + ((code - 0x10000) & 0x3FF));
        } else {
            append_hex4(out, code);
        }
    }
    return out + "\"";
}

std::string to_json_line(const ImageFaces& record) {
    std::string line = "{\"image\": " + json_string(record.image) + ", \"size\": [" + std::to_string(record.width) +
                       ", " + std::to_string(record.height) + "], \"faces\": [";
    for (std::size_t i = 0; i < record.faces.size(); ++i) {
        const Face& face = record.faces[i].face;
        line += i ? ", {\"box\": [" : "{\"box\": [";
        for (int k = 0; k < 4; ++k) line += (k ? ", " : "") + python_round_repr(face.box[k], 1);
        line += "], \"score\": " + python_round_repr(face.score, 4) + ", \"landmarks\": [";
        for (int k = 0; k < 5; ++k) {
            line += (k ? ", [" : "[") + python_round_repr(face.landmarks[k].x, 1) + ", " +
                    python_round_repr(face.landmarks[k].y, 1) + "]";
        }
        line += std::string("], \"status\": ") + (record.faces[i].translated ? "\"translated\"" : "\"too small\"") + "}";
    }
    line += "]";
    if (!record.note.empty()) line += ", \"note\": " + json_string(record.note);
    return line + "}";
}

}  // namespace ugatit::faces
