#include <cstdio>

#include "check.h"
#include "image_io.h"

namespace {

ugatit::Image pattern(int width, int height) {
    ugatit::Image image(width, height);
    for (std::size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<std::uint8_t>((i * 53 + 11) % 256);
    return image;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    test::write_text(path, bytes);
}

void ppm_round_trip() {
    const ugatit::Image image = pattern(5, 3);
    ugatit::write_image(test::temp_path("round.ppm"), image);
    const ugatit::Image back = ugatit::read_image(test::temp_path("round.ppm"));
    CHECK(back.width == 5 && back.height == 3 && back.rgb == image.rgb);
    std::remove(test::temp_path("round.ppm").c_str());
}

void png_round_trip() {
    if (!ugatit::png_supported()) return;
    const ugatit::Image image = pattern(7, 4);
    ugatit::write_image(test::temp_path("round.PNG"), image);  // the extension is case-insensitive
    const ugatit::Image back = ugatit::read_image(test::temp_path("round.PNG"));
    CHECK(back.width == 7 && back.height == 4 && back.rgb == image.rgb);
    std::remove(test::temp_path("round.PNG").c_str());
}

void netpbm_variants() {
    const std::string path = test::temp_path("variant.pnm");
    // P5 with comments in the header; gray -> RGB.
    write_bytes(path, std::string("P5\n# a comment\n2 1 # trailing\n255\n") + char(10) + char(200));
    ugatit::Image image = ugatit::read_image(path);
    CHECK(image.width == 2 && image.height == 1 && image.rgb == (std::vector<std::uint8_t>{10, 10, 10, 200, 200, 200}));
    // maxval 15: round(v / 15 * 255) as PIL does.
    write_bytes(path, std::string("P5 2 1 15\n") + char(7) + char(15));
    CHECK(ugatit::read_image(path).rgb == (std::vector<std::uint8_t>{119, 119, 119, 255, 255, 255}));
    // 16-bit P5: PIL's "I" mode; to_rgb divides by 65535 only when a value exceeds 255.
    write_bytes(path, std::string("P5 2 1 65535\n") + char(0) + char(100) + char(0) + char(255));
    CHECK(ugatit::read_image(path).rgb == (std::vector<std::uint8_t>{100, 100, 100, 255, 255, 255}));
    write_bytes(path, std::string("P5 2 1 65535\n") + char(0x80) + char(0) + char(0xff) + char(0xff));
    CHECK(ugatit::read_image(path).rgb == (std::vector<std::uint8_t>{128, 128, 128, 255, 255, 255}));
    // P6 with maxval 1023 (2-byte samples): round(v / 1023 * 255).
    write_bytes(path, std::string("P6 1 1 1023\n") + char(0) + char(0) + char(1) + char(0) + char(3) + char(255));
    CHECK(ugatit::read_image(path).rgb == (std::vector<std::uint8_t>{0, 64, 255}));
    // P4: 1 bit per pixel, 1 = black, rows padded to bytes.
    write_bytes(path, std::string("P4 3 2\n") + char(0xa0) + char(0x40));
    CHECK(ugatit::read_image(path).rgb ==
          (std::vector<std::uint8_t>{0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255}));
    write_bytes(path, "P6 4 4 255\nabc");
    CHECK_THROWS(ugatit::read_image(path), "cannot read image test-output-variant.pnm: PNM file is truncated");
    write_bytes(path, "P6 4 x 255\n");
    CHECK_THROWS(ugatit::read_image(path), "height 'x' is not a number");
    write_bytes(path, "P3 1 1 255\n1 2 3\n");
    CHECK_THROWS(ugatit::read_image(path), "plain-text PNM (P1-P3) is not supported");
    std::remove(path.c_str());
}

void errors() {
    CHECK_THROWS(ugatit::read_image(test::temp_path("missing.png")),
                 "cannot open test-output-missing.png: No such file or directory");
    write_bytes(test::temp_path("empty.png"), "");
    CHECK_THROWS(ugatit::read_image(test::temp_path("empty.png")),
                 "cannot read image test-output-empty.png: the file is empty");
    write_bytes(test::temp_path("text.png"), "hello");
    CHECK_THROWS(ugatit::read_image(test::temp_path("text.png")), "not a PNG, JPEG or binary PPM/PGM/PBM file");
    if (ugatit::png_supported()) {
        write_bytes(test::temp_path("cut.png"), std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16));
        CHECK_THROWS(ugatit::read_image(test::temp_path("cut.png")),
                     "cannot read image test-output-cut.png: broken PNG");
    }
    if (ugatit::jpeg_supported()) {
        write_bytes(test::temp_path("cut.jpg"), "\xff\xd8\xff\xe0");
        CHECK_THROWS(ugatit::read_image(test::temp_path("cut.jpg")), "broken JPEG");
    }
    CHECK_THROWS(ugatit::write_image(test::temp_path("out.bmp"), pattern(1, 1)), "the output must end in .png or .ppm");
    for (const char* name : {"empty.png", "text.png", "cut.png", "cut.jpg"}) std::remove(test::temp_path(name).c_str());
}

}  // namespace

void image_io_tests() {
    ppm_round_trip();
    png_round_trip();
    netpbm_variants();
    errors();
}
