// Face geometry, operation for operation as ugatit_deploy/inference/face_align.py: the similarity transform that
// frames a face as the model's training selfies were framed (eyes level, at core/faces.json's place and distance),
// the aligned crop, the feathered mask, and pasting a translated crop back where it came from.
#pragma once

#include <array>
#include <vector>

#include "face_resample.h"
#include "image.h"

namespace ugatit::faces {

struct Point {
    double x = 0.0;
    double y = 0.0;
};

// Where the eyes' midpoint sits in the square crop and how far apart the eyes are (fractions of its side).
struct Framing {
    double eyes_x;
    double eyes_y;
    double eye_distance;
};
Framing selfie_framing();  // core/faces.json's framing

// face_align.align_matrix: image coordinates -> a size x size crop; `left` is the eye on the image's left.
// Error(kInvalidArgument) when both eyes are at the same point.
Affine align_matrix(Point left, Point right, int size, const Framing& framing);

// face_align.crop: the aligned size x size crop (borders replicated).
Image crop(const Image& image, const Affine& matrix, int size);

// face_align.feather_mask: size x size float64, 1 inside, falling to 0 over feather * size pixels at each edge.
std::vector<double> feather_mask(int size, double feather);

// face_align._footprint: the image-space box {x0, y0, x1, y1} of a crop's corners, footprint_margin pixels wider,
// clipped to the image.
std::array<long long, 4> footprint(const Affine& matrix, int size, int image_width, int image_height);

// face_align.paste, in place: the translated (square) crop warped back into `image` and blended by the feathered
// mask over its footprint; pixels the mask does not reach keep their values.
void paste(Image& image, const Image& translated, const Affine& matrix);

}  // namespace ugatit::faces
