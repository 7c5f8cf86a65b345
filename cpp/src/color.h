// Decoded pixels -> 8-bit RGB, exactly as ugatit_deploy.core.imaging.to_rgb converts PIL images.
#pragma once

#include <cstdint>

#include "image.h"

namespace ugatit {

// "L" -> "RGB": the gray value in all three channels.
Image rgb_from_gray(int width, int height, const std::uint8_t* gray);

// 16-bit gray. PIL opens 16-bit PNGs as "I;16" (to_rgb always divides by 65535) and 16-bit PGMs as
// "I" (to_rgb divides by 65535 only when some value exceeds 255, else by 255).
enum class Gray16Range { kAlways65535, k65535IfAbove255 };
Image rgb_from_gray16(int width, int height, const std::uint16_t* gray, Gray16Range range);

// "RGBA" / "LA" composited over opaque white, then alpha dropped (Image.alpha_composite on white).
Image rgb_from_rgba_over_white(int width, int height, const std::uint8_t* rgba);
Image rgb_from_gray_alpha_over_white(int width, int height, const std::uint8_t* gray_alpha);

// A CMYK JPEG as libjpeg returns it. PIL assumes Adobe's inverted CMYK for every CMYK JPEG.
Image rgb_from_adobe_cmyk(int width, int height, const std::uint8_t* cmyk);

}  // namespace ugatit
