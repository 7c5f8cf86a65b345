#include "sidecar.h"

#include <sys/stat.h>
#include <cerrno>

#include "error.h"
#include "files.h"
#include "json.h"
#include "resource_limits.h"

namespace ugatit {
namespace {

// Reads fields of one JSON object; `path` is its dotted location ("io.input") for messages.
class Fields {
public:
    Fields(const Json& object, std::string path, const std::string& where)
        : object_(object), path_(std::move(path)), where_(where) {
        if (!object_.is_object())
            fail(path_.empty() ? "the document must be a JSON object" : "field " + path_ + " must be an object");
    }

    [[noreturn]] void fail(const std::string& what) const { throw Error(ErrorKind::kMetadata, where_ + ": " + what); }

    std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    const Json* optional(const std::string& key) const { return object_.find(key); }

    const Json& require(const std::string& key) const {
        const Json* value = object_.find(key);
        if (!value) fail("missing field " + name(key));
        return *value;
    }

    const Json& require(const std::string& key, Json::Type type) const {
        const Json& value = require(key);
        if (value.type() != type) fail(mistyped(key, Json::type_name(type), value));
        return value;
    }

    std::string string(const std::string& key) const { return require(key, Json::Type::kString).as_string(); }

    std::int64_t positive_integer(const std::string& key) const {
        const Json& value = require(key);
        if (!value.is_integer() || value.as_integer() < 1 || value.as_integer() > (1 << 30)) {
            fail(mistyped(key, "a positive integer", value));
        }
        return value.as_integer();
    }

    const std::string& where() const { return where_; }

    bool boolean(const std::string& key) const { return require(key, Json::Type::kBool).as_bool(); }

    Fields object(const std::string& key) const { return Fields(require(key), name(key), where_); }

    std::string mistyped(const std::string& key, const char* expected, const Json& got) const {
        return "field " + name(key) + " must be " + expected + ", got " + Json::type_name(got.type());
    }

private:
    const Json& object_;
    std::string path_;
    const std::string& where_;
};

// A fixed dim a model declares: the batch (N) against max_batch, the others against max_model_size.
void check_declared_dim(const Fields& fields, const std::string& key, std::size_t index, std::int64_t value) {
    const std::string what = fields.where() + ": " + fields.name(key) + "[" + std::to_string(index) + "]";
    if (index == 0) {
        check_batch(value, what);
    } else {
        check_model_size(value, what);
    }
}

std::vector<ShapeDim> read_shape(const Fields& fields, const std::string& key) {
    const Json& shape = fields.require(key, Json::Type::kArray);
    if (shape.items().size() != 4) fields.fail("field " + fields.name(key) + " must have 4 dims (N, C, H, W)");
    std::vector<ShapeDim> dims;
    for (const Json& dim : shape.items()) {
        if (dim.is_string()) {
            dims.push_back({-1, dim.as_string()});
        } else if (dim.is_integer() && dim.as_integer() >= 1) {
            check_declared_dim(fields, key, dims.size(), dim.as_integer());
            dims.push_back({dim.as_integer(), ""});
        } else {
            fields.fail("field " + fields.name(key) + " must hold positive integers or names of dynamic dims");
        }
    }
    return dims;
}

Shape4 read_shape4(const Fields& fields, const std::string& key) {
    const Json& shape = fields.require(key, Json::Type::kArray);
    Shape4 out{};
    if (shape.items().size() != 4) fields.fail("field " + fields.name(key) + " must have 4 dims (N, C, H, W)");
    for (std::size_t i = 0; i < 4; ++i) {
        const Json& dim = shape.items()[i];
        if (!dim.is_integer() || dim.as_integer() < 1)
            fields.fail("field " + fields.name(key) + " must hold positive integers");
        check_declared_dim(fields, key, i, dim.as_integer());
        out[i] = dim.as_integer();
    }
    return out;
}

TensorRtSpec read_tensorrt(const Fields& trt) {
    TensorRtSpec spec;
    spec.version = trt.string("version");
    spec.compute_capability = trt.string("compute_capability");
    if (const Json* gpu = trt.optional("gpu"); gpu && gpu->is_string()) spec.gpu = gpu->as_string();
    if (const Json* compatible = trt.optional("version_compatible"); compatible && compatible->is_bool()) {
        spec.version_compatible = compatible->as_bool();
    }
    if (const Json* level = trt.optional("hardware_compat"); level && level->is_string())
        spec.hardware_compat = level->as_string();
    const Fields profile = trt.object("profile");
    spec.profile = {read_shape4(profile, "min"), read_shape4(profile, "opt"), read_shape4(profile, "max")};
    for (std::size_t i = 0; i < 4; ++i) {
        if (!(spec.profile.min[i] <= spec.profile.opt[i] && spec.profile.opt[i] <= spec.profile.max[i])) {
            trt.fail("field tensorrt.profile needs min <= opt <= max in every dim, got min " +
                     shape_to_string(spec.profile.min) + ", opt " + shape_to_string(spec.profile.opt) + ", max " +
                     shape_to_string(spec.profile.max));
        }
    }
    return spec;
}

// model.img_size, checked against max_model_size before it becomes an int (2^31 is refused, not truncated).
int read_img_size(const Fields& model, const std::string& where) {
    const Json& value = model.require("img_size");
    if (!value.is_integer()) model.fail(model.mistyped("img_size", "a positive integer", value));
    check_model_size(value.as_integer(), where + ": " + model.name("img_size"));
    return to_int(value.as_integer(), where + ": " + model.name("img_size"));
}

// The artifact's sha256 and size_bytes (ugatit_deploy.core.metadata): parsed here, required and checked by
// verify_artifact (integrity.h) before an engine reads the file.
void read_integrity(const Fields& root, Sidecar& sidecar) {
    if (const Json* hash = root.optional("sha256"); hash && !hash->is_null()) {
        const bool hex = hash->is_string() && hash->as_string().size() == 64 &&
                         hash->as_string().find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
        if (!hex) root.fail("field sha256 must be 64 hexadecimal digits");
        sidecar.sha256 = hash->as_string();
        for (char& c : sidecar.sha256) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    if (const Json* size = root.optional("size_bytes"); size && !size->is_null()) {
        if (!size->is_integer() || size->as_integer() < 0)
            root.fail(root.mistyped("size_bytes", "a non-negative integer", *size));
        sidecar.size_bytes = size->as_integer();
    }
}

}  // namespace

std::string describe_kind(const std::string& kind) {
    if (kind == "onnx") return "an ONNX file";
    if (kind == "tensorrt-plan") return "a TensorRT plan";
    if (kind == "mnn") return "an MNN model";
    if (kind == "ncnn") return "an ncnn model";
    return "a \"" + kind + "\" artifact";
}

std::string sidecar_path(const std::string& artifact_path) {
    return artifact_path + ".json";
}

std::string shape_to_string(const Shape4& shape) {
    return std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + "x" +
           std::to_string(shape[3]);
}

Sidecar parse_sidecar(const std::string& text, const std::string& where) {
    Json document;
    try {
        document = Json::parse(text);
    } catch (const Error& error) {
        throw Error(ErrorKind::kMetadata, where + ": " + error.what());
    }
    const Json* schema = document.find("schema");
    if (!schema || !schema->is_string() || schema->as_string() != kSidecarSchema) {
        throw Error(ErrorKind::kMetadata, where + ": not ugatit-deploy artifact metadata (schema \"" +
                                              std::string(kSidecarSchema) + "\" expected)");
    }
    const Fields root(document, "", where);
    const Json& version = root.require("schema_version");
    if (!version.is_integer() || version.as_integer() < 1)
        root.fail(root.mistyped("schema_version", "a positive integer", version));
    if (version.as_integer() > kSidecarSchemaVersion) {
        root.fail("metadata schema_version " + std::to_string(version.as_integer()) +
                  " is newer than this runner reads (" + std::to_string(kSidecarSchemaVersion) +
                  "): update the runner");
    }
    Sidecar sidecar;
    sidecar.where = where;
    sidecar.schema_version = static_cast<int>(version.as_integer());
    sidecar.kind = root.string("kind");
    bool known = false;
    std::string kinds;
    for (const char* kind : kSidecarKinds) {
        known = known || sidecar.kind == kind;
        kinds += (kinds.empty() ? "" : ", ") + std::string(kind);
    }
    if (!known) root.fail("unknown kind \"" + sidecar.kind + "\" (one of " + kinds + " expected)");
    if (const Json* norm = root.optional("normalization"); norm && norm->is_string())
        sidecar.normalization = norm->as_string();
    if (const Json* pre = root.optional("preprocessing"); pre && pre->is_object()) {
        if (const Json* resize = pre->find("resize"); resize && resize->is_string()) sidecar.resize = resize->as_string();
    }
    sidecar.precision = root.string("precision");
    sidecar.direction = root.string("direction");

    const Fields model = root.object("model");
    sidecar.model.ngf = static_cast<int>(model.positive_integer("ngf"));
    sidecar.model.n_blocks = static_cast<int>(model.positive_integer("n_blocks"));
    sidecar.model.img_size = read_img_size(model, where);
    sidecar.model.light = model.boolean("light");

    const Fields io = root.object("io");
    const Fields input = io.object("input");
    sidecar.input.name = input.string("name");
    sidecar.input.shape = read_shape(input, "shape");
    const Json& outputs = io.require("outputs", Json::Type::kArray);
    if (outputs.items().empty()) root.fail("field io.outputs is empty");
    for (std::size_t i = 0; i < outputs.items().size(); ++i) {
        const Fields output(outputs.items()[i], "io.outputs[" + std::to_string(i) + "]", where);
        sidecar.output_names.push_back(output.string("name"));
    }

    if (sidecar.kind == "tensorrt-plan") sidecar.tensorrt = read_tensorrt(root.object("tensorrt"));
    read_integrity(root, sidecar);
    return sidecar;
}

Sidecar read_sidecar(const std::string& artifact_path) {
    std::string path = sidecar_path(artifact_path);
    struct stat info;
    if (::stat(path.c_str(), &info) != 0 && errno == ENOENT) {
        // A plan built by trtexec has no sidecar of its own: use its ONNX's (model.plan -> model.onnx.json).
        const std::string onnx_sidecar = sidecar_path(replace_extension(artifact_path, ".onnx"));
        if (::stat(onnx_sidecar.c_str(), &info) == 0) path = onnx_sidecar;
    }
    if (::stat(path.c_str(), &info) != 0 && errno == ENOENT) {
        throw Error(ErrorKind::kMetadata,
                    "no metadata sidecar " + path + " beside " + artifact_path + ": not an ugatit-deploy artifact");
    }
    std::string text;
    try {
        text = read_text_file(path);
    } catch (const Error& error) {
        throw Error(ErrorKind::kMetadata, std::string("unreadable metadata sidecar: ") + error.what());
    }
    Sidecar sidecar = parse_sidecar(text, path);
    sidecar.describes_artifact = path == sidecar_path(artifact_path);
    return sidecar;
}

}  // namespace ugatit
