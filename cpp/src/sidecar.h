// The artifact sidecar (ugatit_deploy/core/metadata.py, ArtifactRecord; schema "ugatit-deploy/artifact" version <= 1):
// the fields a runner needs, validated with one-line errors that name the file and the field.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ugatit {

constexpr const char* kSidecarSchema = "ugatit-deploy/artifact";
constexpr int kSidecarSchemaVersion = 1;

using Shape4 = std::array<std::int64_t, 4>;  // N, C, H, W

struct ShapeDim {
    std::int64_t value = -1;  // -1 for a dynamic dim
    std::string symbol;       // "batch", "height", ... for a dynamic dim
    bool dynamic() const { return value < 0; }
};

struct TensorSpec {
    std::string name;
    std::vector<ShapeDim> shape;
};

struct ModelSpec {
    int ngf = 0;
    int n_blocks = 0;
    int img_size = 0;
    bool light = false;
};

struct InputProfile {  // one TensorRT optimization profile of the single input
    Shape4 min{}, opt{}, max{};
};

struct TensorRtSpec {
    std::string version;             // the TensorRT that built the plan, e.g. "10.3.0"
    std::string compute_capability;  // of the GPU it was built on, e.g. "8.7"
    std::string gpu;                 // optional
    bool version_compatible = false;
    std::string hardware_compat = "none";
    InputProfile profile;
};

struct Sidecar {
    std::string where;  // the file it came from, for messages
    int schema_version = 0;
    std::string kind;  // one of kSidecarKinds
    std::string normalization;  // "adailn-function" | "adailn-inline" (ONNX files); empty when not recorded
    std::string resize = "bilinear";  // preprocessing.resize: "bilinear" (PIL's) | "opencv-bilinear"
    std::string precision;
    std::string direction;
    ModelSpec model;
    TensorSpec input;
    std::vector<std::string> output_names;  // the first is the translated image
    std::optional<TensorRtSpec> tensorrt;   // present exactly when kind == "tensorrt-plan"
    std::string sha256;                     // the artifact's hash, lowercase hex; empty in sidecars without one
    std::int64_t size_bytes = -1;           // the artifact's size; -1 in sidecars without one
    bool describes_artifact = true;         // false: a trtexec plan read with its ONNX's sidecar (read_sidecar)
};

// The artifact kinds ugatit-deploy writes (the formats' kinds, ugatit_deploy/formats/); the runner executes onnx and
// tensorrt-plan (engine.h, open_engine).
constexpr const char* kSidecarKinds[] = {"onnx", "tensorrt-plan", "mnn", "ncnn"};

// "an ONNX file", "a TensorRT plan", "an MNN model", "an ncnn model".
std::string describe_kind(const std::string& kind);

// "model.plan" -> "model.plan.json" (ugatit_deploy.core.metadata.sidecar_path).
std::string sidecar_path(const std::string& artifact_path);

// Parses and validates; `where` prefixes every error. Throws Error(kMetadata, ...). The sizes a model declares
// (model.img_size, fixed dims of io.input.shape, the TensorRT profile) are checked against max_model_size and
// max_batch (resource_limits.h) here, before anything is sized from them.
Sidecar parse_sidecar(const std::string& text, const std::string& where);

// The sidecar beside an artifact; a missing file says the artifact is not ours.
Sidecar read_sidecar(const std::string& artifact_path);

std::string shape_to_string(const Shape4& shape);  // "1x3x256x256"

}  // namespace ugatit
