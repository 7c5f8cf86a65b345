// Pillow's Image.resize(size, Image.BILINEAR) on RGB images, bit for bit (Pillow 13).
//
// Separable: one 1-D pass per axis whose size changes. Each output sample is a normalized triangle
// filter over the input, its support widened by the scale factor when shrinking (antialiasing); the
// weights are rounded to 22-bit fixed point, every pass rounds and clamps to 0..255. Pillow runs the
// horizontal pass first, except (since Pillow 13, python-pillow/Pillow#9549) when the height shrinks
// by more than twice as many pixels as the width does: then the vertical pass goes first. The order
// changes a few pixels by one level, so it is part of bit-exactness.
#pragma once

#include "image.h"

namespace ugatit {

// Returns `image` unchanged when it already has this size (as imaging.resize does).
Image resize_bilinear(const Image& image, int width, int height);

// Whether the vertical pass runs first for this resize (exposed for tests).
bool vertical_pass_first(int in_width, int in_height, int out_width, int out_height);

}  // namespace ugatit
