// Binary Netpbm images (P4 bitmap, P5 graymap, P6 pixmap), read as PIL reads them, and P6 writing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image.h"

namespace ugatit {

// maxval 255 is taken as is; any other maxval (1..65535) is rescaled the way PIL does: P6 and
// 8-bit P5 to round(v / maxval * 255); P5 with maxval > 255 becomes PIL's 32-bit "I" mode
// (round(v / maxval * 65535)), which imaging.to_rgb scales by 65535 only if some value exceeds 255.
// The size in the header is checked against the image limits (resource_limits.h) before anything is allocated
// for it; `what` names the image in that error.
Image decode_ppm(const std::vector<std::uint8_t>& bytes, const std::string& what = "the image");

std::vector<std::uint8_t> encode_ppm(const Image& image);

}  // namespace ugatit
