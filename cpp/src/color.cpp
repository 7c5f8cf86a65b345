#include "color.h"

#include <algorithm>
#include <cstddef>

namespace ugatit {
namespace {

std::size_t pixel_count(int width, int height) {
    return static_cast<std::size_t>(width) * height;
}

// round(numerator / 255) for numerator >= 0, halves up: what PIL's 8-bit compositing and its
// CMYK -> RGB conversion compute (checked against PIL for every input pair).
std::uint8_t div255_round(unsigned numerator) {
    return static_cast<std::uint8_t>((numerator + 127) / 255);
}

std::uint8_t over_white(unsigned value, unsigned alpha) {
    return div255_round(value * alpha + 255 * (255 - alpha));
}

}  // namespace

Image rgb_from_gray(int width, int height, const std::uint8_t* gray) {
    Image out(width, height);
    for (std::size_t i = 0; i < pixel_count(width, height); ++i) {
        std::fill_n(&out.rgb[i * 3], 3, gray[i]);
    }
    return out;
}

Image rgb_from_gray16(int width, int height, const std::uint16_t* gray, Gray16Range range) {
    const std::size_t count = pixel_count(width, height);
    double high = 65535.0;
    if (range == Gray16Range::k65535IfAbove255) {
        const std::uint16_t* top = std::max_element(gray, gray + count);
        high = (count > 0 && *top > 255) ? 65535.0 : 255.0;
    }
    std::vector<std::uint8_t> eight(count);
    for (std::size_t i = 0; i < count; ++i) {
        // numpy: clip(v / high * 255 + 0.5, 0, 255).astype(uint8), in double, truncating.
        const double scaled = static_cast<double>(gray[i]) / high * 255.0 + 0.5;
        eight[i] = static_cast<std::uint8_t>(std::clamp(scaled, 0.0, 255.0));
    }
    return rgb_from_gray(width, height, eight.data());
}

Image rgb_from_rgba_over_white(int width, int height, const std::uint8_t* rgba) {
    Image out(width, height);
    for (std::size_t i = 0; i < pixel_count(width, height); ++i) {
        const std::uint8_t* p = &rgba[i * 4];
        for (int c = 0; c < 3; ++c) out.rgb[i * 3 + c] = over_white(p[c], p[3]);
    }
    return out;
}

Image rgb_from_gray_alpha_over_white(int width, int height, const std::uint8_t* gray_alpha) {
    Image out(width, height);
    for (std::size_t i = 0; i < pixel_count(width, height); ++i) {
        std::fill_n(&out.rgb[i * 3], 3, over_white(gray_alpha[i * 2], gray_alpha[i * 2 + 1]));
    }
    return out;
}

Image rgb_from_adobe_cmyk(int width, int height, const std::uint8_t* cmyk) {
    Image out(width, height);
    for (std::size_t i = 0; i < pixel_count(width, height); ++i) {
        const std::uint8_t* p = &cmyk[i * 4];
        // Inverted storage: the stored values are 255 - C and 255 - K, so R = (255 - C)(255 - K) / 255.
        for (int c = 0; c < 3; ++c) out.rgb[i * 3 + c] = div255_round(unsigned{p[c]} * p[3]);
    }
    return out;
}

}  // namespace ugatit
