// An 8-bit RGB image, rows top to bottom, pixels interleaved (R, G, B): the layout PIL's "RGB" mode has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ugatit {

struct Image {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3 bytes

    Image() = default;
    Image(int w, int h) : width(w), height(h), rgb(static_cast<std::size_t>(w) * h * 3) {}
};

}  // namespace ugatit
