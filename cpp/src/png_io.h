// PNG decoding and encoding with libpng (compiled only when CMake finds libpng).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image.h"

namespace ugatit {

// Any PNG -> RGB as PIL + imaging.to_rgb see it: palette expanded (its tRNS alpha composited over
// white), gray+alpha / RGBA composited over white, tRNS of gray and RGB images ignored (PIL keeps it
// only as metadata), 16-bit gray scaled by 65535, other 16-bit samples cut to their high byte.
// The size in the header is checked against the image limits (resource_limits.h) before anything is allocated
// for it; `what` names the image in that error.
Image decode_png(const std::vector<std::uint8_t>& bytes, const std::string& what = "the image");

std::vector<std::uint8_t> encode_png(const Image& image);

}  // namespace ugatit
