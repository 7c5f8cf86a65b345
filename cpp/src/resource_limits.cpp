#include "resource_limits.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "limits_defaults.h"

namespace ugatit {
namespace {

const LimitSpec kSpecs[kLimitCount] = {
    {"max_image_pixels", UGATIT_MAX_IMAGE_PIXELS_ENV, UGATIT_MAX_IMAGE_PIXELS_OPTION, UGATIT_MAX_IMAGE_PIXELS_DEFAULT},
    {"max_image_side", UGATIT_MAX_IMAGE_SIDE_ENV, UGATIT_MAX_IMAGE_SIDE_OPTION, UGATIT_MAX_IMAGE_SIDE_DEFAULT},
    {"max_model_size", UGATIT_MAX_MODEL_SIZE_ENV, UGATIT_MAX_MODEL_SIZE_OPTION, UGATIT_MAX_MODEL_SIZE_DEFAULT},
    {"max_batch", UGATIT_MAX_BATCH_ENV, UGATIT_MAX_BATCH_OPTION, UGATIT_MAX_BATCH_DEFAULT},
};

std::atomic<std::int64_t> overrides[kLimitCount] = {};  // 0: not set for this process

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The text as Python's parse_limit reads it: digits (with _ or , between them), or a float that is an integer.
std::optional<std::int64_t> parse_positive(const std::string& text) {
    std::string cleaned;
    for (char c : trimmed(text)) {
        if (c != '_' && c != ',') cleaned += c;
    }
    if (cleaned.empty() || cleaned.size() > 40) return std::nullopt;
    const std::size_t start = cleaned[0] == '+' ? 1 : 0;
    const bool digits = start < cleaned.size() && cleaned.find_first_not_of("0123456789", start) == std::string::npos;
    if (digits) {
        std::int64_t value = 0;
        for (std::size_t i = start; i < cleaned.size(); ++i) {
            if (value > kLargestLimit) return std::nullopt;
            value = value * 10 + (cleaned[i] - '0');
        }
        if (value < 1 || value > kLargestLimit) return std::nullopt;
        return value;
    }
    if (cleaned.find_first_not_of("0123456789.eE+-", 0) != std::string::npos) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(cleaned.c_str(), &end);
    if (end != cleaned.c_str() + cleaned.size() || !std::isfinite(value) || value != std::floor(value)) {
        return std::nullopt;
    }
    if (value < 1 || value > static_cast<double>(kLargestLimit)) return std::nullopt;
    return static_cast<std::int64_t>(value);
}

}  // namespace

const LimitSpec& limit_spec(Limit limit) {
    return kSpecs[static_cast<int>(limit)];
}

std::optional<Limit> find_limit(const std::string& name) {
    for (int i = 0; i < kLimitCount; ++i) {
        if (name == kSpecs[i].name || name == kSpecs[i].option) return static_cast<Limit>(i);
    }
    return std::nullopt;
}

std::int64_t parse_limit(Limit limit, const std::string& text) {
    const std::optional<std::int64_t> value = parse_positive(text);
    if (!value) {
        const LimitSpec& spec = limit_spec(limit);
        throw Error(ErrorKind::kInvalidArgument, std::string(spec.env) + " / " + spec.option +
                                                     " must be a positive integer, got '" + text.substr(0, 40) + "'");
    }
    return *value;
}

std::int64_t limit_value(Limit limit) {
    const std::int64_t set = overrides[static_cast<int>(limit)].load();
    if (set > 0) return set;
    const LimitSpec& spec = limit_spec(limit);
    const char* text = std::getenv(spec.env);
    if (!text || trimmed(text).empty()) return spec.default_value;
    return parse_limit(limit, text);
}

void set_limit(Limit limit, std::int64_t value) {
    if (value < 0 || value > kLargestLimit) {
        const LimitSpec& spec = limit_spec(limit);
        throw Error(ErrorKind::kInvalidArgument, std::string(spec.option) + " must be a positive integer, got " +
                                                     std::to_string(value));
    }
    overrides[static_cast<int>(limit)].store(value);
}

std::string how_to_raise(Limit limit) {
    const LimitSpec& spec = limit_spec(limit);
    return std::string("raise it with ") + spec.option + " or " + spec.env;
}

std::string with_commas(std::int64_t value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3)
        digits.insert(static_cast<std::size_t>(at), ",");
    return value < 0 ? "-" + digits : digits;
}

void check_image_size(std::int64_t width, std::int64_t height, const std::string& what) {
    const std::string size = what + " is " + std::to_string(width) + " x " + std::to_string(height);
    if (width < 1 || height < 1) throw LimitError(ErrorKind::kImage, size + ": an image needs at least 1 x 1 pixels");
    const std::int64_t side = limit_value(Limit::kImageSide);
    if (width > side || height > side) {
        throw LimitError(ErrorKind::kImage, size + ": a side over the limit of " + with_commas(side) + " pixels (" +
                                           how_to_raise(Limit::kImageSide) + ")");
    }
    // Both sides are at most 2^53 here only if the side limit is that large: compare without overflow.
    const std::int64_t pixels_limit = limit_value(Limit::kImagePixels);
    if (width > pixels_limit / height) {
        const bool exact = width <= std::numeric_limits<std::int64_t>::max() / height;
        const std::string count = exact ? with_commas(width * height) : "more than 9e18";
        throw LimitError(ErrorKind::kImage, size + " (" + count + " pixels): over the limit of " +
                                           with_commas(pixels_limit) + " pixels (" +
                                           how_to_raise(Limit::kImagePixels) + ")");
    }
}

namespace {

void check_model_dim(Limit limit, std::int64_t value, const std::string& what, const char* noun) {
    if (value < 1) {
        throw Error(ErrorKind::kMetadata, what + " must be a positive " + noun + ", got " + std::to_string(value));
    }
    const std::int64_t largest = limit_value(limit);
    if (value > largest) {
        throw LimitError(ErrorKind::kMetadata, what + " is " + std::to_string(value) + ": over the limit of " +
                                              std::to_string(largest) + " (" + how_to_raise(limit) + ")");
    }
}

}  // namespace

void check_model_size(std::int64_t size, const std::string& what) {
    check_model_dim(Limit::kModelSize, size, what, "size");
}

void check_batch(std::int64_t batch, const std::string& what) {
    check_model_dim(Limit::kBatch, batch, what, "batch");
}

int to_int(std::int64_t value, const std::string& what) {
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
        throw Error(ErrorKind::kInvalidArgument, what + " is " + std::to_string(value) + ": out of range");
    }
    return static_cast<int>(value);
}

}  // namespace ugatit
