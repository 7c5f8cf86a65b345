#include "half.h"

#include <cstring>

namespace ugatit {

std::uint16_t float_to_half(float value) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const std::uint16_t sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
    const std::uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) {  // inf or NaN (NaN keeps a quiet payload bit)
        return static_cast<std::uint16_t>(sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x0200u : 0u));
    }
    if (magnitude >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds past 65504
    if (magnitude < 0x38800000u) {                 // below the smallest normal half: subnormal or zero
        if (magnitude < 0x33000000u) return sign;  // under half the smallest subnormal: +-0
        const std::uint32_t mantissa = (magnitude & 0x007fffffu) | 0x00800000u;
        // value / 2^-24 = mantissa * 2^(exponent - 126): shift right by 14 (exponent 112) .. 24 (exponent 102).
        const int shift = 126 - static_cast<int>(magnitude >> 23);
        const std::uint32_t half_mantissa = mantissa >> shift;
        const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
        const std::uint32_t halfway = 1u << (shift - 1);
        const bool round_up = rest > halfway || (rest == halfway && (half_mantissa & 1u));
        return static_cast<std::uint16_t>(sign | (half_mantissa + (round_up ? 1u : 0u)));
    }
    // Normal: rebias the exponent (127 -> 15), keep 10 mantissa bits, round the 13 dropped bits.
    const std::uint32_t rebased = magnitude - 0x38000000u;
    const std::uint32_t dropped = rebased & 0x1fffu;
    std::uint32_t half = rebased >> 13;
    if (dropped > 0x1000u || (dropped == 0x1000u && (half & 1u))) ++half;  // a carry may bump the exponent: correct
    return static_cast<std::uint16_t>(sign | half);
}

float half_to_float(std::uint16_t bits) {
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1fu;
    std::uint32_t mantissa = bits & 0x3ffu;
    std::uint32_t out;
    if (exponent == 0x1fu) {
        out = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        out = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        out = sign;
    } else {  // subnormal half: normalize
        int e = -1;
        do {
            ++e;
            mantissa <<= 1;
        } while ((mantissa & 0x400u) == 0);
        out = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float value;
    std::memcpy(&value, &out, sizeof value);
    return value;
}

}  // namespace ugatit
