// RGB images <-> float32 CHW tensors in [-1, 1], exactly as imaging.image_to_tensor and
// imaging.tensor_to_uint8 compute them.
#pragma once

#include <cstdint>

#include "image.h"

namespace ugatit {

// out[c][y][x] = float(pixel) / 127.5f - 1.0f: torch's .float().div_(127.5).sub_(1.0), a float32
// division then a float32 subtraction (not a multiplication by 1 / 127.5, which differs for some values).
void image_to_chw(const Image& image, float* out);
float pixel_to_float(std::uint8_t value);

// round_half_even((clamp(x, -1, 1) + 1) * 127.5) in float32, CHW -> interleaved RGB. NaN -> 0.
Image chw_to_image(const float* chw, int height, int width);
std::uint8_t float_to_pixel(float value);

}  // namespace ugatit
