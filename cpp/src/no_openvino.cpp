// The OpenVINO factory of builds without OpenVINO.
#include "engine.h"
#include "error.h"

namespace ugatit {

bool openvino_available() {
    return false;
}

std::unique_ptr<Engine> open_openvino_engine(const std::string& onnx_path, const Sidecar&, const EngineOptions&) {
    throw Error(ErrorKind::kUnavailable,
                "cannot run " + onnx_path +
                    ": this runner was built without OpenVINO (rebuild it with -DOpenVINO_DIR=$(python "
                    "cpp/tools/openvino_dir.py), after pip install 'ugatit-deploy[openvino]')");
}

}  // namespace ugatit
