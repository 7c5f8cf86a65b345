#include "tensor.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace ugatit {
namespace {

std::array<float, 256> make_pixel_table() {
    std::array<float, 256> table{};
    for (int v = 0; v < 256; ++v) table[v] = static_cast<float>(v) / 127.5f - 1.0f;
    return table;
}

}  // namespace

float pixel_to_float(std::uint8_t value) {
    static const std::array<float, 256> table = make_pixel_table();
    return table[value];
}

void image_to_chw(const Image& image, float* out) {
    const std::size_t plane = static_cast<std::size_t>(image.width) * image.height;
    for (std::size_t i = 0; i < plane; ++i) {
        for (int c = 0; c < 3; ++c) out[c * plane + i] = pixel_to_float(image.rgb[i * 3 + c]);
    }
}

std::uint8_t float_to_pixel(float value) {
    if (std::isnan(value)) return 0;
    const float clamped = std::min(std::max(value, -1.0f), 1.0f);
    const float scaled = (clamped + 1.0f) * 127.5f;
    return static_cast<std::uint8_t>(std::nearbyint(scaled));  // default rounding mode: halves to even
}

Image chw_to_image(const float* chw, int height, int width) {
    Image image(width, height);
    const std::size_t plane = static_cast<std::size_t>(width) * height;
    for (std::size_t i = 0; i < plane; ++i) {
        for (int c = 0; c < 3; ++c) image.rgb[i * 3 + c] = float_to_pixel(chw[c * plane + i]);
    }
    return image;
}

}  // namespace ugatit
