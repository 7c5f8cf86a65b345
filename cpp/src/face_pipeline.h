// `ugatit-infer --faces`: ugatit_deploy.inference.faces.FacePipeline.process, step for step. Find the faces of
// a photo, crop each usable one (eyes at least min_eye_distance apart) as the training selfies framed faces,
// translate the crops at the model's size with the runner's pre- and post-processing, and paste them back
// (paste, auto) or keep the crops themselves (crops); every photo gets an ImageFaces record, with Python's notes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "face_detect.h"
#include "face_record.h"
#include "image.h"
#include "runner.h"

namespace ugatit::faces {

enum class FaceMode { kPaste = 0, kAuto = 1, kCrops = 2 };

// "paste" / "auto" / "crops"; Error(kInvalidArgument) "--faces must be one of paste, auto, crops, got 'x'".
FaceMode parse_face_mode(const std::string& text);

struct FaceResult {
    // (suffix, image): "" for the photo (paste, auto), or "_face1", "_face2", ... (crops), before the extension
    std::vector<std::pair<std::string, Image>> images;
    ImageFaces record;
};

// faces.eye_distance: sqrt(dx * dx + dy * dy) between the eyes.
double eye_distance(const Face& face);

FaceResult process_faces(Runner& runner, FaceDetector& detector, const Image& pixels, const std::string& name,
                         FaceMode mode);

}  // namespace ugatit::faces
