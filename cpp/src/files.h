// Whole-file reads and atomic writes: an output is either complete or absent, never half-written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ugatit {

std::vector<std::uint8_t> read_binary_file(const std::string& path);
std::string read_text_file(const std::string& path);

// Writes to a temporary file beside `path`, then renames it over `path`.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

// "model.plan" -> "model.json" (the extension of the last path component replaced or appended).
std::string replace_extension(const std::string& path, const std::string& extension);
std::string lowercase_extension(const std::string& path);

}  // namespace ugatit
