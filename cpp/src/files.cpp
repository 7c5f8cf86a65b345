#include "files.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "error.h"

namespace ugatit {
namespace {

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_for_reading(const std::string& path) {
    File file(std::fopen(path.c_str(), "rb"));
    if (!file) throw Error(ErrorKind::kIo, "cannot open " + path + ": " + std::strerror(errno));
    return file;
}

std::size_t extension_start(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    const std::size_t dot = path.find_last_of('.');
    const bool has_dot = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1);
    return has_dot ? dot : path.size();
}

}  // namespace

std::vector<std::uint8_t> read_binary_file(const std::string& path) {
    File file = open_for_reading(path);
    std::vector<std::uint8_t> bytes;
    std::uint8_t chunk[1 << 16];
    std::size_t count;
    while ((count = std::fread(chunk, 1, sizeof chunk, file.get())) > 0)
        bytes.insert(bytes.end(), chunk, chunk + count);
    if (std::ferror(file.get())) throw Error(ErrorKind::kIo, "cannot read " + path + ": " + std::strerror(errno));
    return bytes;
}

std::string read_text_file(const std::string& path) {
    const std::vector<std::uint8_t> bytes = read_binary_file(path);
    return std::string(bytes.begin(), bytes.end());
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
    const std::string temporary = path + ".tmp" + std::to_string(static_cast<long>(::getpid()));
    {
        File file(std::fopen(temporary.c_str(), "wb"));
        if (!file) throw Error(ErrorKind::kIo, "cannot write " + path + ": " + std::strerror(errno));
        const bool written = std::fwrite(data, 1, size, file.get()) == size;
        const bool closed = std::fclose(file.release()) == 0;
        if (!written || !closed) {
            const int saved = errno;
            std::remove(temporary.c_str());
            throw Error(ErrorKind::kIo, "cannot write " + path + ": " + std::strerror(saved));
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        std::remove(temporary.c_str());
        throw Error(ErrorKind::kIo, "cannot write " + path + ": " + std::strerror(saved));
    }
}

std::string replace_extension(const std::string& path, const std::string& extension) {
    return path.substr(0, extension_start(path)) + extension;
}

std::string lowercase_extension(const std::string& path) {
    std::string extension = path.substr(extension_start(path));
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension;
}

}  // namespace ugatit
