// The artifact against its sidecar's record, before any runtime parses it: a model file is as trusted as code
// (OpenVINO's ONNX reader and TensorRT's deserializer parse it), so a damaged or changed file stops here.
#pragma once

#include <string>

#include "sidecar.h"

namespace ugatit {

// Compares the file's size with the sidecar's size_bytes (cheap, first), then its SHA-256 with sha256; a
// mismatch throws Error(kIo) "PATH does not match the sha256 its sidecar records: ...". A sidecar without the
// fields is refused (Error(kMetadata); every sidecar ugatit-deploy wrote has both, so one without was edited);
// one borrowed from a plan's ONNX (trtexec) checks nothing: its hash is the ONNX's.
void verify_artifact(const std::string& path, const Sidecar& sidecar);

}  // namespace ugatit
