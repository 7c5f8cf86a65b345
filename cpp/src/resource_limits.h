// Resource limits checked before the allocation they bound (ugatit_deploy/core/limits.json, the one definition
// shared with the Python package; CMake turns it into limits_defaults.h). In force: a value set for this process
// (set_limit: an option of a CLI, or ugatit_set_limit), else the limit's environment variable, else its default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "error.h"

namespace ugatit {

// An input over a limit (the message names the limit and how to raise it); image readers pass it on unchanged.
class LimitError : public Error {
public:
    using Error::Error;
};

enum class Limit { kImagePixels = 0, kImageSide = 1, kModelSize = 2, kBatch = 3 };
constexpr int kLimitCount = 4;

struct LimitSpec {
    const char* name;    // "max_image_pixels"
    const char* env;     // "UGATIT_MAX_IMAGE_PIXELS"
    const char* option;  // "--max-image-pixels"
    std::int64_t default_value;
};

// The largest value a limit takes (products of two sides stay far from int64 overflow).
constexpr std::int64_t kLargestLimit = std::int64_t{1} << 53;

const LimitSpec& limit_spec(Limit limit);
std::optional<Limit> find_limit(const std::string& name);  // by name ("max_batch") or option ("--max-batch")

// The value in force; an invalid environment variable throws Error(kInvalidArgument) naming it.
std::int64_t limit_value(Limit limit);

// Sets the value for this process (it then wins over the environment); 0 goes back to env / default.
void set_limit(Limit limit, std::int64_t value);

// "123", "1_000_000", "100,000,000", "1e8": a positive integer up to kLargestLimit, else Error naming the limit.
std::int64_t parse_limit(Limit limit, const std::string& text);

// "raise it with --max-image-side or UGATIT_MAX_IMAGE_SIDE"
std::string how_to_raise(Limit limit);

// 4290250000 -> "4,290,250,000"
std::string with_commas(std::int64_t value);

// An image header's size: LimitError(kImage) "WHAT is W x H: a side over the limit of ..." or "... pixels): over ...".
void check_image_size(std::int64_t width, std::int64_t height, const std::string& what);

// A size a model declares: LimitError(kMetadata) "WHAT is N: over the limit of 1024 (raise it with ...)".
void check_model_size(std::int64_t size, const std::string& what);
void check_batch(std::int64_t batch, const std::string& what);

// A dim of a model that must also fit an int (after check_model_size / check_batch it always does).
int to_int(std::int64_t value, const std::string& what);

}  // namespace ugatit
