// Image files by content (PNG, JPEG, binary PPM/PGM/PBM) -> RGB, and RGB -> .png / .ppm files.
#pragma once

#include <string>

#include "image.h"

namespace ugatit {

bool png_supported();   // libpng was found at configure time
bool jpeg_supported();  // libjpeg was found at configure time

// Decodes the whole file (truncated files fail here). Errors say "cannot read image PATH: why".
Image read_image(const std::string& path);

// The format comes from the extension: .png, or .ppm / .pnm.
void write_image(const std::string& path, const Image& image);

// Throws the error write_image would throw for this path's extension (to fail before slow work).
void check_output_format(const std::string& path);

}  // namespace ugatit
