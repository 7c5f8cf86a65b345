#include "runner.h"

#include "error.h"
#include "image_io.h"
#include "resource_limits.h"
#include "resize.h"
#include "tensor.h"

namespace ugatit {
namespace {

bool within(const InputProfile& profile, const Shape4& shape) {
    for (std::size_t i = 0; i < 4; ++i) {
        if (shape[i] < profile.min[i] || shape[i] > profile.max[i]) return false;
    }
    return true;
}

}  // namespace

Runner::Runner(Sidecar sidecar, std::unique_ptr<Engine> engine)
    : sidecar_(std::move(sidecar)), engine_(std::move(engine)), profile_(engine_->input_profile()) {
    if (sidecar_.resize != "bilinear") {
        throw Error(ErrorKind::kUnavailable, sidecar_.where + ": the model expects the \"" + sidecar_.resize +
                                                 "\" resize (a model converted from TensorFlow); this runner resizes as "
                                                 "PIL does: translate with `ugatit-deploy infer`");
    }
    const std::int64_t size = sidecar_.model.img_size;
    const bool takes_model_size =
        profile_.min[2] <= size && size <= profile_.max[2] && profile_.min[3] <= size && size <= profile_.max[3];
    const std::int64_t height = takes_model_size ? size : profile_.opt[2];
    const std::int64_t width = takes_model_size ? size : profile_.opt[3];
    check_model_size(height, sidecar_.where + ": the engine's input height");  // then it fits an int
    check_model_size(width, sidecar_.where + ": the engine's input width");
    height_ = to_int(height, "the input height");
    width_ = to_int(width, "the input width");
}

Tensor Runner::translate(const float* input, const Shape4& shape) {
    if (!within(profile_, shape)) {
        throw Error(ErrorKind::kInvalidArgument,
                    "input shape " + shape_to_string(shape) + " is outside the engine's profile (min " +
                        shape_to_string(profile_.min) + ", max " + shape_to_string(profile_.max) + ")");
    }
    Tensor output = engine_->run(input, shape);
    const Shape4 expected{shape[0], 3, shape[2], shape[3]};
    if (output.shape != expected ||
        output.data.size() != static_cast<std::size_t>(shape[0] * 3 * shape[2] * shape[3])) {
        throw Error(ErrorKind::kEngine,
                    "the engine returned " + shape_to_string(output.shape) + ", expected " + shape_to_string(expected));
    }
    return output;
}

void Runner::require_single_images() const {
    if (profile_.min[0] > 1) {
        throw Error(ErrorKind::kInvalidArgument,
                    "the engine's profile needs a batch of at least " + std::to_string(profile_.min[0]) +
                        ": rebuild it with a minimum batch of 1 to translate single images");
    }
}

Image Runner::translate_image(const Image& original, bool keep_size) {
    require_single_images();
    const Image resized = resize_bilinear(original, width_, height_);
    std::vector<float> chw(static_cast<std::size_t>(3) * height_ * width_);
    image_to_chw(resized, chw.data());
    const Tensor output = translate(chw.data(), {1, 3, height_, width_});
    Image result = chw_to_image(output.data.data(), height_, width_);
    if (keep_size) result = resize_bilinear(result, original.width, original.height);
    return result;
}

void Runner::translate_file(const std::string& input_path, const std::string& output_path, bool keep_size) {
    check_output_format(output_path);
    require_single_images();
    write_image(output_path, translate_image(read_image(input_path), keep_size));
}

}  // namespace ugatit
