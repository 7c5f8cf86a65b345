// Faces and their five landmarks in an RGB image: MTCNN, step for step as ugatit_deploy/inference/face_detect.py
// (the pyramid, P-Net's candidates, non-maximum suppression, R-Net and O-Net refinement), in the same arithmetic
// (float64 geometry, a stable best-first order, face_resample's resize), with core/faces.json's numbers. The
// networks sit behind FaceNets (OpenVINO: face_nets_ov.cpp), so the geometry is engine-free and testable.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "face_align.h"
#include "image.h"

namespace ugatit::faces {

// One face: box (x0, y0, x1, y1), O-Net's score, landmarks (left eye, right eye, nose, left and right mouth
// corner), pixel coordinates of the image it was found in.
struct Face {
    std::array<double, 4> box{};
    double score = 0.0;
    std::array<Point, 5> landmarks{};
};

// face_detect.Face.eyes: the first two landmarks, sorted by (x, y): the one on the image's left first.
std::array<Point, 2> eyes(const Face& face);

// An output of a network: its shape and float32 values.
struct NetOutput {
    std::vector<std::int64_t> shape;
    std::vector<float> data;
};

// The three networks. Inputs are NHWC float32 with H and W swapped (the networks were trained on transposed
// images). Stage 0 (P-Net): (1, W, H, 3) -> offsets (1, W', H', 4), scores (1, W', H', 2); stage 1 (R-Net):
// (N, 24, 24, 3) -> offsets (N, 4), scores (N, 2); stage 2 (O-Net): (N, 48, 48, 3) -> offsets (N, 4),
// landmarks (N, 10), scores (N, 2). Scores' index 1 is "face".
class FaceNets {
public:
    virtual ~FaceNets() = default;
    virtual std::vector<NetOutput> run(int stage, const float* input, const std::array<std::int64_t, 4>& shape) = 0;
};

// A candidate: x0, y0, x1, y1, score, then the box regression dx0, dy0, dx1, dy1.
using Candidate = std::array<double, 9>;

// face_detect._nms: the indices kept, best first (a stable order: ties keep the earlier row); overlaps are
// intersection over union, or over the smaller area with by_min.
std::vector<std::size_t> nms(const std::vector<Candidate>& boxes, double threshold, bool by_min);

// face_detect._refined and _square, on columns 0..3.
Candidate refined(const Candidate& box, const double* offsets);
Candidate squared(const Candidate& box);

// face_detect._normalized of one pixel value: (v - pixel_mean) * pixel_scale in float32.
float normalized(std::uint8_t value);

class FaceDetector {
public:
    explicit FaceDetector(std::unique_ptr<FaceNets> nets, int min_face = 0);  // 0: faces.json's min_face

    // Faces in an RGB image, highest score first (photos over max_side are searched downscaled).
    std::vector<Face> detect(const Image& image);

private:
    std::vector<Candidate> proposals(const Image& image);
    std::vector<Face> detect_at_size(const Image& image);
    std::vector<NetOutput> run(int stage, const std::vector<float>& input, const std::array<std::int64_t, 4>& shape);

    std::unique_ptr<FaceNets> nets_;
    int min_face_;
};

}  // namespace ugatit::faces
