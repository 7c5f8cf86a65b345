// libFuzzer: the JPEG decoder from memory (jpeg_io.h), its header checked against the image limits.
#include "jpeg_io.h"

#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ugatit_fuzz::small_limits();
    return ugatit_fuzz::expect_errors_only([&] {
        const ugatit::Image image = ugatit::decode_jpeg(ugatit_fuzz::bytes_of(data, size));
        if (image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3) __builtin_trap();
    });
}
