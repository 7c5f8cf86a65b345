#include "integrity.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "error.h"
#include "sha256.h"

namespace ugatit {

void verify_artifact(const std::string& path, const Sidecar& sidecar) {
    if (!sidecar.describes_artifact) return;
    if (sidecar.sha256.empty() || sidecar.size_bytes < 0)  // every sidecar ugatit-deploy wrote has both
        throw Error(ErrorKind::kMetadata, path + ": its sidecar records no sha256 / size_bytes (export it again)");
    const std::string mismatch =
        path + " does not match the sha256 its sidecar records: the file is damaged or was changed (export it again)";
    struct stat info;
    if (::stat(path.c_str(), &info) != 0)
        throw Error(ErrorKind::kIo, "cannot open " + path + ": " + std::strerror(errno));
    if (static_cast<std::int64_t>(info.st_size) != sidecar.size_bytes) throw Error(ErrorKind::kIo, mismatch);
    if (file_sha256(path) != sidecar.sha256) throw Error(ErrorKind::kIo, mismatch);
}

}  // namespace ugatit
