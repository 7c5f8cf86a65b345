// The TensorRT engine (TensorRT 10.x / 11.x C++ API): named I/O tensors, setInputShape,
// setTensorAddress and enqueueV3 on a CUDA stream. float32 and half I/O; half converted on the host.
#include <NvInfer.h>
#include <cuda_runtime_api.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "engine.h"
#include "error.h"
#include "files.h"
#include "half.h"
#include "integrity.h"
#include "resource_limits.h"

#if NV_TENSORRT_MAJOR < 10
#error "the ugatit runner needs TensorRT 10 or newer (named I/O tensors and enqueueV3)"
#endif

namespace ugatit {
namespace {

std::string compiled_tensorrt_version() {
    return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
           std::to_string(NV_TENSORRT_PATCH);
}

// Warnings go to stderr; errors are collected and become part of the exception's one-line message.
class Logger : public nvinfer1::ILogger {
public:
    void log(Severity severity, nvinfer1::AsciiChar const* message) noexcept override {
        if (severity > Severity::kWARNING || message == nullptr) return;
        if (severity == Severity::kWARNING) {
            std::fprintf(stderr, "TensorRT warning: %s\n", message);
            return;
        }
        try {
            errors_ += (errors_.empty() ? "" : "; ") + std::string(message);
        } catch (...) {
        }
    }

    // " (what TensorRT reported)" since the last call, or "".
    std::string take_errors() {
        std::string errors = std::move(errors_);
        errors_.clear();
        return errors.empty() ? "" : " (" + errors + ")";
    }

private:
    std::string errors_;
};

void check_cuda(cudaError_t status, const char* what) {
    if (status != cudaSuccess)
        throw Error(ErrorKind::kEngine, std::string(what) + " failed: " + cudaGetErrorString(status));
}

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer() {
        if (pointer_) cudaFree(pointer_);
    }
    void* reserve(std::size_t bytes) {  // grows only, so repeated runs reuse the allocation
        if (bytes > capacity_) {
            if (pointer_) cudaFree(pointer_);
            pointer_ = nullptr;
            capacity_ = 0;
            check_cuda(cudaMalloc(&pointer_, bytes), "cudaMalloc");
            capacity_ = bytes;
        }
        return pointer_;
    }
    void* get() const { return pointer_; }

private:
    void* pointer_ = nullptr;
    std::size_t capacity_ = 0;
};

std::size_t element_size(nvinfer1::DataType type, const std::string& name) {
    switch (type) {
        case nvinfer1::DataType::kFLOAT: return 4;
        case nvinfer1::DataType::kHALF: return 2;
        default:
            throw Error(ErrorKind::kEngine,
                        "tensor " + name + " has a data type this runner does not handle (float32 or half expected)");
    }
}

class TensorRtEngine final : public Engine {
public:
    TensorRtEngine(const std::string& plan_path, const Sidecar& sidecar)
        : input_name_(sidecar.input.name), output_name_(sidecar.output_names.front()) {
        verify_artifact(plan_path, sidecar);  // before TensorRT deserializes it
        const std::vector<std::uint8_t> plan = read_binary_file(plan_path);
        runtime_.reset(nvinfer1::createInferRuntime(logger_));
        if (!runtime_) throw Error(ErrorKind::kEngine, "cannot create the TensorRT runtime" + logger_.take_errors());
        engine_.reset(runtime_->deserializeCudaEngine(plan.data(), plan.size()));
        if (!engine_) throw Error(ErrorKind::kEngine, deserialize_failure(plan_path, sidecar));
        context_.reset(engine_->createExecutionContext());
        if (!context_)
            throw Error(ErrorKind::kEngine, "cannot create a TensorRT execution context" + logger_.take_errors());

        std::string names;
        for (std::int32_t i = 0; i < engine_->getNbIOTensors(); ++i) {
            io_names_.emplace_back(engine_->getIOTensorName(i));
            names += (names.empty() ? "" : ", ") + io_names_.back();
            element_size(engine_->getTensorDataType(io_names_.back().c_str()), io_names_.back());
        }
        if (engine_->getTensorIOMode(input_name_.c_str()) != nvinfer1::TensorIOMode::kINPUT) {
            throw Error(ErrorKind::kEngine,
                        plan_path + " has no input tensor '" + input_name_ + "' (its I/O tensors: " + names + ")");
        }
        if (engine_->getTensorIOMode(output_name_.c_str()) != nvinfer1::TensorIOMode::kOUTPUT) {
            throw Error(ErrorKind::kEngine,
                        plan_path + " has no output tensor '" + output_name_ + "' (its I/O tensors: " + names + ")");
        }
        check_cuda(cudaStreamCreate(&stream_), "cudaStreamCreate");
    }

    ~TensorRtEngine() override {
        if (stream_) {
            cudaStreamSynchronize(stream_);
            cudaStreamDestroy(stream_);
        }
    }

    InputProfile input_profile() const override {
        const InputProfile profile{profile_shape(nvinfer1::OptProfileSelector::kMIN),
                                   profile_shape(nvinfer1::OptProfileSelector::kOPT),
                                   profile_shape(nvinfer1::OptProfileSelector::kMAX)};
        // The plan's own profile, checked as the sidecar's is before any buffer is sized from it.
        check_batch(profile.max[0], "the plan's profile: largest batch");
        for (std::size_t i = 1; i < 4; ++i) check_model_size(profile.max[i], "the plan's profile: largest dim");
        return profile;
    }

    Tensor run(const float* input, const Shape4& shape) override {
        nvinfer1::Dims dims{};
        dims.nbDims = 4;
        for (int i = 0; i < 4; ++i) dims.d[i] = shape[i];
        if (!context_->setInputShape(input_name_.c_str(), dims)) {
            throw Error(ErrorKind::kInvalidArgument,
                        "TensorRT rejected input shape " + shape_to_string(shape) + logger_.take_errors());
        }
        // TensorRT needs an address for every I/O tensor, including outputs this runner does not read.
        for (const std::string& name : io_names_) {
            void* address = buffers_[name].reserve(byte_size(name));
            if (!context_->setTensorAddress(name.c_str(), address)) {
                throw Error(ErrorKind::kEngine,
                            "TensorRT rejected the address of tensor " + name + logger_.take_errors());
            }
        }

        const std::size_t input_count = static_cast<std::size_t>(shape[0] * shape[1] * shape[2] * shape[3]);
        const bool half_input = engine_->getTensorDataType(input_name_.c_str()) == nvinfer1::DataType::kHALF;
        std::vector<std::uint16_t> half_staging;
        const void* upload = input;
        if (half_input) {
            half_staging.resize(input_count);
            for (std::size_t i = 0; i < input_count; ++i) half_staging[i] = float_to_half(input[i]);
            upload = half_staging.data();
        }
        check_cuda(cudaMemcpyAsync(buffers_[input_name_].get(), upload, byte_size(input_name_), cudaMemcpyHostToDevice,
                                   stream_),
                   "cudaMemcpyAsync to the GPU");
        if (!context_->enqueueV3(stream_))
            throw Error(ErrorKind::kEngine, "TensorRT enqueueV3 failed" + logger_.take_errors());

        Tensor output;
        output.shape = to_shape(context_->getTensorShape(output_name_.c_str()));
        const std::size_t output_count =
            static_cast<std::size_t>(output.shape[0] * output.shape[1] * output.shape[2] * output.shape[3]);
        const bool half_output = engine_->getTensorDataType(output_name_.c_str()) == nvinfer1::DataType::kHALF;
        std::vector<std::uint16_t> half_result(half_output ? output_count : 0);
        output.data.resize(output_count);
        void* download = half_output ? static_cast<void*>(half_result.data()) : static_cast<void*>(output.data.data());
        check_cuda(cudaMemcpyAsync(download, buffers_[output_name_].get(), byte_size(output_name_),
                                   cudaMemcpyDeviceToHost, stream_),
                   "cudaMemcpyAsync from the GPU");
        check_cuda(cudaStreamSynchronize(stream_), "inference");
        if (half_output) {
            for (std::size_t i = 0; i < output_count; ++i) output.data[i] = half_to_float(half_result[i]);
        }
        return output;
    }

private:
    static Shape4 to_shape(const nvinfer1::Dims& dims) {
        if (dims.nbDims != 4)
            throw Error(ErrorKind::kEngine,
                        "expected a 4-D (NCHW) tensor, got " + std::to_string(dims.nbDims) + " dims");
        return {dims.d[0], dims.d[1], dims.d[2], dims.d[3]};
    }

    // An engine built without a profile (a static input shape) reports its fixed shape instead.
    Shape4 profile_shape(nvinfer1::OptProfileSelector selector) const {
        const nvinfer1::Dims dims = engine_->getProfileShape(input_name_.c_str(), 0, selector);
        if (dims.nbDims == 4) return to_shape(dims);
        const Shape4 fixed = to_shape(engine_->getTensorShape(input_name_.c_str()));
        for (std::int64_t dim : fixed) {
            if (dim < 1) throw Error(ErrorKind::kEngine, "the engine has a dynamic input but no optimization profile");
        }
        return fixed;
    }

    // Bytes of a tensor at the current input shape (known once setInputShape has succeeded).
    std::size_t byte_size(const std::string& name) const {
        const nvinfer1::Dims dims = context_->getTensorShape(name.c_str());
        std::size_t count = 1;
        for (std::int32_t i = 0; i < dims.nbDims; ++i) {
            if (dims.d[i] < 0) throw Error(ErrorKind::kEngine, "the shape of tensor " + name + " is not known");
            count *= static_cast<std::size_t>(dims.d[i]);
        }
        return count * element_size(engine_->getTensorDataType(name.c_str()), name);
    }

    std::string deserialize_failure(const std::string& plan_path, const Sidecar& sidecar) {
        std::string message = "cannot deserialize " + plan_path + " with TensorRT " + compiled_tensorrt_version();
        int device = 0, major = 0, minor = 0;
        if (cudaGetDevice(&device) == cudaSuccess &&
            cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess &&
            cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device) == cudaSuccess) {
            message += " on a GPU of compute capability " + std::to_string(major) + "." + std::to_string(minor);
        }
        message += logger_.take_errors();
        if (sidecar.tensorrt) {
            message += "; it was built with TensorRT " + sidecar.tensorrt->version + " for compute capability " +
                       sidecar.tensorrt->compute_capability;
        }
        return message +
               ": a plan runs only with the TensorRT version and GPU it was built for, so build it on this device";
    }

    struct Deleter {
        template <typename T>
        void operator()(T* object) const {
            delete object;
        }
    };

    // Declaration order is destruction order reversed: buffers, context, engine, runtime, logger.
    Logger logger_;
    std::unique_ptr<nvinfer1::IRuntime, Deleter> runtime_;
    std::unique_ptr<nvinfer1::ICudaEngine, Deleter> engine_;
    std::unique_ptr<nvinfer1::IExecutionContext, Deleter> context_;
    std::string input_name_;
    std::string output_name_;
    std::vector<std::string> io_names_;
    std::map<std::string, DeviceBuffer> buffers_;
    cudaStream_t stream_ = nullptr;
};

}  // namespace

bool tensorrt_available() {
    return true;
}

std::unique_ptr<Engine> open_tensorrt_engine(const std::string& plan_path, const Sidecar& sidecar) {
    return std::make_unique<TensorRtEngine>(plan_path, sidecar);
}

}  // namespace ugatit
