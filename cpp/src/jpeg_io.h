// JPEG decoding with libjpeg (compiled only when CMake finds it). libjpeg's defaults are PIL's:
// integer (islow) IDCT and fancy upsampling, so libjpeg-turbo gives PIL's pixels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image.h"

namespace ugatit {

// Gray -> RGB, YCbCr / RGB -> RGB, CMYK / YCCK -> RGB with PIL's Adobe (inverted) convention.
// The size in the header is checked against the image limits (resource_limits.h) before anything is allocated
// for it; `what` names the image in that error.
Image decode_jpeg(const std::vector<std::uint8_t>& bytes, const std::string& what = "the image");

}  // namespace ugatit
