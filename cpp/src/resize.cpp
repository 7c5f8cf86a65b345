#include "resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "error.h"

namespace ugatit {
namespace {

constexpr int kPrecisionBits = 22;  // 32 bits - 8 for the sample - 2 for headroom, as in Pillow

double triangle(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

// The fixed-point weights of one axis: output i reads inputs first[i] .. first[i] + count[i] - 1.
struct Kernel {
    int taps = 0;  // weights stored per output
    std::vector<int> first, count;
    std::vector<std::int32_t> weights;
};

Kernel make_kernel(int in_size, int out_size) {
    const double scale = static_cast<double>(in_size) / out_size;
    const double stretch = std::max(scale, 1.0);
    const double support = 1.0 * stretch;  // the triangle's support is 1 input pixel, widened when shrinking
    const double inverse_stretch = 1.0 / stretch;
    Kernel kernel;
    kernel.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
    kernel.first.resize(out_size);
    kernel.count.resize(out_size);
    kernel.weights.assign(static_cast<std::size_t>(out_size) * kernel.taps, 0);
    std::vector<double> w(kernel.taps);
    for (int i = 0; i < out_size; ++i) {
        const double center = (i + 0.5) * scale;
        const int first = std::max(static_cast<int>(center - support + 0.5), 0);  // truncation, as C casts
        const int end = std::min(static_cast<int>(center + support + 0.5), in_size);
        const int count = end - first;
        double sum = 0.0;
        for (int k = 0; k < count; ++k) {
            w[k] = triangle((static_cast<double>(k + first) - center + 0.5) * inverse_stretch);
            sum += w[k];
        }
        for (int k = 0; k < count; ++k) {
            const double normalized = sum != 0.0 ? w[k] / sum : w[k];
            const double fixed = normalized * (1 << kPrecisionBits);
            kernel.weights[static_cast<std::size_t>(i) * kernel.taps + k] =
                static_cast<std::int32_t>(fixed < 0 ? fixed - 0.5 : fixed + 0.5);
        }
        kernel.first[i] = first;
        kernel.count[i] = count;
    }
    return kernel;
}

std::uint8_t round_and_clamp(std::int64_t accumulator) {
    return static_cast<std::uint8_t>(std::clamp<std::int64_t>(accumulator >> kPrecisionBits, 0, 255));
}

constexpr std::int64_t kHalf = std::int64_t{1} << (kPrecisionBits - 1);

Image resample_horizontal(const Image& in, int out_width) {
    const Kernel kernel = make_kernel(in.width, out_width);
    Image out(out_width, in.height);
    for (int y = 0; y < in.height; ++y) {
        const std::uint8_t* row = &in.rgb[static_cast<std::size_t>(y) * in.width * 3];
        std::uint8_t* target = &out.rgb[static_cast<std::size_t>(y) * out_width * 3];
        for (int x = 0; x < out_width; ++x) {
            const std::int32_t* weight = &kernel.weights[static_cast<std::size_t>(x) * kernel.taps];
            for (int c = 0; c < 3; ++c) {
                std::int64_t sum = kHalf;
                for (int k = 0; k < kernel.count[x]; ++k)
                    sum += row[(kernel.first[x] + k) * 3 + c] * std::int64_t{weight[k]};
                target[x * 3 + c] = round_and_clamp(sum);
            }
        }
    }
    return out;
}

Image resample_vertical(const Image& in, int out_height) {
    const Kernel kernel = make_kernel(in.height, out_height);
    const std::size_t stride = static_cast<std::size_t>(in.width) * 3;
    Image out(in.width, out_height);
    std::vector<std::int64_t> sums(stride);
    for (int y = 0; y < out_height; ++y) {
        const std::int32_t* weight = &kernel.weights[static_cast<std::size_t>(y) * kernel.taps];
        std::fill(sums.begin(), sums.end(), kHalf);
        for (int k = 0; k < kernel.count[y]; ++k) {
            const std::uint8_t* row = &in.rgb[(kernel.first[y] + k) * stride];
            for (std::size_t i = 0; i < stride; ++i) sums[i] += row[i] * std::int64_t{weight[k]};
        }
        for (std::size_t i = 0; i < stride; ++i) out.rgb[y * stride + i] = round_and_clamp(sums[i]);
    }
    return out;
}

}  // namespace

bool vertical_pass_first(int in_width, int in_height, int out_width, int out_height) {
    return out_height < in_height && (in_height - out_height) > 2 * (in_width - out_width);
}

Image resize_bilinear(const Image& image, int width, int height) {
    if (width < 1 || height < 1) {
        throw Error(ErrorKind::kInvalidArgument,
                    "resize target must be at least 1x1, got " + std::to_string(width) + "x" + std::to_string(height));
    }
    if (image.width == width && image.height == height) return image;
    const bool horizontal = width != image.width, vertical = height != image.height;
    if (!horizontal) return resample_vertical(image, height);
    if (!vertical) return resample_horizontal(image, width);
    if (vertical_pass_first(image.width, image.height, width, height)) {
        return resample_horizontal(resample_vertical(image, height), width);
    }
    return resample_vertical(resample_horizontal(image, width), height);
}

}  // namespace ugatit
