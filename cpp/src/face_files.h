// The face detector's files, as `ugatit-deploy export --with-faces` writes them (ugatit_deploy/export/
// face_detector.py): <folder>/pnet.onnx, rnet.onnx, onet.onnx, each with a sidecar <file>.json of schema
// "ugatit-deploy/face-detector" recording its SHA-256. Each file must match its sidecar and the SHA-256 that
// core/faces.json pins (compiled in, faces_defaults.h), checked before any runtime parses it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ugatit::faces {

struct DetectorFile {
    std::string name;                // "pnet.onnx"
    std::string path;                // folder/pnet.onnx
    std::vector<std::uint8_t> data;  // the bytes that were checked (the runtime reads these, not the file again)
};

// The three networks (P-Net, R-Net, O-Net, faces.json's order), read and checked; a missing, foreign or tampered
// file throws Error naming it, with how to get the right one (export --with-faces, --faces-dir, UGATIT_FACES_DIR).
std::vector<DetectorFile> read_detector(const std::string& folder);

extern const char* const kFacesDirEnv;  // "UGATIT_FACES_DIR": the folder when none is given

}  // namespace ugatit::faces
