#include "jpeg_io.h"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>

#include <csetjmp>
#include <string>

#include "color.h"
#include "error.h"

namespace ugatit {
namespace {

constexpr std::uint64_t kMaxPixels = std::uint64_t{1} << 28;

// libjpeg reports errors through error_exit, which must not return: it longjmps back here. The
// decoded pixels live in the caller's frame, so the jump skips no destructor.
struct JpegErrors {
    jpeg_error_mgr manager;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = "unknown libjpeg error";
};

struct JpegPixels {
    int width = 0, height = 0, channels = 0;
    std::vector<std::uint8_t> bytes;
};

void on_error(j_common_ptr info) {
    auto* errors = reinterpret_cast<JpegErrors*>(info->err);
    info->err->format_message(info, errors->message);
    std::longjmp(errors->jump, 1);
}

// Warnings (level -1) are ignored as PIL ignores them, except a premature end of data: PIL refuses
// truncated files, so this does too.
void on_message(j_common_ptr info, int level) {
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) on_error(info);
}

bool read_pixels(jpeg_decompress_struct& info, JpegErrors& errors, const std::vector<std::uint8_t>& bytes,
                 JpegPixels& pixels) {
    if (setjmp(errors.jump)) return false;
    jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&info, TRUE);
    switch (info.jpeg_color_space) {
        case JCS_GRAYSCALE: info.out_color_space = JCS_GRAYSCALE; break;
        case JCS_CMYK:
        case JCS_YCCK: info.out_color_space = JCS_CMYK; break;
        default: info.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&info);
    pixels.width = static_cast<int>(info.output_width);
    pixels.height = static_cast<int>(info.output_height);
    pixels.channels = info.output_components;
    if (std::uint64_t(info.output_width) * info.output_height > kMaxPixels) {
        std::snprintf(errors.message, sizeof errors.message, "image is too large");
        return false;
    }
    const std::size_t stride = static_cast<std::size_t>(pixels.width) * pixels.channels;
    pixels.bytes.resize(stride * pixels.height);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = &pixels.bytes[info.output_scanline * stride];
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    return true;
}

}  // namespace

Image decode_jpeg(const std::vector<std::uint8_t>& bytes) {
    jpeg_decompress_struct info;
    JpegErrors errors;
    JpegPixels pixels;
    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = on_error;
    errors.manager.emit_message = on_message;
    jpeg_create_decompress(&info);
    const bool ok = read_pixels(info, errors, bytes, pixels);
    jpeg_destroy_decompress(&info);
    if (!ok) throw Error(ErrorKind::kImage, std::string("broken JPEG: ") + errors.message);
    switch (pixels.channels) {
        case 1: return rgb_from_gray(pixels.width, pixels.height, pixels.bytes.data());
        case 4: return rgb_from_adobe_cmyk(pixels.width, pixels.height, pixels.bytes.data());
        default: {
            Image image(pixels.width, pixels.height);
            image.rgb = std::move(pixels.bytes);
            return image;
        }
    }
}

}  // namespace ugatit
