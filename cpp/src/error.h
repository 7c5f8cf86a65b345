// The one exception type of the runner: a category (mapped to the C API status) and a one-line message.
#pragma once

#include <stdexcept>
#include <string>

namespace ugatit {

enum class ErrorKind {
    kInvalidArgument = 1,
    kIo = 2,           // a file that cannot be opened, read or written
    kImage = 3,        // a file that is not a decodable image
    kMetadata = 4,     // a missing or invalid sidecar JSON
    kUnavailable = 5,  // a feature this build does not have (TensorRT, PNG, JPEG)
    kEngine = 6,       // TensorRT or CUDA failed
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

}  // namespace ugatit
