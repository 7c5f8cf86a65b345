// libFuzzer: the JSON parser (json.h) under the sidecar reader.
#include <string>

#include "fuzz_common.h"
#include "json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ugatit_fuzz::expect_errors_only([&] { (void)ugatit::Json::parse(std::string(data, data + size)); });
}
