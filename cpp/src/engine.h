// What the runner needs from an inference engine. TensorRT (trt_engine.cpp) and OpenVINO (ov_engine.cpp)
// implement it, tests use fakes, and builds without one get a stub that reports it missing
// (no_tensorrt.cpp, no_openvino.cpp). open_engine picks the engine from the artifact's sidecar.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sidecar.h"

namespace ugatit {

struct Tensor {
    Shape4 shape{};
    std::vector<float> data;  // float32, NCHW
};

class Engine {
public:
    virtual ~Engine() = default;
    // The shapes the input accepts (TensorRT: optimization profile 0 of the plan itself).
    virtual InputProfile input_profile() const = 0;
    // Runs one batch (float32 NCHW, shape within the profile) and returns the image output.
    virtual Tensor run(const float* input, const Shape4& shape) = 0;
};

struct EngineOptions {
    std::string device = "CPU";  // OpenVINO device: CPU, GPU, NPU, AUTO, ... (TensorRT: the current CUDA device)
    int threads = 0;             // OpenVINO inference threads; 0 = its default
};

bool tensorrt_available();
bool openvino_available();

// Deserializes a TensorRT plan; the sidecar names the input and output tensors.
std::unique_ptr<Engine> open_tensorrt_engine(const std::string& plan_path, const Sidecar& sidecar);

// Reads an ONNX file (inline AdaILN form) with OpenVINO on options.device.
std::unique_ptr<Engine> open_openvino_engine(const std::string& onnx_path, const Sidecar& sidecar,
                                             const EngineOptions& options);

// The engine of an artifact, by its sidecar's kind: "onnx" -> OpenVINO, "tensorrt-plan" -> TensorRT.
std::unique_ptr<Engine> open_engine(const std::string& path, const Sidecar& sidecar, const EngineOptions& options);

}  // namespace ugatit
