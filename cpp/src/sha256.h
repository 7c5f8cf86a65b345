// SHA-256 (FIPS 180-4), self-contained: the hash ugatit-deploy records for every artifact (sidecar "sha256").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ugatit {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    std::array<std::uint8_t, 32> finish();  // the object is spent afterwards
    std::string finish_hex();               // lowercase hex, as Python's hexdigest()

private:
    void compress(const std::uint8_t* block);

    std::uint32_t state_[8];
    std::uint8_t buffer_[64];
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;  // bytes hashed so far
};

std::string sha256_hex(const void* data, std::size_t size);

// The hash of a file, read in chunks (models can be large); Error(kIo) when it cannot be read.
std::string file_sha256(const std::string& path);

}  // namespace ugatit
