#include "png_io.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <new>

#include "color.h"
#include "error.h"
#include "resource_limits.h"

namespace ugatit {
namespace {

// libpng reports errors by longjmp: everything a failed call could leave behind lives in these
// structs, owned by the caller's frame, so the jump skips no destructor.
struct PngSession {
    char message[256] = "unknown libpng error";
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    std::size_t offset = 0;
    std::vector<std::uint8_t>* output = nullptr;
    bool out_of_memory = false;
};

struct PngPixels {
    png_uint_32 width = 0, height = 0;
    int channels = 0, bit_depth = 0;
    std::vector<std::uint8_t> bytes;
    std::vector<png_bytep> rows;
};

void on_error(png_structp png, png_const_charp message) {
    auto* session = static_cast<PngSession*>(png_get_error_ptr(png));
    std::snprintf(session->message, sizeof session->message, "%s", message);
    png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

void read_from_memory(png_structp png, png_bytep out, png_size_t length) {
    auto* session = static_cast<PngSession*>(png_get_io_ptr(png));
    if (length > session->size - session->offset) png_error(png, "file is truncated");
    std::memcpy(out, session->data + session->offset, length);
    session->offset += length;
}

void write_to_memory(png_structp png, png_bytep data, png_size_t length) {
    auto* session = static_cast<PngSession*>(png_get_io_ptr(png));
    if (session->out_of_memory) return;
    try {  // a C++ exception must not cross libpng's C frames: remember it, report it afterwards
        session->output->insert(session->output->end(), data, data + length);
    } catch (const std::bad_alloc&) {
        session->out_of_memory = true;
    }
}

void flush_nothing(png_structp) {}

// The chunks before the image data: IHDR's size is known (and checked by the caller) before any allocation.
bool read_header(png_structp png, png_infop info, PngPixels& pixels) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);  // the image limits (resource_limits.h) decide
    png_read_info(png, info);
    pixels.width = png_get_image_width(png, info);
    pixels.height = png_get_image_height(png, info);
    return true;
}

bool read_pixels(png_structp png, png_infop info, PngPixels& pixels) {
    if (setjmp(png_jmpbuf(png))) return false;
    const int color_type = png_get_color_type(png, info);
    const int bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16 && color_type != PNG_COLOR_TYPE_GRAY) png_set_strip_16(png);  // drops the low byte
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    pixels.width = png_get_image_width(png, info);
    pixels.height = png_get_image_height(png, info);
    pixels.channels = png_get_channels(png, info);
    pixels.bit_depth = png_get_bit_depth(png, info);
    const std::size_t row_bytes = png_get_rowbytes(png, info);
    pixels.bytes.resize(row_bytes * pixels.height);
    pixels.rows.resize(pixels.height);
    for (png_uint_32 y = 0; y < pixels.height; ++y) pixels.rows[y] = &pixels.bytes[y * row_bytes];
    png_read_image(png, pixels.rows.data());
    return true;
}

Image to_rgb(const PngPixels& pixels) {
    const int w = static_cast<int>(pixels.width), h = static_cast<int>(pixels.height);
    const std::uint8_t* data = pixels.bytes.data();
    if (pixels.bit_depth == 16) {  // only 16-bit gray is kept at 16 bits; samples are big-endian
        std::vector<std::uint16_t> gray(static_cast<std::size_t>(w) * h);
        for (std::size_t i = 0; i < gray.size(); ++i)
            gray[i] = static_cast<std::uint16_t>(data[2 * i] << 8 | data[2 * i + 1]);
        return rgb_from_gray16(w, h, gray.data(), Gray16Range::kAlways65535);
    }
    switch (pixels.channels) {
        case 1: return rgb_from_gray(w, h, data);
        case 2: return rgb_from_gray_alpha_over_white(w, h, data);
        case 4: return rgb_from_rgba_over_white(w, h, data);
        default: {
            Image image(w, h);
            image.rgb.assign(pixels.bytes.begin(), pixels.bytes.end());
            return image;
        }
    }
}

bool write_pixels(png_structp png, png_infop info, const Image& image, std::vector<png_bytep>& rows) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows.data());
    png_write_end(png, nullptr);
    return true;
}

}  // namespace

Image decode_png(const std::vector<std::uint8_t>& bytes, const std::string& what) {
    PngSession session;
    session.data = bytes.data();
    session.size = bytes.size();
    PngPixels pixels;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &session, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!info) {
        png_destroy_read_struct(&png, nullptr, nullptr);
        throw Error(ErrorKind::kImage, "libpng could not start");
    }
    png_set_read_fn(png, &session, read_from_memory);
    bool ok = read_header(png, info, pixels);
    if (ok) {
        try {
            check_image_size(pixels.width, pixels.height, what);  // before libpng or this code allocates rows
        } catch (...) {
            png_destroy_read_struct(&png, &info, nullptr);
            throw;
        }
    }
    ok = ok && read_pixels(png, info, pixels);
    png_destroy_read_struct(&png, &info, nullptr);
    if (!ok) throw Error(ErrorKind::kImage, std::string("broken PNG: ") + session.message);
    return to_rgb(pixels);
}

std::vector<std::uint8_t> encode_png(const Image& image) {
    std::vector<std::uint8_t> output;
    PngSession session;
    session.output = &output;
    std::vector<png_bytep> rows(static_cast<std::size_t>(image.height));
    for (int y = 0; y < image.height; ++y) {
        rows[y] = const_cast<png_bytep>(&image.rgb[static_cast<std::size_t>(y) * image.width * 3]);
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &session, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!info) {
        png_destroy_write_struct(&png, nullptr);
        throw Error(ErrorKind::kIo, "libpng could not start");
    }
    png_set_write_fn(png, &session, write_to_memory, flush_nothing);
    const bool ok = write_pixels(png, info, image, rows);
    png_destroy_write_struct(&png, &info);
    if (!ok) throw Error(ErrorKind::kIo, std::string("cannot encode PNG: ") + session.message);
    if (session.out_of_memory) throw std::bad_alloc();
    return output;
}

}  // namespace ugatit
