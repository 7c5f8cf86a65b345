// IEEE 754 binary16 <-> float32 on the host, for engines whose I/O tensors are half precision.
#pragma once

#include <cstdint>

namespace ugatit {

std::uint16_t float_to_half(float value);  // round to nearest even; overflow -> inf; NaN kept
float half_to_float(std::uint16_t bits);

}  // namespace ugatit
