// The face detector's three networks (MTCNN P-Net, R-Net, O-Net, ONNX) on OpenVINO, from the bytes
// face_files.cpp checked. Each is compiled once with its dynamic dims as the ONNX declares them.
#include <openvino/openvino.hpp>

#include <array>
#include <string>

#include "error.h"
#include "face_nets.h"
#include "ov_error.h"

namespace ugatit::faces {
namespace {

class OpenVinoFaceNets : public FaceNets {
public:
    OpenVinoFaceNets(const std::vector<DetectorFile>& files, const EngineOptions& options) {
        const std::string device = options.device.empty() ? "CPU" : options.device;
        ov::AnyMap properties = {ov::hint::performance_mode(ov::hint::PerformanceMode::LATENCY), ov::num_streams(1),
                                 ov::hint::inference_precision(ov::element::f32)};
        if (options.threads > 0) properties.emplace(ov::inference_num_threads(options.threads));
        for (std::size_t i = 0; i < files.size() && i < names_.size(); ++i) {
            names_[i] = files[i].name;
            try {
                const std::string bytes(files[i].data.begin(), files[i].data.end());
                const std::shared_ptr<ov::Model> model = core_.read_model(bytes, ov::Tensor());
                compiled_[i] = core_.compile_model(model, device, properties);
                requests_[i] = compiled_[i].create_infer_request();
            } catch (const std::exception& error) {
                throw Error(ErrorKind::kEngine, "openvino cannot load the face detector's " + files[i].name + " on " +
                                                    device + ": " + openvino_first_line(error.what()));
            }
        }
    }

    std::vector<NetOutput> run(int stage, const float* input, const std::array<std::int64_t, 4>& shape) override {
        ov::InferRequest& request = requests_.at(static_cast<std::size_t>(stage));
        const ov::Shape dims{static_cast<std::size_t>(shape[0]), static_cast<std::size_t>(shape[1]),
                             static_cast<std::size_t>(shape[2]), static_cast<std::size_t>(shape[3])};
        try {
            request.set_input_tensor(ov::Tensor(ov::element::f32, dims, const_cast<float*>(input)));
            request.infer();
            std::vector<NetOutput> outputs;
            for (std::size_t i = 0; i < compiled_[stage].outputs().size(); ++i) {
                const ov::Tensor tensor = request.get_output_tensor(i);
                if (tensor.get_element_type() != ov::element::f32)
                    throw Error(ErrorKind::kEngine, "the face detector's " + names_[stage] + " gave a non-float32 output");
                NetOutput output;
                for (const std::size_t dim : tensor.get_shape()) output.shape.push_back(static_cast<std::int64_t>(dim));
                const float* data = tensor.data<const float>();
                output.data.assign(data, data + tensor.get_size());
                outputs.push_back(std::move(output));
            }
            return outputs;
        } catch (const Error&) {
            throw;
        } catch (const std::exception& error) {
            throw Error(ErrorKind::kEngine,
                        "openvino failed to run the face detector's " + names_[stage] + ": " + openvino_first_line(error.what()));
        }
    }

private:
    ov::Core core_;
    std::array<std::string, 3> names_;
    std::array<ov::CompiledModel, 3> compiled_;
    std::array<ov::InferRequest, 3> requests_;
};

}  // namespace

std::unique_ptr<FaceNets> open_openvino_face_nets(const std::vector<DetectorFile>& files, const EngineOptions& options) {
    if (files.size() != 3) throw Error(ErrorKind::kInvalidArgument, "the face detector needs 3 networks");
    return std::make_unique<OpenVinoFaceNets>(files, options);
}

}  // namespace ugatit::faces
