// ugatit-preprocess IMAGE SIZE OUT.bin: the model input for an image (imaging.preprocess) as raw
// little-endian float32, 1 x 3 x SIZE x SIZE.
#include <exception>

#include "cli.h"
#include "error.h"
#include "files.h"
#include "preprocess.h"

int main(int argc, char** argv) {
    const char* program = "ugatit-preprocess";
    const char* synopsis =
        "IMAGE SIZE OUT.bin   (writes 1 x 3 x SIZE x SIZE float32, little-endian, values in [-1, 1])";
    if (ugatit_cli::wants_help(argc, argv)) {
        std::printf("usage: %s %s\n", program, synopsis);
        return 0;
    }
    if (argc != 4) return ugatit_cli::usage(program, synopsis);
    int size = 0;
    if (!ugatit_cli::parse_size(argv[2], &size))
        return ugatit_cli::fail(program, std::string("SIZE must be an integer 1..16384, got '") + argv[2] + "'");
    try {
        const std::vector<unsigned char> bytes =
            ugatit_cli::to_little_endian(ugatit::preprocess_file(argv[1], size, size));
        ugatit::write_file_atomically(argv[3], bytes.data(), bytes.size());
    } catch (const std::exception& error) {
        return ugatit_cli::fail(program, error.what());
    }
    return 0;
}
