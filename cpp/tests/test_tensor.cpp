#include <cmath>
#include <cstring>
#include <vector>

#include "check.h"
#include "tensor.h"

namespace {

void to_float() {
    CHECK(ugatit::pixel_to_float(0) == -1.0f);
    CHECK(ugatit::pixel_to_float(255) == 1.0f);
    int exact = 0;
    for (int v = 0; v < 256; ++v) {
        const float expected = static_cast<float>(v) / 127.5f - 1.0f;
        exact += ugatit::pixel_to_float(static_cast<std::uint8_t>(v)) == expected;
    }
    CHECK_EQ(exact, 256);
    // Division, not multiplication by the reciprocal: they differ for some pixels (torch divides).
    int differs = 0;
    for (int v = 0; v < 256; ++v)
        differs +=
            (static_cast<float>(v) * (1.0f / 127.5f) - 1.0f) != ugatit::pixel_to_float(static_cast<std::uint8_t>(v));
    CHECK(differs > 0);
}

void round_half_even() {
    CHECK_EQ(ugatit::float_to_pixel(0.0f), 128);  // 127.5 -> 128 (even), not 127
    CHECK_EQ(ugatit::float_to_pixel(-1.0f), 0);
    CHECK_EQ(ugatit::float_to_pixel(1.0f), 255);
    CHECK_EQ(ugatit::float_to_pixel(-5.0f), 0);
    CHECK_EQ(ugatit::float_to_pixel(7.0f), 255);
    CHECK_EQ(ugatit::float_to_pixel(NAN), 0);
    CHECK_EQ(ugatit::float_to_pixel(INFINITY), 255);
    // Every float whose (x + 1) * 127.5 lands exactly on k + 0.5 must round to the even neighbour;
    // search a few ulps around each k + 0.5.
    int ties = 0, wrong = 0;
    for (int k = 0; k < 255; ++k) {
        float x = (k + 0.5f) / 127.5f - 1.0f;
        for (int step = 0; step < 8; ++step) x = std::nextafter(x, -2.0f);
        for (int step = 0; step < 16; ++step, x = std::nextafter(x, 2.0f)) {
            const float scaled = (x + 1.0f) * 127.5f;
            if (scaled != k + 0.5f) continue;
            ++ties;
            wrong += ugatit::float_to_pixel(x) != (k % 2 == 0 ? k : k + 1);
        }
    }
    CHECK(ties > 10);
    CHECK_EQ(wrong, 0);
}

void layouts() {
    ugatit::Image image(3, 2);
    for (std::size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<std::uint8_t>(i * 37 % 256);
    std::vector<float> chw(3 * 2 * 3);
    ugatit::image_to_chw(image, chw.data());
    CHECK(chw[0] == ugatit::pixel_to_float(image.rgb[0]));        // R of (0, 0)
    CHECK(chw[6] == ugatit::pixel_to_float(image.rgb[1]));        // G plane starts at H * W
    CHECK(chw[12 + 5] == ugatit::pixel_to_float(image.rgb[17]));  // B of (x 2, y 1)
    const ugatit::Image back = ugatit::chw_to_image(chw.data(), 2, 3);
    CHECK(back.width == 3 && back.height == 2 && back.rgb == image.rgb);
}

}  // namespace

void tensor_tests() {
    to_float();
    round_half_even();
    layouts();
}
