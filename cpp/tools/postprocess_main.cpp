// ugatit-postprocess IN.bin H W OUT.png: a model output (3 x H x W or 1 x 3 x H x W float32,
// little-endian) -> image (imaging.tensor_to_uint8), .png or .ppm.
#include <exception>

#include "cli.h"
#include "error.h"
#include "files.h"
#include "image_io.h"
#include "tensor.h"

int main(int argc, char** argv) {
    const char* program = "ugatit-postprocess";
    const char* synopsis = "IN.bin H W OUT.png|OUT.ppm   (IN.bin: 3 x H x W float32, little-endian)";
    if (ugatit_cli::wants_help(argc, argv)) {
        std::printf("usage: %s %s\n", program, synopsis);
        return 0;
    }
    if (argc != 5) return ugatit_cli::usage(program, synopsis);
    int height = 0, width = 0;
    if (!ugatit_cli::parse_size(argv[2], &height) || !ugatit_cli::parse_size(argv[3], &width)) {
        return ugatit_cli::fail(
            program, std::string("H and W must be integers 1..16384, got '") + argv[2] + "' and '" + argv[3] + "'");
    }
    try {
        ugatit::check_output_format(argv[4]);
        const std::vector<std::uint8_t> bytes = ugatit::read_binary_file(argv[1]);
        const std::size_t expected = static_cast<std::size_t>(3) * height * width * 4;
        if (bytes.size() != expected) {
            return ugatit_cli::fail(program, std::string(argv[1]) + " has " + std::to_string(bytes.size()) +
                                                 " bytes, expected 3 x " + argv[2] + " x " + argv[3] +
                                                 " float32 = " + std::to_string(expected));
        }
        const std::vector<float> chw = ugatit_cli::from_little_endian(bytes);
        ugatit::write_image(argv[4], ugatit::chw_to_image(chw.data(), height, width));
    } catch (const std::exception& error) {
        return ugatit_cli::fail(program, error.what());
    }
    return 0;
}
