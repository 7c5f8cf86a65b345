#include "face_pipeline.h"

#include <cmath>
#include <cstdio>

#include "error.h"
#include "faces_defaults.h"
#include "tensor.h"

namespace ugatit::faces {
namespace {

// FacePipeline._translate of one crop: image_to_tensor, the model, tensor_to_uint8.
Image translated(Runner& runner, const Image& crop, int size) {
    std::vector<float> chw(static_cast<std::size_t>(3) * size * size);
    image_to_chw(crop, chw.data());
    const Tensor output = runner.translate(chw.data(), {1, 3, size, size});
    return chw_to_image(output.data.data(), size, size);
}

// "2 face(s) too small to translate (eyes under 16 px apart)": Python's f"{MIN_EYE_DISTANCE:.0f}".
std::string too_small(std::size_t skipped) {
    char distance[64];
    std::snprintf(distance, sizeof distance, "%.0f", faces_defaults::kMinEyeDistance);
    return std::to_string(skipped) + " face(s) too small to translate (eyes under " + distance + " px apart)";
}

}  // namespace

FaceMode parse_face_mode(const std::string& text) {
    if (text == "paste") return FaceMode::kPaste;
    if (text == "auto") return FaceMode::kAuto;
    if (text == "crops") return FaceMode::kCrops;
    throw Error(ErrorKind::kInvalidArgument, "--faces must be one of paste, auto, crops, got '" + text + "'");
}

double eye_distance(const Face& face) {
    const std::array<Point, 2> pair = eyes(face);
    const double dx = pair[1].x - pair[0].x, dy = pair[1].y - pair[0].y;
    return std::sqrt(dx * dx + dy * dy);
}

FaceResult process_faces(Runner& runner, FaceDetector& detector, const Image& pixels, const std::string& name,
                         FaceMode mode) {
    const int size = runner.sidecar().model.img_size;
    FaceResult result;
    result.record.image = name;
    result.record.width = pixels.width;
    result.record.height = pixels.height;
    std::vector<Face> usable;
    for (const Face& face : detector.detect(pixels)) {
        const bool translate = eye_distance(face) >= faces_defaults::kMinEyeDistance;
        result.record.faces.push_back({face, translate});
        if (translate) usable.push_back(face);
    }
    const std::size_t skipped = result.record.faces.size() - usable.size();
    if (usable.empty()) {
        std::string note = result.record.faces.empty() ? "no face found" : too_small(skipped);
        if (mode == FaceMode::kAuto) {
            result.images.emplace_back("", runner.translate_image(pixels, true));
            note += ": translated whole (--faces auto)";
        } else if (mode == FaceMode::kPaste) {
            result.images.emplace_back("", pixels);
            note += ": written unchanged";
        }
        result.record.note = note;
        return result;
    }
    if (skipped) result.record.note = too_small(skipped) + ": left as they are";
    std::vector<Affine> matrices;
    for (const Face& face : usable) {
        const std::array<Point, 2> pair = eyes(face);
        matrices.push_back(align_matrix(pair[0], pair[1], size, selfie_framing()));
    }
    if (mode == FaceMode::kCrops) {
        for (std::size_t i = 0; i < matrices.size(); ++i) {
            result.images.emplace_back("_face" + std::to_string(i + 1),
                                       translated(runner, crop(pixels, matrices[i], size), size));
        }
        return result;
    }
    Image out = pixels;
    for (const Affine& matrix : matrices) paste(out, translated(runner, crop(pixels, matrix, size), size), matrix);
    result.images.emplace_back("", std::move(out));
    return result;
}

}  // namespace ugatit::faces
