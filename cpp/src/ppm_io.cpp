#include "ppm_io.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "color.h"
#include "error.h"
#include "resource_limits.h"

namespace ugatit {
namespace {

bool is_space(std::uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

class HeaderReader {
public:
    explicit HeaderReader(const std::vector<std::uint8_t>& bytes) : bytes_(bytes) {}

    // A decimal header field; '#' starts a comment up to the end of the line (PIL skips comments
    // even inside a token). The whitespace byte that ends the field is consumed.
    long number(const char* what) {
        std::string token;
        while (pos_ < bytes_.size()) {
            const std::uint8_t c = bytes_[pos_++];
            if (c == '#') {
                while (pos_ < bytes_.size() && bytes_[pos_] != '\n' && bytes_[pos_] != '\r') ++pos_;
                if (pos_ < bytes_.size()) ++pos_;
            } else if (is_space(c)) {
                if (!token.empty()) break;
            } else {
                token += static_cast<char>(c);
                if (token.size() > 10)
                    throw Error(ErrorKind::kImage, std::string("broken PNM header: ") + what + " is too long");
            }
        }
        if (token.empty()) throw Error(ErrorKind::kImage, std::string("broken PNM header: no ") + what);
        long value = 0;
        for (char c : token) {
            if (c < '0' || c > '9')
                throw Error(ErrorKind::kImage,
                            std::string("broken PNM header: ") + what + " '" + token + "' is not a number");
            value = value * 10 + (c - '0');
        }
        return value;
    }

    std::size_t position() const { return pos_; }

private:
    const std::vector<std::uint8_t>& bytes_;
    std::size_t pos_ = 3;  // after the magic number and its whitespace
};

// PIL's PpmDecoder: min(out_max, round(v / maxval * out_max)), rounding halves to even like Python.
long rescale(long value, long maxval, long out_max) {
    const double scaled =
        std::nearbyint(static_cast<double>(value) / static_cast<double>(maxval) * static_cast<double>(out_max));
    return std::min(out_max, static_cast<long>(scaled));
}

}  // namespace

Image decode_ppm(const std::vector<std::uint8_t>& bytes, const std::string& what) {
    if (bytes.size() < 3 || bytes[0] != 'P' || bytes[1] < '4' || bytes[1] > '6' || !is_space(bytes[2])) {
        throw Error(ErrorKind::kImage, "not a binary PBM/PGM/PPM file (P4, P5 or P6 expected)");
    }
    const char kind = static_cast<char>(bytes[1]);
    HeaderReader header(bytes);
    const long width = header.number("width");
    const long height = header.number("height");
    const long maxval = kind == '4' ? 1 : header.number("maxval");
    check_image_size(width, height, what);
    if (maxval < 1 || maxval > 65535)
        throw Error(ErrorKind::kImage, "PNM maxval must be 1..65535, got " + std::to_string(maxval));

    const int w = static_cast<int>(width), h = static_cast<int>(height);
    const std::size_t pixels = static_cast<std::size_t>(w) * h;
    const int channels = kind == '6' ? 3 : 1;
    const int sample_bytes = maxval > 255 ? 2 : 1;
    const std::size_t row_bytes =
        kind == '4' ? (static_cast<std::size_t>(w) + 7) / 8 : static_cast<std::size_t>(w) * channels * sample_bytes;
    const std::size_t start = header.position();
    if (bytes.size() < start || bytes.size() - start < row_bytes * h)
        throw Error(ErrorKind::kImage, "PNM file is truncated");
    const std::uint8_t* data = bytes.data() + start;

    if (kind == '4') {  // 1 = black, rows padded to whole bytes
        std::vector<std::uint8_t> gray(pixels);
        for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
                const bool black = (data[y * row_bytes + x / 8] >> (7 - x % 8)) & 1;
                gray[static_cast<std::size_t>(y) * w + x] = black ? 0 : 255;
            }
        }
        return rgb_from_gray(w, h, gray.data());
    }
    auto sample = [&](std::size_t i) -> long {
        return sample_bytes == 1 ? data[i] : (long{data[2 * i]} << 8 | data[2 * i + 1]);
    };
    if (kind == '5' && maxval > 255) {
        std::vector<std::uint16_t> gray(pixels);
        for (std::size_t i = 0; i < pixels; ++i) {
            gray[i] = static_cast<std::uint16_t>(maxval == 65535 ? sample(i) : rescale(sample(i), maxval, 65535));
        }
        return rgb_from_gray16(w, h, gray.data(), Gray16Range::k65535IfAbove255);
    }
    std::vector<std::uint8_t> samples(pixels * channels);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        samples[i] = static_cast<std::uint8_t>(maxval == 255 ? sample(i) : rescale(sample(i), maxval, 255));
    }
    if (channels == 1) return rgb_from_gray(w, h, samples.data());
    Image image(w, h);
    image.rgb = std::move(samples);
    return image;
}

std::vector<std::uint8_t> encode_ppm(const Image& image) {
    const std::string header = "P6\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
    std::vector<std::uint8_t> out(header.begin(), header.end());
    out.insert(out.end(), image.rgb.begin(), image.rgb.end());
    return out;
}

}  // namespace ugatit
