#include "face_resample.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "error.h"

namespace ugatit::faces {
namespace {

constexpr std::int64_t kHalf = std::int64_t{1} << 31;  // resample.HALF: half of kOne * kOne

// resample._taps over one axis of an interleaved RGB image: out[i] = sum over k of weight[i, k] * in[index[i, k]]
// (integers: exact in any order). `count` positions along the axis, `step` values between them, `lines` lines
// across it (`line_step` apart in the input, `out_line_step` in the output).
template <typename In, typename Out>
void along(const In* in, Out* out, const AxisTaps& taps, int count, std::size_t step, std::size_t lines,
           std::size_t line_step, std::size_t out_line_step, std::size_t out_step) {
    const int k_count = taps.taps;
    for (std::size_t line = 0; line < lines; ++line) {
        const In* source = in + line * line_step;
        Out* target = out + line * out_line_step;
        for (int i = 0; i < count; ++i) {
            const std::int64_t* index = &taps.index[static_cast<std::size_t>(i) * k_count];
            const std::int64_t* weight = &taps.weight[static_cast<std::size_t>(i) * k_count];
            for (std::size_t c = 0; c < 3; ++c) {
                std::int64_t total = 0;
                for (int k = 0; k < k_count; ++k)
                    total += weight[k] * static_cast<std::int64_t>(source[static_cast<std::size_t>(index[k]) * step + c]);
                target[static_cast<std::size_t>(i) * out_step + c] = static_cast<Out>(total);
            }
        }
    }
}

}  // namespace

AxisTaps axis_taps(int source, int target) {
    if (source < 1 || target < 1) {
        throw Error(ErrorKind::kInvalidArgument,
                    "cannot resample " + std::to_string(source) + " pixels to " + std::to_string(target));
    }
    AxisTaps taps;
    if (target < source) {  // area: the cell [i * scale, (i + 1) * scale) of the source
        const double scale = static_cast<double>(source) / static_cast<double>(target);
        taps.taps = static_cast<int>(std::ceil(scale)) + 1;
        taps.index.resize(static_cast<std::size_t>(target) * taps.taps);
        taps.weight.resize(taps.index.size());
        for (int i = 0; i < target; ++i) {
            const double start = static_cast<double>(i) * scale;
            const double end = (static_cast<double>(i) + 1.0) * scale;
            const double first = std::floor(start);
            for (int k = 0; k < taps.taps; ++k) {
                const double index = first + static_cast<double>(k);
                double overlap = std::min(end, index + 1.0) - std::max(start, index);
                if (!(overlap > 0.0 && index < static_cast<double>(source))) overlap = 0.0;
                const std::size_t at = static_cast<std::size_t>(i) * taps.taps + k;
                taps.index[at] = static_cast<std::int64_t>(std::min(index, static_cast<double>(source - 1)));
                taps.weight[at] = static_cast<std::int64_t>(std::nearbyint(overlap / scale * static_cast<double>(kOne)));
            }
        }
        return taps;
    }
    const double ratio = static_cast<double>(source) / static_cast<double>(target);
    taps.taps = 2;
    taps.index.resize(static_cast<std::size_t>(target) * 2);
    taps.weight.resize(taps.index.size());
    for (int i = 0; i < target; ++i) {
        const double position =
            std::min(std::max((static_cast<double>(i) + 0.5) * ratio - 0.5, 0.0), static_cast<double>(source) - 1.0);
        const double first = std::floor(position);
        const double fraction = position - first;
        taps.index[2 * i] = static_cast<std::int64_t>(first);
        taps.index[2 * i + 1] = static_cast<std::int64_t>(std::min(first + 1.0, static_cast<double>(source - 1)));
        const std::int64_t upper = static_cast<std::int64_t>(std::nearbyint(fraction * static_cast<double>(kOne)));
        taps.weight[2 * i] = kOne - upper;
        taps.weight[2 * i + 1] = upper;
    }
    return taps;
}

Image resize_area(const Image& image, int width, int height) {
    const AxisTaps across = axis_taps(image.width, width);
    const AxisTaps down = axis_taps(image.height, height);
    const std::size_t in_row = static_cast<std::size_t>(image.width) * 3, out_row = static_cast<std::size_t>(width) * 3;
    std::vector<std::int32_t> rows(static_cast<std::size_t>(image.height) * out_row);  // the width pass (int32 sums)
    along(image.rgb.data(), rows.data(), across, width, 3, image.height, in_row, out_row, 3);
    std::vector<std::int64_t> columns(static_cast<std::size_t>(height) * out_row);  // the height pass (int64)
    along(rows.data(), columns.data(), down, height, out_row, width, 3, 3, out_row);
    Image out(width, height);
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const std::int64_t value = (columns[i] + kHalf) >> 32;
        out.rgb[i] = static_cast<std::uint8_t>(std::min<std::int64_t>(std::max<std::int64_t>(value, 0), 255));
    }
    return out;
}

Affine invert_affine(const Affine& m) {
    const double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5];
    const double det = a * e - b * d;
    const double inv = det != 0.0 ? 1.0 / det : 0.0;
    const double a2 = e * inv, b2 = -b * inv, d2 = -d * inv, e2 = a * inv;
    return {a2, b2, -a2 * c - b2 * f, d2, e2, -d2 * c - e2 * f};
}

template <typename T>
Pixels warp(const T* source, int source_width, int source_height, int channels, const Affine& inverse, int width,
            int height, Border border) {
    Pixels out;
    out.width = width;
    out.height = height;
    out.channels = channels;
    out.values.resize(static_cast<std::size_t>(width) * height * channels);
    const double a = inverse[0], b = inverse[1], c = inverse[2], d = inverse[3], e = inverse[4], f = inverse[5];
    const bool replicate = border == Border::kReplicate;
    // resample._sample's pixel(): the clipped index's value, or 0 outside the source for the zero border
    auto value = [&](std::int64_t y, std::int64_t x, int channel) -> double {
        const bool inside = x >= 0 && x < source_width && y >= 0 && y < source_height;
        if (!inside && !replicate) return 0.0;
        const std::int64_t cy = std::min<std::int64_t>(std::max<std::int64_t>(y, 0), source_height - 1);
        const std::int64_t cx = std::min<std::int64_t>(std::max<std::int64_t>(x, 0), source_width - 1);
        return static_cast<double>(source[(static_cast<std::size_t>(cy) * source_width + cx) * channels + channel]);
    };
    for (int y = 0; y < height; ++y) {
        const double ys = static_cast<double>(y);
        for (int x = 0; x < width; ++x) {
            const double xs = static_cast<double>(x);
            const double sx = (a * xs + b * ys) + c, sy = (d * xs + e * ys) + f;
            const double fx0 = std::floor(sx), fy0 = std::floor(sy);
            const double fx = sx - fx0, fy = sy - fy0;
            const std::int64_t x0 = to_int64(fx0), y0 = to_int64(fy0);
            const std::int64_t x1 = x0 == std::numeric_limits<std::int64_t>::max() ? x0 : x0 + 1;
            const std::int64_t y1 = y0 == std::numeric_limits<std::int64_t>::max() ? y0 : y0 + 1;
            double* target = &out.values[(static_cast<std::size_t>(y) * width + x) * channels];
            for (int ch = 0; ch < channels; ++ch) {
                const double top = (1.0 - fx) * value(y0, x0, ch) + fx * value(y0, x1, ch);
                const double bottom = (1.0 - fx) * value(y1, x0, ch) + fx * value(y1, x1, ch);
                target[ch] = (1.0 - fy) * top + fy * bottom;
            }
        }
    }
    return out;
}

template Pixels warp<std::uint8_t>(const std::uint8_t*, int, int, int, const Affine&, int, int, Border);
template Pixels warp<double>(const double*, int, int, int, const Affine&, int, int, Border);

std::uint8_t to_uint8(double value) {
    if (std::isnan(value)) return 0;
    return static_cast<std::uint8_t>(std::min(std::max(std::nearbyint(value), 0.0), 255.0));
}

std::int64_t to_int64(double value) {
    constexpr double kLimit = 9223372036854775808.0;  // 2^63
    if (!(value >= -kLimit && value < kLimit)) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(value);
}

}  // namespace ugatit::faces
