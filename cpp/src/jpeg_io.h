// JPEG decoding with libjpeg (compiled only when CMake finds it). libjpeg's defaults are PIL's:
// integer (islow) IDCT and fancy upsampling, so libjpeg-turbo gives PIL's pixels.
#pragma once

#include <cstdint>
#include <vector>

#include "image.h"

namespace ugatit {

// Gray -> RGB, YCbCr / RGB -> RGB, CMYK / YCCK -> RGB with PIL's Adobe (inverted) convention.
Image decode_jpeg(const std::vector<std::uint8_t>& bytes);

}  // namespace ugatit
