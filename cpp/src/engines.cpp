// open_engine: the artifact chooses the engine. A .plan/.engine file, or a sidecar of kind tensorrt-plan,
// is TensorRT's (a plan built by trtexec carries its ONNX's sidecar, kind onnx); any other ONNX is OpenVINO's.
#include "engine.h"
#include "error.h"
#include "files.h"

namespace ugatit {

std::unique_ptr<Engine> open_engine(const std::string& path, const Sidecar& sidecar, const EngineOptions& options) {
    const std::string extension = lowercase_extension(path);
    if (sidecar.kind == "tensorrt-plan" || extension == ".plan" || extension == ".engine")
        return open_tensorrt_engine(path, sidecar);
    if (sidecar.kind == "onnx") return open_openvino_engine(path, sidecar, options);
    throw Error(ErrorKind::kUnavailable, path + " is " + describe_kind(sidecar.kind) +
                                             ": the C++ runner runs ONNX files (OpenVINO) and TensorRT plans; run it "
                                             "with `ugatit-deploy infer --model " + path + "`");
}

}  // namespace ugatit
