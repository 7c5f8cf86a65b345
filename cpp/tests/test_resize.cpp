#include "check.h"
#include "resize.h"

namespace {

ugatit::Image gray_row(std::initializer_list<int> values) {
    ugatit::Image image(static_cast<int>(values.size()), 1);
    int i = 0;
    for (int v : values) {
        for (int c = 0; c < 3; ++c) image.rgb[i * 3 + c] = static_cast<std::uint8_t>(v);
        ++i;
    }
    return image;
}

std::vector<int> red(const ugatit::Image& image) {
    std::vector<int> out;
    for (std::size_t i = 0; i < image.rgb.size(); i += 3) out.push_back(image.rgb[i]);
    return out;
}

void identity() {
    ugatit::Image image(5, 4);
    for (std::size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<std::uint8_t>(i * 7);
    const ugatit::Image same = ugatit::resize_bilinear(image, 5, 4);
    CHECK(same.width == 5 && same.height == 4 && same.rgb == image.rgb);
}

// Worked by hand from the triangle filter (and checked against PIL).
void hand_checked() {
    // Upscaling 2 -> 4: centres 0.25, 0.75, 1.25, 1.75 in input pixels; weights 1 | 3/4 1/4 | 1/4 3/4 | 1.
    CHECK(red(ugatit::resize_bilinear(gray_row({0, 255}), 4, 1)) == (std::vector<int>{0, 64, 191, 255}));
    // Downscaling 4 -> 2: the filter widens to 2 pixels; output 0 = (3*0 + 3*100 + 1*200) / 7 = 71.4.
    CHECK(red(ugatit::resize_bilinear(gray_row({0, 100, 200, 255}), 2, 1)) == (std::vector<int>{71, 209}));
    const ugatit::Image flat = ugatit::resize_bilinear(gray_row({77}), 3, 2);
    CHECK(flat.width == 3 && flat.height == 2 && red(flat) == (std::vector<int>(6, 77)));
    CHECK(red(ugatit::resize_bilinear(gray_row({10, 20, 30}), 1, 1)) == (std::vector<int>{20}));
    CHECK_THROWS(ugatit::resize_bilinear(gray_row({1}), 0, 3), "at least 1x1");
}

void pass_order() {
    CHECK(!ugatit::vertical_pass_first(100, 100, 50, 50));  // both shrink alike: horizontal first
    CHECK(ugatit::vertical_pass_first(100, 100, 90, 10));   // height shrinks by 90 > 2 * 10
    CHECK(!ugatit::vertical_pass_first(100, 100, 90, 80));  // 20 == 2 * 10: not more
    CHECK(ugatit::vertical_pass_first(100, 100, 90, 79));   // 21 > 20
    CHECK(ugatit::vertical_pass_first(37, 91, 64, 64));     // width grows, height shrinks
    CHECK(!ugatit::vertical_pass_first(10, 10, 5, 20));     // height grows: never
}

}  // namespace

void resize_tests() {
    identity();
    hand_checked();
    pass_order();
}
