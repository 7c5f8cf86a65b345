#include "face_files.h"

#include <sys/stat.h>

#include "error.h"
#include "faces_defaults.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

namespace ugatit::faces {
namespace {

const char* const kSchema = "ugatit-deploy/face-detector";
const char* const kHint =
    "export it with `ugatit-deploy export --with-faces`, or point --faces-dir or UGATIT_FACES_DIR at a folder that "
    "has it";

bool is_file(const std::string& path) {
    struct stat info;
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string joined(std::string folder, const std::string& name) {
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    return folder.empty() ? name : folder == "/" ? "/" + name : folder + "/" + name;
}

// The sidecar's recorded SHA-256, after its schema is checked.
std::string recorded_sha256(const std::string& sidecar) {
    Json record;
    try {
        record = Json::parse(read_text_file(sidecar));
    } catch (const Error&) {
        throw Error(ErrorKind::kMetadata, sidecar + " is missing or not JSON: " + kHint);
    }
    const Json* schema = record.is_object() ? record.find("schema") : nullptr;
    if (!schema || !schema->is_string() || schema->as_string() != kSchema) {
        throw Error(ErrorKind::kMetadata, sidecar + " is not a face detector sidecar (schema '" + kSchema + "'): " + kHint);
    }
    const Json* sha256 = record.find("sha256");
    return sha256 && sha256->is_string() ? sha256->as_string() : std::string();
}

}  // namespace

const char* const kFacesDirEnv = "UGATIT_FACES_DIR";

std::vector<DetectorFile> read_detector(const std::string& folder) {
    std::vector<DetectorFile> files;
    for (const faces_defaults::DetectorFileSpec& spec : faces_defaults::kFiles) {
        DetectorFile file{spec.name, joined(folder, spec.name), {}};
        const std::string sidecar = file.path + ".json";
        if (!is_file(file.path))
            throw Error(ErrorKind::kIo, "face detector file " + file.path + " is missing: " + kHint);
        const std::string recorded = recorded_sha256(sidecar);
        file.data = read_binary_file(file.path);
        const std::string digest = sha256_hex(file.data.data(), file.data.size());
        if (digest != recorded) {
            throw Error(ErrorKind::kIo, file.path + " does not match the SHA-256 in " + file.name +
                                            ".json (damaged or changed): " + kHint);
        }
        if (digest != spec.sha256) {
            throw Error(ErrorKind::kIo, file.path + " is not the face detector's " + file.name +
                                            " (its SHA-256 differs from the one core/faces.json pins): " + kHint);
        }
        files.push_back(std::move(file));
    }
    return files;
}

}  // namespace ugatit::faces
