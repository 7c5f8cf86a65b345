#include "face_align.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "error.h"
#include "faces_defaults.h"

namespace ugatit::faces {
namespace {

// math.floor / math.ceil as Python ints, saturated to the range a footprint can use.
long long saturated(double value) {
    constexpr double kLargest = 4.0e18;
    if (std::isnan(value)) throw Error(ErrorKind::kInvalidArgument, "a face's crop maps to no image position");
    return static_cast<long long>(std::min(std::max(value, -kLargest), kLargest));
}

}  // namespace

Framing selfie_framing() {
    return {faces_defaults::kEyesX, faces_defaults::kEyesY, faces_defaults::kEyeDistance};
}

Affine align_matrix(Point left, Point right, int size, const Framing& framing) {
    const double dx = right.x - left.x, dy = right.y - left.y;
    const double distance = std::sqrt(dx * dx + dy * dy);
    if (!(distance > 0.0)) throw Error(ErrorKind::kInvalidArgument, "the two eyes are at the same point");
    const double scale = framing.eye_distance * size / distance;
    const double cos = dx / distance * scale, sin = dy / distance * scale;  // rotate by -angle, then scale
    const double mx = (left.x + right.x) / 2, my = (left.y + right.y) / 2;
    const double shift_x = framing.eyes_x * size - (cos * mx + sin * my);
    const double shift_y = framing.eyes_y * size - (-sin * mx + cos * my);
    return {cos, sin, shift_x, -sin, cos, shift_y};
}

Image crop(const Image& image, const Affine& matrix, int size) {
    const Pixels warped =
        warp(image.rgb.data(), image.width, image.height, 3, invert_affine(matrix), size, size, Border::kReplicate);
    Image out(size, size);
    for (std::size_t i = 0; i < out.rgb.size(); ++i) out.rgb[i] = to_uint8(warped.values[i]);
    return out;
}

std::vector<double> feather_mask(int size, double feather) {
    const double reach = std::max(feather * size, 1.0);
    std::vector<double> ramp(size), edge(size), mask(static_cast<std::size_t>(size) * size);
    for (int i = 0; i < size; ++i) ramp[i] = std::min(std::max((static_cast<double>(i) + 0.5) / reach, 0.0), 1.0);
    for (int i = 0; i < size; ++i) edge[i] = std::min(ramp[i], ramp[size - 1 - i]);
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) mask[static_cast<std::size_t>(y) * size + x] = std::min(edge[y], edge[x]);
    }
    return mask;
}

std::array<long long, 4> footprint(const Affine& matrix, int size, int image_width, int image_height) {
    const Affine inverse = invert_affine(matrix);
    const double a = inverse[0], b = inverse[1], c = inverse[2], d = inverse[3], e = inverse[4], f = inverse[5];
    const int corners[4][2] = {{0, 0}, {size, 0}, {0, size}, {size, size}};
    double xs[4], ys[4];
    for (int i = 0; i < 4; ++i) {
        const double u = corners[i][0], v = corners[i][1];
        xs[i] = (a * u + b * v) + c;
        ys[i] = (d * u + e * v) + f;
    }
    const long long margin = faces_defaults::kFootprintMargin;
    const long long x0 = saturated(std::floor(*std::min_element(xs, xs + 4))) - margin;
    const long long y0 = saturated(std::floor(*std::min_element(ys, ys + 4))) - margin;
    const long long x1 = saturated(std::ceil(*std::max_element(xs, xs + 4))) + margin;
    const long long y1 = saturated(std::ceil(*std::max_element(ys, ys + 4))) + margin;
    return {std::max(x0, 0LL), std::max(y0, 0LL), std::min(x1, static_cast<long long>(image_width)),
            std::min(y1, static_cast<long long>(image_height))};
}

void paste(Image& image, const Image& translated, const Affine& matrix) {
    const int size = translated.height;
    const auto [x0, y0, x1, y1] = footprint(matrix, size, image.width, image.height);
    if (x1 <= x0 || y1 <= y0) return;
    const double a = matrix[0], b = matrix[1], c = matrix[2], d = matrix[3], e = matrix[4], f = matrix[5];
    const double fx0 = static_cast<double>(x0), fy0 = static_cast<double>(y0);
    const Affine shifted = {a, b, (a * fx0 + b * fy0) + c, d, e, (d * fx0 + e * fy0) + f};  // footprint -> crop
    const int width = static_cast<int>(x1 - x0), height = static_cast<int>(y1 - y0);
    const Pixels back = warp(translated.rgb.data(), translated.width, translated.height, 3, shifted, width, height,
                             Border::kReplicate);
    const std::vector<double> feather = feather_mask(size, faces_defaults::kFeather);
    const Pixels mask = warp(feather.data(), size, size, 1, shifted, width, height, Border::kZero);
    for (int y = 0; y < height; ++y) {
        std::uint8_t* row = &image.rgb[(static_cast<std::size_t>(y0 + y) * image.width + x0) * 3];
        for (int x = 0; x < width; ++x) {
            const double m = mask.values[static_cast<std::size_t>(y) * width + x];
            if (m <= 0.0) continue;  // untouched: the pixel keeps its value
            for (int ch = 0; ch < 3; ++ch) {
                const double blended = static_cast<double>(row[x * 3 + ch]) * (1.0 - m) +
                                       back.values[(static_cast<std::size_t>(y) * width + x) * 3 + ch] * m;
                row[x * 3 + ch] = to_uint8(blended);
            }
        }
    }
}

}  // namespace ugatit::faces
