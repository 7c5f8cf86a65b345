#include <cmath>

#include "check.h"
#include "half.h"

void half_tests() {
    using ugatit::float_to_half;
    using ugatit::half_to_float;
    CHECK_EQ(float_to_half(1.0f), 0x3c00);
    CHECK_EQ(float_to_half(-2.0f), 0xc000);
    CHECK_EQ(float_to_half(0.1f), 0x2e66);
    CHECK_EQ(float_to_half(65504.0f), 0x7bff);
    CHECK_EQ(float_to_half(65520.0f), 0x7c00);                      // rounds past the largest half: inf
    CHECK_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
    CHECK_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);         // exactly half of it: ties to even
    CHECK_EQ(float_to_half(std::ldexp(3.0f, -26)), 0x0001);         // 0.75 of it: up
    CHECK_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie between 1 and 1 + 2^-10: even
    CHECK_EQ(float_to_half(1.0f + std::ldexp(3.0f, -11)), 0x3c02);  // tie: rounds up to even
    CHECK(std::isnan(half_to_float(float_to_half(NAN))));
    CHECK(half_to_float(0x7c00) == INFINITY && half_to_float(0xfc00) == -INFINITY);
    CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
    int round_trips = 0;
    for (int bits = 0; bits < 65536; ++bits) {
        const float value = half_to_float(static_cast<std::uint16_t>(bits));
        round_trips += std::isnan(value) || float_to_half(value) == bits;
    }
    CHECK_EQ(round_trips, 65536);
}
