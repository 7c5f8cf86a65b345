#include "image_io.h"

#include <cstring>

#include "error.h"
#include "files.h"
#include "resource_limits.h"
#include "ppm_io.h"
#ifdef UGATIT_HAVE_PNG
#include "png_io.h"
#endif
#ifdef UGATIT_HAVE_JPEG
#include "jpeg_io.h"
#endif

namespace ugatit {
namespace {

enum class Format { kPng, kJpeg, kPnm, kPlainPnm, kUnknown };

Format sniff(const std::vector<std::uint8_t>& bytes) {
    static const std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPngSignature, 8) == 0) return Format::kPng;
    if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) return Format::kJpeg;
    if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '4' && bytes[1] <= '6') return Format::kPnm;
    if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '3') return Format::kPlainPnm;
    return Format::kUnknown;
}

Image decode(const std::vector<std::uint8_t>& bytes, const std::string& what) {
    switch (sniff(bytes)) {
        case Format::kPng:
#ifdef UGATIT_HAVE_PNG
            return decode_png(bytes, what);
#else
            throw Error(ErrorKind::kUnavailable,
                        "PNG support is not built in (libpng was not found at configure time)");
#endif
        case Format::kJpeg:
#ifdef UGATIT_HAVE_JPEG
            return decode_jpeg(bytes, what);
#else
            throw Error(ErrorKind::kUnavailable,
                        "JPEG support is not built in (libjpeg was not found at configure time)");
#endif
        case Format::kPnm: return decode_ppm(bytes, what);
        case Format::kPlainPnm:
            throw Error(ErrorKind::kImage, "plain-text PNM (P1-P3) is not supported: use binary P4-P6");
        default: break;
    }
    if (bytes.empty()) throw Error(ErrorKind::kImage, "the file is empty");
    throw Error(ErrorKind::kImage, "not a PNG, JPEG or binary PPM/PGM/PBM file");
}

}  // namespace

bool png_supported() {
#ifdef UGATIT_HAVE_PNG
    return true;
#else
    return false;
#endif
}

bool jpeg_supported() {
#ifdef UGATIT_HAVE_JPEG
    return true;
#else
    return false;
#endif
}

Image read_image(const std::string& path) {
    try {
        return decode(read_binary_file(path), path);
    } catch (const LimitError&) {
        throw;  // already names the file, the limit and how to raise it
    } catch (const Error& error) {
        if (error.kind() == ErrorKind::kIo) throw;  // already names the file
        throw Error(error.kind(), "cannot read image " + path + ": " + error.what());
    }
}

void check_output_format(const std::string& path) {
    const std::string extension = lowercase_extension(path);
    if (extension == ".ppm" || extension == ".pnm") return;
    if (extension != ".png") {
        throw Error(ErrorKind::kInvalidArgument, "cannot write " + path + ": the output must end in .png or .ppm");
    }
    if (!png_supported()) {
        throw Error(ErrorKind::kUnavailable,
                    "cannot write " + path + ": PNG support is not built in (libpng was not found)");
    }
}

void write_image(const std::string& path, const Image& image) {
    check_output_format(path);
#ifdef UGATIT_HAVE_PNG
    const std::vector<std::uint8_t> bytes = lowercase_extension(path) == ".png" ? encode_png(image) : encode_ppm(image);
#else
    const std::vector<std::uint8_t> bytes = encode_ppm(image);
#endif
    write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace ugatit
