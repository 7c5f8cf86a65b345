// The engine factory of builds without TensorRT.
#include "engine.h"
#include "error.h"

namespace ugatit {

bool tensorrt_available() {
    return false;
}

std::unique_ptr<Engine> open_tensorrt_engine(const std::string& plan_path, const Sidecar&) {
    throw Error(ErrorKind::kUnavailable, "cannot run " + plan_path +
                                             ": this runner was built without TensorRT (rebuild it where CMake finds "
                                             "TensorRT and the CUDA toolkit)");
}

}  // namespace ugatit
