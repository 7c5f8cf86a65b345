// Shared by the libFuzzer targets: run one input through a parser; an ugatit::Error is the expected answer to
// bad input, anything else (another exception, a sanitizer report, a leak, a timeout) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "error.h"
#include "resource_limits.h"

namespace ugatit_fuzz {

// Smaller image limits than the defaults, so that a header claiming a large (allowed) image costs a few MB per
// run, not hundreds: the checks are the same code, the fuzzer just reaches more inputs per second.
inline void small_limits() {
    static const bool done = [] {
        ugatit::set_limit(ugatit::Limit::kImagePixels, std::int64_t{1} << 22);
        return true;
    }();
    (void)done;
}

template <typename Parse>
int expect_errors_only(Parse&& parse) {
    try {
        parse();
    } catch (const ugatit::Error&) {
    }
    return 0;
}

inline std::vector<std::uint8_t> bytes_of(const std::uint8_t* data, std::size_t size) {
    return std::vector<std::uint8_t>(data, data + size);
}

}  // namespace ugatit_fuzz
