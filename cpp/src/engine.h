// What the runner needs from an inference engine; TensorRT implements it (trt_engine.cpp), tests
// use fakes, and builds without TensorRT get a stub that reports it missing (no_tensorrt.cpp).
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

bool tensorrt_available();

// Deserializes a TensorRT plan; the sidecar names the input and output tensors.
std::unique_ptr<Engine> open_tensorrt_engine(const std::string& plan_path, const Sidecar& sidecar);

}  // namespace ugatit
