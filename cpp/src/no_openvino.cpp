// The OpenVINO factories of builds without OpenVINO: the model engine and the face detector's networks.
#include "engine.h"
#include "error.h"
#include "face_nets.h"

namespace ugatit {
namespace {

const char* const kRebuild =
    ": this runner was built without OpenVINO (rebuild it with -DOpenVINO_DIR=$(python cpp/tools/openvino_dir.py), "
    "after pip install 'ugatit-deploy[openvino]')";

}  // namespace

bool openvino_available() {
    return false;
}

std::unique_ptr<Engine> open_openvino_engine(const std::string& onnx_path, const Sidecar&, const EngineOptions&) {
    throw Error(ErrorKind::kUnavailable, "cannot run " + onnx_path + kRebuild);
}

namespace faces {

std::unique_ptr<FaceNets> open_openvino_face_nets(const std::vector<DetectorFile>&, const EngineOptions&) {
    throw Error(ErrorKind::kUnavailable, std::string("cannot run the face detector") + kRebuild);
}

}  // namespace faces
}  // namespace ugatit
