// The OpenVINO engine (OpenVINO 2024+ C++ API, `openvino/openvino.hpp`): reads the project's ONNX
// (inline AdaILN form) and compiles it once per input shape, with the properties of the Python
// `openvino-cpu` runner (latency hint, one stream, f32 inference precision, threads when given), so both
// compute the same images. INT8 (Q/DQ) files take OpenVINO's low-precision path by themselves.
#include <openvino/openvino.hpp>

#include <map>
#include <string>

#include "engine.h"
#include "error.h"
#include "integrity.h"
#include "ov_error.h"
#include "resource_limits.h"

namespace ugatit {
namespace {

std::string file_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

class OpenVinoEngine : public Engine {
public:
    OpenVinoEngine(const std::string& onnx_path, const Sidecar& sidecar, const EngineOptions& options)
        : name_(file_name(onnx_path)), device_(options.device.empty() ? "CPU" : options.device) {
        if (sidecar.normalization.rfind("adailn-function", 0) == 0) {
            throw Error(ErrorKind::kUnavailable,
                        name_ + " holds AdaILN as ONNX local functions, which OpenVINO's ONNX reader cannot read: "
                                "export it with `ugatit-deploy export --adailn inline`");
        }
        if (sidecar.output_names.empty()) throw Error(ErrorKind::kMetadata, sidecar.where + ": no outputs");
        output_name_ = sidecar.output_names.front();
        verify_artifact(onnx_path, sidecar);  // before OpenVINO's ONNX reader parses it
        try {
            model_ = core_.read_model(onnx_path);
        } catch (const std::exception& error) {
            throw Error(ErrorKind::kEngine, "openvino cannot read " + name_ + ": " + openvino_first_line(error.what()));
        }
        properties_ = {ov::hint::performance_mode(ov::hint::PerformanceMode::LATENCY), ov::num_streams(1),
                       ov::hint::inference_precision(ov::element::f32)};
        if (options.threads > 0) properties_.emplace(ov::inference_num_threads(options.threads));
        profile_ = profile_of(model_->input().get_partial_shape(), sidecar.model.img_size, name_);
    }

    InputProfile input_profile() const override { return profile_; }

    Tensor run(const float* input, const Shape4& shape) override {
        ov::InferRequest& request = request_for(shape);
        const ov::Shape dims{static_cast<std::size_t>(shape[0]), static_cast<std::size_t>(shape[1]),
                             static_cast<std::size_t>(shape[2]), static_cast<std::size_t>(shape[3])};
        try {
            request.set_input_tensor(ov::Tensor(ov::element::f32, dims, static_cast<const void*>(input)));
            request.infer();
            const ov::Tensor output = request.get_tensor(output_name_);
            if (output.get_element_type() != ov::element::f32 || output.get_shape().size() != 4) {
                throw Error(ErrorKind::kEngine, name_ + ": output " + output_name_ + " is not a float32 NCHW tensor");
            }
            Tensor result;
            const ov::Shape got = output.get_shape();
            for (std::size_t i = 0; i < 4; ++i) result.shape[i] = static_cast<std::int64_t>(got[i]);
            const float* data = static_cast<const float*>(output.data());
            result.data.assign(data, data + output.get_size());
            return result;
        } catch (const Error&) {
            throw;
        } catch (const std::exception& error) {
            throw Error(ErrorKind::kEngine, "openvino failed to run " + name_ + ": " + openvino_first_line(error.what()));
        }
    }

private:
    // Static dims are fixed (checked against max_batch / max_model_size before anything is sized from them);
    // dynamic ones take 1 .. a large bound (the model decides what it accepts).
    static InputProfile profile_of(const ov::PartialShape& shape, int img_size, const std::string& name) {
        static const char* const kDims[4] = {"batch", "channels", "height", "width"};
        InputProfile profile;
        const std::int64_t typical[4] = {1, 3, img_size, img_size};
        const std::int64_t largest[4] = {1024, 3, 16384, 16384};
        for (std::size_t i = 0; i < 4; ++i) {
            const bool fixed = shape.rank().is_static() && shape.size() == 4 && shape[i].is_static();
            const std::int64_t value = fixed ? shape[i].get_length() : -1;
            const std::string what = name + ": the input's fixed " + kDims[i] + " dim";
            if (fixed && i == 0) check_batch(value, what);
            if (fixed && i > 0) check_model_size(value, what);
            profile.min[i] = fixed ? value : 1;
            profile.opt[i] = fixed ? value : typical[i];
            profile.max[i] = fixed ? value : largest[i];
        }
        return profile;
    }

    ov::InferRequest& request_for(const Shape4& shape) {
        auto found = requests_.find(shape);
        if (found != requests_.end()) return found->second;
        try {
            std::shared_ptr<ov::Model> model = model_->clone();
            model->reshape(ov::PartialShape{shape[0], shape[1], shape[2], shape[3]});
            ov::CompiledModel compiled = core_.compile_model(model, device_, properties_);
            return requests_.emplace(shape, compiled.create_infer_request()).first->second;
        } catch (const std::exception& error) {
            throw Error(ErrorKind::kEngine, "openvino cannot compile " + name_ + " for " + shape_to_string(shape) +
                                                " on " + device_ + ": " + openvino_first_line(error.what()));
        }
    }

    std::string name_;
    std::string device_;
    std::string output_name_;
    ov::Core core_;
    std::shared_ptr<ov::Model> model_;
    ov::AnyMap properties_;
    InputProfile profile_;
    std::map<Shape4, ov::InferRequest> requests_;  // one compilation per input shape, as the Python runner
};

}  // namespace

bool openvino_available() {
    return true;
}

std::unique_ptr<Engine> open_openvino_engine(const std::string& onnx_path, const Sidecar& sidecar,
                                             const EngineOptions& options) {
    return std::make_unique<OpenVinoEngine>(onnx_path, sidecar, options);
}

}  // namespace ugatit
