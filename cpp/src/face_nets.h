// The face detector's networks on an inference engine: OpenVINO (face_nets_ov.cpp, in the OpenVINO library),
// or, in builds without OpenVINO, a stub that says so (no_openvino.cpp).
#pragma once

#include <memory>
#include <vector>

#include "engine.h"
#include "face_detect.h"
#include "face_files.h"

namespace ugatit::faces {

// Compiles the three checked networks (read_detector's bytes) once each on options.device: P-Net with dynamic
// height and width, R-Net and O-Net with a dynamic batch; the properties of the model engine (latency hint,
// one stream, f32 inference precision, options.threads).
std::unique_ptr<FaceNets> open_openvino_face_nets(const std::vector<DetectorFile>& files, const EngineOptions& options);

}  // namespace ugatit::faces
