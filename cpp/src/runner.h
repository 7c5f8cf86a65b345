// Image file -> translated image file around an Engine: the shared pre-processing (resize to the
// engine's input size, [-1, 1] tensor), the engine, the shared post-processing.
#pragma once

#include <memory>
#include <string>

#include "engine.h"
#include "image.h"
#include "sidecar.h"

namespace ugatit {

class Runner {
public:
    // The engine comes from open_engine (engine.h) or, in tests, a fake.
    Runner(Sidecar sidecar, std::unique_ptr<Engine> engine);

    const Sidecar& sidecar() const { return sidecar_; }
    const InputProfile& profile() const { return profile_; }

    // The size images are resized to: the model's img_size if the profile takes it, else its opt size.
    int input_height() const { return height_; }
    int input_width() const { return width_; }

    // Input float32 NCHW in [-1, 1]; the shape must lie within the profile.
    Tensor translate(const float* input, const Shape4& shape);

    // An RGB image resized to the input size, translated, and with keep_size resized back to its own size
    // (the same bilinear resize both ways, as `infer --keep-size` and the faces pipeline's whole-photo path).
    Image translate_image(const Image& original, bool keep_size);

    // keep_size: resize the result back to the input image's size (same bilinear resize).
    void translate_file(const std::string& input_path, const std::string& output_path, bool keep_size);

private:
    void require_single_images() const;  // a profile whose minimum batch is 1

    Sidecar sidecar_;
    std::unique_ptr<Engine> engine_;
    InputProfile profile_;
    int height_ = 0;
    int width_ = 0;
};

}  // namespace ugatit
