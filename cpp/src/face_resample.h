// The resampling of the faces pipeline, operation for operation as ugatit_deploy/inference/resample.py defines
// it, so that both languages give the same bytes (OpenCV is not used: Debian's 4.6 and PyPI's 5.x warp with
// different arithmetic):
// - resize: separable; each output position of an axis has K taps (source index, integer weight in 1/65536):
//   area averaging when an axis shrinks, linear interpolation (half-pixel centres, clamped) otherwise. Every
//   product and sum is an integer, so the result is exact in any order; rounded half up, clipped to 0..255.
// - warp: bilinear sampling through a 2 x 3 affine map from output to source pixels, in float64; outside the
//   source the nearest edge pixel (replicate) or 0 (zero).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "image.h"

namespace ugatit::faces {

// A 2 x 3 affine map, row-major: x' = a x + b y + c, y' = d x + e y + f.
using Affine = std::array<double, 6>;

// resample.ONE: the fixed point of the resize weights (a weight w stands for w / kOne).
constexpr std::int64_t kOne = std::int64_t{1} << 16;

struct AxisTaps {
    int taps = 0;                      // K, per output position
    std::vector<std::int64_t> index;   // target x K source indices
    std::vector<std::int64_t> weight;  // target x K weights, summing to about kOne
};

// resample.axis_taps: resamples an axis of `source` pixels to `target` (Error when either is < 1).
AxisTaps axis_taps(int source, int target);

// resample.resize: an RGB image resampled to width x height (area down, linear up).
Image resize_area(const Image& image, int width, int height);

// resample.invert_affine (a zero determinant gives the zero map, as there).
Affine invert_affine(const Affine& matrix);

// Interleaved float64 pixels: height x width x channels.
struct Pixels {
    int width = 0;
    int height = 0;
    int channels = 0;
    std::vector<double> values;
};

enum class Border { kReplicate, kZero };

// resample.warp: out[y, x] = source(inverse @ (x, y, 1)), bilinear, float64. `source` holds height x width x
// channels values of type T (uint8 pixels or float64 values).
template <typename T>
Pixels warp(const T* source, int source_width, int source_height, int channels, const Affine& inverse, int width,
            int height, Border border);

// resample.to_uint8: rounded half to even, clipped to 0..255.
std::uint8_t to_uint8(double value);

// A double as numpy's astype(int64) gives it on x86-64: out-of-range and NaN values become INT64_MIN.
std::int64_t to_int64(double value);

}  // namespace ugatit::faces
