// The C API (include/ugatit_runner.h) over the C++ classes: exceptions become status codes plus a
// thread-local message.
#include "ugatit_runner.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "c_api_internal.h"
#include "engine.h"
#include "error.h"
#include "image_io.h"
#include "resource_limits.h"
#include "preprocess.h"
#include "runner.h"
#include "tensor.h"

namespace ugatit::c_api {

std::string& last_error() {
    thread_local std::string message;
    return message;
}

}  // namespace ugatit::c_api

namespace {

using ugatit::c_api::guarded;
using ugatit::c_api::require;

void require_size(int height, int width) {
    require(height >= 1 && width >= 1 && height <= 16384 && width <= 16384, "height and width must be 1..16384");
}

}  // namespace

extern "C" {

const char* ugatit_version(void) {
    return UGATIT_RUNNER_VERSION;
}

int ugatit_has_tensorrt(void) {
    return ugatit::tensorrt_available() ? 1 : 0;
}

int ugatit_has_openvino(void) {
    return ugatit::openvino_available() ? 1 : 0;
}

const char* ugatit_last_error(void) {
    return ugatit::c_api::last_error().c_str();
}

ugatit_status ugatit_set_limit(const char* name, long long value) {
    return guarded([&] {
        require(name != nullptr, "name must not be NULL");
        const std::optional<ugatit::Limit> limit = ugatit::find_limit(name);
        if (!limit) {
            throw ugatit::Error(ugatit::ErrorKind::kInvalidArgument,
                                std::string("unknown limit \"") + name +
                                    "\" (max_image_pixels, max_image_side, max_model_size or max_batch expected)");
        }
        ugatit::set_limit(*limit, value);
    });
}

ugatit_status ugatit_runner_create(const char* engine_path, ugatit_runner** out_runner) {
    return ugatit_runner_create_on(engine_path, nullptr, 0, out_runner);
}

ugatit_status ugatit_runner_create_on(const char* model_path, const char* device, int threads,
                                      ugatit_runner** out_runner) {
    if (out_runner) *out_runner = nullptr;
    return guarded([&] {
        require(model_path && out_runner, "model_path and out_runner must not be NULL");
        require(threads >= 0, "threads must be 0 (the runtime's default) or more");
        ugatit::EngineOptions options;
        if (device && *device) options.device = device;
        options.threads = threads;
        ugatit::Sidecar sidecar = ugatit::read_sidecar(model_path);
        std::unique_ptr<ugatit::Engine> engine = ugatit::open_engine(model_path, sidecar, options);
        auto handle = std::make_unique<ugatit_runner>();
        handle->runner = std::make_unique<ugatit::Runner>(std::move(sidecar), std::move(engine));
        *out_runner = handle.release();
    });
}

void ugatit_runner_destroy(ugatit_runner* runner) {
    delete runner;
}

ugatit_status ugatit_runner_input_size(const ugatit_runner* runner, int* height, int* width) {
    return guarded([&] {
        require(runner && height && width, "runner, height and width must not be NULL");
        *height = runner->runner->input_height();
        *width = runner->runner->input_width();
    });
}

ugatit_status ugatit_runner_translate_file(ugatit_runner* runner, const char* input_path, const char* output_path,
                                           int keep_size) {
    return guarded([&] {
        require(runner && input_path && output_path, "runner, input_path and output_path must not be NULL");
        runner->runner->translate_file(input_path, output_path, keep_size != 0);
    });
}

ugatit_status ugatit_runner_translate(ugatit_runner* runner, const float* input, int batch, int height, int width,
                                      float* output, size_t output_count) {
    return guarded([&] {
        require(runner && input && output, "runner, input and output must not be NULL");
        require(batch >= 1, "batch must be at least 1");
        require_size(height, width);
        const std::size_t count = static_cast<std::size_t>(batch) * 3 * height * width;
        require(output_count >= count, "output_count is smaller than batch x 3 x height x width");
        const ugatit::Tensor result = runner->runner->translate(input, {batch, 3, height, width});
        std::copy(result.data.begin(), result.data.end(), output);
    });
}

ugatit_status ugatit_preprocess_file(const char* image_path, int height, int width, float* out, size_t out_count) {
    return guarded([&] {
        require(image_path && out, "image_path and out must not be NULL");
        require_size(height, width);
        require(out_count >= static_cast<std::size_t>(3) * height * width,
                "out_count is smaller than 3 x height x width");
        const std::vector<float> chw = ugatit::preprocess_file(image_path, height, width);
        std::copy(chw.begin(), chw.end(), out);
    });
}

ugatit_status ugatit_postprocess_to_file(const float* chw, int height, int width, const char* output_path) {
    return guarded([&] {
        require(chw && output_path, "chw and output_path must not be NULL");
        require_size(height, width);
        ugatit::write_image(output_path, ugatit::chw_to_image(chw, height, width));
    });
}

}  // extern "C"
