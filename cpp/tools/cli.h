// Helpers shared by the command-line tools: one-line errors, strict number parsing, raw float files.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace ugatit_cli {

inline int fail(const char* program, const std::string& message) {
    std::fprintf(stderr, "%s: error: %s\n", program, message.c_str());
    return 1;
}

inline int usage(const char* program, const char* synopsis) {
    std::fprintf(stderr, "usage: %s %s\n", program, synopsis);
    return 2;
}

inline bool wants_help(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) return true;
    }
    return false;
}

// A decimal integer in 1..16384, nothing else.
inline bool parse_size(const char* text, int* out) {
    if (!text || !*text) return false;
    long value = 0;
    for (const char* c = text; *c; ++c) {
        if (*c < '0' || *c > '9' || value > 16384) return false;
        value = value * 10 + (*c - '0');
    }
    if (value < 1 || value > 16384) return false;
    *out = static_cast<int>(value);
    return true;
}

// A limit's value: a decimal integer 1..2^53, digits optionally grouped with _ or , ("100_000_000").
inline bool parse_limit(const char* text, long long* out) {
    if (!text || !*text) return false;
    long long value = 0;
    int digits = 0;
    for (const char* c = text; *c; ++c) {
        if ((*c == '_' || *c == ',') && digits > 0) continue;
        if (*c < '0' || *c > '9' || value > (1LL << 53)) return false;
        value = value * 10 + (*c - '0');
        ++digits;
    }
    if (value < 1 || value > (1LL << 53)) return false;
    *out = value;
    return true;
}

// float32 values as little-endian bytes, whatever the host's byte order.
inline std::vector<unsigned char> to_little_endian(const std::vector<float>& values) {
    std::vector<unsigned char> bytes(values.size() * 4);
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &values[i], 4);
        for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<unsigned char>(bits >> (8 * b));
    }
    return bytes;
}

inline std::vector<float> from_little_endian(const std::vector<std::uint8_t>& bytes) {
    std::vector<float> values(bytes.size() / 4);
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::uint32_t bits = 0;
        for (int b = 0; b < 4; ++b) bits |= std::uint32_t{bytes[i * 4 + b]} << (8 * b);
        std::memcpy(&values[i], &bits, 4);
    }
    return values;
}

}  // namespace ugatit_cli
