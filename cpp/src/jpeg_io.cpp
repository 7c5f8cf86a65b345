#include "jpeg_io.h"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>

#include <algorithm>
#include <csetjmp>
#include <string>

#include "color.h"
#include "error.h"
#include "resource_limits.h"

namespace ugatit {
namespace {

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

// The header alone: the image's size is known (and checked by the caller) before libjpeg allocates for it.
bool read_header(jpeg_decompress_struct& info, JpegErrors& errors, const std::vector<std::uint8_t>& bytes) {
    if (setjmp(errors.jump)) return false;
    jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&info, TRUE);
    switch (info.jpeg_color_space) {
        case JCS_GRAYSCALE: info.out_color_space = JCS_GRAYSCALE; break;
        case JCS_CMYK:
        case JCS_YCCK: info.out_color_space = JCS_CMYK; break;
        default: info.out_color_space = JCS_RGB; break;
    }
    return true;
}

// jpeg_start_decompress allocates a progressive image's coefficients (2 bytes per sample of every component)
// as "virtual arrays"; capping them at what this image's size needs keeps a lying header from costing more
// (libjpeg fails with "Backing store not supported" instead of allocating).
long memory_cap(const jpeg_decompress_struct& info) {
    const std::uint64_t pixels = std::uint64_t{info.image_width} * info.image_height;
    const std::uint64_t cap = pixels * 2 * static_cast<std::uint64_t>(info.num_components) * 2 + (32u << 20);
    return static_cast<long>(std::min<std::uint64_t>(cap, std::uint64_t{1} << 40));
}

bool read_pixels(jpeg_decompress_struct& info, JpegErrors& errors, JpegPixels& pixels) {
    if (setjmp(errors.jump)) return false;
    info.mem->max_memory_to_use = memory_cap(info);
    jpeg_start_decompress(&info);
    pixels.width = static_cast<int>(info.output_width);
    pixels.height = static_cast<int>(info.output_height);
    pixels.channels = info.output_components;
    const std::size_t stride = static_cast<std::size_t>(pixels.width) * pixels.channels;
    pixels.bytes.resize(stride * pixels.height);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = &pixels.bytes[info.output_scanline * stride];
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    return true;
}

struct Decompressor {  // destroys libjpeg's state on every way out of decode_jpeg, a LimitError included
    jpeg_decompress_struct info;
    ~Decompressor() { jpeg_destroy_decompress(&info); }
};

}  // namespace

Image decode_jpeg(const std::vector<std::uint8_t>& bytes, const std::string& what) {
    JpegErrors errors;  // outlives the decompressor, which may report through it while it is destroyed
    JpegPixels pixels;
    Decompressor decompressor;
    jpeg_decompress_struct& info = decompressor.info;
    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = on_error;
    errors.manager.emit_message = on_message;
    jpeg_create_decompress(&info);
    bool ok = read_header(info, errors, bytes);
    if (ok) check_image_size(info.image_width, info.image_height, what);  // before jpeg_start_decompress allocates
    ok = ok && read_pixels(info, errors, pixels);
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
